// SPDX-License-Identifier: Apache-2.0
/*
 * Applying log records to the namespace. Everything a record claims is
 * checked here before anything changes, so a hostile or stale entry is
 * refused whole, never half applied. Replay and append share this path,
 * which keeps the master's view identical to what clients rebuild.
 *
 * Times follow famfs(5) Times: a created node gets the entry's time as
 * its access, modification and change time; an entry that adds or
 * removes a name sets its directory's modification and change times.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "internal.h"

static int cmp_extent(const void *a, const void *b)
{
	const struct famfs_extent *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/*
 * A sorted copy of a record's extents (*sorted, freed by the caller),
 * refused when two of them overlap.
 */
static int sort_extents(const struct famfs_log_record *r,
			struct famfs_extent **sorted, const char **why)
{
	struct famfs_extent *s;

	*sorted = NULL;
	if (!r->nextents)
		return 0;
	s = malloc(r->nextents * sizeof(*s));
	if (!s) {
		*why = "out of memory";
		return -ENOMEM;
	}
	memcpy(s, r->extents, r->nextents * sizeof(*s));
	qsort(s, r->nextents, sizeof(*s), cmp_extent);
	for (uint32_t i = 1; i < r->nextents; i++) {
		/* lengths were bounds-checked against the device already */
		if (s[i].offset < s[i - 1].offset + s[i - 1].len) {
			free(s);
			*why = "extent overlaps another extent of the file";
			return -EEXIST;
		}
	}
	*sorted = s;
	return 0;
}

static bool is_unit_extent(const struct allocator *a,
			   const struct famfs_extent *e)
{
	return e->len && !(e->offset % a->unit) && !(e->len % a->unit);
}

/* The granule of an extent: a unit extent's units, a piece's pages. */
static uint64_t granule_of(const struct allocator *a,
			   const struct famfs_extent *e)
{
	return is_unit_extent(a, e) ? a->unit : a->page;
}

/*
 * Call @fn on each run of @e that @old does not already have in an
 * extent of the same kind (unit extents grow by units, pieces by pages;
 * all of @e for a new file); stops at the first non-zero return. Kept
 * space is found per extent of @old, not per unit or page of @e: a
 * hostile entry's extent may span the whole device in pages.
 */
static int for_new_runs(const struct allocator *a, const struct node *old,
			const struct famfs_extent *e,
			int (*fn)(void *ctx, uint64_t off, uint64_t len),
			void *ctx)
{
	uint64_t step = granule_of(a, e), pos = e->offset;
	uint64_t end = e->offset + e->len;
	int rc;

	if (!old || e->offset % step || e->len % step)
		return fn(ctx, e->offset, e->len);
	while (pos < end) {
		uint64_t kept = end, kept_end = end;

		/* the first whole steps at or after pos that @old has */
		for (uint32_t i = 0; i < old->nextents; i++) {
			const struct famfs_extent *o = &old->extents[i];
			uint64_t from = o->offset > pos ? o->offset : pos;
			uint64_t to = o->offset + o->len < end ?
					      o->offset + o->len : end;

			if (granule_of(a, o) != step || from >= to)
				continue;
			from = (from + step - 1) / step * step;
			to = to / step * step;
			if (from < to && from < kept) {
				kept = from;
				kept_end = to;
			}
		}
		if (kept > pos) {
			rc = fn(ctx, pos, kept - pos);
			if (rc)
				return rc;
		}
		pos = kept_end;
	}
	return 0;
}

struct extent_check {
	const struct famfs_fs *fs;
	const char **why;
};

static int check_free_run(void *ctx, uint64_t off, uint64_t len)
{
	struct extent_check *c = ctx;
	int rc = space_check_free(&c->fs->alloc, off, len, c->why);

	/*
	 * Space held for hosts passes as free, but poison in it would have
	 * been taken out had it been freed (a first replay frees it)
	 */
	if (!rc && space_poisoned(c->fs, off, len)) {
		*c->why = "extent holds poisoned memory";
		rc = -EEXIST;
	}
	return rc;
}

