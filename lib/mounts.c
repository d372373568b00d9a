// SPDX-License-Identifier: Apache-2.0
/* famfs mounts on this host, read from /proc/self/mountinfo. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "internal.h"

/* mountinfo escapes space, tab, newline and backslash as \ooo */
static void unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] && s[3]) {
			*d++ = (char)((unsigned int)(s[1] - '0') << 6 |
				      (unsigned int)(s[2] - '0') << 3 |
				      (unsigned int)(s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

int famfs_list_mounts(int (*fn)(void *ctx, const struct famfs_mount_info *mi),
		      void *ctx)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	struct famfs_mount_info *mi;
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;

	if (!f)
		return -errno;
	mi = malloc(sizeof(*mi));
	if (!mi) {
		fclose(f);
		return -ENOMEM;
	}
	while (getline(&line, &cap, f) > 0) {
		/* id parent maj:min root mountpoint opts [tags] - fstype src */
		char *save = NULL, *tok, *mnt = NULL, *sep;
		unsigned int maj = 0, min = 0;
		int field = 0;

		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		for (tok = strtok_r(line, " ", &save); tok;
		     tok = strtok_r(NULL, " ", &save)) {
			if (++field == 3 && sscanf(tok, "%u:%u", &maj, &min) != 2)
				break;
			if (field == 5)
				mnt = tok;
		}
		tok = strtok_r(sep + 3, " \n", &save);
		if (!mnt || !tok || strcmp(tok, "fuse.famfs"))
			continue;
		tok = strtok_r(NULL, " \n", &save);
		if (!tok)
			continue;
		snprintf(mi->mountpoint, sizeof(mi->mountpoint), "%s", mnt);
		snprintf(mi->device, sizeof(mi->device), "%s", tok);
		mi->dev = makedev(maj, min);
		unescape(mi->mountpoint);
		unescape(mi->device);
		rc = fn(ctx, mi);
		if (rc)
			break;
	}
	free(line);
	free(mi);
	fclose(f);
	return rc < 0 ? rc : 0;
}

struct mount_search {
	const char *path;
	size_t best_len;
	struct famfs_mount_info *out;
};

static int match_longest(void *ctx, const struct famfs_mount_info *mi)
{
	struct mount_search *s = ctx;
	size_t len = strlen(mi->mountpoint);

	if (strncmp(s->path, mi->mountpoint, len) ||
	    (s->path[len] != '/' && s->path[len] != '\0' &&
	     strcmp(mi->mountpoint, "/")))
		return 0;
	if (len >= s->best_len || !s->best_len) {
		s->best_len = len;
		*s->out = *mi;
	}
	return 0;
}

int famfs_mount_of_path(const char *path, struct famfs_mount_info *mi)
{
	char real[PATH_MAX];
	struct mount_search s = { .path = real, .out = mi };
	int rc;

	/* the path itself may not exist yet (mkdir, creat): use its dir */
	if (!realpath(path, real)) {
		char *copy, *slash;

		/* e.g. EACCES: say so, not "not famfs" */
		if (errno != ENOENT)
			return -errno;
		copy = strdup(path);

		if (!copy)
			return -ENOMEM;
		slash = strrchr(copy, '/');
		if (slash && slash != copy)
			*slash = '\0';
		else if (slash)
			copy[1] = '\0';
		else
			strcpy(copy, ".");
		if (!realpath(copy, real)) {
			rc = -errno;
			free(copy);
			return rc;
		}
		free(copy);
	}
	rc = famfs_list_mounts(match_longest, &s);
	if (rc)
		return rc;
	return s.best_len ? 0 : -ENOENT;
}

struct dev_search {
	dev_t dev;
	bool found;
	struct famfs_mount_info *out;
};

static int match_dev(void *ctx, const struct famfs_mount_info *mi)
{
	struct dev_search *s = ctx;

	if (mi->dev != s->dev)
		return 0;
	*s->out = *mi;
	s->found = true;
	return 1;
}

int famfs_mount_of_fd(int fd, struct famfs_mount_info *mi)
{
	struct dev_search s = { .out = mi };
	struct stat st;
	int rc;

	if (fstat(fd, &st))
		return -errno;
	s.dev = st.st_dev;
	/* bind mounts of one famfs share its device number: any will do */
	rc = famfs_list_mounts(match_dev, &s);
	if (rc < 0)
		return rc;
	return s.found ? 0 : -ENOENT;
}

struct device_search {
	struct stat want;
	struct famfs_mount_info *found;
};

/* The same device node (by number), or the same regular file. */
static bool same_device(const struct stat *a, const struct stat *b)
{
	if ((a->st_mode & S_IFMT) != (b->st_mode & S_IFMT))
		return false;
	if (S_ISCHR(a->st_mode) || S_ISBLK(a->st_mode))
		return a->st_rdev == b->st_rdev;
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

static int match_device(void *ctx, const struct famfs_mount_info *mi)
{
	struct device_search *s = ctx;
	struct stat st;

	if (stat(mi->device, &st) || !same_device(&st, &s->want))
		return 0;
	*s->found = *mi;
	return 1;
}

int famfs_device_mounted_here(const struct famfs_dev *dev,
			      struct famfs_mount_info *mi)
{
	struct device_search s = { .found = mi };

	if (fstat(dev->fd, &s.want))
		return -errno;
	mi->mountpoint[0] = '\0';
	if (famfs_list_mounts(match_device, &s))
		return 0;	/* unreadable mount table: nothing known */
	return mi->mountpoint[0] ? 1 : 0;
}
