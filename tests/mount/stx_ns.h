/* SPDX-License-Identifier: Apache-2.0 */
/* A statx(2) time as nanoseconds, for comparing two hosts' answers. */
#ifndef TESTS_MOUNT_STX_NS_H
#define TESTS_MOUNT_STX_NS_H

#include <sys/stat.h>

static inline long long stx_ns(const struct statx_timestamp *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

#endif