/*
 * Check the extents of a file or contents record: each is made of free
 * space (held space counts as free: the master reclaimed it before
 * reusing it) and, for a contents record, of space the file already has
 * in an extent of the same kind (@owner; NULL for a new file): a file
 * keeps, drops, or grows its extents in place; well formed, inside the
 * data area, not overlapping each other. *sorted gets a sorted copy
 * (freed by the caller).
 */
static int check_file_extents(struct famfs_fs *fs,
			      const struct famfs_log_record *r,
			      const struct node *owner,
			      struct famfs_extent **sorted, const char **why)
{
	const struct famfs_interleave *il = &r->interleave;
	const struct allocator *a = &fs->alloc;
	uint64_t total = 0;
	int rc;

	*sorted = NULL;
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
	for (uint32_t i = 0; i < r->nextents; i++) {
		const struct famfs_extent *e = &r->extents[i];

		/*
		 * First, as the checks below add offset and length: a
		 * contents entry's runs past kept space were never checked
		 * when the end wrapped around 2^64 or there was no run
		 */
		if (!e->len) {
			*why = "extent of length 0";
			return -EINVAL;
		}
		if (e->len > UINT64_MAX - e->offset) {
			*why = "extent outside the data area";
			return -ERANGE;
		}
		if (il->nstrips && (e->len != r->extents[0].len ||
				    e->len % il->chunk_size)) {
			*why = "interleave strips of unequal or partial length";
			return -EINVAL;
		}
		/* a piece is one piece even when it grew in place */
		if (owner && granule_of(a, e) == a->page &&
		    a->page != a->unit && !(e->offset % a->page) &&
		    !(e->len % a->page) &&
		    (e->len >= a->unit ||
		     e->offset % a->unit + e->len > a->unit)) {
			*why = "packed piece crosses an allocation unit";
			return -EINVAL;
		}
		rc = for_new_runs(a, owner, e, check_free_run,
				  &(struct extent_check){ fs, why });
		if (rc)
			return rc;
		total += e->len;
	}
	if (r->size > total) {
		*why = "file size exceeds its extents";
		return -EINVAL;
	}
	return sort_extents(r, sorted, why);
}

/* Any of [off, off + len) held for hosts (reclaim.c)? */
static bool space_held(const struct allocator *a, uint64_t off, uint64_t len)
{
	for (uint64_t u = off / a->unit; u * a->unit < off + len; u++) {
		if (u >= a->nunits)
			break;
		if (a->owner[u] == HELD_OWNER)
			return true;
		if (a->owner[u] != PACKED_OWNER)
			continue;
		for (uint64_t p = off > u * a->unit ? off : u * a->unit;
		     p < off + len && p < (u + 1) * a->unit; p += a->page)
			if (pack_owner(a, p) == HELD_OWNER)
				return true;
	}
	return false;
}

struct extent_take {
	struct famfs_fs *fs;
	uint32_t owner;
	bool undo;
	uint32_t runs;		/* taking: runs marked; undoing: runs left */
};

static int take_run(void *ctx, uint64_t off, uint64_t len)
{
	struct extent_take *t = ctx;
	struct famfs_fs *fs = t->fs;
	int rc;

	if (t->undo) {
		if (!t->runs)
			return 1;
		t->runs--;
		space_clear(&fs->alloc, off, len);
		return 0;
	}
	if (space_held(&fs->alloc, off, len)) {
		const char *why;

		reclaim_forget(fs, off, len);
		/* a held page found poisoned stays out: the unit is not free */
		if (space_check_free(&fs->alloc, off, len, &why))
			return -EEXIST;
	}
	rc = space_mark(&fs->alloc, off, len, t->owner);
	if (!rc)
		t->runs++;
	return rc;
}

/*
 * Make @n own @count checked extents, but what its current ones (@old)
 * already cover. Held space they reuse is no longer held. On failure
 * (memory for a packed unit) nothing is left marked.
 */
static int take_extents(struct famfs_fs *fs, struct node *n,
			const struct node *old,
			const struct famfs_extent *ext, uint32_t count)
{
	struct extent_take t = { fs, (uint32_t)n->ino, false, 0 };
	uint32_t i;
	int rc = 0;

	for (i = 0; i < count && !rc; i++)
		rc = for_new_runs(&fs->alloc, old, &ext[i], take_run, &t);
	if (!rc)
		return 0;
	/* undo exactly the runs marked, in the order they were */
	t.undo = true;
	for (uint32_t j = 0; j < i && t.runs; j++)
		for_new_runs(&fs->alloc, old, &ext[j], take_run, &t);
	return rc;
}

