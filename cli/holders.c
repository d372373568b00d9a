// SPDX-License-Identifier: Apache-2.0
/*
 * Who keeps a mount busy: a process with a file open or mapped under
 * it, or its current or root directory there. Only the link texts in
 * /proc are read (readlink), never the files: a stat() through a
 * stopped FUSE daemon elsewhere would hang the question.
 */
#include <ctype.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Is the link @link (a /proc magic link) a path at or under @mnt? */
static bool link_under(const char *link, const char *mnt)
{
	char target[PATH_MAX];
	size_t n = strlen(mnt);
	ssize_t len = readlink(link, target, sizeof(target) - 1);

	if (len < 0)
		return false;
	target[len] = '\0';
	return !strncmp(target, mnt, n) && (!target[n] || target[n] == '/');
}

/* Does some link in directory @dir (fds, or map_files) lead under @mnt? */
static bool dir_under(const char *dir, const char *mnt)
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
		found = link_under(path, mnt);
	}
	closedir(d);
	return found;
}

static bool pid_uses(const char *pid, const char *mnt)
{
	static const char *const links[] = { "cwd", "root" };
	static const char *const dirs[] = { "fd", "map_files" };
	char path[PATH_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		snprintf(path, sizeof(path), "/proc/%s/%s", pid, links[i]);
		if (link_under(path, mnt))
			return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "/proc/%s/%s", pid, dirs[i]);
		if (dir_under(path, mnt))
			return true;
	}
	return false;
}

pid_t cli_mount_user(const char *mnt, char *comm, size_t len)
{
	char path[PATH_MAX];
	struct dirent *e;
	pid_t pid = 0, self = getpid();
	DIR *proc = opendir("/proc");
	FILE *f;

	if (!proc)
		return 0;
	while (!pid && (e = readdir(proc))) {
		if (!isdigit((unsigned char)e->d_name[0]) ||
		    atoi(e->d_name) == self)
			continue;
		if (pid_uses(e->d_name, mnt))
			pid = (pid_t)atoi(e->d_name);
	}
	closedir(proc);
	if (!pid)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "r");
	if (!f || !fgets(comm, (int)len, f))
		snprintf(comm, len, "?");
	comm[strcspn(comm, "\n")] = '\0';
	if (f)
		fclose(f);
	return pid;
}
