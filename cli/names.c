// SPDX-License-Identifier: Apache-2.0
/*
 * Shared by rm, mv and ln: where a name (not what it points to) lives,
 * and the one-line reasons for the namespace errors famfs gives.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "cli.h"

int cli_name_target(const char *path, struct cli_target *t)
{
	char dir[PATH_MAX];
	const char *slash;
	size_t n = strlen(path);
	int rc;

	/* the name itself is not resolved: a symbolic link is the link */
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, n);
	dir[n] = '\0';
	slash = strrchr(dir, '/');
	if (!slash)
		return cli_target_find(".", t);
	if (slash == dir)
		return cli_target_find("/", t);
	dir[slash - dir] = '\0';
	rc = cli_target_find(dir, t);
	return rc;
}

const char *cli_name_strerror(int err, const char *what)
{
	static char msg[160];

	if (err < 0)
		err = -err;
	if (err == EOPNOTSUPP) {
		snprintf(msg, sizeof(msg), "format version 1 does not support "
			 "%s; reformat with mkfs.famfs", what);
		return msg;
	}
	if (err == EXDEV)
		return "not in the same famfs mount (famfs cannot move "
		       "files between filesystems)";
	return cli_strerror(err);
}
