// SPDX-License-Identifier: Apache-2.0
/*
 * stat_race DIR MAX SECONDS THREADS OP: change DIR up to MAX times (or
 * for SECONDS) while THREADS threads stat it, each once per change as
 * the change is made, and after each change check that what the kernel
 * has cached is not older than the change. A stat answered from before
 * the change but applied after the kernel's own invalidation at the
 * reply would stay cached for the master's long timeout, unless the
 * daemon told the kernel before its reply. OP is one of
 *   mkdir, create, mknod: make DIR/nI (a directory, an empty file by
 *     open(O_CREAT) (closed after the check) or by mknod(2)); DIR's
 *     mtime must not be older than the new node's ctime (both are the
 *     time of its creation);
 *   symlink: make DIR/nI, a symbolic link;
 *   unlink, rmdir: remove DIR/nI, I from 0 to MAX - 1 (made before);
 *   rename: move DIR/a/m (a directory this makes, with DIR/a and
 *     DIR/b) to DIR/b/m and back, one move per change; the threads
 *     stat DIR/a, DIR/b and the moved directory;
 *   exchange: swap DIR/a/p with DIR/b/r, then DIR/a/p with DIR/a/q
 *     (renameat2 RENAME_EXCHANGE, across directories and within one;
 *     p, q and r are directories this makes, with DIR/a and DIR/b);
 *     the threads stat DIR/a, DIR/b and the three swapped directories.
 * After symlink, unlink, rmdir, rename and exchange what the kernel has
 * cached of each node stated (mtime, ctime, links) must be what the
 * daemon gives a forced stat right after: a stale answer cached differs
 * from it in the times the change moved.
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
 * rewrote. Prints "N made|removed|moved|exchanged, M stale".
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
#include "stx_ns.h"

#define STALE_FOUND 1
#define NOT_RUN 2
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct op {
	const char *name;
	const char *verb;	/* "N made", "N removed", ... */
	bool new_node;		/* check DIR against the node made */
	/* directories made under DIR and stated (none: DIR is stated) */
	const char *const *sub;
};

static const char *const rename_sub[] = { "a", "b", "a/m", NULL };
static const char *const exchange_sub[] = {
	"a", "b", "a/p", "a/q", "b/r", NULL
};

static const struct op ops[] = {
	{ "mkdir", "made", true, NULL },
	{ "create", "made", true, NULL },
	{ "mknod", "made", true, NULL },
	{ "symlink", "made", false, NULL },
	{ "unlink", "removed", false, NULL },
	{ "rmdir", "removed", false, NULL },
	{ "rename", "moved", false, rename_sub },
	{ "exchange", "exchanged", false, exchange_sub },
};

/* the nodes the threads stat (O_PATH), and their names for messages */
#define MAX_TARGETS 5	/* exchange_sub, the longest list */
static int target[MAX_TARGETS];
static char target_name[MAX_TARGETS][4096];
static int targets;
static atomic_int stop, paused, busy;
/*
 * Each thread makes one stat per change (round), then sleeps until the
 * next: the main thread wakes them all just before it makes the change,
 * so that their stats are on their way with it. Threads that spun
 * (sched_yield) while paused and then stated freely kept the CPUs from
 * the main thread and the daemon: in some runs they began fewer than
 * one stat per 10 changes, and without exchange's notification 0 of
 * 8,000 exchanges were stale (2 of 6 runs, load 11-12; 0 of 16,000 in
 * another). Alternated at load 13: 20-64 stale of 8,000 spinning,
 * 115-531 with one stat per round, which also ran faster.
 */
static atomic_long stat_round;
static pthread_mutex_t pause_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t resumed = PTHREAD_COND_INITIALIZER;

