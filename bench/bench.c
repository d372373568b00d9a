// SPDX-License-Identifier: Apache-2.0
/*
 * Shared helpers for the benchmark programs; see bench.h for the output
 * protocol.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "famfs.h"

double bench_clock(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

double bench_now(void)
{
	return bench_clock(CLOCK_MONOTONIC);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void bench_stat_of(double *v, int n, struct bench_stat *s)
{
	qsort(v, n, sizeof(*v), cmp_double);
	s->min = v[0];
	s->max = v[n - 1];
	s->med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void print_stat(const struct bench_stat *s)
{
	if (s)
		printf("\t%.6g\t%.6g\t%.6g", s->med, s->min, s->max);
	else
		printf("\t-\t-\t-");
}

void bench_row(const char *id, const char *label, const char *unit,
	       const struct bench_stat *famfs, const char *cmp_name,
	       const struct bench_stat *cmp, double ratio, const char *goal,
	       const char *note)
{
	printf("row\t%s\t%s\t%s", id, label, unit);
	print_stat(famfs);
	printf("\t%s", cmp && cmp_name ? cmp_name : "-");
	print_stat(cmp);
	if (isnan(ratio))
		printf("\t-");
	else
		printf("\t%.4f", ratio);
	printf("\t%s\t%s\n", goal ? goal : "-", note && *note ? note : "-");
	fflush(stdout);
}

void bench_skip(const char *id, const char *label, const char *reason)
{
	printf("skip\t%s\t%s\t%s\n", id, label, reason);
	fflush(stdout);
}

void bench_plot(const char *series, uint64_t x, const struct bench_stat *s)
{
	printf("plot\t%s\t%llu\t%.6g\t%.6g\t%.6g\n", series,
	       (unsigned long long)x, s->med, s->min, s->max);
	fflush(stdout);
}

void bench_size_name(uint64_t bytes, char *buf, size_t len)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (bytes >= 1024 && bytes % 1024 == 0 && u < 3) {
		bytes /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%llu", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%llu%c", (unsigned long long)bytes,
			 units[u]);
}

int bench_parse_sizes(const char *text, uint64_t *out, int max)
{
	char *copy = strdup(text), *save = NULL, *tok;
	int n = 0;

	if (!copy)
		bench_die("out of memory", -ENOMEM);
	for (tok = strtok_r(copy, ",", &save); tok && n < max;
	     tok = strtok_r(NULL, ",", &save)) {
		if (famfs_parse_size(tok, &out[n]) || !out[n]) {
			fprintf(stderr, "%s: bad size '%s'\n",
				program_invocation_short_name, tok);
			exit(2);
		}
		n++;
	}
	free(copy);
	return n;
}

int bench_parse_ints(const char *text, int *out, int max, int lo, int hi)
{
	const char *s = text;
	int n;

	for (n = 0; *s && n < max; n++) {
		char *end;
		long v = strtol(s, &end, 10);

		if (end == s || v < lo || v > hi || (*end && *end != ','))
			return -1;
		out[n] = (int)v;
		s = end + (*end == ',');
	}
	return n;
}

void bench_create_file(const char *device, const char *prefix, uint64_t size,
		       struct famfs_fs **fs, struct famfs_stat *st)
{
	char name[64];
	int rc;

	rc = famfs_fs_open(device, FAMFS_OPEN_RDWR, NULL, fs);
	if (rc)
		bench_die(device, rc);
	snprintf(name, sizeof(name), "%s-%d", prefix, (int)getpid());
	rc = famfs_create_file(*fs, FAMFS_ROOT_INO, name, 0644, 0, 0, size,
			       NULL, st);
	if (rc)
		bench_die("famfs_create_file", rc);
}

void bench_mounted_file(const char *path, const char *device,
			struct famfs_fs **fs, struct famfs_stat *st)
{
	struct famfs_mount_info *mi = malloc(sizeof(*mi));
	char real[PATH_MAX];
	size_t len;
	int rc;

	if (!mi)
		bench_die("out of memory", -ENOMEM);
	if (!realpath(path, real))
		bench_die(path, -errno);
	rc = famfs_mount_of_path(real, mi);
	if (rc)
		bench_die(path, rc);
	len = strlen(mi->mountpoint);
	rc = famfs_fs_open(device, FAMFS_OPEN_RDONLY, NULL, fs);
	if (rc)
		bench_die(device, rc);
	rc = famfs_resolve(*fs, real + len, st);
	if (rc)
		bench_die(path, rc);
	free(mi);
}

void *bench_map_shared(const char *path, uint64_t offset, uint64_t len)
{
	int fd = open(path, O_RDWR);
	void *p;

	if (fd < 0)
		bench_die(path, -errno);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 (off_t)offset);
	if (p == MAP_FAILED)
		bench_die(path, -errno);
	close(fd);
	return p;
}

/* Whether /proc/self/maps says @path backs the mapping at @addr. */
static bool backed_by(const void *addr, const char *path)
{
	char line[PATH_MAX + 128], real[PATH_MAX];
	bool backed = false;
	FILE *f;

	if (!realpath(path, real) || !(f = fopen("/proc/self/maps", "re")))
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		int at = 0;

		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &at) < 2 ||
		    (uintptr_t)addr < lo || (uintptr_t)addr >= hi)
			continue;
		line[strcspn(line, "\n")] = '\0';
		backed = at && !strcmp(line + at, real);
		break;
	}
	fclose(f);
	return backed;
}

void bench_check_direct(const void *addr, const char *device, bool direct)
{
	if (backed_by(addr, device) == direct)
		return;
	bench_die(direct ? "mmap of the file is not the device (run it under "
			   "famfs run)" :
			   "mmap of the file is the device",
		  -EINVAL);
}

/* xorshift64*: fixed seed so famfs and the comparator see the same order */
static uint64_t next_random(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545F4914F6CDD1DULL;
}

void bench_shuffle(uint64_t *v, uint64_t n, uint64_t seed)
{
	uint64_t state = seed | 1;

	for (uint64_t i = 0; i < n; i++)
		v[i] = i;
	for (uint64_t i = n; i > 1; i--) {
		uint64_t j = next_random(&state) % i, t = v[i - 1];

		v[i - 1] = v[j];
		v[j] = t;
	}
}

void bench_die(const char *what, int err)
{
	fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what,
		strerror(err < 0 ? -err : err));
	exit(1);
}
