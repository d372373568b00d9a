// SPDX-License-Identifier: Apache-2.0
/*
 * Getting to "mounted": detaching from the terminal, the refusals that
 * must happen before anything is touched, and the ready pipe that tells
 * whoever started us (famfs mount, or our own parent) the outcome. The
 * pipe carries "OK" or one line "<thing>: <reason>".
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "famfs_fused.h"
#include "famfs_ioctl.h"
#include "startup.h"

int startup_fail(struct fused_opts *o, int err, const char *what,
		 const char *fmt, ...)
{
	char msg[FAMFS_PATH_MAX + 256];
	va_list ap;
	int n;

	n = snprintf(msg, sizeof(msg), "%s: ", what);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	if (o->ready_fd >= 0) {
		dprintf(o->ready_fd, "%s\n", msg);
		close(o->ready_fd);
		o->ready_fd = -1;
	} else {
		fprintf(stderr, "famfs_fused: %s\n", msg);
	}
	return err;
}

void startup_ready(struct fused_opts *o)
{
	if (o->ready_fd < 0)
		return;
	/* if the starter is gone there is nobody to tell: ignore errors */
	(void)!write(o->ready_fd, "OK\n", 3);
	close(o->ready_fd);
	o->ready_fd = -1;
}

/*
 * Started without -f and without a starter: fork, and let the parent
 * wait on the ready pipe so the shell sees the real outcome. The child
 * goes on in a new session and owns the mount.
 */
