// SPDX-License-Identifier: Apache-2.0
/*
 * How the daemon behind a mount serves opens (FAMFS_IOC_SERVING): by FUSE
 * passthrough onto fsdev_dax views, or by itself, and why. Shown by
 * famfs mount (the mount) and famfs stat (each file).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "famfs_ioctl.h"

int cli_serving(const char *mountpoint, uint64_t ino,
		struct famfs_ioc_serving *sv)
{
	int fd, rc;

	fd = open(mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	memset(sv, 0, sizeof(*sv));
	sv->ino = ino;
	rc = ioctl(fd, FAMFS_IOC_SERVING, sv) ? -errno : 0;
	close(fd);
	return rc;
}

const char *cli_served_name(const struct famfs_ioc_serving *sv)
{
	return sv->served == FAMFS_SERVED_PASSTHROUGH ? "passthrough" :
							"daemon";
}

void cli_serving_print_mount(const char *mountpoint)
{
	struct famfs_ioc_serving sv;

	/* an older daemon cannot tell: say nothing rather than guess */
	if (cli_serving(mountpoint, 0, &sv))
		return;
	if (sv.served == FAMFS_SERVED_PASSTHROUGH)
		printf("%s: passthrough: committed files map device memory through fsdev_dax views\n",
		       mountpoint);
	else
		printf("%s: daemon mode: %s\n", mountpoint,
		       famfs_why_text(sv.why));
}
