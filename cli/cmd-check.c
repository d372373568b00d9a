// SPDX-License-Identifier: Apache-2.0
/*
 * famfs check [-v] MOUNTPOINT
 * Walks what the mount shows and checks each file, directory and
 * symbolic link against the log on the device: in the log as the same
 * type, files the same size with extents covering it;
 * plus the superblock and log checks of fsck (a cross-linked entry that
 * replay refused counts as a bad file).
 * Exit status (as upstream famfs), bits: 1 a file is not properly mapped,
 * 2 superblock missing or bad, 4 log missing or bad; 8 not a famfs mount
 * or bad usage.
 */
#include <errno.h>
#include <ftw.h>
#include <json-c/json.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define CHECK_BAD_FILE 1
#define CHECK_BAD_SB 2
#define CHECK_BAD_LOG 4
#define CHECK_NOT_MOUNT 8

/* nftw() has no context pointer */
static struct {
	struct famfs_fs *fs;
	size_t root_len;	/* of the mountpoint's real path */
	bool verbose;
	unsigned long files, dirs, links, bad, log_problems;
	unsigned long denied;	/* files this user may not read: unchecked */
} walk;

static void check_usage(FILE *out)
{
	fprintf(out,
		"usage: famfs check [-v] MOUNTPOINT\n"
		"  -v, --verbose  name every file checked\n"
		"  -h, --help     this help\n"
		"exit status bits: 1 badly mapped file, 2 bad superblock, 4 bad log;\n"
		"                  8 not a famfs mount\n");
}

/*
 * For a user who may not read the device: the daemon's view of each file
 * (its state, and whether its runs cover its size).
 */
static const char *check_node_via_mount(const char *path,
					const struct stat *sb)
{
	struct famfs_stat st;
	int rc;

	if (S_ISDIR(sb->st_mode) || S_ISLNK(sb->st_mode))
		return NULL;
	rc = cli_mount_stat(path, &st);
	if (rc)
		return cli_strerror(rc);
	if (st.state == FAMFS_NODE_PENDING)
		return "not in the log (unmapped)";
	return st.allocated < st.size ? "extents do not cover its size" : NULL;
}

static const char *check_node(const char *path, const char *rel,
			      const struct stat *sb)
{
	struct famfs_extent *ext;
	struct famfs_interleave il;
	struct famfs_stat st;
	uint64_t mapped;
	int n;

	if (!walk.fs)
		return check_node_via_mount(path, sb);
	if (famfs_resolve(walk.fs, rel, &st))
		return "not in the log (unmapped)";
	if (S_ISDIR(sb->st_mode))
		return st.type == FAMFS_NODE_DIR ? NULL :
		       "a directory in the mount, another type in the log";
	if (S_ISLNK(sb->st_mode))
		return st.type == FAMFS_NODE_SYMLINK ? NULL :
		       "a symbolic link in the mount, another type in the log";
	if (st.type != FAMFS_NODE_FILE)
		return "a file in the mount, another type in the log";
	if ((uint64_t)sb->st_size != st.size)
		return "size differs from the log";
	n = cli_extents(walk.fs, st.ino, &ext, &il);
	if (n < 0)
		return "extents unreadable";
	mapped = cli_mapped_bytes(ext, (uint32_t)n, &il);
	free(ext);
	(void)path;
	return mapped < st.size ? "extents do not cover its size" : NULL;
}

static int visit(const char *path, const struct stat *sb, int type,
		 struct FTW *ftw)
{
	const char *rel = path + walk.root_len, *why;

	while (*rel == '/')
		rel++;
	if (ftw->level == 1 && !strcmp(path + ftw->base, FAMFS_META_DIR))
		return FTW_SKIP_SUBTREE;	/* served by the daemon */
	if ((type == FTW_DNR || type == FTW_NS ||
	     (!walk.fs && S_ISREG(sb->st_mode))) &&
	    access(path, R_OK) && errno == EACCES) {
		cli_error(path, "%s (not checked)", strerror(EACCES));
		walk.denied++;
		return type == FTW_D ? FTW_SKIP_SUBTREE : FTW_CONTINUE;
	}
	if (type == FTW_DNR || type == FTW_NS) {
		cli_error(path, "cannot read");
		walk.bad++;
		return FTW_CONTINUE;
	}
	/* format version 2 logs symbolic links; nothing else is famfs */
	if (!S_ISREG(sb->st_mode) && !S_ISDIR(sb->st_mode) &&
	    !S_ISLNK(sb->st_mode)) {
		cli_error(path, "not a regular file, directory or symbolic "
			  "link");
		walk.bad++;
		return FTW_CONTINUE;
	}
	if (S_ISLNK(sb->st_mode))
		walk.links++;
	else
		S_ISDIR(sb->st_mode) ? walk.dirs++ : walk.files++;
	why = check_node(path, rel, sb);
	if (why) {
		cli_error(path, "%s", why);
		walk.bad++;
	} else if (walk.verbose) {
		printf("famfs: %s: ok\n", cli_escaped(path, 0));
	}
	return FTW_CONTINUE;
}

