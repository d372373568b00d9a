/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The direct mappings this process has made through the preload library,
 * so that munmap, mremap and MAP_FIXED keep them right and the file's
 * hold is let go with the last byte mapped.
 *
 * Locking: one mutex, taken with table_lock(). A thread holding it may
 * call malloc, whose own mmap/munmap come back into the interposers:
 * those see table_busy() and go straight to the C library. Fork takes
 * the lock around itself so the child never inherits it held.
 */
#ifndef FAMFS_PRELOAD_TABLE_H
#define FAMFS_PRELOAD_TABLE_H

#include <stdbool.h>

#include "direct.h"
#include "ranges.h"

struct tracked {
	struct direct_layout layout;
	struct direct_hold hold;
	struct direct_request proto;	/* how the first mmap asked */
	struct range_set ranges;
};

void table_lock(void);
void table_unlock(void);
/* This thread holds the lock (a nested call from inside the library). */
bool table_busy(void);
/* Nothing tracked (read without the lock: a hint for the fast path). */
bool table_empty(void);

/* Track @t (lock held); 0 or -ENOMEM. The table owns it afterwards. */
int table_add(struct tracked *t);
/* The tracked mapping and range holding all of [start, end) (lock held). */
struct tracked *table_find(uintptr_t start, uintptr_t end,
			   struct mapped_range **range);
/* Does any direct mapping overlap [start, end) (lock held)? */
bool table_overlaps(uintptr_t start, uintptr_t end);
/*
 * [start, end) is no longer a direct mapping (unmapped or replaced);
 * mappings left without a range let go of their file (lock held).
 */
void table_forget(uintptr_t start, uintptr_t end);
/* Free a tracked mapping that never made it into the table. */
void tracked_free(struct tracked *t);

#endif
