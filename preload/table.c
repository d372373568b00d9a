// SPDX-License-Identifier: Apache-2.0
/* The table of direct mappings (table.h). */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "table.h"

static pthread_mutex_t table_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct tracked **table;
static size_t table_count, table_cap;
static __thread bool in_table __attribute__((tls_model("initial-exec")));

void table_lock(void)
{
	pthread_mutex_lock(&table_mutex);
	in_table = true;
}

void table_unlock(void)
{
	in_table = false;
	pthread_mutex_unlock(&table_mutex);
}

bool table_busy(void)
{
	return in_table;
}

bool table_empty(void)
{
	return !__atomic_load_n(&table_count, __ATOMIC_RELAXED);
}

void tracked_free(struct tracked *t)
{
	if (!t)
		return;
	direct_release(&t->hold);
	direct_layout_free(&t->layout);
	ranges_free(&t->ranges);
	free(t);
}

int table_add(struct tracked *t)
{
	if (table_count == table_cap) {
		size_t cap = table_cap ? table_cap * 2 : 8;
		struct tracked **grown = realloc(table, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		table = grown;
		table_cap = cap;
	}
	table[table_count] = t;
	__atomic_store_n(&table_count, table_count + 1, __ATOMIC_RELAXED);
	return 0;
}

struct tracked *table_find(uintptr_t start, uintptr_t end,
			   struct mapped_range **range)
{
	for (size_t i = 0; i < table_count; i++) {
		*range = ranges_find(&table[i]->ranges, start, end);
		if (*range)
			return table[i];
	}
	return NULL;
}

bool table_overlaps(uintptr_t start, uintptr_t end)
{
	for (size_t i = 0; i < table_count; i++)
		if (ranges_overlap(&table[i]->ranges, start, end))
			return true;
	return false;
}

void table_forget(uintptr_t start, uintptr_t end)
{
	size_t i = 0;

	while (i < table_count) {
		struct tracked *t = table[i];

		ranges_cut(&t->ranges, start, end);
		if (t->ranges.count) {
			i++;
			continue;
		}
		table[i] = table[table_count - 1];
		__atomic_store_n(&table_count, table_count - 1,
				 __ATOMIC_RELAXED);
		tracked_free(t);
	}
}

static void fork_prepare(void)
{
	table_lock();
}

static void fork_parent(void)
{
	table_unlock();
}

static void fork_child(void)
{
	/* the child's copies of the holds are its own, as its mappings are */
	table_unlock();
}

__attribute__((constructor)) static void table_init(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}
