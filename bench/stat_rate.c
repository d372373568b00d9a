// SPDX-License-Identifier: Apache-2.0
/*
 * stat() per second through a famfs mount against tmpfs, for names that
 * exist and for names that do not (negative lookups, as a compiler's
 * include search or a shell's PATH walk makes them). Each side gets -n
 * empty files in a fresh directory, untimed; then every repetition
 * stats all of them (or as many missing names) once. A first, untimed
 * pass per side lets both sides start from what their caches hold in
 * steady use; famfs and tmpfs repetitions alternate.
 *
 * usage: stat_rate [-n N] [-r REPS] FAMFS_DIR TMPFS_DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

struct side {
	char dir[4096];
};

static void make_files(struct side *s, const char *base, int n)
{
	char path[4200];

	snprintf(s->dir, sizeof(s->dir), "%s/st-%d", base, (int)getpid());
	if (mkdir(s->dir, 0755))
		bench_die(s->dir, errno);
	for (int i = 0; i < n; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/f%d", s->dir, i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			bench_die(path, errno);
		if (close(fd))
			bench_die(path, errno);
	}
}

/* One pass over @n names ("f" existing, "m" missing); returns stats/s. */
static double stat_pass(const struct side *s, int n, bool missing)
{
	char path[4200];
	struct stat st;
	double t0, t1;
	int len;

	len = snprintf(path, sizeof(path), "%s/%c", s->dir, missing ? 'm' : 'f');
	t0 = bench_now();
	for (int i = 0; i < n; i++) {
		snprintf(path + len, sizeof(path) - len, "%d", i);
		bool found = stat(path, &st) == 0;

		if (found == missing)
			bench_die(path, found ? EEXIST : errno);
		if (!found && errno != ENOENT)
			bench_die(path, errno);
	}
	t1 = bench_now();
	return n / (t1 - t0);
}

static void measure(const struct side *fam, const struct side *tmp, int n,
		    int reps, bool missing)
{
	double f[64], t[64], q[64];
	struct bench_stat fs, ts, qs;
	char note[128];

	stat_pass(fam, n, missing);	/* warm up */
	stat_pass(tmp, n, missing);
	for (int i = 0; i < reps; i++) {
		if (i % 2 == 0)
			f[i] = stat_pass(fam, n, missing);
		t[i] = stat_pass(tmp, n, missing);
		if (i % 2)
			f[i] = stat_pass(fam, n, missing);
		q[i] = f[i] / t[i];
	}
	bench_stat_of(f, reps, &fs);
	bench_stat_of(t, reps, &ts);
	bench_stat_of(q, reps, &qs);
	snprintf(note, sizeof(note),
		 "%d names per repetition, one process, after one untimed pass",
		 n);
	if (missing)
		bench_row("meta.negative", "stat() of missing names (negative lookups)",
			  "lookups/s", &fs, "tmpfs", &ts, qs.med, "ratio>=0.3",
			  note);
	else
		bench_row("meta.stat", "stat() of existing files", "stats/s",
			  &fs, "tmpfs", &ts, qs.med, "ratio>=0.3", note);
}

static void usage(void)
{
	fprintf(stderr, "usage: stat_rate [-n N] [-r REPS] FAMFS_DIR TMPFS_DIR\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct side fam, tmp;
	int n = 2000, reps = 5, opt;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 'r')
			reps = atoi(optarg);
		else
			usage();
	}
	if (n < 1 || reps < 1 || reps > 64 || optind + 2 != argc)
		usage();
	make_files(&fam, argv[optind], n);
	make_files(&tmp, argv[optind + 1], n);
	measure(&fam, &tmp, n, reps, false);
	measure(&fam, &tmp, n, reps, true);
	return 0;
}
