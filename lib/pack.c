// SPDX-License-Identifier: Apache-2.0
/*
 * Packed units: allocation units cut into pages for files smaller than a
 * unit (famfs(5), "Extents and packed files"). A unit that holds pieces
 * is taken from the unit bitmap as a whole (owner PACKED_OWNER) and gets
 * a page table here: the owner of every page, 0 when free. It goes back
 * to the unit bitmap when its last page is given back, so a packed unit
 * is free only when all its pieces are.
 *
 * Like the unit bitmap, all of it is rebuilt by replay at every open; it
 * is never written to the device. Pages taken out for poison carry
 * BAD_OWNER and are never handed out.
 *
 * Locking: the caller holds the filesystem's write lock (read lock for
 * the queries).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct packed_unit {
	uint64_t unit;		/* index of the unit on the device */
	uint64_t list_pos;	/* index in allocator.packed_list */
	uint32_t used;		/* pages with an owner (pieces, poison) */
	/*
	 * longest run of free pages, counted only when an allocation asks
	 * (LARGEST_UNKNOWN after a change): replay marks and clears pages
	 * entry by entry and never allocates
	 */
	uint32_t largest_free;
	uint32_t owner[];	/* per page: 0 free, an ino or *_OWNER */
};

int pack_init(struct allocator *a, uint64_t page)
{
	a->page = page && page < a->unit && a->unit % page == 0 ? page :
								   a->unit;
	a->pages_per_unit = (uint32_t)(a->unit / a->page);
	if (a->pages_per_unit == 1)
		return 0;	/* no pieces: version 1 */
	a->packed = calloc(a->nunits, sizeof(*a->packed));
	return a->packed ? 0 : -ENOMEM;
}

void pack_destroy(struct allocator *a)
{
	if (a->packed)
		for (uint64_t i = 0; i < a->npacked; i++)
			free(a->packed[a->packed_list[i]]);
	free(a->packed);
	free(a->packed_list);
	a->packed = NULL;
	a->packed_list = NULL;
	a->npacked = a->packed_cap = 0;
}

bool pack_enabled(const struct allocator *a)
{
	return a->pages_per_unit > 1;
}

#define LARGEST_UNKNOWN UINT32_MAX

static uint32_t largest_free(const struct allocator *a, struct packed_unit *p)
{
	uint32_t run = 0, best = 0;

	if (p->largest_free != LARGEST_UNKNOWN)
		return p->largest_free;
	for (uint32_t i = 0; i < a->pages_per_unit; i++) {
		run = p->owner[i] ? 0 : run + 1;
		if (run > best)
			best = run;
	}
	p->largest_free = best;
	return best;
}

/* First run of @pages free pages in @p; -ENOSPC when there is none. */
static int first_fit(const struct allocator *a, struct packed_unit *p,
		     uint32_t pages, uint32_t *first)
{
	uint32_t run = 0;

	if (largest_free(a, p) < pages)
		return -ENOSPC;
	for (uint32_t i = 0; i < a->pages_per_unit; i++) {
		run = p->owner[i] ? 0 : run + 1;
		if (run == pages) {
			*first = i + 1 - pages;
			return 0;
		}
	}
	return -ENOSPC;
}

/* Turn the free unit @unit into an empty packed unit. */
static struct packed_unit *unit_to_packed(struct allocator *a, uint64_t unit)
{
	struct packed_unit *p;

	if (a->npacked == a->packed_cap) {
		uint64_t cap = a->packed_cap ? a->packed_cap * 2 : 64;
		uint64_t *list = realloc(a->packed_list, cap * sizeof(*list));

		if (!list)
			return NULL;
		a->packed_list = list;
		a->packed_cap = cap;
	}
	p = calloc(1, sizeof(*p) + a->pages_per_unit * sizeof(p->owner[0]));
	if (!p)
		return NULL;
	p->unit = unit;
	p->largest_free = a->pages_per_unit;
	p->list_pos = a->npacked;
	a->packed_list[a->npacked++] = unit;
	a->packed[unit] = p;
	alloc_mark(a, unit * a->unit, a->unit, PACKED_OWNER);
	return p;
}

