// SPDX-License-Identifier: Apache-2.0
/*
 * Reclaiming released space (famfs(5) Reclaiming space). A delete, a
 * rename that replaces a file and a file contents entry release extents.
 * For replay they are free at once, but another host may still have the
 * node open or mapped, so every host keeps them out of its own allocator
 * ("held") until no slot of the host table can touch them:
 *
 *   every live slot (mounted or damaged, not evicted) has replayed the
 *   releasing entry, does not pin the node and does not pin everything,
 *   and this host does not hold the node itself.
 *
 * Only the master allocates, so only its held list decides anything;
 * clients keep theirs for df and fsck. The list rebuilds from the log and
 * the host table at every open: what was held when a master stopped is
 * held again, what a later entry reused was evidently reclaimed.
 *
 * The host table is read into fs->horizon: a release at or below its
 * replayed mark, of a node it does not pin, was safe when it was read,
 * and stays safe (hosts only move forward; a host pins a node only while
 * replaying the release, which those hosts had done). The mark is never
 * above what this host had replayed when it read the table, because a
 * host mounting later is not in that reading: it replays at least that
 * far before it opens anything, but not necessarily further.
 *
 * An open's first replay does not judge releases as it meets them (the
 * table is read once the log is): it frees them for replay and lists
 * them; then, latest first, a release whose space is still free is held
 * unless it is safe, and one whose space a later entry or release took
 * was reclaimed by the master before (it frees a release whole) and is
 * dropped. That keeps a long log's open linear.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct horizon_build {
	struct famfs_fs *fs;
	struct host_horizon *hz;
	int err;
};

static int add_host(void *ctx, const struct famfs_host_info *h)
{
	struct horizon_build *b = ctx;
	struct host_horizon *hz = b->hz;
	struct famfs_fs *fs = b->fs;

	/* this open's own holds are looked at directly */
	if (fs->host.claimed && h->slot == fs->host.slot &&
	    h->nonce == fs->host.info.nonce)
		return 0;
	if (!host_may_be_live(h))
		return 0;
	if (h->status != FAMFS_SLOT_OK) {
		/* a torn slot says nothing we can trust: wait for it */
		hz->replayed = 0;
		hz->pins_all = true;
		return 0;
	}
	if (h->replayed < hz->replayed)
		hz->replayed = h->replayed;
	if (h->pins_overflow)
		hz->pins_all = true;
	if (hz->npins + h->npins > hz->pins_cap) {
		size_t cap = (hz->npins + h->npins) * 2;
		uint64_t *p = realloc(hz->pins, cap * sizeof(*p));

		if (!p) {
			b->err = -ENOMEM;
			return 1;
		}
		hz->pins = p;
		hz->pins_cap = cap;
	}
	if (h->npins) {
		memcpy(hz->pins + hz->npins, h->pins,
		       h->npins * sizeof(*h->pins));
		hz->npins += h->npins;
	}
	return 0;
}

int reclaim_read_hosts(struct famfs_fs *fs)
{
	struct host_horizon *hz = &fs->horizon;
	struct horizon_build b = { .fs = fs, .hz = hz };
	int rc;

	hz->npins = 0;
	hz->pins_all = false;
	/* hosts not in the table yet replay at least this far first */
	hz->replayed = fs->last_seq;
	rc = famfs_hosts_read(fs->dev, &fs->sb, add_host, &b);
	if (rc == -EOPNOTSUPP)
		return rc;	/* version 1: nothing is ever released */
	if (rc || b.err) {
		/* cannot tell: hold everything */
		hz->replayed = 0;
		hz->pins_all = true;
		return b.err ? b.err : rc;
	}
	if (hz->npins)
		qsort(hz->pins, hz->npins, sizeof(*hz->pins), cmp_u64);
	return 0;
}

static bool pinned(const struct host_horizon *hz, uint64_t identity)
{
	return hz->pins_all ||
	       (hz->npins && bsearch(&identity, hz->pins, hz->npins,
				     sizeof(*hz->pins), cmp_u64));
}

static bool held_here(struct famfs_fs *fs, uint64_t ino, uint64_t identity)
{
	struct node *n = ns_get(&fs->ns, ino);

	return n && n->identity == identity && n->holds;
}

static bool release_safe(struct famfs_fs *fs, const struct release *r)
{
	return r->seq <= fs->horizon.replayed &&
	       !pinned(&fs->horizon, r->identity) &&
	       !held_here(fs, r->ino, r->identity);
}

/*
 * Mark a released extent held: out of allocation, still free for replay.
 * It may still be the file's (counted: only its owner changes) or already
 * freed (the first replay frees first and judges once the log is read:
 * counted again, its packed unit made again if it went back whole).
 */
static void mark_held(struct famfs_fs *fs, const struct famfs_extent *e)
{
	struct allocator *a = &fs->alloc;

	if (e->offset % a->unit == 0 && e->len % a->unit == 0)
		alloc_mark(a, e->offset, e->len, HELD_OWNER);
	else if (pack_mark(a, e->offset, e->len, HELD_OWNER))
		pack_retag(a, e->offset, e->len, HELD_OWNER);	/* ENOMEM */
}

