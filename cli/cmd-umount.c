// SPDX-License-Identifier: Apache-2.0
/*
 * famfs umount [-l] MOUNTPOINT
 *
 * Unmounts a famfs mount and waits for its daemon to exit, so that a
 * remount right after finds the device free (the master's append lock
 * goes with the daemon).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "famfs_ioctl.h"

#define DAEMON_EXIT_WAIT_MS 10000
/*
 * A mount stays busy for a moment after its last user is gone when
 * someone else still holds a reference for it: another process walking
 * through it or reading that user's /proc files, or a last close that the
 * kernel finishes later in a worker thread. Asking again for up to a
 * second tells that apart from a mount that is really in use.
 */
#define BUSY_RETRY_SECONDS 1.0
#define BUSY_RETRY_STEP_MS 20

static void umount_usage(FILE *out)
{
	fprintf(out, "usage: famfs umount [-l] MOUNTPOINT\n"
		     "  -l, --lazy  detach now, finish when no longer busy\n"
		     "  -h, --help  this help\n");
}

struct find_mount {
	const char *path;
	bool found;
};

static int match_mountpoint(void *ctx, const struct famfs_mount_info *mi)
{
	struct find_mount *f = ctx;

	if (strcmp(mi->mountpoint, f->path))
		return 0;
	f->found = true;
	return 1;
}

/* The daemon's pid, or 0 when it cannot be asked (e.g. already dead). */
static pid_t daemon_pid(const char *mountpoint)
{
	struct famfs_ioc_status st;
	int fd, rc;

	fd = open(mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	rc = ioctl(fd, FAMFS_IOC_STATUS, &st);
	close(fd);
	return rc ? 0 : (pid_t)st.pid;
}

/* Unprivileged users go through the setuid helper, as mount did. */
static int run_fusermount(const char *path, bool lazy)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execlp("fusermount3", "fusermount3", lazy ? "-uz" : "-u", "--",
		       path, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EPERM;
}

/* 0, or the negative errno of the unmount (-EBUSY once the wait is over) */
static int unmount(const char *path, bool lazy)
{
	struct timespec step = { 0, BUSY_RETRY_STEP_MS * 1000 * 1000 }, start;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (!umount2(path, lazy ? MNT_DETACH : 0))
			return 0;
		rc = -errno;
		if (rc == -EPERM)
			return run_fusermount(path, lazy);
		if (rc != -EBUSY ||
		    cli_seconds_since(&start) >= BUSY_RETRY_SECONDS)
			return rc;
		nanosleep(&step, NULL);
	}
}

static void wait_for_exit(pid_t pid, const char *path)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };

	for (int ms = 0; ms < DAEMON_EXIT_WAIT_MS; ms += 10) {
		if (kill(pid, 0) && errno == ESRCH)
			return;
		nanosleep(&tick, NULL);
	}
	cli_error(path, "unmounted, but famfs_fused (pid %d) is still running",
		  (int)pid);
}

int cmd_umount(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "lazy", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char path[PATH_MAX];
	struct find_mount f = { .path = path };
	bool lazy = false;
	const char *arg;
	pid_t pid;
	int c, rc;

	while ((c = cli_getopt(argc, argv, "lh", longopts)) != -1) {
		switch (c) {
		case 'l':
			lazy = true;
			break;
		case 'h':
			umount_usage(stdout);
			return 0;
		default:
			umount_usage(stderr);
			return 2;
		}
	}
	if (cli_operands(argc, argv, 1, 1, "MOUNTPOINT")) {
		umount_usage(stderr);
		return 2;
	}
	arg = argv[optind];
	/* a mount whose daemon died cannot be resolved: take the path as is */
	if (!realpath(arg, path)) {
		if (errno != ENOTCONN) {
			cli_error(arg, "%s", strerror(errno));
			return 1;
		}
		snprintf(path, sizeof(path), "%s", arg);
	}
	rc = famfs_list_mounts(match_mountpoint, &f);
	if (rc < 0 || !f.found) {
		cli_error(arg, "not a famfs mount");
		return 1;
	}
	pid = daemon_pid(path);
	rc = unmount(path, lazy);
	if (rc == -EBUSY) {
		char comm[64];
		pid_t user = cli_mount_user(path, comm, sizeof(comm));

		if (user)
			cli_error(arg, "busy: pid %d (%s) has files open or "
				  "works in it (see -l)", (int)user, comm);
		else
			cli_error(arg, "busy: files are open or a process "
				  "works in it (see -l)");
		return 1;
	}
	if (rc) {
		cli_error(arg, "%s", strerror(-rc));
		return 1;
	}
	if (pid > 0 && !lazy)
		wait_for_exit(pid, arg);
	return 0;
}