/* Release every extent of @n (it is being deleted or replaced). */
static void release_all(struct famfs_fs *fs, struct node *n, uint64_t seq)
{
	for (uint32_t i = 0; i < n->nextents; i++)
		reclaim_release(fs, n, seq, &n->extents[i]);
	n->released = true;
}

void node_times_created(struct node *n, uint64_t time)
{
	n->atime = n->mtime = n->ctime = time;
}

/*
 * A name was added to or removed from @dir by an entry of @time: its
 * times move forward to it (a file entry may carry the older time its
 * writer gave it); on version 1 every node keeps one time, its creation.
 */
static void dir_changed(const struct famfs_fs *fs, struct node *dir,
			uint64_t time)
{
	if (fs->sb.version < 2)
		return;
	if (time > dir->mtime)
		dir->mtime = time;
	if (time > dir->ctime)
		dir->ctime = time;
}

/* A committed file with no contents yet: a later entry may fill it. */
static bool is_empty_file(const struct node *n)
{
	return n->type == FAMFS_NODE_FILE &&
	       n->state == FAMFS_NODE_COMMITTED && !n->size && !n->nextents;
}

static struct famfs_extent *copy_extents(const struct famfs_log_record *r)
{
	struct famfs_extent *ext;

	if (!r->nextents)
		return NULL;
	ext = malloc(r->nextents * sizeof(*ext));
	if (ext)
		memcpy(ext, r->extents, r->nextents * sizeof(*ext));
	return ext;
}

/*
 * Add a file, or give a committed empty file its contents (@n): a file
 * may be logged empty at its first close and written later, once.
 */
static int apply_file(struct famfs_fs *fs, struct node *parent,
		      const char *name, size_t name_len, struct node *n,
		      const struct famfs_log_record *r, bool check_only,
		      const char **why)
{
	struct famfs_extent *ext = NULL, *sorted;
	struct node *file = n;
	int rc;

	rc = check_file_extents(fs, r, NULL, &sorted, why);
	free(sorted);
	if (rc)
		return rc;
	if (!n && fs->ns.nnodes + 1 >= MAX_OWNER_INO) {
		*why = "too many files";
		return -ENOSPC;
	}
	if (check_only)
		return 0;
	if (r->nextents) {
		ext = copy_extents(r);
		if (!ext) {
			*why = "out of memory";
			return -ENOMEM;
		}
	}
	if (!file) {
		file = ns_add(&fs->ns, parent, name, name_len,
			      FAMFS_NODE_FILE);
		if (!file) {
			free(ext);
			*why = "out of memory";
			return -ENOMEM;
		}
	}
	rc = take_extents(fs, file, NULL, ext, r->nextents);
	if (rc) {
		if (!n)
			ns_forget(&fs->ns, file);
		free(ext);
		*why = "out of memory";
		return rc;
	}
	if (n) {
		free(n->extents);
		if (fs->sb.version >= 2)
			n->mtime = n->ctime = r->time;
	} else {
		file->identity = r->seq;
		file->time = r->time;
		node_times_created(file, r->time);
		dir_changed(fs, parent, r->time);
	}
	file->mode = S_IFREG | (r->mode & 07777);
	file->uid = r->uid;
	file->gid = r->gid;
	file->size = r->size;
	file->extents = ext;
	file->nextents = file->extents_cap = r->nextents;
	file->interleave = r->interleave;
	file->allocated = 0;
	for (uint32_t i = 0; i < r->nextents; i++)
		file->allocated += ext[i].len;
	return 0;
}

/*
 * Release what of @old (one of the file's extents) the new sorted list
 * leaves out.
 */
