// SPDX-License-Identifier: Apache-2.0
/*
 * Linked into the fuzz targets with -Wl,--wrap: cache write-back and
 * invalidation become no-ops. One process sees its own stores, so they
 * change nothing the fuzzer can observe, while CLFLUSH of every line a
 * replay touches cost more than the replay itself. Their order is
 * tested apart (tests/unit/test_ordering.c).
 */
#include <stddef.h>

void __wrap_famfs_flush(const void *addr, size_t len);
void __wrap_famfs_invalidate(const void *addr, size_t len);

void __wrap_famfs_flush(const void *addr, size_t len)
{
	(void)addr;
	(void)len;
}

void __wrap_famfs_invalidate(const void *addr, size_t len)
{
	(void)addr;
	(void)len;
}
