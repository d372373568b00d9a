// SPDX-License-Identifier: Apache-2.0
/*
 * How long after a client's close the space of a file deleted on the
 * master is free again. Per sample: the master writes a 2 MiB file (one
 * allocation unit), the client opens it once it sees it, the master
 * deletes it and the client replays the delete (its name goes): the
 * space is now held for the client, which the master's free space must
 * show. Then the client closes it, and the master's statfs(2) is polled
 * until the space is back. Reports p50 and p99 over -n samples, in ms.
 *
 * usage: reclaim_latency [-n N] [-t TIMEOUT_S] MASTER_DIR CLIENT_DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define FILE_BYTES (2u << 20)

static const struct timespec pause_short = { 0, 100 * 1000 };	/* 0.1 ms */

static uint64_t free_bytes(const char *dir)
{
	struct statvfs s;

	if (statvfs(dir, &s))
		bench_die(dir, errno);
	return (uint64_t)s.f_bfree * s.f_frsize;
}

/* Wait until @path exists (@want) or not; false after @timeout s. */
static bool wait_name(const char *path, bool want, double timeout)
{
	double t0 = bench_now();
	struct stat st;

	while ((stat(path, &st) == 0) != want) {
		if (bench_now() - t0 > timeout)
			return false;
		nanosleep(&pause_short, NULL);
	}
	return true;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: reclaim_latency [-n N] [-t TIMEOUT_S] MASTER_DIR CLIENT_DIR\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *master, *client;
	char mpath[4096], cpath[4096], note[160];
	struct bench_stat p50, p99;
	double timeout = 10, *v;
	int n = 50, opt;
	char *block;

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
	master = argv[optind];
	client = argv[optind + 1];
	v = calloc(n, sizeof(*v));
	block = calloc(1, FILE_BYTES);
	if (!v || !block)
		bench_die("out of memory", -ENOMEM);

	for (int i = 0; i < n; i++) {
		uint64_t before;
		double t0;
		int fd;

		snprintf(mpath, sizeof(mpath), "%s/rl-%d-%d", master,
			 (int)getpid(), i);
		snprintf(cpath, sizeof(cpath), "%s/rl-%d-%d", client,
			 (int)getpid(), i);
		fd = open(mpath, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || write(fd, block, FILE_BYTES) != FILE_BYTES ||
		    close(fd))
			bench_die(mpath, errno ? errno : EIO);
		if (!wait_name(cpath, true, timeout))
			bench_die("the client never saw the file", -ETIMEDOUT);
		fd = open(cpath, O_RDONLY);
		if (fd < 0)
			bench_die(cpath, errno);
		before = free_bytes(master);
		if (unlink(mpath))
			bench_die(mpath, errno);
		if (!wait_name(cpath, false, timeout))
			bench_die("the client never saw the delete", -ETIMEDOUT);
		/* the client has replayed the delete and still holds it */
		if (free_bytes(master) != before)
			bench_die("space of a file a client holds came back",
				  -EBUSY);
		t0 = bench_now();
		close(fd);
		while (free_bytes(master) < before + FILE_BYTES) {
			if (bench_now() - t0 > timeout)
				bench_die("the space never came back",
					  -ETIMEDOUT);
			nanosleep(&pause_short, NULL);
		}
		v[i] = (bench_now() - t0) * 1e3;
	}
	bench_stat_of(v, n, &p50);
	p99 = p50;
	p99.med = v[(int)ceil(n * 0.99) - 1];
	snprintf(note, sizeof(note),
		 "%d files of 2 MiB deleted while a client had them open; "
		 "master statfs() polled every 0.1 ms", n);
	bench_row("meta.reclaim.p50",
		  "client close to deleted space free on the master, p50",
		  "ms", &p50, NULL, NULL, NAN, "-", note);
	bench_row("meta.reclaim.p99",
		  "client close to deleted space free on the master, p99",
		  "ms", &p99, NULL, NULL, NAN, "value<=1000", note);
	free(block);
	free(v);
	return 0;
}
