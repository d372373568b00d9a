// SPDX-License-Identifier: Apache-2.0
/*
 * Device space of files: unit extents (alloc.c) and packed pieces
 * (pack.c) behind one interface, and the rule that poisoned memory is
 * never handed out again, whichever way it became free.
 *
 * Locking: the caller holds the filesystem's write lock.
 */
#include <errno.h>

#include "internal.h"

static bool is_unit_extent(const struct allocator *a, uint64_t off,
			   uint64_t len)
{
	return len && off % a->unit == 0 && len % a->unit == 0;
}

int space_check_free(const struct allocator *a, uint64_t off, uint64_t len,
		     const char **why)
{
	if (is_unit_extent(a, off, len))
		return alloc_check_free(a, off, len, why);
	return pack_check_free(a, off, len, why);
}

int space_mark(struct allocator *a, uint64_t off, uint64_t len,
	       uint32_t owner)
{
	if (!is_unit_extent(a, off, len))
		return pack_mark(a, off, len, owner);
	alloc_mark(a, off, len, owner);
	return 0;
}

void space_clear(struct allocator *a, uint64_t off, uint64_t len)
{
	if (is_unit_extent(a, off, len))
		alloc_clear(a, off, len);
	else
		pack_clear(a, off, len);
}

int space_plan(struct allocator *a, uint64_t bytes, struct famfs_extent *out)
{
	if (pack_enabled(a) && bytes && bytes < a->unit)
		return pack_find(a, bytes, out);
	return space_plan_units(a, bytes, out);
}

int space_plan_units(struct allocator *a, uint64_t bytes,
		     struct famfs_extent *out)
{
	uint64_t units = (bytes ? bytes + a->unit - 1 : a->unit) / a->unit;
	uint64_t first;
	int rc;

	/* next fit from the hint, then from the start */
	rc = alloc_find(a, units, a->hint, a->nunits, &first);
	if (rc)
		rc = alloc_find(a, units, a->first_unit, a->nunits, &first);
	if (rc)
		return rc;
	out->offset = first * a->unit;
	out->len = units * a->unit;
	a->hint = first + units;
	return 0;
}

uint64_t space_bad_bytes(const struct allocator *a)
{
	return a->bad_units * a->unit + a->packed_bad_pages * a->page;
}

uint64_t space_used_bytes(const struct allocator *a)
{
	return (a->used_units - a->npacked) * a->unit +
	       a->packed_pages * a->page;
}

/*
 * Index of the first poisoned range ending after @off (fs->nbad if none).
 * The ranges are sorted and merged (famfs_ranges_merge), so their ends
 * increase too: a binary search, since every page of a poisoned unit
 * asks.
 */
static size_t bad_first(const struct famfs_fs *fs, uint64_t off)
{
	size_t lo = 0, hi = fs->nbad;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (fs->bad[mid].offset + fs->bad[mid].len <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Does [off, off+len) hold known poison? Caller holds the lock. */
static bool bad_hit(const struct famfs_fs *fs, uint64_t off, uint64_t len)
{
	size_t i = bad_first(fs, off);

	return i < fs->nbad && fs->bad[i].offset < off + len;
}

bool space_poisoned(const struct famfs_fs *fs, uint64_t off, uint64_t len)
{
	return bad_hit(fs, off, len);
}

/* Does one poisoned range hold all of [off, off+len)? (they are merged) */
static bool bad_covers(const struct famfs_fs *fs, uint64_t off, uint64_t len)
{
	size_t i = bad_first(fs, off);

	return i < fs->nbad && fs->bad[i].offset <= off &&
	       off + len <= fs->bad[i].offset + fs->bad[i].len;
}

/*
 * Hold the poisoned free pages of unit @unit out, a free or packed unit
 * (a free one becomes packed; on version 1, or poisoned whole, a free
 * one is held whole).
 */
static int take_bad_unit(struct famfs_fs *fs, uint64_t unit)
{
	struct allocator *a = &fs->alloc;
	uint64_t base = unit * a->unit, end = base + a->unit;
	int rc;

	/*
	 * A wholly poisoned unit needs no page table (2 KiB per unit: a log
	 * may poison the whole device).
	 */
	if (alloc_unit_free(a, unit) &&
	    (!pack_enabled(a) || bad_covers(fs, base, a->unit))) {
		alloc_mark(a, base, a->unit, BAD_OWNER);
		a->bad_units++;
		return 0;
	}
	if (!pack_enabled(a))
		return 0;
	/*
	 * Only the ranges that reach into the unit are looked at (a hostile
	 * log may hold thousands), each page of them once, in the page
	 * table itself: a log may poison the whole device.
	 */
	for (size_t i = bad_first(fs, base);
	     i < fs->nbad && fs->bad[i].offset < end; i++) {
		uint64_t from = fs->bad[i].offset / a->page * a->page;
		uint64_t to = fs->bad[i].offset + fs->bad[i].len;

		from = from > base ? from : base;
		to = to < end ? (to + a->page - 1) / a->page * a->page : end;
		rc = pack_mark_free(a, from, to - from, BAD_OWNER);
		if (rc)
			return rc;
	}
	return 0;
}

int space_take_bad(struct famfs_fs *fs, uint64_t off, uint64_t len)
{
	struct allocator *a = &fs->alloc;
	uint64_t end = off + len;
	int rc;

	for (uint64_t u = off / a->unit; u * a->unit < end && u < a->nunits;
	     u++) {
		if (!bad_hit(fs, u * a->unit, a->unit))
			continue;
		/* a file's unit, or metadata: reads refuse, release sees it */
		if (alloc_unit_free(a, u) || a->owner[u] == PACKED_OWNER) {
			rc = take_bad_unit(fs, u);
			if (rc)
				return rc;
		}
	}
	return 0;
}

void space_release(struct famfs_fs *fs, uint64_t off, uint64_t len)
{
	struct allocator *a = &fs->alloc;

	if (!bad_hit(fs, off, len)) {
		space_clear(a, off, len);
		return;
	}
	if (is_unit_extent(a, off, len)) {
		for (uint64_t u = off / a->unit; u < (off + len) / a->unit;
		     u++) {
			alloc_clear(a, u * a->unit, a->unit);
			if (!bad_hit(fs, u * a->unit, a->unit) ||
			    !take_bad_unit(fs, u))
				continue;
			/* no memory for a page table: hold the whole unit */
			if (alloc_unit_free(a, u)) {
				alloc_mark(a, u * a->unit, a->unit, BAD_OWNER);
				a->bad_units++;
			}
		}
		return;
	}
	for (uint64_t p = off; p < off + len; p += a->page) {
		if (bad_hit(fs, p, a->page))
			pack_retag(a, p, a->page, BAD_OWNER);
		else
			pack_clear(a, p, a->page);
	}
}
