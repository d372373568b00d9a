// SPDX-License-Identifier: Apache-2.0
/*
 * Master-side name changes (format version 2): delete, rename, symbolic
 * links. Each entry is checked exactly as replay would check it, appended
 * to the log, then applied: released space must never be handed out for
 * an entry the log does not have, so nothing changes before the append.
 *
 * A pending file (being written, never logged) has no entry to delete:
 * it just leaves the namespace, and its space is freed once nothing on
 * this host holds it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

/* Check, append, apply; caller holds the write lock. */
static int append_checked(struct famfs_fs *fs, struct famfs_log_record *r,
			  int (*refusal)(int rc))
{
	const char *why;
	int rc = replay_check(fs, r, &why);

	if (rc)
		return refusal ? refusal(rc) : rc;
	rc = log_append(fs, r);
	if (rc)
		return rc;
	/* cannot fail but for memory: the log has it, so must we */
	return replay_apply(fs, r, &why);
}

/* The name @name under directory @parent_ino, and its log path. */
static int find_name(struct famfs_fs *fs, uint64_t parent_ino,
		     const char *name, struct node **parent, struct node **n,
		     char *path)
{
	int rc = fs_check_version(fs, 2);

	if (rc)
		return rc;
	if (!fs->master || !fs->writable)
		return -EROFS;
	*parent = ns_get(&fs->ns, parent_ino);
	if (!*parent || (*parent)->unlinked)
		return -ENOENT;
	if ((*parent)->type != FAMFS_NODE_DIR)
		return -ENOTDIR;
	rc = famfs_check_name(name);
	if (rc)
		return rc;
	*n = ns_child(&fs->ns, *parent, name, strlen(name));
	if (!*n)
		return -ENOENT;
	return child_path(fs, *parent, name, path, FAMFS_PATH_MAX + 1);
}

/* A pending file leaves the namespace without an entry. */
static void drop_pending(struct famfs_fs *fs, struct node *n)
{
	if (!n->holds)
		pending_free_space(fs, n);
	log_release(fs, &n->log_held);
	ns_unlink(&fs->ns, n);	/* famfs_unhold frees the rest */
}

int famfs_unlink(struct famfs_fs *fs, uint64_t parent_ino, const char *name,
		 bool dir)
{
	char path[FAMFS_PATH_MAX + 1];
	struct famfs_log_record r;
	struct node *parent, *n;
	int rc;

	pthread_rwlock_wrlock(&fs->lock);
	rc = find_name(fs, parent_ino, name, &parent, &n, path);
	if (rc)
		goto out;
	if (dir && n->type != FAMFS_NODE_DIR) {
		rc = -ENOTDIR;
		goto out;
	}
	if (!dir && n->type == FAMFS_NODE_DIR) {
		rc = -EISDIR;
		goto out;
	}
	if (n->state == FAMFS_NODE_PENDING) {
		rc = pending_revert(fs, n);
		if (rc > 0) {
			/* never logged */
			drop_pending(fs, n);
			rc = 0;
			goto out;
		}
	}
	memset(&r, 0, sizeof(r));
	r.type = FAMFS_LOG_DELETE;
	r.path = path;
	rc = append_checked(fs, &r, NULL);
out:
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

/*
 * Would moving @n from a path of @from bytes to one of @to bytes leave a
 * node below it with a path longer than an entry can name (famfs(5))?
 * Nothing could delete or change that node afterwards. A move that does
 * not lengthen paths is never refused: it can only help.
 */
static bool moves_too_deep(const struct node *n, size_t from, size_t to)
{
	return to > from &&
	       to + ns_longest_below(n, FAMFS_PATH_MAX - to) > FAMFS_PATH_MAX;
}

int famfs_rename(struct famfs_fs *fs, uint64_t parent_ino, const char *name,
		 uint64_t newparent_ino, const char *newname, uint32_t flags)
{
	char path[FAMFS_PATH_MAX + 1], new_path[FAMFS_PATH_MAX + 1];
	struct node *parent, *n, *newparent, *d;
	struct famfs_log_record r;
	const char *why;
	int rc;

	pthread_rwlock_wrlock(&fs->lock);
	rc = find_name(fs, parent_ino, name, &parent, &n, path);
	if (rc)
		goto out;
	newparent = ns_get(&fs->ns, newparent_ino);
	rc = -ENOENT;
	if (!newparent || newparent->unlinked)
		goto out;
	rc = -ENOTDIR;
	if (newparent->type != FAMFS_NODE_DIR)
		goto out;
	rc = famfs_check_name(newname);
	if (!rc)
		rc = child_path(fs, newparent, newname, new_path,
				sizeof(new_path));
	if (!rc)
		rc = check_rel_path(new_path, &why);
	if (rc)
		goto out;
	d = ns_child(&fs->ns, newparent, newname, strlen(newname));
	/* pending files are not in the log: commit them first (the daemon) */
	rc = -EBUSY;
	if (n->state == FAMFS_NODE_PENDING ||
	    (d && d->state == FAMFS_NODE_PENDING))
		goto out;
	rc = -ENAMETOOLONG;
	if (moves_too_deep(n, strlen(path), strlen(new_path)) ||
	    (d && (flags & FAMFS_RENAME_EXCHANGE) &&
	     moves_too_deep(d, strlen(new_path), strlen(path))))
		goto out;
	memset(&r, 0, sizeof(r));
	r.type = FAMFS_LOG_RENAME;
	r.path = path;
	r.new_path = new_path;
	r.rename_flags = flags;
	rc = append_checked(fs, &r, NULL);
out:
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int famfs_symlink(struct famfs_fs *fs, uint64_t parent_ino, const char *name,
		  const char *target, uint32_t uid, uint32_t gid,
		  struct famfs_stat *st)
{
	char path[FAMFS_PATH_MAX + 1];
	struct famfs_log_record r;
	struct node *parent;
	size_t tlen = strnlen(target, FAMFS_SYMLINK_MAX + 1);
	int rc;

	pthread_rwlock_wrlock(&fs->lock);
	rc = fs_check_version(fs, 2);
	if (!rc)
		rc = create_begin(fs, parent_ino, name, &parent, path);
	if (rc)
		goto out;
	rc = -ENAMETOOLONG;
	if (tlen > FAMFS_SYMLINK_MAX)
		goto out;
	rc = -ENOENT;	/* as symlink(2) says of an empty target */
	if (!tlen)
		goto out;
	memset(&r, 0, sizeof(r));
	r.type = FAMFS_LOG_SYMLINK;
	r.path = path;
	r.target = target;
	r.uid = uid;
	r.gid = gid;
	rc = append_checked(fs, &r, NULL);
	if (!rc && st)
		ns_stat(ns_child(&fs->ns, parent, name, strlen(name)), st);
out:
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int famfs_readlink(struct famfs_fs *fs, uint64_t ino, char *buf, size_t len)
{
	struct node *n;
	int rc;

	pthread_rwlock_rdlock(&fs->lock);
	n = ns_get(&fs->ns, ino);
	if (!n) {
		rc = -ENOENT;
	} else if (n->type != FAMFS_NODE_SYMLINK || !n->target) {
		rc = -EINVAL;
	} else {
		size_t tlen = strlen(n->target);

		rc = (int)tlen;
		if (len) {
			size_t copy = tlen < len - 1 ? tlen : len - 1;

			memcpy(buf, n->target, copy);
			buf[copy] = '\0';
		}
	}
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}
