// SPDX-License-Identifier: Apache-2.0
/*
 * Request counters of this daemon: how much data it served itself. A
 * file passed through to a view never shows up here, which is how the
 * tests and `famfs status` see that passthrough is working.
 */
#include <string.h>

#include "famfs_fused.h"

void counters_add(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

void fused_counters_read(struct fused *d, struct fused_counters *out)
{
	const struct fused_counters *c = &d->counters;

	/* each field on its own: a snapshot need not be one instant */
	out->read_requests = __atomic_load_n(&c->read_requests,
					     __ATOMIC_RELAXED);
	out->write_requests = __atomic_load_n(&c->write_requests,
					      __ATOMIC_RELAXED);
	out->read_bytes = __atomic_load_n(&c->read_bytes, __ATOMIC_RELAXED);
	out->write_bytes = __atomic_load_n(&c->write_bytes, __ATOMIC_RELAXED);
	out->opens_passthrough = __atomic_load_n(&c->opens_passthrough,
						 __ATOMIC_RELAXED);
	out->opens_daemon = __atomic_load_n(&c->opens_daemon,
					    __ATOMIC_RELAXED);
	out->passthrough_views = __atomic_load_n(&c->passthrough_views,
						 __ATOMIC_RELAXED);
}