/* An empty packed unit goes back to the unit bitmap. */
static void packed_to_unit(struct allocator *a, struct packed_unit *p)
{
	uint64_t last = a->packed_list[--a->npacked];

	a->packed_list[p->list_pos] = last;
	a->packed[last]->list_pos = p->list_pos;
	a->packed[p->unit] = NULL;
	alloc_clear(a, p->unit * a->unit, a->unit);
	free(p);
}

static struct packed_unit *packed_at(const struct allocator *a, uint64_t off)
{
	uint64_t unit = off / a->unit;

	return a->packed && unit < a->nunits ? a->packed[unit] : NULL;
}

int pack_check_free(const struct allocator *a, uint64_t off, uint64_t len,
		    const char **why)
{
	const struct packed_unit *p;
	uint64_t unit = off / a->unit;

	/* neither a unit extent (space.c) nor a well-formed piece */
	if (!pack_enabled(a) || !len || len >= a->unit) {
		*why = "extent not aligned to the allocation unit";
		return -EINVAL;
	}
	if (off % a->page || len % a->page) {
		*why = "extent not aligned to the page size";
		return -EINVAL;
	}
	if (unit < a->first_unit || unit >= a->nunits) {
		*why = "extent outside the data area";
		return -ERANGE;
	}
	if (off % a->unit + len > a->unit) {
		*why = "packed piece crosses an allocation unit";
		return -EINVAL;
	}
	p = a->packed[unit];
	if (!p) {
		/* held space is free for replay (reclaim.c) */
		if (alloc_unit_free(a, unit) || a->owner[unit] == HELD_OWNER)
			return 0;
		*why = a->owner[unit] == BAD_OWNER ?
			       "extent holds poisoned memory" :
			       "packed piece inside a unit extent";
		return -EEXIST;
	}
	for (uint64_t i = off % a->unit / a->page;
	     i < (off % a->unit + len) / a->page; i++) {
		if (p->owner[i] && p->owner[i] != HELD_OWNER) {
			*why = p->owner[i] == BAD_OWNER ?
				       "extent holds poisoned memory" :
				       "extent overlaps another file";
			return -EEXIST;
		}
	}
	return 0;
}

int pack_mark(struct allocator *a, uint64_t off, uint64_t len, uint32_t owner)
{
	struct packed_unit *p = packed_at(a, off);
	uint32_t first = (uint32_t)(off % a->unit / a->page);
	uint32_t count = (uint32_t)(len / a->page);

	if (!p) {
		p = unit_to_packed(a, off / a->unit);
		if (!p)
			return -ENOMEM;
	}
	for (uint32_t i = first; i < first + count; i++) {
		/* pages held for hosts (reclaim.c) are counted already */
		if (!p->owner[i]) {
			p->used++;
			a->packed_pages++;
		}
		if (p->owner[i] == BAD_OWNER)
			a->packed_bad_pages--;
		if (owner == BAD_OWNER)
			a->packed_bad_pages++;
		p->owner[i] = owner;
	}
	p->largest_free = LARGEST_UNKNOWN;
	return 0;
}

int pack_mark_free(struct allocator *a, uint64_t off, uint64_t len,
		   uint32_t owner)
{
	struct packed_unit *p = packed_at(a, off);
	uint32_t first = (uint32_t)(off % a->unit / a->page);
	uint32_t count = (uint32_t)(len / a->page), given = 0;

	if (!p)
		return pack_mark(a, off, len, owner);	/* every page is free */
	/* a whole-device poison range reaches every unit, again and again */
	if (p->used == a->pages_per_unit)
		return 0;
	for (uint32_t i = first; i < first + count; i++) {
		if (p->owner[i])
			continue;
		p->owner[i] = owner;
		given++;
	}
	if (!given)
		return 0;
	p->used += given;
	a->packed_pages += given;
	if (owner == BAD_OWNER)
		a->packed_bad_pages += given;
	p->largest_free = LARGEST_UNKNOWN;
	return 0;
}

void pack_retag(struct allocator *a, uint64_t off, uint64_t len,
		uint32_t owner)
{
	struct packed_unit *p = packed_at(a, off);

	if (!p)
		return;
	for (uint64_t i = off % a->unit / a->page;
	     i < (off % a->unit + len) / a->page; i++) {
		if (p->owner[i] == BAD_OWNER)
			a->packed_bad_pages--;
		if (owner == BAD_OWNER)
			a->packed_bad_pages++;
		p->owner[i] = owner;
	}
}

