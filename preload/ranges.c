// SPDX-License-Identifier: Apache-2.0
/* Address ranges of one direct mapping (ranges.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ranges.h"

static int ranges_reserve(struct range_set *s, size_t count)
{
	struct mapped_range *r;
	size_t cap;

	if (count <= s->cap)
		return 0;
	cap = s->cap ? s->cap * 2 : 4;
	if (cap < count)
		cap = count;
	r = realloc(s->r, cap * sizeof(*r));
	if (!r)
		return -ENOMEM;
	s->r = r;
	s->cap = cap;
	return 0;
}

int ranges_add(struct range_set *s, uintptr_t start, uintptr_t end,
	       uint64_t file_off)
{
	if (start >= end)
		return 0;
	/* continuing a range (the kernel merges such mappings too) */
	for (size_t i = 0; i < s->count; i++) {
		struct mapped_range *m = &s->r[i];

		if (m->end == start && m->file_off + (start - m->start) == file_off) {
			m->end = end;
			return 0;
		}
		if (m->start == end && file_off + (end - start) == m->file_off) {
			m->start = start;
			m->file_off = file_off;
			return 0;
		}
	}
	if (ranges_reserve(s, s->count + 1))
		return -ENOMEM;
	s->r[s->count++] = (struct mapped_range){ start, end, file_off };
	return 0;
}

uint64_t ranges_cut(struct range_set *s, uintptr_t start, uintptr_t end)
{
	uint64_t removed = 0;
	size_t i = 0;

	while (i < s->count) {
		struct mapped_range *m = &s->r[i];

		if (end <= m->start || m->end <= start) {
			i++;
			continue;
		}
		if (start <= m->start && m->end <= end) {
			/* all of it goes */
			removed += m->end - m->start;
			s->r[i] = s->r[--s->count];
			continue;
		}
		if (m->start < start && end < m->end) {
			/* a hole in the middle: the tail becomes a new range */
			struct mapped_range tail = {
				end, m->end, m->file_off + (end - m->start)
			};

			if (ranges_reserve(s, s->count + 1)) {
				i++;
				continue;
			}
			m = &s->r[i];
			m->end = start;
			s->r[s->count++] = tail;
			removed += end - start;
		} else if (start <= m->start) {
			/* the head goes */
			removed += end - m->start;
			m->file_off += end - m->start;
			m->start = end;
		} else {
			/* the tail goes */
			removed += m->end - start;
			m->end = start;
		}
		i++;
	}
	return removed;
}

struct mapped_range *ranges_find(struct range_set *s, uintptr_t start,
				 uintptr_t end)
{
	for (size_t i = 0; i < s->count; i++)
		if (s->r[i].start <= start && end <= s->r[i].end)
			return &s->r[i];
	return NULL;
}

bool ranges_overlap(const struct range_set *s, uintptr_t start,
		    uintptr_t end)
{
	for (size_t i = 0; i < s->count; i++)
		if (s->r[i].start < end && start < s->r[i].end)
			return true;
	return false;
}

void ranges_free(struct range_set *s)
{
	free(s->r);
	memset(s, 0, sizeof(*s));
}
