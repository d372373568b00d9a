// SPDX-License-Identifier: Apache-2.0
/*
 * Master-side changes. Each one is applied in memory first (through the
 * same checks replay uses), then appended to the log; if the append fails
 * the memory change is undone, so memory never holds what the log lacks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "internal.h"

static int check_master(struct famfs_fs *fs)
{
	return fs->master && fs->writable ? 0 : -EROFS;
}

uint64_t entry_time_now(const struct famfs_fs *fs)
{
	return log_now(&fs->coding);
}

int child_path(struct famfs_fs *fs, struct node *parent,
		      const char *name, char *buf, size_t len)
{
	size_t plen;
	int rc = famfs_check_name(name);

	if (rc)
		return rc;
	rc = ns_path_of(&fs->ns, parent, buf, len);
	if (rc)
		return rc;
	plen = strlen(buf);
	if (plen + (plen ? 1 : 0) + strlen(name) > FAMFS_PATH_MAX)
		return -ENAMETOOLONG;
	if (plen)
		buf[plen++] = '/';
	strcpy(buf + plen, name);
	return 0;
}

int create_begin(struct famfs_fs *fs, uint64_t parent_ino, const char *name,
		 struct node **parent, char *path)
{
	const char *why;
	int rc;

	rc = check_master(fs);
	if (rc)
		return rc;
	*parent = ns_get(&fs->ns, parent_ino);
	if (!*parent)
		return -ENOENT;
	if ((*parent)->type != FAMFS_NODE_DIR)
		return -ENOTDIR;
	rc = child_path(fs, *parent, name, path, FAMFS_PATH_MAX + 1);
	if (rc)
		return rc;
	rc = check_rel_path(path, &why);
	if (rc)
		return rc == -ENAMETOOLONG ? rc : -EINVAL;
	if (ns_child(&fs->ns, *parent, name, strlen(name)))
		return -EEXIST;
	return 0;
}

static void new_record(struct famfs_fs *fs, struct famfs_log_record *r,
		       enum famfs_log_type type, const char *path,
		       uint32_t mode, uint32_t uid, uint32_t gid)
{
	memset(r, 0, sizeof(*r));
	r->type = type;
	r->path = path;
	r->mode = mode;
	r->uid = uid;
	r->gid = gid;
	r->time = entry_time_now(fs);
}

int famfs_mkdir(struct famfs_fs *fs, uint64_t parent_ino, const char *name,
		uint32_t mode, uint32_t uid, uint32_t gid,
		struct famfs_stat *st)
{
	char path[FAMFS_PATH_MAX + 1];
	struct famfs_log_record r;
	struct node *parent, *n;
	const char *why;
	int rc;

	pthread_rwlock_wrlock(&fs->lock);
	rc = create_begin(fs, parent_ino, name, &parent, path);
	if (rc)
		goto out;
	new_record(fs, &r, FAMFS_LOG_MKDIR, path, S_IFDIR | (mode & 07777), uid,
		   gid);
	rc = replay_apply(fs, &r, &why);
	if (rc)
		goto out;
	n = ns_child(&fs->ns, parent, name, strlen(name));
	rc = log_append(fs, &r);
	if (rc) {
		ns_forget(&fs->ns, n);
		goto out;
	}
	n->identity = r.seq;
	if (st)
		ns_stat(n, st);
out:
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int famfs_set_attr(struct famfs_fs *fs, uint64_t ino,
		   const struct famfs_attr *attr, struct famfs_stat *st)
{
	uint32_t known = FAMFS_SETATTR_MODE | FAMFS_SETATTR_UID |
			 FAMFS_SETATTR_GID;
	uint32_t times = FAMFS_SETATTR_ATIME | FAMFS_SETATTR_MTIME;
	char path[FAMFS_PATH_MAX + 1];
	struct famfs_log_record r;
	struct node *n, saved;
	const char *why;
	int rc;

	pthread_rwlock_wrlock(&fs->lock);
	rc = check_master(fs);
	if (rc)
		goto out;
	n = ns_get(&fs->ns, ino);
	rc = -ENOENT;
	if (!n || n->unlinked)
		goto out;
	rc = -EINVAL;
	if (ino == FAMFS_ROOT_INO || n->state != FAMFS_NODE_COMMITTED ||
	    (attr->mask & ~(known | times)))
		goto out;	/* the root is not in the log */
	if (attr->mask & times) {
		rc = fs_check_version(fs, 2);
		if (rc)
			goto out;
	}
	rc = ns_path_of(&fs->ns, n, path, sizeof(path));
	if (rc)
		goto out;
	memset(&r, 0, sizeof(r));
	/* version 2 writes attributes entries, version 1 setattr entries */
	r.type = fs->sb.version >= 2 ? FAMFS_LOG_ATTR : FAMFS_LOG_SETATTR;
	r.path = path;
	r.setattr_mask = attr->mask;
	r.mode = attr->mode & 07777;
	r.uid = attr->uid;
	r.gid = attr->gid;
	r.atime = attr->atime;
	r.mtime = attr->mtime;
	r.time = entry_time_now(fs);
	saved = *n;
	rc = replay_apply(fs, &r, &why);
	if (rc)
		goto out;
	rc = log_append(fs, &r);
	if (rc) {
		n->mode = saved.mode;
		n->uid = saved.uid;
		n->gid = saved.gid;
		n->atime = saved.atime;
		n->mtime = saved.mtime;
		n->ctime = saved.ctime;
		goto out;
	}
	if (st)
		ns_stat(n, st);