static void release_uncovered(struct famfs_fs *fs, struct node *n,
			      uint64_t seq, const struct famfs_extent *old,
			      const struct famfs_extent *sorted, uint32_t count)
{
	uint64_t pos = old->offset, end = old->offset + old->len;

	for (uint32_t i = 0; i < count && pos < end; i++) {
		uint64_t s = sorted[i].offset, e = s + sorted[i].len;

		if (e <= pos || s >= end)
			continue;
		if (s > pos) {
			struct famfs_extent gap = { pos, s - pos };

			reclaim_release(fs, n, seq, &gap);
			n->released = true;
		}
		pos = e;
	}
	if (pos < end) {
		struct famfs_extent gap = { pos, end - pos };

		reclaim_release(fs, n, seq, &gap);
		n->released = true;
	}
}

/* A file contents entry: a committed file gets a new size and extents. */
static int apply_contents(struct famfs_fs *fs, struct node *n,
			  const struct famfs_log_record *r, bool check_only,
			  const char **why)
{
	struct famfs_extent *old = n->extents, *ext = NULL, *sorted;
	uint32_t nold = n->nextents;
	int rc;

	if (n->type != FAMFS_NODE_FILE) {
		*why = "not a regular file";
		return n->type == FAMFS_NODE_DIR ? -EISDIR : -EINVAL;
	}
	rc = check_file_extents(fs, r, n, &sorted, why);
	if (rc || check_only) {
		free(sorted);
		return rc;
	}
	if (r->nextents) {
		ext = copy_extents(r);
		if (!ext) {
			free(sorted);
			*why = "out of memory";
			return -ENOMEM;
		}
	}
	/* the new extents first: what the file keeps stays its own */
	rc = take_extents(fs, n, n, ext, r->nextents);
	if (rc) {
		free(sorted);
		free(ext);
		*why = "out of memory";
		return rc;
	}
	for (uint32_t i = 0; i < nold; i++)
		release_uncovered(fs, n, r->seq, &old[i], sorted,
				  r->nextents);
	free(sorted);
	free(old);
	n->extents = ext;
	n->nextents = n->extents_cap = r->nextents;
	n->interleave = r->interleave;
	n->size = r->size;
	n->mode = S_IFREG | (r->mode & 07777);
	n->uid = r->uid;
	n->gid = r->gid;
	n->allocated = 0;
	for (uint32_t i = 0; i < r->nextents; i++)
		n->allocated += ext[i].len;
	n->mtime = n->ctime = r->time;
	return 0;
}

static int apply_setattr(struct node *n, const struct famfs_log_record *r,
			 bool check_only, const char **why)
{
	uint32_t known = FAMFS_SETATTR_MODE | FAMFS_SETATTR_UID |
			 FAMFS_SETATTR_GID;

	if (r->type == FAMFS_LOG_ATTR)
		known |= FAMFS_SETATTR_ATIME | FAMFS_SETATTR_MTIME;
	if (r->setattr_mask & ~known) {
		*why = "unknown attribute bits";
		return -EINVAL;
	}
	if (n->type == FAMFS_NODE_SYMLINK &&
	    (r->setattr_mask & FAMFS_SETATTR_MODE)) {
		*why = "a symbolic link has no mode of its own";
		return -EINVAL;
	}
	if (check_only)
		return 0;
	if (r->setattr_mask & FAMFS_SETATTR_MODE)
		n->mode = (n->mode & S_IFMT) | (r->mode & 07777);
	if (r->setattr_mask & FAMFS_SETATTR_UID)
		n->uid = r->uid;
	if (r->setattr_mask & FAMFS_SETATTR_GID)
		n->gid = r->gid;
	if (r->setattr_mask & FAMFS_SETATTR_ATIME)
		n->atime = r->atime;
	if (r->setattr_mask & FAMFS_SETATTR_MTIME)
		n->mtime = r->mtime;
	if (r->type == FAMFS_LOG_ATTR)
		n->ctime = r->time;
	return 0;
}

