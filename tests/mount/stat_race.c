// SPDX-License-Identifier: Apache-2.0
/*
 * stat_race DIR MAX SECONDS THREADS OP: change DIR up to MAX times (or
 * for SECONDS) while THREADS threads stat it without pause, and after
 * each change check that what the kernel has cached is not older than
 * the change. A stat answered from before the change but applied after
 * the kernel's own invalidation at the reply would stay cached for the
 * master's long timeout, unless the daemon told the kernel before its
 * reply. OP is one of
 *   mkdir, create, mknod: make DIR/nI (a directory, an empty file by
 *     open(O_CREAT) (closed after the check) or by mknod(2)); DIR's
 *     mtime must not be older than the new node's ctime (both are the
 *     time of its creation);
 *   symlink: make DIR/nI, a symbolic link;
 *   unlink, rmdir: remove DIR/nI, I from 0 to MAX - 1 (made before);
 *   rename: move DIR/a/m (a directory this makes, with DIR/a and
 *     DIR/b) to DIR/b/m and back, one move per change; the threads
 *     stat DIR/a, DIR/b and the moved directory.
 * After symlink, unlink, rmdir and rename what the kernel has cached of
 * each node stated (mtime, ctime, links) must be what the daemon gives
 * a forced stat right after: a stale answer cached differs from it in
 * the times the change moved.
 *
 * The threads force each stat to the daemon (AT_STATX_FORCE_SYNC), so
 * that one is always on its way when a change is made. A plain stat
 * asks only while the kernel holds the attributes invalid, just after
 * the previous change, and that request is rarely still unanswered when
 * the next change is made: the kernel's tracepoints (Linux 6.18)
 * showed a GETATTR still on its way when the CREATE was sent for 1 of
 * 4,000 creates (MKDIR: 18 of 16,000), and plain stats never caught a
 * create that went without its notification. Before each check the
 * threads pause and the main thread waits until none is in a stat, so
 * that the check sees what stays cached, not what a later forced answer
 * rewrote. Prints "N made|removed|moved, M stale".
 *
 * Exit status: 0 none stale, 1 (STALE_FOUND) some stale, 2 (NOT_RUN) a
 * usage error, or a change or stat that failed: the race was not run
 * to the end.
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "args.h"

#define STALE_FOUND 1
#define NOT_RUN 2
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* the first three make a node and check DIR against it */
static const char *const ops[] = {
	"mkdir", "create", "mknod", "symlink", "unlink", "rmdir", "rename",
};

/* the nodes the threads stat (O_PATH), and their names for messages */
static int target[3];
static char target_name[3][4096];
static int targets;
static atomic_int stop, paused, busy;

static void *stat_loop(void *arg)
{
	int k = (int)(intptr_t)arg % targets;
	struct statx stx;

	while (!atomic_load(&stop)) {
		if (atomic_load(&paused)) {
			sched_yield();
			continue;
		}
		/* the main thread sets paused, then waits for busy == 0 */
		atomic_fetch_add(&busy, 1);
		if (!atomic_load(&paused))
			statx(target[k], "",
			      AT_EMPTY_PATH | AT_STATX_FORCE_SYNC,
			      STATX_BASIC_STATS, &stx);
		atomic_fetch_sub(&busy, 1);
		k = (k + 1) % targets;
	}
	return NULL;
}