void startup_detach(struct fused_opts *o)
{
	char buf[FAMFS_PATH_MAX + 256];
	int fds[2], status;
	ssize_t n, len = 0;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC)) {
		perror("famfs_fused: pipe");
		exit(1);
	}
	pid = fork();
	if (pid < 0) {
		perror("famfs_fused: fork");
		exit(1);
	}
	if (pid == 0) {
		close(fds[0]);
		o->ready_fd = fds[1];
		return;
	}
	close(fds[1]);
	while (len < (ssize_t)sizeof(buf) - 1 &&
	       (n = read(fds[0], buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += n;
	buf[len] = '\0';
	if (!strncmp(buf, "OK\n", 3))
		exit(0);
	if (len) {
		fprintf(stderr, "famfs_fused: %s", buf);
		exit(1);
	}
	waitpid(pid, &status, 0);
	fprintf(stderr, "famfs_fused: daemon died before mounting\n");
	exit(1);
}

/* Once mounted: no terminal, no cwd pinning a filesystem. */
void startup_daemonize_io(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	(void)!chdir("/");
	fused_log_to_syslog();
}

static bool same_file(const char *a, const struct stat *stb)
{
	struct stat sta;

	if (stat(a, &sta))
		return false;
	if (S_ISCHR(sta.st_mode) || S_ISBLK(sta.st_mode))
		return sta.st_rdev == stb->st_rdev &&
		       (sta.st_mode & S_IFMT) == (stb->st_mode & S_IFMT);
	return sta.st_dev == stb->st_dev && sta.st_ino == stb->st_ino;
}

struct dup_search {
	struct fused *d;
	struct stat devst;
	int found;		/* 1: device in use here, 2: mountpoint taken */
	char where[FAMFS_PATH_MAX + 1];
};

/* Is a live daemon of this same host (system UUID) serving @mountpoint? */
static bool served_by_this_host(struct fused *d, const char *mountpoint)
{
	struct famfs_ioc_status st;
	int fd, rc;

	fd = open(mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;	/* dead daemon: it holds nothing */
	rc = ioctl(fd, FAMFS_IOC_STATUS, &st);
	close(fd);
	if (rc)
		return true;	/* cannot tell: assume the worst */
	return !memcmp(st.system_uuid, d->system_uuid, 16);
}

static int find_duplicate(void *ctx, const struct famfs_mount_info *mi)
{
	struct dup_search *s = ctx;

	if (!strcmp(mi->mountpoint, s->d->mountpoint)) {
		s->found = 2;
		return 1;	/* the plainer complaint: stop here */
	}
	if (!s->found && same_file(mi->device, &s->devst) &&
	    served_by_this_host(s->d, mi->mountpoint)) {
		s->found = 1;
		snprintf(s->where, sizeof(s->where), "%s", mi->mountpoint);
	}
	return 0;
}

/*
 * A famfs mount whose daemon died still answers stat() of its root from
 * the kernel's attribute cache; statfs() always asks the daemon.
 */
static bool mount_alive(const char *mountpoint)
{
	struct statfs sf;

	return statfs(mountpoint, &sf) == 0 || errno != ENOTCONN;
}

int startup_check(struct fused *d)
{
	struct fused_opts *o = &d->opts;
	char path[PATH_MAX];
	struct dup_search s = { .d = d };
	struct stat st;
	int rc;

	if (!realpath(o->mountpoint, path) || stat(path, &st)) {
		if (errno == ENOTCONN)
			return startup_fail(o, EBUSY, o->mountpoint,
					    "stale famfs mount (daemon gone): "
					    "unmount it first");
		return startup_fail(o, errno, o->mountpoint, "%s",
				    strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return startup_fail(o, ENOTDIR, o->mountpoint,
				    "not a directory");
	d->mountpoint = strdup(path);
	if (!realpath(o->device, path) || stat(path, &s.devst))
		return startup_fail(o, errno, o->device, "%s",
				    strerror(errno));
	if (S_ISDIR(s.devst.st_mode))
		return startup_fail(o, EISDIR, o->device,
				    "is a directory, not a device");
	d->device = strdup(path);
	if (!d->mountpoint || !d->device)
		return startup_fail(o, ENOMEM, o->device, "out of memory");
	rc = famfs_list_mounts(find_duplicate, &s);
	if (rc)
		return startup_fail(o, -rc, "/proc/self/mountinfo", "%s",
				    strerror(-rc));
	if (s.found == 2)
		return startup_fail(o, EBUSY, o->mountpoint, "%s",
				    mount_alive(d->mountpoint) ?
				    "already a famfs mount" :
				    "stale famfs mount (daemon gone): "
				    "unmount it first");
	if (s.found == 1)
		return startup_fail(o, EBUSY, o->device,
				    "already mounted on this host at %s",
				    s.where);
	return 0;
}

/*
 * Open the filesystem. A daemon that is unmounting may hold the master's
 * append lock for a moment longer, so EBUSY is retried briefly.
 */
int startup_open(struct fused *d)
{
	struct fused_opts *o = &d->opts;
	/* a mount keeps a slot in the host table (format version 2) */
	unsigned int flags = FAMFS_OPEN_RDWR | FAMFS_OPEN_HOST;
	int rc, waited_ms = 0;

	for (;;) {
		rc = famfs_fs_open(d->device, flags, &d->rep, &d->fs);
		if ((rc == -EACCES || rc == -EROFS || rc == -EPERM) &&
		    (flags & FAMFS_OPEN_RDWR)) {
			/* serve it read-only (version 1 only: see below) */
			flags = FAMFS_OPEN_RDONLY | FAMFS_OPEN_HOST;
			continue;
		}
		if (rc != -EBUSY || waited_ms >= 3000)
			break;
		usleep(50 * 1000);
		waited_ms += 50;
	}
	switch (rc) {
	case 0:
		break;
	case -ENOENT:
	case -ENOSPC:
		return startup_fail(o, -rc, o->device,
				    "not a famfs device (no superblock)");
	case -EBADMSG:
	case -EINVAL:
		return startup_fail(o, -rc, o->device,
				    "damaged famfs superblock or log "
				    "(run famfs fsck)");
	case -EPROTONOSUPPORT:
		return startup_fail(o, -rc, o->device,
				    "famfs format version not supported");
	case -EROFS:
		return startup_fail(o, -rc, o->device,
				    "not writable: every host of a format "
				    "version 2 filesystem writes its slot of "
				    "the host table");
	case -EUSERS:
		return startup_fail(o, -rc, o->device,
				    "host table full: every slot is mounted "
				    "or not evicted (see famfs hosts)");
	case -EBUSY:
		return startup_fail(o, -rc, o->device,
				    "in use: another process holds the "
				    "master's append lock");
	default:
		return startup_fail(o, -rc, o->device, "%s", strerror(-rc));
	}
	d->sb = famfs_fs_sb(d->fs);
	/* problems met later by appends (a damaged tail word) go to the log */
	famfs_fs_set_report(d->fs, &d->rep);
	d->master = famfs_fs_is_master(d->fs);
	d->writable = famfs_fs_writable(d->fs);
	return 0;
}
