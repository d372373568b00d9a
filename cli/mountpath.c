// SPDX-License-Identifier: Apache-2.0
/*
 * Paths inside famfs mounts: which mount (and so which device) holds a
 * path, and where the path sits relative to the famfs root. Read-only
 * queries use this to look a file up in the log on the device itself.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/*
 * Absolute, symlink-free form of @path; a missing tail (mkdir -p, a new
 * file in a new directory) is appended as given, minus "." components.
 */
static int canonical(const char *path, char *out, size_t len)
{
	char head[PATH_MAX], real[PATH_MAX];
	const char *tail = NULL;
	size_t used;

	if (strlen(path) >= sizeof(head))
		return -ENAMETOOLONG;
	strcpy(head, path);
	while (!realpath(head[0] ? head : ".", real)) {
		char *slash;

		if (errno != ENOENT)
			return -errno;
		slash = strrchr(head, '/');
		if (slash == head && !head[1])
			return -ENOENT;
		tail = path + (slash ? (size_t)(slash - head) + 1 : 0);
		if (slash == head)
			slash[1] = '\0';
		else if (slash)
			*slash = '\0';
		else
			head[0] = '\0';
	}
	used = strlen(real);
	if (used >= len)
		return -ENAMETOOLONG;
	strcpy(out, real);
	while (tail && *tail) {
		size_t n = strcspn(tail, "/");

		if (n == 2 && !strncmp(tail, "..", 2))
			return -ENOENT;	/* ".." over a missing dir */
		if (n && !(n == 1 && tail[0] == '.')) {
			if (used + 1 + n >= len)
				return -ENAMETOOLONG;
			if (used > 1)
				out[used++] = '/';
			memcpy(out + used, tail, n);
			used += n;
			out[used] = '\0';
		}
		tail += n;
		while (*tail == '/')
			tail++;
	}
	return 0;
}

struct mount_match {
	const char *path;
	size_t best;
	struct famfs_mount_info *out;
};

/*
 * famfs_mount_of_path() wants the parent to exist; with a canonical
 * path the innermost mount is the longest mountpoint prefix.
 */
static int longest_prefix(void *ctx, const struct famfs_mount_info *mi)
{
	struct mount_match *m = ctx;
	size_t n = strlen(mi->mountpoint);

	if (strncmp(m->path, mi->mountpoint, n) ||
	    (m->path[n] && m->path[n] != '/' && n > 1))
		return 0;
	if (n >= m->best) {
		m->best = n;
		*m->out = *mi;
	}
	return 0;
}

int cli_target_find(const char *path, struct cli_target *t)
{
	char abs[PATH_MAX];
	const char *rel;
	size_t mlen;
	int rc;

	rc = canonical(path, abs, sizeof(abs));
	if (rc)
		return rc;
	t->mi.mountpoint[0] = '\0';
	rc = famfs_list_mounts(longest_prefix, &(struct mount_match){
				       .path = abs, .out = &t->mi });
	if (rc)
		return rc;
	if (!t->mi.mountpoint[0])
		return -ENOENT;
	mlen = strlen(t->mi.mountpoint);
	rel = abs + (strcmp(t->mi.mountpoint, "/") ? mlen : 0);
	while (*rel == '/')
		rel++;
	if (strlen(rel) > FAMFS_PATH_MAX)
		return -ENAMETOOLONG;
	strcpy(t->rel, rel);
	return 0;
}

int cli_target_device(const char *device, const char *path,
		      struct cli_target *t)
{
	size_t n;

	if (strlen(device) > FAMFS_PATH_MAX)
		return -ENAMETOOLONG;
	while (*path == '/')
		path++;
	n = strlen(path);
	while (n && path[n - 1] == '/')
		n--;
	if (n > FAMFS_PATH_MAX)
		return -ENAMETOOLONG;
	memset(t, 0, sizeof(*t));
	strcpy(t->mi.device, device);
	memcpy(t->rel, path, n);
	t->rel[n] = '\0';
	return 0;
}

/* One open device at a time: commands walk one mount, rarely several. */
static struct {
	char device[FAMFS_PATH_MAX + 1];
	struct famfs_fs *fs;
} cached;

int cli_target_open(const struct cli_target *t, struct famfs_fs **fs)
{
	struct famfs_report quiet = { 0 };
	int rc;

	if (cached.fs && !strcmp(cached.device, t->mi.device)) {
		*fs = cached.fs;
		return 0;
	}
	cli_target_close_all();
	rc = famfs_fs_open(t->mi.device, FAMFS_OPEN_RDONLY, &quiet, &cached.fs);
	if (rc) {
		cached.fs = NULL;
		return rc;
	}
	strcpy(cached.device, t->mi.device);
	*fs = cached.fs;
	return 0;
}

void cli_target_close_all(void)
{
	if (cached.fs)
		famfs_fs_close(cached.fs);
	cached.fs = NULL;
}
