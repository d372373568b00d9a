/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the benchmark programs: a monotonic clock, median /
 * min / max over repetitions, and the line protocol that run.sh turns
 * into results.md, results.json and the plot.
 *
 * Every program prints tab-separated lines on stdout:
 *   row  ID LABEL UNIT F_MED F_MIN F_MAX CMP_NAME C_MED C_MIN C_MAX RATIO GOAL NOTE
 *   skip ID LABEL REASON
 *   plot SERIES X_BYTES MED MIN MAX
 * A missing number is "-". GOAL is "ratio>=X", "value>=X", "value<=X",
 * "value==X" or "-" (informational).
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "famfs.h"

struct bench_stat {
	double med;
	double min;
	double max;
};

/* Seconds on @clock (clock_gettime's clock ids). */
double bench_clock(clockid_t clock);
/* Seconds on CLOCK_MONOTONIC. */
double bench_now(void);

/* Median, min and max of @n values (@v is reordered). */
void bench_stat_of(double *v, int n, struct bench_stat *s);

/*
 * One table row. @cmp may be NULL (no comparator); a NaN @ratio is
 * printed as "-" and run.sh then derives it from the medians.
 */
void bench_row(const char *id, const char *label, const char *unit,
	       const struct bench_stat *famfs, const char *cmp_name,
	       const struct bench_stat *cmp, double ratio, const char *goal,
	       const char *note);
void bench_skip(const char *id, const char *label, const char *reason);
void bench_plot(const char *series, uint64_t x, const struct bench_stat *s);

/* "4K" style name of a byte count, for labels and ids. */
void bench_size_name(uint64_t bytes, char *buf, size_t len);

/* Parse a comma separated list of sizes ("4K,64K,1M"); returns the count. */
int bench_parse_sizes(const char *text, uint64_t *out, int max);

/*
 * Parse a comma separated list of integers in [lo, hi] ("1,4"); returns
 * the count, or -1 for a bad element.
 */
int bench_parse_ints(const char *text, int *out, int max, int lo, int hi);

/*
 * Open the famfs on @device read-write and create a file of @size bytes
 * named "PREFIX-PID" at its root; exits on failure.
 */
void bench_create_file(const char *device, const char *prefix, uint64_t size,
		       struct famfs_fs **fs, struct famfs_stat *st);

/*
 * A file already in a famfs mount (made through the mount): the device
 * behind the mount opened read-only, and the file's node there; exits on
 * failure. The caller closes *fs.
 */
void bench_mounted_file(const char *path, const char *device,
			struct famfs_fs **fs, struct famfs_stat *st);

/* @len bytes of @path from @offset, mmap()ed shared read-write; exits. */
void *bench_map_shared(const char *path, uint64_t offset, uint64_t len);

/*
 * Exit unless the mapping at @addr is what the row will say: the device
 * itself (@direct: a direct mapping under famfs run), or not.
 */
void bench_check_direct(const void *addr, const char *device, bool direct);

/* Deterministic pseudo-random permutation of 0..n-1 (same on every run). */
void bench_shuffle(uint64_t *v, uint64_t n, uint64_t seed);

/* Print "PROG: MSG: strerror(-err)" on stderr and exit 1. */
void bench_die(const char *what, int err) __attribute__((noreturn));

#endif /* BENCH_H */
