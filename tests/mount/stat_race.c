// SPDX-License-Identifier: Apache-2.0
/*
 * stat_race DIR MAX SECONDS THREADS mkdir|create: make DIR/nI (a
 * directory, or an empty file by open(O_CREAT)+close) up to MAX times
 * (or for SECONDS), while THREADS threads stat DIR without pause; after
 * each, DIR's mtime must not be older than the new node's ctime (both
 * are the time of its one log entry). A stat answered from
 * before the mkdir but applied after the kernel's own invalidation
 * would stay cached for the master's long timeout, unless the daemon
 * told the kernel before its reply. Prints "N made, M stale".
 *
 * Exit status: 0 none stale, 1 (STALE_FOUND) some stale, 2 (NOT_RUN) a
 * usage error, or a mkdir, create or stat that failed: the race was not
 * run to the end.
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
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
static atomic_int stop;

static void *stat_loop(void *arg)
{
	struct stat st;

	(void)arg;
	while (!atomic_load(&stop))
		stat(dir, &st);
	return NULL;
}

static long long ns_of(const struct timespec *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

static const char usage_text[] =
	"usage: stat_race DIR MAX SECONDS THREADS mkdir|create\n";

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
	bool files;
	pthread_t tid[16];
	char path[4096];

	if (argc != 6)
		usage();
	dir = argv[1];
	max = number_arg("MAX", argv[2], 1, LONG_MAX, usage_text);
	seconds = (int)number_arg("SECONDS", argv[3], 1, INT_MAX, usage_text);
	threads = (int)number_arg("THREADS", argv[4], 1, ARRAY_SIZE(tid),
				  usage_text);
	files = !strcmp(argv[5], "create");
	if (!files && strcmp(argv[5], "mkdir")) {
		fprintf(stderr, "stat_race: operation '%s': not mkdir or "
			"create\n", argv[5]);
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
		if (files) {
			fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
			if (fd < 0 || close(fd)) {
				perror(path);
				rc = NOT_RUN;
				break;
			}
		} else if (mkdir(path, 0755)) {
			perror(path);
			rc = NOT_RUN;
			break;
		}
		if (stat(path, &c) || stat(dir, &d)) {
			perror(path);
			rc = NOT_RUN;
			break;
		}
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
