// SPDX-License-Identifier: Apache-2.0
/*
 * stat_race DIR MAX SECONDS THREADS mkdir|create|mknod: make DIR/nI (a
 * directory, an empty file by open(O_CREAT)+close, or one by mknod(2))
 * up to MAX times (or for SECONDS), while THREADS threads stat DIR
 * without pause; after each, DIR's mtime must not be older than the new
 * node's ctime (both are the time of its creation). A stat answered
 * from before the change but applied after the kernel's own
 * invalidation at the reply would stay cached for the master's long
 * timeout, unless the daemon told the kernel before its reply.
 *
 * The threads force each stat to the daemon (AT_STATX_FORCE_SYNC), so
 * that one is always on its way when a node is made. A plain stat asks
 * only while the kernel holds the attributes invalid, just after the
 * previous change, and that request is rarely still unanswered when
 * the next node is made: the kernel's tracepoints (Linux 6.18)
 * showed a GETATTR still on its way when the CREATE was sent for 1 of
 * 4,000 creates (MKDIR: 18 of 16,000), and plain stats never caught a
 * create that went without its notification. Before each check the
 * threads pause and the main thread waits until none is in a stat, so
 * that the check sees what stays cached, not what a later forced answer
 * rewrote. Prints "N made, M stale".
 *
 * Exit status: 0 none stale, 1 (STALE_FOUND) some stale, 2 (NOT_RUN) a
 * usage error, or a mkdir, create, mknod or stat that failed: the race
 * was not run to the end.
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "args.h"

#define STALE_FOUND 1
#define NOT_RUN 2
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *dir;
static atomic_int stop, paused, busy;

static void *stat_loop(void *arg)
{
	struct statx stx;

	(void)arg;
	while (!atomic_load(&stop)) {
		if (atomic_load(&paused)) {
			sched_yield();
			continue;
		}
		/* the main thread sets paused, then waits for busy == 0 */
		atomic_fetch_add(&busy, 1);
		if (!atomic_load(&paused))
			statx(AT_FDCWD, dir, AT_STATX_FORCE_SYNC,
			      STATX_BASIC_STATS, &stx);
		atomic_fetch_sub(&busy, 1);
	}
	return NULL;
}

static long long ns_of(const struct timespec *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

/* DIR/nI as OP says, a create's file left open in *fd; 0 or -1 */
static int make(const char *op, const char *path, int *fd)
{
	if (!strcmp(op, "mkdir"))
		return mkdir(path, 0755);
	if (!strcmp(op, "mknod"))
		return mknod(path, S_IFREG | 0644, 0);
	*fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
	return *fd < 0 ? -1 : 0;
}

static const char usage_text[] =
	"usage: stat_race DIR MAX SECONDS THREADS mkdir|create|mknod\n";

static void usage(void)
{
	fputs(usage_text, stderr);
	exit(NOT_RUN);
}

int main(int argc, char **argv)
{
	struct timespec start, now;
	long max, done = 0, stale = 0;
	int seconds, threads, fd, rc = 0;
	const char *op;
	pthread_t tid[16];
	char path[4096];

	if (argc != 6)
		usage();
	dir = argv[1];
	max = number_arg("MAX", argv[2], 1, LONG_MAX, usage_text);
	seconds = (int)number_arg("SECONDS", argv[3], 1, INT_MAX, usage_text);
	threads = (int)number_arg("THREADS", argv[4], 1, ARRAY_SIZE(tid),
				  usage_text);
	op = argv[5];
	if (strcmp(op, "mkdir") && strcmp(op, "create") &&
	    strcmp(op, "mknod")) {
		fprintf(stderr, "stat_race: operation '%s': not mkdir, "
			"create or mknod\n", op);
		usage();
	}
	for (int i = 0; i < threads; i++)
		pthread_create(&tid[i], NULL, stat_loop, NULL);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (; done < max; done++) {
		struct stat d, c;

		if (done % 256 == 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - start.tv_sec >= seconds)
				break;
		}
		snprintf(path, sizeof(path), "%s/n%ld", dir, done);
		fd = -1;
		if (make(op, path, &fd)) {
			perror(path);
			rc = NOT_RUN;
			break;
		}
		/*
		 * At once: a forced answer applied meanwhile (during a
		 * close's FLUSH, say) would hide a stale one.
		 */
		atomic_store(&paused, 1);
		while (atomic_load(&busy))
			sched_yield();
		if (stat(path, &c) || stat(dir, &d) ||
		    (fd >= 0 && close(fd))) {
			perror(path);
			rc = NOT_RUN;
			break;
		}
		atomic_store(&paused, 0);
		if (ns_of(&d.st_mtim) < ns_of(&c.st_ctim)) {
			if (!stale)
				fprintf(stderr, "%s: directory mtime %lld.%09ld "
					"older than %s's ctime %lld.%09ld\n",
					dir, (long long)d.st_mtim.tv_sec,
					d.st_mtim.tv_nsec, path,
					(long long)c.st_ctim.tv_sec,
					c.st_ctim.tv_nsec);
			stale++;
		}
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	printf("%ld made, %ld stale\n", done, stale);
	return rc ? rc : stale ? STALE_FOUND : 0;
}
