/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The address ranges a direct mapping still covers, each with the file
 * byte it starts at: munmap, mremap and MAP_FIXED cut them, and when none
 * is left the mapping's hold on the file is let go.
 */
#ifndef FAMFS_PRELOAD_RANGES_H
#define FAMFS_PRELOAD_RANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mapped_range {
	uintptr_t start;
	uintptr_t end;		/* exclusive */
	uint64_t file_off;	/* file byte at start */
};

struct range_set {
	struct mapped_range *r;
	size_t count;
	size_t cap;
};

/*
 * Add [start, end) mapping file bytes from @file_off, joined to a range
 * it continues (same file bytes, next addresses); 0 or -ENOMEM.
 */
int ranges_add(struct range_set *s, uintptr_t start, uintptr_t end,
	       uint64_t file_off);
/*
 * Remove [start, end) from every range. A range cut in two needs one more
 * slot; when none can be had, the range is kept whole (the hold then
 * lasts longer than needed, never shorter). Returns the bytes removed.
 */
uint64_t ranges_cut(struct range_set *s, uintptr_t start, uintptr_t end);
/* The range holding all of [start, end), or NULL. */
struct mapped_range *ranges_find(struct range_set *s, uintptr_t start,
				 uintptr_t end);
/* Does any range overlap [start, end)? */
bool ranges_overlap(const struct range_set *s, uintptr_t start,
		    uintptr_t end);
void ranges_free(struct range_set *s);

#endif
