// SPDX-License-Identifier: Apache-2.0
/*
 * How long a client mount takes to see a file the master just created:
 * the master creates and writes 4 KiB (open O_CREAT, write, close: the
 * close commits the file to the log), then the client path is polled
 * with stat() until it appears. Reports p50 and p99 over -n files, in
 * milliseconds. The file is not empty on purpose: the daemon keeps an
 * empty file pending for a moment after close (tools like fio reopen it
 * to write), which would be measured instead.
 *
 * usage: client_visible [-n N] [-t TIMEOUT_S] MASTER_DIR CLIENT_DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/* Seconds until @path exists, or a negative value after @timeout. */
static double wait_for(const char *path, double t0, double timeout)
{
	const struct timespec pause = { 0, 100 * 1000 };	/* 0.1 ms */
	struct stat st;

	for (;;) {
		double now = bench_now();

		if (!stat(path, &st))
			return bench_now() - t0;
		if (now - t0 > timeout)
			return -1;
		nanosleep(&pause, NULL);
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: client_visible [-n N] [-t TIMEOUT_S] MASTER_DIR CLIENT_DIR\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static char block[4096];
	char sub[64], mpath[4096], cpath[4096], note[128];
	int n = 200, opt, late = 0;
	double timeout = 5, *v;
	struct bench_stat p50, p99;

	while ((opt = getopt(argc, argv, "n:t:")) != -1) {
		if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 't')
			timeout = atof(optarg);
		else
			usage();
	}
	if (optind + 2 != argc || n < 1 || timeout <= 0)
		usage();
	v = calloc(n, sizeof(*v));
	if (!v)
		bench_die("out of memory", -ENOMEM);

	/* a fresh directory, seen by the client before timing starts */
	snprintf(sub, sizeof(sub), "vis-%d", (int)getpid());
	snprintf(mpath, sizeof(mpath), "%s/%s", argv[optind], sub);
	snprintf(cpath, sizeof(cpath), "%s/%s", argv[optind + 1], sub);
	if (mkdir(mpath, 0755))
		bench_die(mpath, errno);
	if (wait_for(cpath, bench_now(), timeout) < 0)
		bench_die("the client never saw the new directory", -ETIMEDOUT);

	for (int i = 0; i < n; i++) {
		double t0;
		int fd;

		snprintf(mpath, sizeof(mpath), "%s/%s/f%d", argv[optind], sub,
			 i);
		snprintf(cpath, sizeof(cpath), "%s/%s/f%d", argv[optind + 1],
			 sub, i);
		fd = open(mpath, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 ||
		    write(fd, block, sizeof(block)) != sizeof(block) ||
		    close(fd))
			bench_die(mpath, errno ? errno : EIO);
		t0 = bench_now();	/* close() returned: committed */
		v[i] = wait_for(cpath, t0, timeout);
		if (v[i] < 0) {
			v[i] = timeout;
			late++;
		}
		v[i] *= 1e3;
	}
	bench_stat_of(v, n, &p50);
	p99 = p50;
	p99.med = v[(int)ceil(n * 0.99) - 1];
	snprintf(note, sizeof(note),
		 "%d files of 4 KiB, stat() polled every 0.1 ms%s", n, late ? "; some never appeared" : "");
	bench_row("meta.visible.p50",
		  "time for a client to see a new file, p50", "ms", &p50,
		  NULL, NULL, NAN, "-", note);
	bench_row("meta.visible.p99",
		  "time for a client to see a new file, p99", "ms", &p99,
		  NULL, NULL, NAN, "value<=1000", note);
	free(v);
	return late ? 1 : 0;
}
