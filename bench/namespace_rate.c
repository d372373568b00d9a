// SPDX-License-Identifier: Apache-2.0
/*
 * rename() and unlink() per second through a famfs mount against tmpfs
 * (each call on the master is one log entry). Every repetition makes -n
 * files of 4 KiB in a fresh directory (untimed), renames each once in
 * the same directory (timed), then unlinks them all (timed); famfs and
 * tmpfs repetitions alternate.
 *
 * usage: namespace_rate [-n N] [-r REPS] FAMFS_DIR TMPFS_DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

struct rates {
	double rename;
	double unlink;
};

/* One repetition in a new directory under @base. */
static struct rates one_pass(const char *base, int rep, int n)
{
	static char block[4096];
	char dir[4096], from[4200], to[4200];
	struct rates r;
	double t0, t1;

	snprintf(dir, sizeof(dir), "%s/ns-%d-%d", base, (int)getpid(), rep);
	if (mkdir(dir, 0755))
		bench_die(dir, errno);
	for (int i = 0; i < n; i++) {
		int fd;

		snprintf(from, sizeof(from), "%s/f%d", dir, i);
		fd = open(from, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || write(fd, block, sizeof(block)) != sizeof(block) ||
		    close(fd))
			bench_die(from, errno ? errno : EIO);
	}
	t0 = bench_now();
	for (int i = 0; i < n; i++) {
		snprintf(from, sizeof(from), "%s/f%d", dir, i);
		snprintf(to, sizeof(to), "%s/r%d", dir, i);
		if (rename(from, to))
			bench_die(from, errno);
	}
	t1 = bench_now();
	r.rename = n / (t1 - t0);
	t0 = bench_now();
	for (int i = 0; i < n; i++) {
		snprintf(to, sizeof(to), "%s/r%d", dir, i);
		if (unlink(to))
			bench_die(to, errno);
	}
	t1 = bench_now();
	r.unlink = n / (t1 - t0);
	if (rmdir(dir))
		bench_die(dir, errno);
	return r;
}

static void usage(void)
{
	fprintf(stderr, "usage: namespace_rate [-n N] [-r REPS] FAMFS_DIR TMPFS_DIR\n");
	exit(2);
}

int main(int argc, char **argv)
{
	double fr[64], tr[64], qr[64], fu[64], tu[64], qu[64];
	struct bench_stat frs, trs, qrs, fus, tus, qus;
	int n = 2000, reps = 5, opt;
	char note[128];

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
	for (int i = 0; i < reps; i++) {
		struct rates f, t;

		if (i % 2 == 0)
			f = one_pass(argv[optind], i, n);
		t = one_pass(argv[optind + 1], i, n);
		if (i % 2)
			f = one_pass(argv[optind], i, n);
		fr[i] = f.rename;
		tr[i] = t.rename;
		qr[i] = f.rename / t.rename;
		fu[i] = f.unlink;
		tu[i] = t.unlink;
		qu[i] = f.unlink / t.unlink;
	}
	bench_stat_of(fr, reps, &frs);
	bench_stat_of(tr, reps, &trs);
	bench_stat_of(qr, reps, &qrs);
	bench_stat_of(fu, reps, &fus);
	bench_stat_of(tu, reps, &tus);
	bench_stat_of(qu, reps, &qus);
	snprintf(note, sizeof(note),
		 "%d files of 4 KiB per repetition, one directory, one process",
		 n);
	bench_row("meta.rename", "rename() within a directory", "renames/s",
		  &frs, "tmpfs", &trs, qrs.med, "ratio>=0.1", note);
	bench_row("meta.unlink", "unlink() of files", "unlinks/s", &fus,
		  "tmpfs", &tus, qus.med, "ratio>=0.1", note);
	return 0;
}
