// SPDX-License-Identifier: Apache-2.0
/*
 * Pending files: how the daemon lets plain tools (cp, dd, tar) create
 * files whose size is only known at close. Space is taken as the file
 * grows and is held in memory only; the file reaches the log, with its
 * final size, at commit. A crash before commit loses the pending file
 * and frees its space, which is what POSIX promises for a file whose
 * close() never returned.
 *
 * Where version 2 allows pieces, a file starts in packed space: one
 * piece, grown in place when the pages after it are free, else moved
 * (its bytes copied) to a larger one. When it reaches a unit it moves to
 * whole units (in place when its piece began a unit of its own), and
 * grows by units from there. At commit a file below a unit is left
 * holding one piece of just its pages; its first unit becomes that
 * piece's packed unit when it had grown and shrunk back. So a pending
 * file holds nothing, one piece, or unit extents only, and a move
 * changes where its bytes are: callers holding pointers into a pending
 * file must not let it grow meanwhile.
 *
 * On a version 2 filesystem a committed file can change too: it becomes
 * pending again ("reopened") with a snapshot of what the log says of it.
 * Space it gains is reserved in memory; space the log gives it stays its
 * own even when it no longer needs it (other hosts still read the logged
 * version), and it never moves its logged bytes elsewhere. At commit a
 * file contents entry gives it its new size and extents, releasing what
 * it lost (reclaim.c); a failed commit returns the file to the logged
 * version.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "internal.h"

/*
 * Hold the log room of @n's commit entry with @nextents extents (at least
 * one, which its first write needs), so that its commit cannot fail for
 * lack of room: a create or a growth that cannot have it fails instead.
 */
static int hold_commit_room(struct famfs_fs *fs, struct node *n,
			    uint32_t nextents)
{
	char path[FAMFS_PATH_MAX + 1];
	int rc = ns_path_of(&fs->ns, n, path, sizeof(path));

	if (rc)
		return rc;
	return log_hold(fs, &n->log_held,
			log_file_entry_size(strlen(path),
					    nextents ? nextents : 1));
}

static struct node *get_pending(struct famfs_fs *fs, uint64_t ino, int *rc)
{
	struct node *n = ns_get(&fs->ns, ino);

	if (!n || n->type != FAMFS_NODE_FILE) {
		*rc = n ? -EISDIR : -ENOENT;
		return NULL;
	}
	if (n->state != FAMFS_NODE_PENDING) {
		*rc = -EPERM;	/* committed: size and attributes are fixed */
		return NULL;
	}
	return n;
}

/* Is device byte @off one the log gives this (reopened) file? */
static bool logged_here(const struct node *n, uint64_t off)
{
	const struct node_logged *lg = n->logged;

	for (uint32_t i = 0; lg && i < lg->nextents; i++)
		if (off >= lg->extents[i].offset &&
		    off - lg->extents[i].offset < lg->extents[i].len)
			return true;
	return false;
}

/* Does the log give this (reopened) file any of [off, off+len)? */
static bool logged_within(const struct node *n, uint64_t off, uint64_t len)
{
	const struct node_logged *lg = n->logged;

	for (uint32_t i = 0; lg && i < lg->nextents; i++)
		if (lg->extents[i].offset < off + len &&
		    off < lg->extents[i].offset + lg->extents[i].len)
			return true;
	return false;
}

/*
 * Call @fn on the parts of @e the log does not give the file (all of it
 * for a file the log does not have): a reopened file keeps its logged
 * space until its contents entry releases it.
 */
static void for_unlogged(struct famfs_fs *fs, const struct node *n,
			 struct famfs_extent e,
			 void (*fn)(struct famfs_fs *fs, uint64_t off,
				    uint64_t len))
{
	uint64_t step = fs->alloc.page ? fs->alloc.page : fs->alloc.unit;
	uint64_t start = e.offset, end = e.offset + e.len;
	bool in_gap = false;

	if (!n->logged) {
		fn(fs, e.offset, e.len);
		return;
	}
	/* runs of pages (units on version 1) outside the logged extents */
	for (uint64_t off = e.offset; off <= end; off += step) {
		bool gap = off < end && !logged_here(n, off);

		if (gap && !in_gap)
			start = off;
		else if (!gap && in_gap)
			fn(fs, start, off - start);
		in_gap = gap;
	}
}