static int releases_append(struct famfs_fs *fs, const struct release *r)
{
	if (fs->nreleases == fs->releases_cap) {
		size_t cap = fs->releases_cap ? fs->releases_cap * 2 : 16;
		struct release *p = realloc(fs->releases, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		fs->releases = p;
		fs->releases_cap = cap;
	}
	fs->releases[fs->nreleases++] = *r;
	fs->held_bytes += r->ext.len;
	return 0;
}

int reclaim_release(struct famfs_fs *fs, const struct node *n, uint64_t seq,
		    const struct famfs_extent *ext)
{
	struct release r = {
		.seq = seq, .identity = n->identity, .ino = n->ino,
		.ext = *ext,
	};

	if (!ext->len)
		return 0;
	if (fs->first_replay && fs->sb.version >= 2) {
		space_release(fs, ext->offset, ext->len);
		return releases_append(fs, &r);
	}
	if (fs->sb.version < 2 || release_safe(fs, &r)) {
		space_release(fs, ext->offset, ext->len);
		return 0;
	}
	/* out of the allocator even when it cannot be listed (ENOMEM) */
	mark_held(fs, ext);
	return releases_append(fs, &r);
}

/*
 * The master frees a release whole, so when replay finds part of one
 * reused, all of it was reclaimed: free every held release that
 * overlaps [off, off + len).
 */
void reclaim_forget(struct famfs_fs *fs, uint64_t off, uint64_t len)
{
	size_t j = 0;

	for (size_t i = 0; i < fs->nreleases; i++) {
		struct release *r = &fs->releases[i];

		if (r->ext.offset + r->ext.len <= off ||
		    r->ext.offset >= off + len) {
			fs->releases[j++] = *r;
			continue;
		}
		space_release(fs, r->ext.offset, r->ext.len);
		fs->held_bytes -= r->ext.len;
	}
	fs->nreleases = j;
}

/* Is every byte of @e free in the allocator (no file, no release)? */
static bool space_free_now(const struct allocator *a,
			   const struct famfs_extent *e)
{
	for (uint64_t off = e->offset; off < e->offset + e->len;) {
		uint64_t u = off / a->unit;

		if (u >= a->nunits)
			return false;
		if (a->owner[u] == PACKED_OWNER) {
			if (pack_owner(a, off))
				return false;
			off += a->page;
			continue;
		}
		if (!alloc_unit_free(a, u))
			return false;
		off = (u + 1) * a->unit;
	}
	return true;
}

int reclaim_after_first_replay(struct famfs_fs *fs)
{
	size_t count = fs->nreleases, kept = 0;
	int rc;

	if (!count)
		return 0;
	rc = reclaim_read_hosts(fs);
	if (rc && rc != -EOPNOTSUPP && rc != -ENOMEM)
		return rc;
	fs->held_bytes = 0;
	/* latest first: a later release of the same space supersedes */
	for (size_t i = count; i-- > 0;) {
		struct release r = fs->releases[i];

		if (!space_free_now(&fs->alloc, &r.ext) ||
		    release_safe(fs, &r))
			continue;
		mark_held(fs, &r.ext);
		/* kept ones fill the end, which was read already */
		fs->releases[count - 1 - kept++] = r;
		fs->held_bytes += r.ext.len;
	}
	memmove(fs->releases, fs->releases + count - kept,
		kept * sizeof(*fs->releases));
	fs->nreleases = kept;
	return 0;
}

uint64_t reclaim_locked(struct famfs_fs *fs)
{
	uint64_t freed = 0;
	size_t j = 0;

	if (!fs->nreleases)
		return 0;
	if (reclaim_read_hosts(fs))
		return 0;
	for (size_t i = 0; i < fs->nreleases; i++) {
		struct release *r = &fs->releases[i];

		if (!release_safe(fs, r)) {
			fs->releases[j++] = *r;
			continue;
		}
		space_release(fs, r->ext.offset, r->ext.len);
		fs->held_bytes -= r->ext.len;
		freed += r->ext.len;
	}
	fs->nreleases = j;
	return freed;
}

void reclaim_destroy(struct famfs_fs *fs)
{
	free(fs->releases);
	free(fs->horizon.pins);
	fs->releases = NULL;
	fs->horizon.pins = NULL;
	fs->nreleases = fs->releases_cap = 0;
	fs->held_bytes = 0;
}

uint64_t famfs_reclaim(struct famfs_fs *fs)
{
	uint64_t freed;

	/* the common case, nothing waiting, takes no lock */
	if (!__atomic_load_n(&fs->nreleases, __ATOMIC_RELAXED))
		return 0;
	pthread_rwlock_wrlock(&fs->lock);
	freed = reclaim_locked(fs);
	pthread_rwlock_unlock(&fs->lock);
	return freed;
}
