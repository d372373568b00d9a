// SPDX-License-Identifier: Apache-2.0
/*
 * famfs clone [-v] SRC DEST
 * Test tool: logs DEST as a new file with SRC's very extents, which is
 * exactly the cross-link fsck and check must catch (replay refuses the
 * entry: "extent overlaps another file"). It appends to the log on the
 * device directly, beside the running master daemon and without its
 * lock: never use it on data you care about.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static void clone_usage(FILE *out)
{
	fprintf(out,
		"usage: famfs clone [-v] SRC DEST\n"
		"  Log DEST with the extents of SRC (same famfs, on its master):\n"
		"  a deliberate cross-link for testing fsck and check.\n"
		"  -v, --verbose  say what was logged\n"
		"  -h, --help     this help\n");
}

static int find_one(const char *path, struct cli_target *t)
{
	int rc = cli_target_find(path, t);

	if (rc)
		cli_error(path, "%s", rc == -ENOENT ? "not in a famfs mount" :
			  strerror(-rc));
	return rc;
}

static int find_pair(const char *src, const char *dest, struct cli_target *ts,
		     struct cli_target *td)
{
	if (find_one(src, ts) || find_one(dest, td))
		return -ENOENT;
	if (strcmp(ts->mi.device, td->mi.device)) {
		cli_error(dest, "not in the same famfs as %s", src);
		return -EXDEV;
	}
	return 0;
}

/* DEST must be new and its parent an existing directory. */
static int check_dest(struct famfs_fs *fs, const char *dest, const char *rel)
{
	char parent[FAMFS_PATH_MAX + 1];
	struct famfs_stat st;
	char *slash;

	if (famfs_resolve(fs, rel, &st) == 0) {
		cli_error(dest, "%s", strerror(EEXIST));
		return -EEXIST;
	}
	strcpy(parent, rel);
	slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	else
		parent[0] = '\0';
	if (famfs_resolve(fs, parent, &st) || st.type != FAMFS_NODE_DIR) {
		cli_error(dest, "parent directory not in the log");
		return -ENOENT;
	}
	return 0;
}

static int clone(const char *src, const char *dest, bool verbose)
{
	struct famfs_report quiet = { 0 };
	struct cli_target ts, td;
	struct famfs_log_record r = { 0 };
	struct famfs_extent *ext = NULL;
	struct famfs_stat st;
	struct famfs_fs *fs;
	int rc, n;

	if (find_pair(src, dest, &ts, &td))
		return 1;
	rc = famfs_fs_open(ts.mi.device, FAMFS_OPEN_RDWR | FAMFS_OPEN_NO_LOCK,
			   &quiet, &fs);
	if (rc) {
		cli_error(ts.mi.device, "%s", strerror(-rc));
		return 1;
	}
	rc = -EROFS;
	if (!famfs_fs_is_master(fs) || !famfs_fs_writable(fs)) {
		cli_error(dest, "%s", cli_strerror(rc));
		goto out;
	}
	rc = famfs_resolve(fs, ts.rel, &st);
	if (rc || st.type != FAMFS_NODE_FILE) {
		cli_error(src, "%s", rc ? "not in the log" :
			  "not a regular file");
		rc = rc ? rc : -EISDIR;
		goto out;
	}
	rc = check_dest(fs, dest, td.rel);
	if (rc)
		goto out;
	n = cli_extents(fs, st.ino, &ext, &r.interleave);
	if (n < 0) {
		rc = n;
		cli_error(src, "%s", strerror(-rc));
		goto out;
	}
	r.type = FAMFS_LOG_FILE;
	r.time = famfs_now_ns();
	r.path = td.rel;
	r.mode = st.mode;
	r.uid = st.uid;
	r.gid = st.gid;
	r.size = st.size;
	r.nextents = (uint32_t)n;
	r.extents = ext;
	rc = famfs_debug_append_unchecked(fs, &r);
	if (rc)
		cli_error(dest, "append: %s", cli_strerror(rc));
	else if (verbose)
		printf("famfs: logged '%s' with the %d extents of '%s' "
		       "(cross-linked)\n", dest, n, src);
out:
	free(ext);
	famfs_fs_close(fs);
	return rc ? 1 : 0;
}

int cmd_clone(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool verbose = false;
	int c;

	while ((c = cli_getopt(argc, argv, "vh", opts)) != -1) {
		switch (c) {
		case 'v':
			verbose = true;
			break;
		case 'h':
			clone_usage(stdout);
			return 0;
		default:
			clone_usage(stderr);
			return 2;
		}
	}
	if (cli_operands(argc, argv, 2, 2, "SRC DEST")) {
		clone_usage(stderr);
		return 2;
	}
	return clone(argv[optind], argv[optind + 1], verbose);
}