/* Undo a mark exactly (the entry about to be replayed marks it again). */
static void unmark(struct famfs_fs *fs, uint64_t off, uint64_t len)
{
	space_clear(&fs->alloc, off, len);
}

/* A pending file gives back space (its logged space stays). */
static void pending_release(struct famfs_fs *fs, const struct node *n,
			    uint64_t off, uint64_t len)
{
	for_unlogged(fs, n, (struct famfs_extent){ off, len }, space_release);
}

int famfs_pending_create(struct famfs_fs *fs, uint64_t parent_ino,
			 const char *name, uint32_t mode, uint32_t uid,
			 uint32_t gid, struct famfs_stat *st)
{
	char path[FAMFS_PATH_MAX + 1];
	struct node *parent, *n;
	int rc;

	pthread_rwlock_wrlock(&fs->lock);
	rc = create_begin(fs, parent_ino, name, &parent, path);
	if (rc)
		goto out;
	rc = -ENOSPC;
	if (fs->ns.nnodes + 1 >= MAX_OWNER_INO)
		goto out;
	rc = -ENOMEM;
	n = ns_add(&fs->ns, parent, name, strlen(name), FAMFS_NODE_FILE);
	if (!n)
		goto out;
	n->state = FAMFS_NODE_PENDING;
	rc = hold_commit_room(fs, n, 1);
	if (rc) {
		ns_forget(&fs->ns, n);
		goto out;
	}
	n->mode = S_IFREG | (mode & 07777);
	n->uid = uid;
	n->gid = gid;
	n->time = entry_time_now(fs);
	node_times_created(n, n->time);
	/* version 1 directories keep their creation time: nothing to show */
	if (fs->sb.version >= 2)
		ns_unlogged_add(parent, n);
	if (st)
		ns_stat(n, st);
	rc = 0;
out:
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

/* Append device units [first, first+count) to a pending file's extents. */
static int add_units(struct famfs_fs *fs, struct node *n, uint64_t first,
		     uint64_t count)
{
	struct allocator *a = &fs->alloc;
	uint64_t off = first * a->unit, len = count * a->unit;
	struct famfs_extent *last = n->nextents ?
					    &n->extents[n->nextents - 1] :
					    NULL;

	/*
	 * Merge with the last extent unless that ends in logged space: a
	 * contents entry's extent is either the file's logged space or free
	 * space, never both (famfs(5)), or replay refuses it.
	 */
	if (last && last->offset + last->len == off &&
	    !logged_here(n, off - 1)) {
		last->len += len;
	} else {
		int rc = hold_commit_room(fs, n, n->nextents + 1);

		if (rc)
			return rc;
		if (n->nextents == n->extents_cap) {
			uint32_t cap = n->extents_cap ? n->extents_cap * 2 : 4;
			struct famfs_extent *e;

			e = realloc(n->extents, cap * sizeof(*e));
			if (!e)
				return -ENOMEM;
			n->extents = e;
			n->extents_cap = cap;
		}
		n->extents[n->nextents].offset = off;
		n->extents[n->nextents].len = len;
		n->nextents++;
	}
	alloc_mark(a, off, len, (uint32_t)n->ino);
	n->allocated += len;
	return 0;
}

/*
 * Grow a pending file by @units: continue its last extent when the next
 * units are free (sequential writers get one extent), else take the
 * largest first-fit runs available.
 */
static int grow_pending(struct famfs_fs *fs, struct node *n, uint64_t units)
{
	struct allocator *a = &fs->alloc;
	uint64_t free_units = (a->nunits - a->first_unit) - a->used_units;
	int rc;

	/* deleted files may be waiting for hosts that have let go since */
	if (units > free_units && reclaim_locked(fs))
		free_units = (a->nunits - a->first_unit) - a->used_units;
	if (units > free_units)
		return -ENOSPC;
	if (n->nextents) {
		const struct famfs_extent *last = &n->extents[n->nextents - 1];
		uint64_t next = (last->offset + last->len) / a->unit, run = 0;

		while (run < units && alloc_unit_free(a, next + run))
			run++;
		if (run) {
			rc = add_units(fs, n, next, run);
			if (rc)
				return rc;
			units -= run;
		}
	}
	while (units) {
		uint64_t want = units, first;

		/* halve the request until a free run of that size exists */
		while (alloc_find(a, want, a->hint, a->nunits, &first) &&
		       alloc_find(a, want, a->first_unit, a->nunits, &first))
			want /= 2;
		if (!want)
			return -ENOSPC;
		rc = add_units(fs, n, first, want);
		if (rc)
			return rc;
		a->hint = first + want;
		units -= want;
	}
	return 0;
}

/* Give back whole units past @keep bytes (a pending file shrinking). */
static void shrink_pending(struct famfs_fs *fs, struct node *n, uint64_t keep)
{
	struct allocator *a = &fs->alloc;
	uint64_t want = (keep + a->unit - 1) / a->unit * a->unit;

	while (n->allocated > want && n->nextents) {
		struct famfs_extent *last = &n->extents[n->nextents - 1];
		uint64_t drop = n->allocated - want;

		if (drop > last->len)
			drop = last->len;
		last->len -= drop;
		pending_release(fs, n, last->offset + last->len, drop);
		if (!last->len)
			n->nextents--;
		n->allocated -= drop;
	}
}

static bool holds_piece(const struct famfs_fs *fs, const struct node *n)
{
	return n->nextents == 1 && n->extents[0].len < fs->alloc.unit;
}

/* Give a file with no extents yet its extent array (room for a few). */
static int first_extent(struct node *n, uint64_t off, uint64_t len)
{
	if (!n->extents_cap) {
		n->extents = malloc(4 * sizeof(*n->extents));
		if (!n->extents)
			return -ENOMEM;
		n->extents_cap = 4;
	}
	n->extents[0].offset = off;
	n->extents[0].len = len;
	n->nextents = 1;
	n->allocated = len;
	return 0;
}

/* Move the file's bytes (all of its current size) to device @to. */
static void move_bytes(struct famfs_fs *fs, const struct node *n,
		       uint64_t to)
{
	uint64_t from = n->extents[0].offset;
	uint64_t len = n->size < n->extents[0].len ? n->size :
						     n->extents[0].len;

	famfs_copy_to_device(fs->dev->base + to, fs->dev->base + from, len);
}

/*
 * Grow a file below a unit to a piece of at least @size bytes: in place
 * when the pages after its piece are free, else in a new piece its bytes
 * are copied to. Moves take twice the pages the file had (up to a unit)
 * when they can, so a file written in small steps moves rarely; commit
 * gives back what it did not use.
 */
static int grow_piece(struct famfs_fs *fs, struct node *n, uint64_t size)
{
	struct allocator *a = &fs->alloc;
	uint64_t need = (size + a->page - 1) / a->page * a->page;
	uint64_t have = n->nextents ? n->extents[0].len : 0;
	uint64_t want = have * 2 > need ? have * 2 : need;
	struct famfs_extent e;
	int rc;

	if (want >= a->unit)
		want = a->unit - a->page;
	if (have) {
		uint64_t end = n->extents[0].offset + have;
		uint64_t room = pack_free_after(a, end);

		if (have + room >= need) {
			uint64_t add = (have + room < want ? have + room :
							     want) - have;

			rc = pack_mark(a, end, add, (uint32_t)n->ino);
			if (rc)
				return rc;
			n->extents[0].len += add;
			n->allocated += add;
			return 0;
		}
	}
	rc = pack_find(a, want, &e);
	if (rc && want > need)
		rc = pack_find(a, need, &e);
	if (rc)
		return rc;
	rc = pack_mark(a, e.offset, e.len, (uint32_t)n->ino);
	if (rc)
		return rc;
	if (!have) {
		rc = first_extent(n, e.offset, e.len);
		if (rc)
			pack_clear(a, e.offset, e.len);
		return rc;
	}
	move_bytes(fs, n, e.offset);
	pending_release(fs, n, n->extents[0].offset, have);
	n->extents[0] = e;
	n->allocated = e.len;
	return 0;
}

/*
 * A file reaching a unit leaves packed space: its piece's unit becomes
 * its first unit when nothing else is in it and the piece starts it,
 * else its bytes are copied to a free unit.
 */
static int piece_to_unit(struct famfs_fs *fs, struct node *n)
{
	struct allocator *a = &fs->alloc;
	struct famfs_extent piece = n->extents[0], e;
	uint64_t unit = piece.offset / a->unit;
	int rc;

	/*
	 * Logged pages stay where they are (other hosts still read them), so
	 * a unit holding any cannot become the file's: a reopened file logged
	 * empty, as fio and `touch f; cat >f` make them, is taken over too.
	 */
	if (piece.offset % a->unit == 0 &&
	    !logged_within(n, unit * a->unit, a->unit) &&
	    pack_release_unit(a, unit, (uint32_t)n->ino) == 0) {
		n->extents[0].len = a->unit;
		n->allocated = a->unit;
		return 0;
	}
	rc = space_plan_units(a, a->unit, &e);
	if (rc)
		return rc;
	alloc_mark(a, e.offset, e.len, (uint32_t)n->ino);
	move_bytes(fs, n, e.offset);
	pending_release(fs, n, piece.offset, piece.len);
	n->extents[0] = e;
	n->allocated = e.len;
	return 0;
}

/* Grow a plain pending file so that it holds @size bytes. */
static int grow_plain(struct famfs_fs *fs, struct node *n, uint64_t size)
{
	struct allocator *a = &fs->alloc;
	uint64_t need;
	int rc;

	if (pack_enabled(a) && size < a->unit && !n->allocated)
		return grow_piece(fs, n, size);
	if (pack_enabled(a) && holds_piece(fs, n)) {
		if (size < a->unit)
			return grow_piece(fs, n, size);
		rc = piece_to_unit(fs, n);
		if (rc)
			return rc;
		if (size <= n->allocated)
			return 0;
	}
	need = size - n->allocated;
	rc = grow_pending(fs, n, (need + a->unit - 1) / a->unit);
	if (rc)
		shrink_pending(fs, n, n->size);
	return rc;
}

void pending_free_space(struct famfs_fs *fs, struct node *n)
{
	for (uint32_t i = 0; i < n->nextents; i++)
		space_release(fs, n->extents[i].offset, n->extents[i].len);
	n->nextents = 0;
	n->allocated = 0;
}

/*
 * Leave a file below a unit holding one piece of just its pages: the
 * pages past its size go back, or, when it holds units, all but the
 * first, which becomes a packed unit with the file's piece at its start
 * (no copy). Either way nothing is needed that is not already held.
 */
static void fit_small_file(struct famfs_fs *fs, struct node *n)
{
	struct allocator *a = &fs->alloc;
	uint64_t keep = (n->size + a->page - 1) / a->page * a->page;
	struct famfs_extent *first = n->extents;	/* NULL when empty */

	if (!n->size) {
		pending_free_space(fs, n);
		return;
	}
	if (holds_piece(fs, n)) {
		if (first->len > keep)
			space_release(fs, first->offset + keep,
				      first->len - keep);
		first->len = keep;
		n->allocated = keep;
		return;
	}
	shrink_pending(fs, n, n->size);	/* one unit left */
	if (pack_adopt_unit(a, first->offset / a->unit, keep,
			    (uint32_t)n->ino))
		return;	/* no memory: a unit extent, which readers accept */
	/* the rest of the unit is free now, but not its poisoned pages */
	space_take_bad(fs, first->offset, a->unit);
	first->len = keep;
	n->allocated = keep;
}

/* Lay out all strips of an interleaved pending file for @size bytes. */
static int interleave_pending(struct famfs_fs *fs, struct node *n,
			      uint64_t size)
{
	struct famfs_extent strips[64];
	int rc = plan_interleaved(fs, size, &n->interleave, strips);

	if (!rc)
		rc = hold_commit_room(fs, n, n->interleave.nstrips);
	if (rc)
		return rc;
	n->extents = malloc(n->interleave.nstrips * sizeof(*n->extents));
	if (!n->extents)
		return -ENOMEM;
	memcpy(n->extents, strips, n->interleave.nstrips * sizeof(*strips));
	n->nextents = n->extents_cap = n->interleave.nstrips;
	for (uint32_t i = 0; i < n->nextents; i++) {
		alloc_mark(&fs->alloc, strips[i].offset, strips[i].len,
			   (uint32_t)n->ino);
		n->allocated += strips[i].len;
	}
	return 0;
}


/*
 * Set a pending file's size to @size; bytes from the old end up to
 * @zero_to read as zeros afterwards (POSIX), the rest of the growth is
 * about to be written by the caller.
 */
static int resize_pending(struct famfs_fs *fs, uint64_t ino, uint64_t size,
			  uint64_t zero_to, bool grow_only)
{
	struct node *n;
	uint64_t old;
	int rc = 0;

	pthread_rwlock_wrlock(&fs->lock);
	n = get_pending(fs, ino, &rc);
	if (!n)
		goto out;
	old = n->size;
	if (grow_only && size <= old)
		goto out;
	if (size > n->allocated && n->interleave.nstrips) {
		/* strips are laid out once; an interleaved file cannot grow */
		rc = n->allocated ? -EFBIG : interleave_pending(fs, n, size);
		if (rc)
			goto out;
	} else if (size > n->allocated) {
		rc = grow_plain(fs, n, size);
		if (rc)
			goto out;
	} else if (size < old && !n->interleave.nstrips &&
		   !holds_piece(fs, n)) {
		shrink_pending(fs, n, size);
	}
	n->size = size;
	if (zero_to > size)
		zero_to = size;
	if (zero_to > old)
		zero_range(fs, n, old, zero_to);
out:
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int famfs_pending_resize(struct famfs_fs *fs, uint64_t ino, uint64_t size)
{
	return resize_pending(fs, ino, size, size, false);
}

bool famfs_pending_may_move(struct famfs_fs *fs, uint64_t ino)
{
	struct node *n;
	bool may;

	pthread_rwlock_rdlock(&fs->lock);
	n = ns_get(&fs->ns, ino);
	may = n && n->type == FAMFS_NODE_FILE && holds_piece(fs, n);
	pthread_rwlock_unlock(&fs->lock);
	return may;
}

int famfs_pending_prepare_write(struct famfs_fs *fs, uint64_t ino,
				uint64_t pos, uint64_t len)
{
	struct famfs_stat st;
	int rc;

	if (len > UINT64_MAX - pos)
		return -EFBIG;
	rc = famfs_getattr(fs, ino, &st);
	if (rc)
		return rc;
	if (st.state != FAMFS_NODE_PENDING)
		return pos + len <= st.size ? 0 : -EPERM;
	if (pos + len <= st.size)
		return 0;
	/* a racing writer may have grown it meanwhile: never shrink here */
	return resize_pending(fs, ino, pos + len, pos, true);
}

int famfs_pending_set_interleave(struct famfs_fs *fs, uint64_t ino,
				 const struct famfs_interleave *il)
{
	struct node *n;
	int rc = 0;

	pthread_rwlock_wrlock(&fs->lock);
	n = get_pending(fs, ino, &rc);
	if (!n)
		goto out;
	rc = -EINVAL;
	if (n->allocated || n->size || !il->nstrips ||
	    il->nbuckets < il->nstrips || !il->chunk_size ||
	    il->chunk_size % fs->alloc.unit || il->nstrips > 64)
		goto out;
	n->interleave = *il;
	rc = 0;
out:
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int famfs_pending_setattr(struct famfs_fs *fs, uint64_t ino, uint32_t mask,
			  uint32_t mode, uint32_t uid, uint32_t gid)
{
	struct node *n;
	int rc = 0;

	pthread_rwlock_wrlock(&fs->lock);
	n = get_pending(fs, ino, &rc);
	if (n) {
		if (mask & FAMFS_SETATTR_MODE)
			n->mode = S_IFREG | (mode & 07777);
		if (mask & FAMFS_SETATTR_UID)
			n->uid = uid;
		if (mask & FAMFS_SETATTR_GID)
			n->gid = gid;
	}
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int famfs_pending_set_mtime(struct famfs_fs *fs, uint64_t ino, uint64_t mtime)
{
	struct node *n;
	int rc = 0;

	pthread_rwlock_wrlock(&fs->lock);
	n = get_pending(fs, ino, &rc);
	if (n)
		n->pending_mtime = n->mtime = n->ctime = mtime;
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

/* Snapshot what the log says of @n before it changes; write lock held. */
static int snapshot_logged(struct node *n)
{
	struct node_logged *lg = calloc(1, sizeof(*lg));

	if (!lg)
		return -ENOMEM;
	if (n->nextents) {
		lg->extents = malloc(n->nextents * sizeof(*lg->extents));
		if (!lg->extents) {
			free(lg);
			return -ENOMEM;
		}
		memcpy(lg->extents, n->extents,
		       n->nextents * sizeof(*lg->extents));
	}
	lg->nextents = n->nextents;
	lg->size = n->size;
	lg->mode = n->mode;
	lg->uid = n->uid;
	lg->gid = n->gid;
	lg->interleave = n->interleave;
	n->logged = lg;
	return 0;
}

void node_logged_free(struct node *n)
{
	if (n->logged) {
		free(n->logged->extents);
		free(n->logged);
		n->logged = NULL;
	}
}

int famfs_pending_reopen(struct famfs_fs *fs, uint64_t ino)
{
	struct node *n;
	int rc = -EROFS;

	pthread_rwlock_wrlock(&fs->lock);
	if (!fs->master || !fs->writable)
		goto out;
	n = ns_get(&fs->ns, ino);
	rc = -ENOENT;
	if (!n)
		goto out;
	rc = 0;
	if (n->type == FAMFS_NODE_FILE && n->state == FAMFS_NODE_PENDING)
		goto out;	/* already */
	rc = n->type == FAMFS_NODE_DIR ? -EISDIR : -EPERM;
	if (n->type != FAMFS_NODE_FILE || n->unlinked)
		goto out;
	if (fs->sb.version >= 2) {
		/* a contents entry will say what changed: it must fit */
		rc = hold_commit_room(fs, n, n->nextents + 1);
		if (!rc)
			rc = snapshot_logged(n);
		if (rc) {
			log_release(fs, &n->log_held);
			goto out;
		}
		n->state = FAMFS_NODE_PENDING;
		goto out;
	}
	/* version 1: only a file committed empty may be given contents */
	rc = -EOPNOTSUPP;
	if (n->size || n->nextents)
		goto out;
	/* its filling entry must fit: else the growth fails, not the close */
	rc = hold_commit_room(fs, n, 1);
	if (rc)
		goto out;
	n->state = FAMFS_NODE_PENDING;
	n->refill = true;
	memset(&n->interleave, 0, sizeof(n->interleave));
	rc = 0;
out:
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

/*
 * Back to what the log says (a reopened file whose change is dropped);
 * returns 1 for a file the log does not have at all. Write lock held.
 */
int pending_revert(struct famfs_fs *fs, struct node *n)
{
	struct node_logged *lg = n->logged;

	if (!lg && !n->refill)
		return 1;
	log_release(fs, &n->log_held);
	for (uint32_t i = 0; i < n->nextents; i++)
		for_unlogged(fs, n, n->extents[i], space_release);
	free(n->extents);
	n->extents = NULL;
	n->nextents = n->extents_cap = 0;
	n->allocated = 0;
	n->size = 0;
	n->refill = false;
	if (lg) {
		n->extents = lg->extents;
		n->nextents = n->extents_cap = lg->nextents;
		for (uint32_t i = 0; i < lg->nextents; i++)
			n->allocated += lg->extents[i].len;
		n->size = lg->size;
		n->mode = lg->mode;
		n->uid = lg->uid;
		n->gid = lg->gid;
		n->interleave = lg->interleave;
		lg->extents = NULL;
		node_logged_free(n);
	}
	n->pending_mtime = 0;
	n->state = FAMFS_NODE_COMMITTED;
	return 0;
}

/*
 * Commit a reopened file with a contents entry: the node goes back to
 * its logged state, the entry is appended, and replaying it moves the
 * node to the new one, releasing what it lost. Write lock held.
 */
static int commit_contents(struct famfs_fs *fs, struct node *n,
			   const char *path)
{
	struct famfs_extent *current = n->extents;
	struct famfs_log_record r;
	const char *why;
	int rc;

	memset(&r, 0, sizeof(r));
	r.type = FAMFS_LOG_CONTENTS;
	r.time = n->pending_mtime;	/* 0: now */
	r.path = path;
	r.mode = n->mode;
	r.uid = n->uid;
	r.gid = n->gid;
	r.size = n->size;
	r.nextents = n->nextents;
	r.extents = current;
	r.interleave = n->interleave;
	n->extents = NULL;	/* pending_revert must not free them */
	n->nextents = 0;
	rc = log_append_held(fs, &r, &n->log_held);
	if (rc) {
		for (uint32_t i = 0; i < r.nextents; i++)
			for_unlogged(fs, n, current[i], space_release);
		free(current);
		pending_revert(fs, n);
		return rc;
	}
	/* the node as the log had it, then the entry applied like replay */
	for (uint32_t i = 0; i < r.nextents; i++)
		for_unlogged(fs, n, current[i], unmark);
	n->extents = n->logged->extents;
	n->nextents = n->extents_cap = n->logged->nextents;
	n->logged->extents = NULL;
	node_logged_free(n);
	n->state = FAMFS_NODE_COMMITTED;
	n->pending_mtime = 0;
	rc = replay_apply(fs, &r, &why);
	free(current);
	return rc;
}

/* A reopened file at commit keeps nothing past its size it did not have. */
static void trim_reopened(struct famfs_fs *fs, struct node *n)
{
	uint64_t page = fs->alloc.page ? fs->alloc.page : fs->alloc.unit;
	uint64_t keep = (n->size + page - 1) / page * page;
	struct famfs_extent *first = n->extents;	/* NULL when empty */

	if (n->size && holds_piece(fs, n)) {
		if (first->len > keep)
			pending_release(fs, n, first->offset + keep,
					first->len - keep);
		first->len = keep;
		n->allocated = keep;
		return;
	}
	shrink_pending(fs, n, n->size);
}

/*
 * The first known poison in the space @n's commit entry gives it (its
 * extents; for a reopened file only what the log does not give it yet),
 * which replay refuses on every host; false when there is none.
 */
static bool new_space_poisoned(const struct famfs_fs *fs,
			       const struct node *n, uint64_t *at)
{
	uint64_t step = fs->alloc.page ? fs->alloc.page : fs->alloc.unit;

	for (uint32_t i = 0; i < n->nextents; i++) {
		const struct famfs_extent *e = &n->extents[i];

		if (!space_poisoned(fs, e->offset, e->len))
			continue;
		for (uint64_t off = e->offset; off < e->offset + e->len;
		     off += step) {
			if ((!n->logged || !logged_here(n, off)) &&
			    space_poisoned(fs, off, step)) {
				*at = off;
				return true;
			}
		}
	}
	return false;
}

const char *famfs_commit_refusal(struct famfs_fs *fs)
{
	const char *why;

	pthread_rwlock_rdlock(&fs->lock);
	why = fs->commit_refused[0] ? fs->commit_refused : NULL;
	pthread_rwlock_unlock(&fs->lock);
	return why;
}

int famfs_pending_commit(struct famfs_fs *fs, uint64_t ino)
{
	char path[FAMFS_PATH_MAX + 1];
	struct famfs_log_record r;
	uint64_t publish = 0, at;
	struct node *n;
	int rc = 0;

	pthread_rwlock_wrlock(&fs->lock);
	fs->commit_refused[0] = '\0';
	n = get_pending(fs, ino, &rc);
	if (!n)
		goto out;
	if (n->unlinked) {
		/* deleted while open: nothing to log; space goes at unhold */
		goto out;
	}
	/* space beyond the final size goes back before the size is fixed */
	if (n->interleave.nstrips)
		;
	else if (n->logged)
		trim_reopened(fs, n);
	else if (pack_enabled(&fs->alloc) && n->size < fs->alloc.unit)
		fit_small_file(fs, n);
	else
		shrink_pending(fs, n, n->size);
	zero_page_tail(fs, n);
	/* a layout that never got its strips is just an empty plain file */
	if (!n->nextents)
		memset(&n->interleave, 0, sizeof(n->interleave));
	if (n->refill && !n->nextents) {
		/* still empty: the log already says so */
		log_release(fs, &n->log_held);
		n->size = 0;
		n->refill = false;
		n->state = FAMFS_NODE_COMMITTED;
		goto out;
	}
	rc = ns_path_of(&fs->ns, n, path, sizeof(path));
	if (rc)
		goto out;
	/* an entry replay refuses would be lost on every host, this one too */
	if (new_space_poisoned(fs, n, &at)) {
		snprintf(fs->commit_refused, sizeof(fs->commit_refused),
			 "its memory at device offset %#" PRIx64
			 " was marked poisoned while it was written", at);
		rc = -EIO;
		goto out;
	}
	if (n->logged) {
		rc = commit_contents(fs, n, path);
		goto out;
	}
	memset(&r, 0, sizeof(r));
	r.type = FAMFS_LOG_FILE;
	/* the time the kernel has shown since: its writes', or the create's */
	r.time = n->pending_mtime ? n->pending_mtime : n->refill ? 0 : n->time;
	r.path = path;
	r.mode = n->mode;
	r.uid = n->uid;
	r.gid = n->gid;
	r.size = n->size;
	r.nextents = n->nextents;
	r.extents = n->extents;
	r.interleave = n->interleave;
	/*
	 * The node already holds what replay would build from r, but times.
	 * Published after the lock is dropped: concurrent commits share it.
	 */
	rc = log_append_deferred(fs, &r, &n->log_held, &publish);
	if (!rc) {
		n->state = FAMFS_NODE_COMMITTED;
		if (n->refill) {
			if (fs->sb.version >= 2)
				n->mtime = n->ctime = r.time;
		} else {
			ns_unlogged_remove(n);
			n->identity = r.seq;
			n->time = r.time;
			node_times_created(n, r.time);
			if (fs->sb.version >= 2) {
				/* replay's directory rule: never backwards */
				if (r.time > n->parent->mtime)
					n->parent->mtime = r.time;
				if (r.time > n->parent->ctime)
					n->parent->ctime = r.time;
			}
		}
		n->refill = false;
		n->pending_mtime = 0;
	}
out:
	pthread_rwlock_unlock(&fs->lock);
	/* in the log once the tail covers it: then commit returns */
	if (publish)
		log_publish_through(fs, publish);
	return rc;
}

int famfs_pending_abandon(struct famfs_fs *fs, uint64_t ino)
{
	struct node *n;
	int rc = 0;

	pthread_rwlock_wrlock(&fs->lock);
	n = get_pending(fs, ino, &rc);
	if (n && pending_revert(fs, n) > 0) {
		/* the log never had it */
		pending_free_space(fs, n);
		log_release(fs, &n->log_held);
		if (n->unlinked)
			n->state = FAMFS_NODE_GONE;
		else
			ns_forget(&fs->ns, n);
	}
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}
