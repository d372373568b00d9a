// SPDX-License-Identifier: Apache-2.0
/*
 * Metadata cost against log length. For each DEVICE:COUNT argument a
 * fresh famfs is made on DEVICE (a new sparse file) and filled with
 * COUNT log entries through libfamfs on the unmounted device: one mkdir
 * per 1000 entries, files in between. Then famfs_fs_open() with its full
 * replay is timed. Reports time per entry for appending and for replay
 * at each length, the replay rate, and how the per-entry costs grow from
 * the shortest to the longest log (1.0 = linear; quadratic grows with
 * the length). The devices are left in place for the mount-time run.
 *
 * Files made by famfs_create_file() are empty: a sized file is zeroed
 * before it is published, and 100k files of 2 MiB would mean writing
 * 200 GB. With -x DEVICE:COUNT the file entries instead carry one 2 MiB
 * extent each (the common entry on a real device); they are appended as
 * valid records with famfs_debug_append_unchecked(), which writes the
 * same log bytes without zeroing, so only replay is timed there.
 *
 * usage: log_scale [-r REPS] [-x DEVICE:COUNT]... DEVICE:COUNT...
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "famfs.h"

#define PER_DIR 1000
#define MAX_RUNS 8

struct run {
	char *path;
	uint64_t count;
	bool extents;
	struct bench_stat append;	/* us per entry, one pass */
	struct bench_stat replay;	/* us per entry */
};

/* "1k", "100k": log lengths are decimal counts */
static void count_name(uint64_t count, char *buf, size_t len)
{
	if (count % 1000 == 0)
		snprintf(buf, len, "%lluk", (unsigned long long)(count / 1000));
	else
		snprintf(buf, len, "%llu", (unsigned long long)count);
}