out:
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int famfs_setattr(struct famfs_fs *fs, uint64_t ino, uint32_t mask,
		  uint32_t mode, uint32_t uid, uint32_t gid,
		  struct famfs_stat *st)
{
	struct famfs_attr attr = {
		.mask = mask, .mode = mode, .uid = uid, .gid = gid,
	};

	return famfs_set_attr(fs, ino, &attr, st);
}

static int check_interleave(const struct famfs_fs *fs,
			    const struct famfs_interleave *il)
{
	if (!il->nstrips || il->nstrips > 64 || il->nbuckets < il->nstrips ||
	    !il->chunk_size || il->chunk_size % fs->sb.alloc_unit)
		return -EINVAL;
	return 0;
}

/*
 * Interleave: the data area is cut into nbuckets equal buckets and each
 * strip comes from a different bucket, so consecutive chunks land in
 * different regions of the device (different DIMMs or CXL devices when
 * the device interleaves by address range).
 */
int plan_interleaved(struct famfs_fs *fs, uint64_t bytes,
			    const struct famfs_interleave *il,
			    struct famfs_extent *strips)
{
	struct allocator *a = &fs->alloc;
	uint64_t stripe = il->chunk_size * il->nstrips;
	uint64_t strip_len = ((bytes ? bytes : 1) + stripe - 1) / stripe *
			     il->chunk_size;
	uint64_t span = a->nunits - a->first_unit;
	uint64_t bucket_units = span / il->nbuckets;
	uint32_t got = 0;
	int rc = check_interleave(fs, il);

	if (rc)
		return rc;
	if (!bucket_units)
		return -ENOSPC;
	for (uint32_t b = 0; b < il->nbuckets && got < il->nstrips; b++) {
		uint64_t lo = a->first_unit + b * bucket_units;
		uint64_t hi = b + 1 == il->nbuckets ? a->nunits :
						      lo + bucket_units;
		uint64_t first;

		if (alloc_find(a, strip_len / a->unit, lo, hi, &first))
			continue;
		strips[got].offset = first * a->unit;
		strips[got].len = strip_len;
		got++;
	}
	return got == il->nstrips ? 0 : -ENOSPC;
}

int famfs_alloc_contiguous(struct famfs_fs *fs, uint64_t bytes,
			   struct famfs_extent *out)
{
	int rc;

	pthread_rwlock_wrlock(&fs->lock);
	rc = space_plan_units(&fs->alloc, bytes, out);
	/* deleted files may be waiting for hosts that have let go since */
	if (rc == -ENOSPC && reclaim_locked(fs))
		rc = space_plan_units(&fs->alloc, bytes, out);
	if (!rc)
		alloc_mark(&fs->alloc, out->offset, out->len, RESERVED_OWNER);
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int famfs_alloc_interleaved(struct famfs_fs *fs, uint64_t bytes,
			    const struct famfs_interleave *il,
			    struct famfs_extent *strips)
{
	int rc;