/* a new round (the threads' next stat) when @go, or stop: wake them */
static void wake_threads(bool go)
{
	pthread_mutex_lock(&pause_lock);
	if (go) {
		atomic_fetch_add(&stat_round, 1);
		atomic_store(&paused, 0);
	} else {
		atomic_store(&stop, 1);
	}
	pthread_cond_broadcast(&resumed);
	pthread_mutex_unlock(&pause_lock);
}

/* true while a thread that made its stat in round @mine must wait */
static bool waiting(long mine)
{
	return (atomic_load(&paused) || atomic_load(&stat_round) == mine) &&
	       !atomic_load(&stop);
}

static void *stat_loop(void *arg)
{
	int k = (int)(intptr_t)arg % targets;
	struct statx stx;
	long mine = -1;

	while (!atomic_load(&stop)) {
		if (waiting(mine)) {
			pthread_mutex_lock(&pause_lock);
			while (waiting(mine))
				pthread_cond_wait(&resumed, &pause_lock);
			pthread_mutex_unlock(&pause_lock);
			continue;
		}
		mine = atomic_load(&stat_round);
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
	if (is(op, "exchange")) {
		snprintf(path, size, "%s/a/p", dir);
		snprintf(to, sizeof(to), "%s/%s", dir, i % 2 ? "a/q" : "b/r");
		return renameat2(AT_FDCWD, path, AT_FDCWD, to,
				 RENAME_EXCHANGE);
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

static int add_target(const char *path, const char *name)
{
	if (targets == MAX_TARGETS) {
		fprintf(stderr, "stat_race: %s: more than %d targets\n",
			path, MAX_TARGETS);
		return -1;
	}
	snprintf(target_name[targets], sizeof(target_name[0]), "%s", name);
	target[targets] = open(path, O_PATH | O_DIRECTORY);
	if (target[targets] < 0) {
		perror(path);
		return -1;
	}
	targets++;
	return 0;
}

/* OP's directories under DIR; the targets as OP stats them */
static int set_up(const struct op *op, const char *dir)
{
	char path[4096], name[4096 + 32];

	if (!op->sub)
		return add_target(dir, dir);
	for (const char *const *sub = op->sub; *sub; sub++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *sub);
		if (mkdir(path, 0755)) {
			perror(path);
			return -1;
		}
	}
	for (const char *const *sub = op->sub; *sub; sub++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *sub);
		/* those in DIR/a or DIR/b move: named by where they began */
		snprintf(name, sizeof(name), strchr(*sub, '/') ?
			 "%s (made there; it moves)" : "%s", path);
		if (add_target(path, name))
			return -1;
	}
	return 0;
}

static const char usage_text[] =
	"usage: stat_race DIR MAX SECONDS THREADS "
	"mkdir|create|mknod|symlink|unlink|rmdir|rename|exchange\n";

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
	const struct op *op = NULL;
	const char *dir;
	pthread_t tid[16];
	char path[4096];

	if (argc != 6)
		usage();
	dir = argv[1];
	max = number_arg("MAX", argv[2], 1, LONG_MAX, usage_text);
	seconds = (int)number_arg("SECONDS", argv[3], 1, INT_MAX, usage_text);
	threads = (int)number_arg("THREADS", argv[4], 1, ARRAY_SIZE(tid),
				  usage_text);
	for (size_t o = 0; o < ARRAY_SIZE(ops) && !op; o++)
		if (is(argv[5], ops[o].name))
			op = &ops[o];
	if (!op) {
		fprintf(stderr, "stat_race: operation '%s': not mkdir, "
			"create, mknod, symlink, unlink, rmdir, rename or "
			"exchange\n", argv[5]);
		usage();
	}
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
		if (change(op->name, dir, done, &fd, path, sizeof(path))) {
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
		if (op->new_node) {
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
		stale += r ? 1 : 0;
		wake_threads(true);
	}
	wake_threads(false);
	for (int i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	printf("%ld %s, %ld stale\n", done, op->verb, stale);
	return rc ? rc : stale ? STALE_FOUND : 0;
}
