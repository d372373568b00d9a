// SPDX-License-Identifier: Apache-2.0
/*
 * Applying log records to the namespace. Everything a record claims is
 * checked here before anything changes, so a hostile or stale entry is
 * refused whole, never half applied. Replay and append share this path,
 * which keeps the master's view identical to what clients rebuild.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

/* Check the extents of a file record against the allocator and itself. */
static int check_file_extents(struct famfs_fs *fs,
			      const struct famfs_log_record *r,
			      const char **why)
{
	const struct famfs_interleave *il = &r->interleave;
	uint64_t total = 0;
	uint32_t i;
	int rc = 0;

	if (il->nstrips) {
		if (r->nextents != il->nstrips) {
			*why = "interleave strip count disagrees with extents";
			return -EINVAL;
		}
		if (!il->chunk_size || il->chunk_size % fs->sb.alloc_unit) {
			*why = "interleave chunk not a multiple of the unit";
			return -EINVAL;
		}
	}
	for (i = 0; i < r->nextents; i++) {
		const struct famfs_extent *e = &r->extents[i];

		if (il->nstrips && (e->len != r->extents[0].len ||
				    e->len % il->chunk_size)) {
			*why = "interleave strips of unequal or partial length";
			rc = -EINVAL;
			break;
		}
		rc = space_check_free(&fs->alloc, e->offset, e->len, why);
		if (rc)
			break;
		/* mark as we go so overlaps inside the record are caught */
		rc = space_mark(&fs->alloc, e->offset, e->len, META_OWNER);
		if (rc) {
			*why = "out of memory";
			break;
		}
		total += e->len;
	}
	while (i--)
		space_clear(&fs->alloc, r->extents[i].offset,
			    r->extents[i].len);
	if (rc)
		return rc;
	if (r->size > total) {
		*why = "file size exceeds its extents";
		return -EINVAL;
	}
	return 0;
}

/* A committed file with no contents yet: a later entry may fill it. */
static bool is_empty_file(const struct node *n)
{
	return n->type == FAMFS_NODE_FILE &&
	       n->state == FAMFS_NODE_COMMITTED && !n->size && !n->nextents;
}

/*
 * Add a file, or give a committed empty file its contents (@n): a file
 * may be logged empty at its first close and written later, once.
 */
static int apply_file(struct famfs_fs *fs, struct node *parent,
		      const char *name, size_t name_len, struct node *n,
		      const struct famfs_log_record *r, const char **why)
{
	struct famfs_extent *ext = NULL;
	int rc;

	rc = check_file_extents(fs, r, why);
	if (rc)
		return rc;
	if (!n && fs->ns.nnodes + 1 >= MAX_OWNER_INO) {
		*why = "too many files";
		return -ENOSPC;
	}
	if (r->nextents) {
		ext = malloc(r->nextents * sizeof(*ext));
		if (!ext) {
			*why = "out of memory";
			return -ENOMEM;
		}
		memcpy(ext, r->extents, r->nextents * sizeof(*ext));
	}
	if (n) {
		free(n->extents);
	} else {
		n = ns_add(&fs->ns, parent, name, name_len, FAMFS_NODE_FILE);
		if (!n) {
			free(ext);
			*why = "out of memory";
			return -ENOMEM;
		}
	}
	n->mode = S_IFREG | (r->mode & 07777);
	n->uid = r->uid;
	n->gid = r->gid;
	n->time = r->time;
	n->size = r->size;
	n->extents = ext;
	n->nextents = n->extents_cap = r->nextents;
	n->interleave = r->interleave;
	for (uint32_t i = 0; i < r->nextents; i++) {
		/* checked free just above, and marked once: no new memory */
		space_mark(&fs->alloc, ext[i].offset, ext[i].len,
			   (uint32_t)n->ino);
		n->allocated += ext[i].len;
	}
	return 0;
}

static int apply_setattr(struct node *n, const struct famfs_log_record *r)
{
	if (r->setattr_mask & FAMFS_SETATTR_MODE)
		n->mode = (n->mode & S_IFMT) | (r->mode & 07777);
	if (r->setattr_mask & FAMFS_SETATTR_UID)
		n->uid = r->uid;
	if (r->setattr_mask & FAMFS_SETATTR_GID)
		n->gid = r->gid;
	return 0;
}

/* Add poisoned bytes to the sorted, merged list; take free space out. */
static int apply_bad(struct famfs_fs *fs, const struct famfs_extent *b,
		     const char **why)
{
	long n;

	if (!b->len || b->offset >= fs->sb.device_size ||
	    b->len > fs->sb.device_size - b->offset) {
		*why = "poisoned range outside the device";
		return -ERANGE;
	}
	n = famfs_ranges_merge(&fs->bad, fs->nbad, &fs->bad_cap, b->offset,
			       b->len);
	if (n < 0) {
		*why = "out of memory";
		return (int)n;
	}
	__atomic_store_n(&fs->nbad, (size_t)n, __ATOMIC_RELEASE);
	if (space_take_bad(fs, b->offset, b->len)) {
		*why = "out of memory";
		return -ENOMEM;
	}
	return 0;
}

int replay_apply(struct famfs_fs *fs, const struct famfs_log_record *r,
		 const char **why)
{
	struct node *parent, *n, *dir;
	size_t name_len;
	const char *name;
	int rc;

	if (r->type == FAMFS_LOG_BADRANGE)
		return apply_bad(fs, &r->bad, why);
	rc = check_rel_path(r->path, why);
	if (rc)
		return rc;
	parent = ns_walk_parent(&fs->ns, r->path, &name, &name_len, &rc, why);
	if (!parent)
		return rc;
	n = ns_child(&fs->ns, parent, name, name_len);

	switch (r->type) {
	case FAMFS_LOG_MKDIR:
		if (n) {
			*why = "already exists";
			return -EEXIST;
		}
		dir = ns_add(&fs->ns, parent, name, name_len, FAMFS_NODE_DIR);
		if (!dir) {
			*why = "out of memory";
			return -ENOMEM;
		}
		dir->mode = S_IFDIR | (r->mode & 07777);
		dir->uid = r->uid;
		dir->gid = r->gid;
		dir->time = r->time;
		return 0;
	case FAMFS_LOG_FILE:
		if (n && !is_empty_file(n)) {
			*why = n->state == FAMFS_NODE_PENDING ?
				       "pending file in the way" :
				       "already exists";
			return -EEXIST;
		}
		return apply_file(fs, parent, name, name_len, n, r, why);
	case FAMFS_LOG_SETATTR:
		if (!n || n->state != FAMFS_NODE_COMMITTED) {
			*why = "no such file or directory";
			return -ENOENT;
		}
		if (r->setattr_mask & ~(FAMFS_SETATTR_MODE | FAMFS_SETATTR_UID |
					FAMFS_SETATTR_GID)) {
			*why = "unknown attribute bits";
			return -EINVAL;
		}
		return apply_setattr(n, r);
	default:
		*why = "unknown entry type";
		return -EINVAL;
	}
}