void pack_clear(struct allocator *a, uint64_t off, uint64_t len)
{
	struct packed_unit *p = packed_at(a, off);
	uint32_t first = (uint32_t)(off % a->unit / a->page);
	uint32_t count = (uint32_t)(len / a->page);

	if (!p)
		return;
	for (uint32_t i = first; i < first + count; i++) {
		if (!p->owner[i])
			continue;
		p->owner[i] = 0;
		p->used--;
		a->packed_pages--;
	}
	if (!p->used)
		packed_to_unit(a, p);
	else
		p->largest_free = LARGEST_UNKNOWN;
}

uint32_t pack_owner(const struct allocator *a, uint64_t off)
{
	const struct packed_unit *p = packed_at(a, off);

	return p ? p->owner[off % a->unit / a->page] : 0;
}

bool pack_only_held(const struct allocator *a, uint64_t unit)
{
	const struct packed_unit *p =
		a->packed && unit < a->nunits ? a->packed[unit] : NULL;

	if (!p)
		return false;
	for (uint64_t i = 0; i < a->pages_per_unit; i++)
		if (p->owner[i] && p->owner[i] != HELD_OWNER)
			return false;
	return true;
}

/* A free unit for pieces, next fit from the unit hint; -ENOSPC. */
static int fresh_unit(const struct allocator *a, uint64_t *unit)
{
	if (alloc_find(a, 1, a->hint, a->nunits, unit) == 0)
		return 0;
	return alloc_find(a, 1, a->first_unit, a->nunits, unit);
}

int pack_find(struct allocator *a, uint64_t len, struct famfs_extent *out)
{
	uint32_t pages = (uint32_t)((len + a->page - 1) / a->page), first;
	bool big = pages > a->pages_per_unit / 2;
	struct packed_unit *p;
	uint64_t unit;

	if (!pack_enabled(a) || !len || len >= a->unit)
		return -EINVAL;
	/*
	 * A piece of more than half a unit starts a unit of its own when it
	 * can: should its file grow to a unit, that unit becomes its first
	 * unit extent in place.
	 */
	if (big && fresh_unit(a, &unit) == 0) {
		first = 0;
		goto found;
	}
	/* next fit: the unit the last piece went to, then any other */
	p = a->pack_hint < a->nunits ? a->packed[a->pack_hint] : NULL;
	if (p && first_fit(a, p, pages, &first) == 0) {
		unit = p->unit;
		goto found;
	}
	for (uint64_t i = 0; i < a->npacked; i++) {
		p = a->packed[a->packed_list[i]];
		if (first_fit(a, p, pages, &first) == 0) {
			unit = p->unit;
			goto found;
		}
	}
	if (big || fresh_unit(a, &unit))
		return -ENOSPC;
	first = 0;
found:
	a->pack_hint = unit;
	out->offset = unit * a->unit + (uint64_t)first * a->page;
	out->len = (uint64_t)pages * a->page;
	return 0;
}

uint64_t pack_free_after(const struct allocator *a, uint64_t end)
{
	const struct packed_unit *p = packed_at(a, end - 1);
	uint64_t n = 0;

	if (!p)
		return 0;
	for (uint64_t i = end % a->unit / a->page;
	     end % a->unit && i < a->pages_per_unit && !p->owner[i]; i++)
		n++;
	return n * a->page;
}

int pack_adopt_unit(struct allocator *a, uint64_t unit, uint64_t len,
		    uint32_t owner)
{
	uint32_t ino = a->owner[unit];
	int rc;

	/* the unit is the file's own: hand it to pieces, then take them */
	alloc_clear(a, unit * a->unit, a->unit);
	rc = pack_mark(a, unit * a->unit, len, owner);
	if (rc)
		alloc_mark(a, unit * a->unit, a->unit, ino);
	return rc;
}

int pack_release_unit(struct allocator *a, uint64_t unit, uint32_t owner)
{
	struct packed_unit *p = a->packed ? a->packed[unit] : NULL;

	if (!p || p->owner[0] != owner)
		return -ENOENT;
	for (uint32_t i = 0; i < a->pages_per_unit; i++)
		if (p->owner[i] && p->owner[i] != owner)
			return -EBUSY;
	a->packed_pages -= p->used;
	p->used = 0;
	packed_to_unit(a, p);
	alloc_mark(a, unit * a->unit, a->unit, owner);
	return 0;
}

