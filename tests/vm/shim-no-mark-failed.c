// SPDX-License-Identifier: Apache-2.0
/*
 * shim-no-mark-failed.so: LD_PRELOAD into famfs_fused to make it meet an
 * fsdev_dax built before FSDEV_DAX_IOC_MARK_FAILED existed. That request
 * fails with ENOTTY, as such a module's ioctl answers a number it does
 * not know; every other ioctl reaches the kernel. Each refused request
 * appends "MARK_FAILED OFFSET LENGTH" to $FAMFS_SHIM_LOG (when set), so
 * the test knows how many the daemon made.
 */
#define _GNU_SOURCE	/* RTLD_NEXT */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/fsdev_dax.h>

typedef int (*ioctl_fn)(int fd, unsigned long request, ...);

static void note_refused(const struct fsdev_dax_mark_failed *req)
{
	const char *path = getenv("FAMFS_SHIM_LOG");
	char line[96];
	int fd, n;

	if (!path)
		return;
	n = snprintf(line, sizeof(line), "MARK_FAILED %#llx %#llx\n",
		     (unsigned long long)req->offset,
		     (unsigned long long)req->length);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0) {
		/* a line lost here shows as a wrong count in the test */
		ssize_t written = write(fd, line, (size_t)n);

		(void)written;
		close(fd);
	}
}

int ioctl(int fd, unsigned long request, ...)
{
	static ioctl_fn next;
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (request == FSDEV_DAX_IOC_MARK_FAILED) {
		note_refused(arg);
		errno = ENOTTY;
		return -1;
	}
	if (!next)
		next = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
	return next(fd, request, arg);
}