	pthread_rwlock_wrlock(&fs->lock);
	rc = plan_interleaved(fs, bytes, il, strips);
	if (!rc)
		for (uint32_t i = 0; i < il->nstrips; i++)
			alloc_mark(&fs->alloc, strips[i].offset, strips[i].len,
				   RESERVED_OWNER);
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

void famfs_alloc_release(struct famfs_fs *fs, const struct famfs_extent *ext,
			 uint32_t n)
{
	pthread_rwlock_wrlock(&fs->lock);
	for (uint32_t i = 0; i < n; i++)
		alloc_clear(&fs->alloc, ext[i].offset, ext[i].len);
	pthread_rwlock_unlock(&fs->lock);
}

/*
 * The bytes past the end of a file in its last page are seen by anyone
 * who maps the file: they must read as zeros, not as what the memory
 * held before (another file's data).
 */
void zero_page_tail(struct famfs_fs *fs, const struct node *n)
{
	uint64_t off, contig, len;

	if (n->size % MAP_PAGE == 0 ||
	    node_map(n, n->size - 1, &off, &contig))
		return;
	off++;	/* extents are page aligned: the tail is in the same page */
	len = MAP_PAGE - off % MAP_PAGE;
	memset(fs->dev->base + off, 0, len);
	famfs_flush(fs->dev->base + off, len);
}

/* Zero file bytes [from, to) of a node and push them to the device. */
void zero_range(struct famfs_fs *fs, const struct node *n,
		       uint64_t from, uint64_t to)
{
	while (from < to) {
		uint64_t off, contig;

		if (node_map(n, from, &off, &contig))
			return;
		if (contig > to - from)
			contig = to - from;
		memset(fs->dev->base + off, 0, contig);
		famfs_flush(fs->dev->base + off, contig);
		from += contig;
	}
}

int famfs_create_file(struct famfs_fs *fs, uint64_t parent_ino,
		      const char *name, uint32_t mode, uint32_t uid,
		      uint32_t gid, uint64_t size,
		      const struct famfs_interleave *il, struct famfs_stat *st)
{
	struct famfs_extent ext[64];
	char path[FAMFS_PATH_MAX + 1];
	struct famfs_log_record r;
	struct node *parent, *n;
	const char *why;
	int rc;

	pthread_rwlock_wrlock(&fs->lock);
	rc = create_begin(fs, parent_ino, name, &parent, path);
	if (rc)
		goto out;
	new_record(fs, &r, FAMFS_LOG_FILE, path, S_IFREG | (mode & 07777), uid,
		   gid);
	r.size = size;
	r.extents = ext;
	if (il && il->nstrips) {
		rc = plan_interleaved(fs, size, il, ext);
		r.interleave = *il;
		r.nextents = il->nstrips;
	} else if (size) {
		/* below a unit: one packed piece (version 2) */
		rc = space_plan(&fs->alloc, size, ext);
		if (rc == -ENOSPC && reclaim_locked(fs))
			rc = space_plan(&fs->alloc, size, ext);
		r.nextents = 1;
	}
	if (rc)
		goto out;
	rc = replay_apply(fs, &r, &why);
	if (rc)
		goto out;
	n = ns_child(&fs->ns, parent, name, strlen(name));
	/*
	 * The space may hold an older filesystem's data: zero it before the
	 * entry that lets other hosts see the file is published.
	 */
	zero_range(fs, n, 0, size);
	zero_page_tail(fs, n);
	rc = log_append(fs, &r);
	if (rc) {
		for (uint32_t i = 0; i < n->nextents; i++)
			space_clear(&fs->alloc, n->extents[i].offset,
				    n->extents[i].len);
		ns_forget(&fs->ns, n);
		goto out;
	}
	n->identity = r.seq;
	if (st)
		ns_stat(n, st);
out:
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int famfs_debug_append_unchecked(struct famfs_fs *fs,
				 struct famfs_log_record *r)
{
	int rc;

	pthread_rwlock_wrlock(&fs->lock);
	rc = log_append(fs, r);
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

/* Is [offset, offset+len) already inside one known bad range? */
static bool bad_known(const struct famfs_fs *fs, uint64_t offset,
		      uint64_t len)
{
	for (size_t i = 0; i < fs->nbad; i++)
		if (fs->bad[i].offset <= offset &&
		    offset + len <= fs->bad[i].offset + fs->bad[i].len)
			return true;
	return false;
}

int famfs_mark_bad(struct famfs_fs *fs, uint64_t offset, uint64_t len)
{
	struct famfs_log_record r;
	const char *why;
	int rc;

	pthread_rwlock_wrlock(&fs->lock);
	rc = check_master(fs);
	if (rc || bad_known(fs, offset, len))
		goto out;
	memset(&r, 0, sizeof(r));
	r.type = FAMFS_LOG_BADRANGE;
	r.path = "";
	r.bad.offset = offset;
	r.bad.len = len;
	/* memory first: even if the log is full, this mount avoids it */
	rc = replay_apply(fs, &r, &why);
	if (!rc)
		rc = log_append(fs, &r);
out:
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}
