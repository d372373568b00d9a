// SPDX-License-Identifier: Apache-2.0
/*
 * The allocator: one bit per allocation unit, rebuilt from the log at
 * every open, plus an owner table (unit -> inode) that doubles as the
 * reverse index poison routing needs. Units cut into pages for small
 * files are kept by pack.c; space.c puts the two behind one interface.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static bool bit_get(const uint64_t *bits, uint64_t i)
{
	return bits[i / 64] >> (i % 64) & 1;
}

int alloc_init(struct allocator *a, const struct famfs_sb_info *sb,
	       uint64_t page)
{
	memset(a, 0, sizeof(*a));
	a->unit = sb->alloc_unit;
	a->nunits = sb->device_size / sb->alloc_unit;
	a->first_unit = sb->data_offset / sb->alloc_unit;
	a->bits = calloc((a->nunits + 63) / 64, sizeof(*a->bits));
	a->owner = calloc(a->nunits, sizeof(*a->owner));
	if (!a->bits || !a->owner) {
		alloc_destroy(a);
		return -ENOMEM;
	}
	/* superblock and log units are never allocatable */
	for (uint64_t u = 0; u < a->first_unit; u++) {
		a->bits[u / 64] |= 1ULL << (u % 64);
		a->owner[u] = META_OWNER;
	}
	a->hint = a->first_unit;
	if (pack_init(a, page)) {
		alloc_destroy(a);
		return -ENOMEM;
	}
	return 0;
}

void alloc_destroy(struct allocator *a)
{
	pack_destroy(a);
	free(a->bits);
	free(a->owner);
	memset(a, 0, sizeof(*a));
}

bool alloc_unit_free(const struct allocator *a, uint64_t unit)
{
	return unit >= a->first_unit && unit < a->nunits &&
	       !bit_get(a->bits, unit);
}

int alloc_check_free(const struct allocator *a, uint64_t off, uint64_t len,
		     const char **why)
{
	uint64_t first, n;

	if (len == 0 || off % a->unit || len % a->unit) {
		*why = "extent not aligned to the allocation unit";
		return -EINVAL;
	}
	first = off / a->unit;
	n = len / a->unit;
	if (first < a->first_unit || first >= a->nunits ||
	    n > a->nunits - first) {
		*why = "extent outside the data area";
		return -ERANGE;
	}
	/*
	 * Held space is free for replay (reclaim.c), a packed unit whose
	 * pieces are all held too: the master judges holds itself and, once
	 * it freed the last piece, may hand the unit out whole before this
	 * host's own holds on those pieces end.
	 */
	for (uint64_t u = first; u < first + n; u++) {
		if (bit_get(a->bits, u) && a->owner[u] != HELD_OWNER &&
		    !(a->owner[u] == PACKED_OWNER && pack_only_held(a, u))) {
			*why = "extent overlaps another file";
			return -EEXIST;
		}
	}
	return 0;
}

void alloc_mark(struct allocator *a, uint64_t off, uint64_t len,
		uint32_t owner)
{
	for (uint64_t u = off / a->unit; u < (off + len) / a->unit; u++) {
		/* marked twice: a released unit held for hosts (reclaim.c) */
		if (!bit_get(a->bits, u)) {
			a->bits[u / 64] |= 1ULL << (u % 64);
			a->used_units++;
		}
		a->owner[u] = owner;
	}
}

void alloc_clear(struct allocator *a, uint64_t off, uint64_t len)
{
	for (uint64_t u = off / a->unit; u < (off + len) / a->unit; u++) {
		if (!bit_get(a->bits, u))
			continue;
		a->bits[u / 64] &= ~(1ULL << (u % 64));
		a->owner[u] = 0;
		a->used_units--;
	}
	if (off / a->unit < a->hint)
		a->hint = off / a->unit;
}

int alloc_find(const struct allocator *a, uint64_t units, uint64_t lo,
	       uint64_t hi, uint64_t *found)
{
	uint64_t run = 0;

	if (lo < a->first_unit)
		lo = a->first_unit;
	if (hi > a->nunits)
		hi = a->nunits;
	for (uint64_t u = lo; u < hi; u++) {
		/* skip full words quickly */
		if (!run && u % 64 == 0 && a->bits[u / 64] == ~0ULL) {
			u += 63;
			continue;
		}
		if (bit_get(a->bits, u)) {
			run = 0;
			continue;
		}
		if (++run == units) {
			*found = u + 1 - units;
			return 0;
		}
	}
	return -ENOSPC;
}