static void make_device(const struct run *r)
{
	uint64_t log_len = FAMFS_MIN_LOG_LEN, size;
	struct famfs_mkfs_opts opts = { 0 };
	struct famfs_sb_info sb;
	struct famfs_dev *dev;
	int fd, rc;

	while (log_len < r->count * 256)	/* power of two, roomy */
		log_len *= 2;
	size = (4ULL << 20) + log_len + 8 * FAMFS_ALLOC_UNIT;
	if (r->extents)
		size += r->count * FAMFS_ALLOC_UNIT;
	fd = open(r->path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		bench_die(r->path, errno);
	/* sparse: only the superblock and log pages are ever touched */
	if (ftruncate(fd, size))
		bench_die(r->path, errno);
	close(fd);
	rc = famfs_dev_open(r->path, FAMFS_DEV_RDWR, &dev);
	if (rc)
		bench_die(r->path, rc);
	opts.log_len = log_len;
	rc = famfs_mkfs(dev, &opts, &sb);
	if (rc)
		bench_die("famfs_mkfs", rc);
	famfs_dev_close(dev);
}

/* A file entry with one 2 MiB extent, appended without zeroing. */
static int append_file_with_extent(struct famfs_fs *fs, const char *path,
				   uint64_t unit)
{
	const struct famfs_sb_info *sb = famfs_fs_sb(fs);
	struct famfs_extent ext = {
		.offset = sb->data_offset + unit * sb->alloc_unit,
		.len = sb->alloc_unit,
	};
	struct famfs_log_record r = {
		.type = FAMFS_LOG_FILE,
		.path = path,
		.mode = S_IFREG | 0644,
		.size = sb->alloc_unit,
		.nextents = 1,
		.extents = &ext,
	};

	return famfs_debug_append_unchecked(fs, &r);
}

/* Append the run's entries; returns seconds per entry. */
static double fill_log(const struct run *r)
{
	struct famfs_stat dir = { 0 }, st;
	struct famfs_fs *fs;
	char name[32], path[64];
	double t0, t1;
	int rc;

	rc = famfs_fs_open(r->path, FAMFS_OPEN_RDWR, NULL, &fs);
	if (rc)
		bench_die(r->path, rc);
	t0 = bench_now();
	for (uint64_t i = 0; i < r->count; i++) {
		uint64_t d = i / PER_DIR;

		if (i % PER_DIR == 0) {
			snprintf(name, sizeof(name), "d%llu",
				 (unsigned long long)d);
			rc = famfs_mkdir(fs, FAMFS_ROOT_INO, name, 0755, 0, 0,
					 &dir);
		} else if (r->extents) {
			snprintf(path, sizeof(path), "d%llu/f%llu",
				 (unsigned long long)d, (unsigned long long)i);
			rc = append_file_with_extent(fs, path, i);
		} else {
			snprintf(name, sizeof(name), "f%llu",
				 (unsigned long long)i);
			rc = famfs_create_file(fs, dir.ino, name, 0644, 0, 0,
					       0, NULL, &st);
		}
		if (rc)
			bench_die("filling the log", rc);
	}
	t1 = bench_now();
	famfs_fs_close(fs);
	return (t1 - t0) / r->count;
}

static void print_problem(void *ctx, enum famfs_severity sev, const char *msg)
{
	unsigned long *shown = ctx;

	if (sev != FAMFS_INFO && (*shown)++ < 5)
		fprintf(stderr, "log_scale: replay: %s\n", msg);
}

/* famfs_fs_open() replays the whole log; returns seconds. */
static double replay_once(const struct run *r)
{
	unsigned long shown = 0;
	struct famfs_report rep = { .fn = print_problem, .ctx = &shown };
	struct famfs_usage u;
	struct famfs_fs *fs;
	double t0, t1;
	int rc;

	t0 = bench_now();
	rc = famfs_fs_open(r->path, FAMFS_OPEN_RDONLY, &rep, &fs);
	t1 = bench_now();
	if (rc)
		bench_die(r->path, rc);
	famfs_fs_usage(fs, &u);
	/* every entry applied: the root is not in the log */
	if (u.nfiles + u.ndirs != r->count + 1 || rep.nerrors) {
		fprintf(stderr, "log_scale: %llu files + %llu dirs of %llu\n",
			(unsigned long long)u.nfiles,
			(unsigned long long)u.ndirs,
			(unsigned long long)r->count);
		bench_die("replay did not apply every entry", -EIO);
	}
	famfs_fs_close(fs);
	return t1 - t0;
}

static void measure(struct run *r, int reps)
{
	char id[64], label[128], cname[32];
	double v[64], us;

	make_device(r);
	us = fill_log(r) * 1e6;
	r->append = (struct bench_stat){ us, us, us };
	for (int i = 0; i < reps; i++)
		v[i] = replay_once(r) * 1e6 / r->count;
	bench_stat_of(v, reps, &r->replay);

	count_name(r->count, cname, sizeof(cname));
	if (!r->extents) {
		snprintf(id, sizeof(id), "log.append.%s", cname);
		snprintf(label, sizeof(label),
			 "log append time per entry (mkdir, empty files), "
			 "%s entries", cname);
		bench_row(id, label, "us/entry", &r->append, NULL, NULL, NAN,
			  "-", "libfamfs on an unmounted device, one pass");
	}
	snprintf(id, sizeof(id), "log.replay.%s%s", r->extents ? "x." : "",
		 cname);
	snprintf(label, sizeof(label),
		 "log replay time per entry, %s entries%s", cname, r->extents ? ", 2 MiB files" : ", empty files");
	bench_row(id, label, "us/entry", &r->replay, NULL, NULL, NAN, "-",
		  "famfs_fs_open() incl. full replay");
}

static void report_rate(const struct run *r)
{
	struct bench_stat rate;
	char id[64], label[128], cname[32];

	rate.med = 1e6 / r->replay.med;
	rate.min = 1e6 / r->replay.max;
	rate.max = 1e6 / r->replay.min;
	count_name(r->count, cname, sizeof(cname));
	snprintf(id, sizeof(id), "log.replay.rate%s", r->extents ? ".x" : "");
	snprintf(label, sizeof(label),
		 "log entries replayed per second, %s-entry log%s", cname,
		 r->extents ? " (2 MiB files)" : " (empty files)");
	bench_row(id, label, "entries/s", &rate, NULL, NULL, NAN,
		  "value>=1000000", "famfs_fs_open() + full replay");
}

/* Per-entry cost at the longest plain log over the shortest. */
static void report_growth(const struct run *first, const struct run *last)
{
	char note[128], a[32], b[32];
	struct bench_stat g;

	count_name(first->count, a, sizeof(a));
	count_name(last->count, b, sizeof(b));
	snprintf(note, sizeof(note), "per-entry time at %s / at %s; 1 = linear",
		 b, a);
	g.med = g.min = g.max = last->append.med / first->append.med;
	bench_row("log.growth.append",
		  "scaling: append cost per entry, long vs short log", "x", &g,
		  NULL, NULL, NAN, "value<=3", note);
	g.med = last->replay.med / first->replay.med;
	g.min = last->replay.min / first->replay.max;
	g.max = last->replay.max / first->replay.min;
	bench_row("log.growth.replay",
		  "scaling: replay cost per entry, long vs short log", "x", &g,
		  NULL, NULL, NAN, "value<=3", note);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: log_scale [-r REPS] [-x DEVICE:COUNT]... DEVICE:COUNT...\n");
	exit(2);
}

static void parse_run(char *arg, bool extents, struct run *r)
{
	char *colon = strrchr(arg, ':');

	if (!colon || famfs_parse_size(colon + 1, &r->count) || !r->count)
		usage();
	*colon = '\0';
	r->path = arg;
	r->extents = extents;
}

int main(int argc, char **argv)
{
	struct run runs[MAX_RUNS];
	int reps = 5, opt, n = 0, first = -1, last = -1;

	while ((opt = getopt(argc, argv, "r:x:")) != -1) {
		if (opt == 'r') {
			reps = atoi(optarg);
			if (reps < 1 || reps > 64)
				usage();
		} else if (opt == 'x' && n < MAX_RUNS) {
			parse_run(optarg, true, &runs[n++]);
		} else {
			usage();
		}
	}
	for (; optind < argc && n < MAX_RUNS; optind++)
		parse_run(argv[optind], false, &runs[n++]);
	if (!n || optind != argc)
		usage();

	for (int i = 0; i < n; i++) {
		measure(&runs[i], reps);
		if (runs[i].extents)
			continue;
		if (first < 0)
			first = i;
		last = i;
	}
	for (int i = 0; i < n; i++)
		if (runs[i].extents || i == last)
			report_rate(&runs[i]);
	if (first >= 0 && last > first)
		report_growth(&runs[first], &runs[last]);
	return 0;
}
