// SPDX-License-Identifier: Apache-2.0
/*
 * Which process holds something: a mount (a file open or mapped under
 * it, or its current or root directory there) or a device node (open
 * or mapped). One walk of /proc serves both; $FAMFS_PROC replaces
 * /proc (tests). For a mount only the link texts are read (readlink),
 * never the files: a stat() through a stopped FUSE daemon elsewhere
 * would hang the question.
 */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const char *cli_procfs(void)
{
	const char *root = getenv("FAMFS_PROC");

	return root && *root ? root : "/proc";
}

bool cli_dir_any(const char *dir,
		 bool (*match)(const void *arg, const char *path),
		 const void *arg)
{
	char path[PATH_MAX];
	struct dirent *e;
	bool found = false;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     e->d_name) >= sizeof(path))
			continue;
		found = match(arg, path);
	}
	closedir(d);
	return found;
}

pid_t cli_proc_find(bool (*uses)(const void *arg, const char *pid_dir),
		    const void *arg, char *comm, size_t len)
{
	char path[PATH_MAX];
	struct dirent *e;
	pid_t pid = 0, self = getpid();
	DIR *proc = opendir(cli_procfs());
	FILE *f;

	if (!proc)
		return 0;
	while (!pid && (e = readdir(proc))) {
		if (!isdigit((unsigned char)e->d_name[0]) ||
		    atoi(e->d_name) == self)
			continue;
		snprintf(path, sizeof(path), "%s/%s", cli_procfs(),
			 e->d_name);
		if (uses(arg, path))
			pid = (pid_t)atoi(e->d_name);
	}
	closedir(proc);
	if (!pid)
		return 0;
	snprintf(path, sizeof(path), "%s/%d/comm", cli_procfs(), (int)pid);
	f = fopen(path, "r");
	if (!f || !fgets(comm, (int)len, f))
		snprintf(comm, len, "?");
	comm[strcspn(comm, "\n")] = '\0';
	if (f)
		fclose(f);
	return pid;
}

/* Is the link @link (a /proc magic link) a path at or under @mnt? */
static bool link_under(const void *mnt_arg, const char *link)
{
	const char *mnt = mnt_arg;
	char target[PATH_MAX];
	size_t n = strlen(mnt);
	ssize_t len = readlink(link, target, sizeof(target) - 1);

	if (len < 0)
		return false;
	target[len] = '\0';
	return !strncmp(target, mnt, n) && (!target[n] || target[n] == '/');
}

static bool pid_uses_mount(const void *mnt, const char *pid_dir)
{
	static const char *const links[] = { "cwd", "root" };
	static const char *const dirs[] = { "fd", "map_files" };
	char path[PATH_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		snprintf(path, sizeof(path), "%s/%s", pid_dir, links[i]);
		if (link_under(mnt, path))
			return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", pid_dir, dirs[i]);
		if (cli_dir_any(path, link_under, mnt))
			return true;
	}
	return false;
}

pid_t cli_mount_user(const char *mnt, char *comm, size_t len)
{
	return cli_proc_find(pid_uses_mount, mnt, comm, len);
}
