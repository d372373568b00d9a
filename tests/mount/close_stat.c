// SPDX-License-Identifier: Apache-2.0
/*
 * close_stat DIR COUNT PID: COUNT times make DIR/sI, create DIR/sI/f,
 * stat DIR/sI (the kernel caches the time it shows while f is pending),
 * write to f (every other time also set f's mtime a second ahead), close
 * f, then stat DIR/sI at once and again with AT_STATX_FORCE_SYNC (the
 * daemon's answer). The commit at close logs f's mtime, which moves the
 * directory's times; the first stat must already show them, as a client
 * and a remount do.
 *
 * Meanwhile the notify thread ("famfs-notify") of the master's daemon
 * PID is held stopped (ptrace), so only what the daemon told the kernel
 * before its reply to the FLUSH has reached it: a notification left to
 * that thread fails every time instead of now and then. Prints
 * "N written, M moved, K stale" and exits 1 when K > 0, 2 on errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "notify_hold.h"
#include "stx_ns.h"

static void die(const char *what, const char *path)
{
	fprintf(stderr, "close_stat: %s %s: %s\n", what, path,
		strerror(errno));
	exit(2);
}

static void times_of(const char *path, int flags, struct statx *stx)
{
	if (statx(AT_FDCWD, path, flags, STATX_MTIME | STATX_CTIME, stx))
		die("statx", path);
}

/* One file: 1 when DIR's times moved at its commit, and *stale. */
static int one(const char *top, long i, long *stale)
{
	char sub[PATH_MAX], file[PATH_MAX + 4];
	struct statx pending, now, daemon;
	int fd;

	snprintf(sub, sizeof(sub), "%s/s%ld", top, i);
	snprintf(file, sizeof(file), "%s/f", sub);
	if (mkdir(sub, 0755))
		die("mkdir", sub);
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0)
		die("open", file);
	times_of(sub, AT_STATX_SYNC_AS_STAT, &pending);
	if (write(fd, "data\n", 5) != 5)
		die("write", file);
	if (i % 2) {
		/* a writer's own time (tar, cp -a): logged as the file's */
		struct timespec ts[2] = {
			{ .tv_nsec = UTIME_OMIT },
			{ .tv_sec = pending.stx_mtime.tv_sec + 1,
			  .tv_nsec = pending.stx_mtime.tv_nsec },
		};

		if (futimens(fd, ts))
			die("futimens", file);
	}
	if (close(fd))
		die("close", file);
	times_of(sub, AT_STATX_SYNC_AS_STAT, &now);
	times_of(sub, AT_STATX_FORCE_SYNC, &daemon);
	if (stx_ns(&now.stx_mtime) != stx_ns(&daemon.stx_mtime) ||
	    stx_ns(&now.stx_ctime) != stx_ns(&daemon.stx_ctime)) {
		if (++*stale <= 3)
			fprintf(stderr, "%s: pending %lld, after close %lld, "
				"the daemon's %lld (mtime, ns)\n", sub,
				stx_ns(&pending.stx_mtime),
				stx_ns(&now.stx_mtime),
				stx_ns(&daemon.stx_mtime));
	}
	return stx_ns(&daemon.stx_mtime) != stx_ns(&pending.stx_mtime);
}

static const char usage_text[] =
	"usage: close_stat DIR COUNT PID (PID: the master's famfs_fused)\n";

int main(int argc, char **argv)
{
	long count, pid, moved = 0, stale = 0;
	pid_t tid;

	if (argc != 4) {
		fputs(usage_text, stderr);
		return 2;
	}
	count = number_arg("COUNT", argv[2], 1, 100000, usage_text);
	pid = number_arg("PID", argv[3], 1, INT_MAX, usage_text);
	tid = notify_hold("close_stat", pid);
	for (long i = 0; i < count; i++)
		moved += one(argv[1], i, &stale);
	notify_release(tid);
	printf("%ld written, %ld moved, %ld stale\n", count, moved, stale);
	return stale ? 1 : 0;
}