/* The daemon shows the superblock and log as .meta files. */
static int check_meta(const char *mnt)
{
	static const struct { const char *name; int bit; } meta[] = {
		{ ".superblock", CHECK_BAD_SB },
		{ ".log", CHECK_BAD_LOG },
	};
	char path[PATH_MAX];
	struct stat st;
	int bits = 0;

	for (size_t i = 0; i < sizeof(meta) / sizeof(meta[0]); i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s/%s", mnt,
				     FAMFS_META_DIR, meta[i].name) >=
		    sizeof(path) || stat(path, &st) || !S_ISREG(st.st_mode) || !st.st_size) {
			cli_error(path, "missing");
			bits |= meta[i].bit;
		}
	}
	return bits;
}

/*
 * The device is not readable by this user: the superblock and log as
 * famfs_fused found them (.meta/.status); a refused entry is a bad file.
 */
static int check_via_status(const char *mnt)
{
	struct famfs_mount_info mi;
	struct json_object *o, *log, *v;
	int rc = cli_status_read(mnt, &mi, &o);

	if (rc) {
		cli_error(mnt, "cannot read the device, nor ask famfs_fused: %s",
			  cli_strerror(rc));
		return CHECK_NOT_MOUNT;
	}
	if (json_object_object_get_ex(o, "log", &log) &&
	    json_object_object_get_ex(log, "replay_errors", &v))
		walk.log_problems = (unsigned long)json_object_get_int64(v);
	json_object_put(o);
	return walk.log_problems ? CHECK_BAD_FILE : 0;
}

static int check_device(const char *device, const char *mnt, bool verbose)
{
	struct famfs_fsck_result res;
	struct famfs_report rep;
	struct famfs_dev *dev;
	int rc;

	rc = famfs_dev_open(device, FAMFS_DEV_RDONLY, &dev);
	if (cli_device_denied(rc))
		return check_via_status(mnt);
	if (rc) {
		cli_error(device, "%s", strerror(-rc));
		return CHECK_BAD_SB;
	}
	cli_report_init(&rep, device, verbose);
	rc = famfs_fsck(dev, &rep, &res);
	famfs_dev_close(dev);
	walk.log_problems = rep.nerrors;
	if (rc < 0)
		return CHECK_BAD_SB;
	/* an entry replay refused (e.g. cross-linked) is a bad file */
	return (rc & FAMFS_FSCK_ERRORS ? CHECK_BAD_FILE : 0) |
	       (rc & FAMFS_FSCK_BAD_SB ? CHECK_BAD_SB : 0) |
	       (rc & FAMFS_FSCK_BAD_LOG ? CHECK_BAD_LOG : 0);
}

int cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char real[PATH_MAX];
	struct cli_target t;
	int c, rc, status;

	while ((c = cli_getopt(argc, argv, "vh", opts)) != -1) {
		switch (c) {
		case 'v':
			walk.verbose = true;
			break;
		case 'h':
			check_usage(stdout);
			return 0;
		default:
			check_usage(stderr);
			return CHECK_NOT_MOUNT;
		}
	}
	if (cli_operands(argc, argv, 1, 1, "MOUNTPOINT")) {
		check_usage(stderr);
		return CHECK_NOT_MOUNT;
	}
	rc = cli_target_find(argv[optind], &t);
	if (cli_device_denied(rc)) {
		cli_error(argv[optind], "%s", strerror(-rc));
		return CHECK_NOT_MOUNT;
	}
	if (rc || t.rel[0] || !realpath(argv[optind], real)) {
		cli_error(argv[optind], "not a famfs mount point");
		return CHECK_NOT_MOUNT;
	}
	status = check_device(t.mi.device, real, walk.verbose);
	status |= check_meta(real);
	if (status & CHECK_BAD_SB)
		return status;	/* no namespace to compare with */
	rc = cli_target_open(&t, &walk.fs);
	if (cli_device_denied(rc))
		walk.fs = NULL;	/* each file asked through the mount */
	else if (rc) {
		cli_error(t.mi.device, "%s", strerror(-rc));
		return status | CHECK_BAD_LOG;
	}
	walk.root_len = strlen(real);
	nftw(real, visit, 32, FTW_PHYS | FTW_MOUNT | FTW_ACTIONRETVAL);
	cli_target_close_all();
	if (walk.bad)
		status |= CHECK_BAD_FILE;
	if (walk.denied)
		status |= CHECK_NOT_MOUNT;	/* incomplete: say so */
	printf("famfs check: %s: %lu files, %lu directories, ", real,
	       walk.files, walk.dirs);
	if (walk.links)
		printf("%lu symbolic links, ", walk.links);
	printf("%lu bad, %lu problems in the log%s", walk.bad,
	       walk.log_problems, walk.denied ? "" : "\n");
	if (walk.denied)
		printf(", %lu not readable by this user\n", walk.denied);
	return status;
}