/* Add poisoned bytes to the sorted, merged list; take free units out. */
static int apply_bad(struct famfs_fs *fs, const struct famfs_extent *b,
		     bool check_only, const char **why)
{
	long n;

	if (!b->len || b->offset >= fs->sb.device_size ||
	    b->len > fs->sb.device_size - b->offset) {
		*why = "poisoned range outside the device";
		return -ERANGE;
	}
	if (check_only)
		return 0;
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

/* A linked node that the log has (not a pending file of this master). */
static bool committed(const struct node *n)
{
	return n && n->state == FAMFS_NODE_COMMITTED;
}

static int apply_delete(struct famfs_fs *fs, struct node *parent,
			struct node *n, const struct famfs_log_record *r,
			bool check_only, const char **why)
{
	if (!committed(n)) {
		*why = "no such file or directory";
		return -ENOENT;
	}
	if (n->type == FAMFS_NODE_DIR && n->nlive) {
		*why = "directory not empty";
		return -ENOTEMPTY;
	}
	if (check_only)
		return 0;
	if (n->type == FAMFS_NODE_FILE)
		release_all(fs, n, r->seq);
	dir_changed(fs, parent, r->time);
	ns_unlink(&fs->ns, n);
	return 0;
}

/* Why renaming @s over @d (NULL: free name) is refused, or 0. */
static int rename_refusal(const struct node *s, const struct node *d,
			  const struct node *dparent, uint32_t flags,
			  const char **why)
{
	if (s->type == FAMFS_NODE_DIR && ns_is_within(dparent, s)) {
		*why = "rename into the source's own subtree";
		return -EINVAL;
	}
	if (!d || d == s || (flags & FAMFS_RENAME_EXCHANGE))
		return 0;
	if (flags & FAMFS_RENAME_NOREPLACE) {
		*why = "destination exists";
		return -EEXIST;
	}
	if (!committed(d)) {
		*why = "pending file in the way";
		return -EEXIST;
	}
	if (s->type == FAMFS_NODE_DIR && d->type != FAMFS_NODE_DIR) {
		*why = "directory over a non-directory";
		return -ENOTDIR;
	}
	if (s->type != FAMFS_NODE_DIR && d->type == FAMFS_NODE_DIR) {
		*why = "non-directory over a directory";
		return -EISDIR;
	}
	if (d->type == FAMFS_NODE_DIR && d->nlive) {
		*why = "destination directory not empty";
		return -ENOTEMPTY;
	}
	return 0;
}

static int apply_rename(struct famfs_fs *fs, struct node *sparent,
			struct node *s, const struct famfs_log_record *r,
			bool check_only, const char **why)
{
	uint32_t flags = r->rename_flags;
	struct node *dparent, *d;
	const char *dname;
	size_t dlen;
	int rc;

	if (flags & ~(FAMFS_RENAME_NOREPLACE | FAMFS_RENAME_EXCHANGE) ||
	    flags == (FAMFS_RENAME_NOREPLACE | FAMFS_RENAME_EXCHANGE)) {
		*why = "unknown rename flags";
		return -EINVAL;
	}
	if (!committed(s)) {
		*why = "no such file or directory";
		return -ENOENT;
	}
	rc = check_rel_path(r->new_path, why);
	if (rc)
		return rc;
	dparent = ns_walk_parent(&fs->ns, r->new_path, &dname, &dlen, &rc,
				 why);
	if (!dparent)
		return rc;
	d = ns_child(&fs->ns, dparent, dname, dlen);
	if ((flags & FAMFS_RENAME_EXCHANGE) && !committed(d)) {
		*why = "exchange with a missing name";
		return -ENOENT;
	}
	rc = rename_refusal(s, d, dparent, flags, why);
	if (!rc && (flags & FAMFS_RENAME_EXCHANGE))
		rc = rename_refusal(d, s, sparent, flags, why);
	if (rc || check_only)
		return rc;
	if (d == s) {
		/* the same node under both names: nothing moves */
		return 0;
	}
	if (flags & FAMFS_RENAME_EXCHANGE) {
		ns_exchange(&fs->ns, s, d);
		d->ctime = r->time;
	} else {
		/* the move can fail (memory): do it before anything else */
		if (ns_move(&fs->ns, s, dparent, dname, dlen)) {
			*why = "out of memory";
			return -ENOMEM;
		}
		if (d) {
			if (d->type == FAMFS_NODE_FILE)
				release_all(fs, d, r->seq);
			ns_unlink(&fs->ns, d);
		}
	}
	s->ctime = r->time;
	dir_changed(fs, sparent, r->time);
	dir_changed(fs, dparent, r->time);
	return 0;
}

static int apply_symlink(struct famfs_fs *fs, struct node *parent,
			 const char *name, size_t name_len, struct node *n,
			 const struct famfs_log_record *r, bool check_only,
			 const char **why)
{
	size_t tlen = r->target ? strnlen(r->target, FAMFS_SYMLINK_MAX + 1) :
				  0;
	struct node *link;
	char *target;

	if (n) {
		*why = "already exists";
		return -EEXIST;
	}
	if (tlen == 0 || tlen > FAMFS_SYMLINK_MAX) {
		*why = "symbolic link target empty or too long";
		return -ENAMETOOLONG;
	}
	if (fs->ns.nnodes + 1 >= MAX_OWNER_INO) {
		*why = "too many files";
		return -ENOSPC;
	}
	if (check_only)
		return 0;
	target = strndup(r->target, tlen);
	link = target ? ns_add(&fs->ns, parent, name, name_len,
			       FAMFS_NODE_SYMLINK) :
			NULL;
	if (!link) {
		free(target);
		*why = "out of memory";
		return -ENOMEM;
	}
	link->target = target;
	link->mode = S_IFLNK | 0777;
	link->uid = r->uid;
	link->gid = r->gid;
	link->identity = r->seq;
	link->time = r->time;
	node_times_created(link, r->time);
	dir_changed(fs, parent, r->time);
	return 0;
}

static int apply_record(struct famfs_fs *fs, const struct famfs_log_record *r,
			bool check_only, const char **why)
{
	struct node *parent, *n, *dir;
	size_t name_len;
	const char *name;
	int rc;

	if (r->type == FAMFS_LOG_BADRANGE)
		return apply_bad(fs, &r->bad, check_only, why);
	if (fs->sb.version < 2 && r->type != FAMFS_LOG_MKDIR &&
	    r->type != FAMFS_LOG_FILE && r->type != FAMFS_LOG_SETATTR) {
		*why = "entry kind of format version 2 on a version 1 device";
		return -EINVAL;
	}
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
		if (fs->ns.nnodes + 1 >= MAX_OWNER_INO) {
			*why = "too many files";
			return -ENOSPC;
		}
		if (check_only)
			return 0;
		dir = ns_add(&fs->ns, parent, name, name_len, FAMFS_NODE_DIR);
		if (!dir) {
			*why = "out of memory";
			return -ENOMEM;
		}
		dir->mode = S_IFDIR | (r->mode & 07777);
		dir->uid = r->uid;
		dir->gid = r->gid;
		dir->identity = r->seq;
		dir->time = r->time;
		node_times_created(dir, r->time);
		dir_changed(fs, parent, r->time);
		return 0;
	case FAMFS_LOG_FILE:
		if (n && !is_empty_file(n)) {
			*why = n->state == FAMFS_NODE_PENDING ?
				       "pending file in the way" :
				       "already exists";
			return -EEXIST;
		}
		return apply_file(fs, parent, name, name_len, n, r, check_only,
				  why);
	case FAMFS_LOG_SETATTR:
	case FAMFS_LOG_ATTR:
		if (!committed(n)) {
			*why = "no such file or directory";
			return -ENOENT;
		}
		return apply_setattr(n, r, check_only, why);
	case FAMFS_LOG_DELETE:
		return apply_delete(fs, parent, n, r, check_only, why);
	case FAMFS_LOG_RENAME:
		return apply_rename(fs, parent, n, r, check_only, why);
	case FAMFS_LOG_CONTENTS:
		if (!committed(n)) {
			*why = "no such file";
			return -ENOENT;
		}
		return apply_contents(fs, n, r, check_only, why);
	case FAMFS_LOG_SYMLINK:
		return apply_symlink(fs, parent, name, name_len, n, r,
				     check_only, why);
	default:
		*why = "unknown entry type";
		return -EINVAL;
	}
}

int replay_apply(struct famfs_fs *fs, const struct famfs_log_record *r,
		 const char **why)
{
	return apply_record(fs, r, false, why);
}

int replay_check(struct famfs_fs *fs, const struct famfs_log_record *r,
		 const char **why)
{
	return apply_record(fs, r, true, why);
}
