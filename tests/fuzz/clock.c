// SPDX-License-Identifier: Apache-2.0
/*
 * Linked into the fuzz targets with -Wl,--wrap=famfs_now_ns: the clock
 * libfamfs reads (the times of the master's entries, host heartbeats)
 * restarts at the same instant for every input and advances one
 * microsecond per reading, so an input builds the same device bytes
 * whenever and however often it runs: a crash replays bit for bit.
 * (The other source that differs between runs, the mount nonce from
 * getrandom(), is drawn only by opens with FAMFS_OPEN_HOST, which the
 * targets do not make.)
 */
#include <stdint.h>

#define FUZZ_EPOCH_NS 1700000000000000000ULL	/* November 2023 */

uint64_t __wrap_famfs_now_ns(void);
void fuzz_clock_reset(void);

static uint64_t fuzz_now = FUZZ_EPOCH_NS;

uint64_t __wrap_famfs_now_ns(void)
{
	fuzz_now += 1000;
	return fuzz_now;
}

void fuzz_clock_reset(void)
{
	fuzz_now = FUZZ_EPOCH_NS;
}
