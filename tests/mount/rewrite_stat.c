// SPDX-License-Identifier: Apache-2.0
/*
 * rewrite_stat DIR CLIENT COUNT PID: COUNT times create DIR/rI, write
 * and close it, wait for the start of a clock tick, then rewrite it as
 * a shell does: even I "> f" (open O_TRUNC, close a first descriptor,
 * which commits the truncation, write through a dup, close), odd I
 * ": > f; echo >> f" (truncate, close, then append in a second open).
 * Right after the last close, stat DIR/rI; that must be the time the
 * log holds, read after the loop through CLIENT, the same directory on
 * a client mount (a forced statx, polled until it shows that time or
 * 5 s have passed).
 *
 * The truncation sets the file's mtime in the master's kernel to this
 * tick (the coarse clock); a write within the same tick leaves it
 * (nothing to send the daemon), and the writeback cache keeps that
 * mtime whatever the daemon answers, so the daemon must log it, not its
 * own clock's time of the commit. The daemon's notify thread (PID) is
 * held stopped meanwhile (notify_hold.h), so the kernel cannot drop the
 * inode that keeps the old time before the stat, which makes the race
 * of CI (posix.sh's redirections) certain for every write that falls in
 * the tick. Prints "N rewritten, K kept their time at the write, S
 * stale"; exits 1 when S > 0, 2 on errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "notify_hold.h"
#include "stx_ns.h"

static void die(const char *what, const char *path)
{
	fprintf(stderr, "rewrite_stat: %s %s: %s\n", what, path,
		strerror(errno));
	exit(2);
}

static long long mtime_of(int dirfd, const char *path, int flags)
{
	struct statx stx;

	if (statx(dirfd, path, flags, STATX_MTIME, &stx))
		die("statx", path);
	return stx_ns(&stx.stx_mtime);
}

/* The open file's mtime as the kernel holds it (no request). */
static long long fd_mtime(int fd)
{
	return mtime_of(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC);
}

static int open_or_die(const char *path, int flags)
{
	int fd = open(path, flags, 0644);

	if (fd < 0)
		die("open", path);
	return fd;
}

static void write_or_die(int fd, const char *text, const char *path)
{
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die("write", path);
}

static void close_or_die(int fd, const char *path)
{
	if (close(fd))
		die("close", path);
}

/* Return at the start of a tick of the clock file times come from. */
static void wait_tick(void)
{
	struct timespec a, b;

	clock_gettime(CLOCK_REALTIME_COARSE, &a);
	do
		clock_gettime(CLOCK_REALTIME_COARSE, &b);
	while (a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec);
}

/* Rewrite @path; returns its mtime before the last write, *after. */
static long long rewrite(const char *path, long i, long long *after)
{
	long long before;
	int fd, dup_fd;

	fd = open_or_die(path, O_WRONLY | O_TRUNC);
	if (i % 2 == 0) {
		/* bash: open, dup2 to 1, close the first, write, restore */
		before = fd_mtime(fd);
		dup_fd = dup(fd);
		if (dup_fd < 0)
			die("dup", path);
		close_or_die(fd, path);
		write_or_die(dup_fd, "truncated\n", path);
		close_or_die(dup_fd, path);
	} else {
		close_or_die(fd, path);
		fd = open_or_die(path, O_WRONLY | O_APPEND);
		before = fd_mtime(fd);
		write_or_die(fd, "appended\n", path);
		close_or_die(fd, path);
	}
	*after = mtime_of(AT_FDCWD, path, AT_STATX_SYNC_AS_STAT);
	return before;
}

/* The client's mtime of @path once it equals @want, or at @deadline. */
static long long client_mtime(const char *path, long long want,
			      time_t deadline)
{
	long long got;

	for (;;) {
		got = mtime_of(AT_FDCWD, path, AT_STATX_FORCE_SYNC);
		if (got == want || time(NULL) >= deadline)
			return got;
		usleep(20000);
	}
}

static const char usage_text[] =
	"usage: rewrite_stat DIR CLIENT COUNT PID (DIR on the master, CLIENT\n"
	"       the same directory on a client, PID: the master's famfs_fused)\n";

int main(int argc, char **argv)
{
	long count, pid, kept = 0, stale = 0;
	long long *master, before;
	char path[PATH_MAX];
	time_t deadline;
	pid_t tid;
	int fd;

	if (argc != 5) {
		fputs(usage_text, stderr);
		return 2;
	}
	count = number_arg("COUNT", argv[3], 1, 100000, usage_text);
	pid = number_arg("PID", argv[4], 1, INT_MAX, usage_text);
	master = calloc((size_t)count, sizeof(*master));
	if (!master)
		die("calloc", "times");
	tid = notify_hold("rewrite_stat", pid);
	for (long i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "%s/r%ld", argv[1], i);
		fd = open_or_die(path, O_WRONLY | O_CREAT | O_EXCL);
		write_or_die(fd, "line 1\nline 2\n", path);
		close_or_die(fd, path);
		wait_tick();
		before = rewrite(path, i, &master[i]);
		kept += master[i] == before;
	}
	notify_release(tid);
	deadline = time(NULL) + 5;
	for (long i = 0; i < count; i++) {
		long long logged;

		snprintf(path, sizeof(path), "%s/r%ld", argv[2], i);
		logged = client_mtime(path, master[i], deadline);
		if (logged != master[i] && ++stale <= 3)
			fprintf(stderr, "r%ld: the master's mtime after "
				"close %lld, the log's (client) %lld\n", i,
				master[i], logged);
	}
	free(master);
	printf("%ld rewritten, %ld kept their time at the write, %ld stale\n",
	       count, kept, stale);
	return stale ? 1 : 0;
}