static long long ns_of(const struct timespec *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

static long long stx_ns(const struct statx_timestamp *t)
{
	return t->tv_sec * 1000000000LL + t->tv_nsec;
}

static bool is(const char *op, const char *name)
{
	return !strcmp(op, name);
}

/* change I as OP says (a create's file left open in *fd); 0 or -1 */
static int change(const char *op, const char *dir, long i, int *fd,
		  char *path, size_t size)
{
	char to[4096];

	snprintf(path, size, "%s/n%ld", dir, i);
	if (is(op, "mkdir"))
		return mkdir(path, 0755);
	if (is(op, "mknod"))
		return mknod(path, S_IFREG | 0644, 0);
	if (is(op, "symlink"))
		return symlink("target", path);
	if (is(op, "unlink"))
		return unlink(path);
	if (is(op, "rmdir"))
		return rmdir(path);
	if (is(op, "rename")) {
		snprintf(path, size, "%s/%s/m", dir, i % 2 ? "b" : "a");
		snprintf(to, sizeof(to), "%s/%s/m", dir, i % 2 ? "a" : "b");
		return rename(path, to);
	}
	*fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
	return *fd < 0 ? -1 : 0;
}

/*
 * Target K as cached against the daemon's answer: 0 the same, 1 stale
 * (the first one told), -1 a stat failed.
 */
static int cached_stale(int k, long stale)
{
	struct statx c, t;

	if (statx(target[k], "", AT_EMPTY_PATH, STATX_BASIC_STATS, &c) ||
	    statx(target[k], "", AT_EMPTY_PATH | AT_STATX_FORCE_SYNC,
		  STATX_BASIC_STATS, &t)) {
		perror(target_name[k]);
		return -1;
	}
	if (stx_ns(&c.stx_mtime) == stx_ns(&t.stx_mtime) &&
	    stx_ns(&c.stx_ctime) == stx_ns(&t.stx_ctime) &&
	    c.stx_nlink == t.stx_nlink)
		return 0;
	if (!stale)
		fprintf(stderr, "%s: cached mtime %lld.%09u ctime "
			"%lld.%09u links %u, the daemon's %lld.%09u "
			"%lld.%09u %u\n", target_name[k],
			(long long)c.stx_mtime.tv_sec, c.stx_mtime.tv_nsec,
			(long long)c.stx_ctime.tv_sec, c.stx_ctime.tv_nsec,
			c.stx_nlink,
			(long long)t.stx_mtime.tv_sec, t.stx_mtime.tv_nsec,
			(long long)t.stx_ctime.tv_sec, t.stx_ctime.tv_nsec,
			t.stx_nlink);
	return 1;
}

/* DIR's mtime against the new node's ctime; as cached_stale */
static int older_than_node(const char *dir, const char *path, long stale)
{
	struct stat d, c;

	if (stat(path, &c) || stat(dir, &d)) {
		perror(path);
		return -1;
	}
	if (ns_of(&d.st_mtim) >= ns_of(&c.st_ctim))
		return 0;
	if (!stale)
		fprintf(stderr, "%s: directory mtime %lld.%09ld older than "
			"%s's ctime %lld.%09ld\n", dir,
			(long long)d.st_mtim.tv_sec, d.st_mtim.tv_nsec, path,
			(long long)c.st_ctim.tv_sec, c.st_ctim.tv_nsec);
	return 1;
}

static int add_target(const char *path)
{
	snprintf(target_name[targets], sizeof(target_name[0]), "%s", path);
	target[targets] = open(path, O_PATH | O_DIRECTORY);
	if (target[targets] < 0) {
		perror(path);
		return -1;
	}
	targets++;
	return 0;
}

/* rename's DIR/a, DIR/b and DIR/a/m; the targets as OP stats them */
static int set_up(const char *op, const char *dir)
{
	char path[4096];
	const char *const sub[] = { "a", "b", "a/m" };

	if (!is(op, "rename"))
		return add_target(dir);
	for (size_t i = 0; i < ARRAY_SIZE(sub); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, sub[i]);
		if (mkdir(path, 0755)) {
			perror(path);
			return -1;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(sub); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, sub[i]);
		if (add_target(path))
			return -1;
	}
	/* it moves between the two */
	snprintf(target_name[2], sizeof(target_name[2]), "%s/[ab]/m", dir);
	return 0;
}

static const char usage_text[] =
	"usage: stat_race DIR MAX SECONDS THREADS "
	"mkdir|create|mknod|symlink|unlink|rmdir|rename\n";

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
	const char *op, *dir, *verb = "made";
	pthread_t tid[16];
	char path[4096];
	size_t o;

	if (argc != 6)
		usage();
	dir = argv[1];
	max = number_arg("MAX", argv[2], 1, LONG_MAX, usage_text);
	seconds = (int)number_arg("SECONDS", argv[3], 1, INT_MAX, usage_text);
	threads = (int)number_arg("THREADS", argv[4], 1, ARRAY_SIZE(tid),
				  usage_text);
	op = argv[5];
	for (o = 0; o < ARRAY_SIZE(ops) && !is(op, ops[o]); o++)
		;
	if (o == ARRAY_SIZE(ops)) {
		fprintf(stderr, "stat_race: operation '%s': not mkdir, "
			"create, mknod, symlink, unlink, rmdir or rename\n",
			op);
		usage();
	}
	if (is(op, "unlink") || is(op, "rmdir"))
		verb = "removed";
	else if (is(op, "rename"))
		verb = "moved";
	if (set_up(op, dir))
		return NOT_RUN;
	for (int i = 0; i < threads; i++)
		pthread_create(&tid[i], NULL, stat_loop, (void *)(intptr_t)i);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (; done < max; done++) {
		int r = 0;

		if (done % 256 == 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - start.tv_sec >= seconds)
				break;
		}
		fd = -1;
		if (change(op, dir, done, &fd, path, sizeof(path))) {
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
		if (o < 3) {	/* mkdir, create, mknod */
			r = older_than_node(dir, path, stale);
		} else {
			for (int k = 0; k < targets && r >= 0; k++) {
				int s = cached_stale(k, stale + r);

				r = s < 0 ? s : r + s;
			}
		}
		if (r < 0 || (fd >= 0 && close(fd))) {
			if (r >= 0)
				perror(path);
			rc = NOT_RUN;
			break;
		}
		atomic_store(&paused, 0);
		stale += r ? 1 : 0;
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	printf("%ld %s, %ld stale\n", done, verb, stale);
	return rc ? rc : stale ? STALE_FOUND : 0;
}
