// SPDX-License-Identifier: Apache-2.0
/*
 * famfs getmap [-q] [-D DEVICE] FILE
 * The extent list of a file as the log on the device records it.
 * Exit status (as upstream famfs): 0 a mapped famfs file, 1 not in famfs,
 * 2 in famfs but not mapped (also: no such file), 21 (EISDIR) not a
 * regular file, 9 (EBADF) bad usage, 13 (EACCES) permission denied.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

#define GETMAP_MAPPED 0
#define GETMAP_NOT_FAMFS 1
#define GETMAP_UNMAPPED 2

static void getmap_usage(FILE *out)
{
	fprintf(out,
		"usage: famfs getmap [-q] [-D DEVICE] FILE\n"
		"  -q, --quiet          print nothing; the exit status tells\n"
		"  -D, --device=DEVICE  FILE is a path in DEVICE (no mount needed)\n"
		"  -h, --help           this help\n"
		"exit status: 0 mapped famfs file, 1 not in famfs, 2 not mapped,\n"
		"             21 not a regular file, 9 bad usage, 13 permission denied\n");
}

static void print_map(const char *path, const struct cli_target *t,
		      const struct famfs_stat *st,
		      const struct famfs_extent *ext, uint32_t n,
		      const struct famfs_interleave *il)
{
	printf("File:       %s\n", cli_escaped(path, 0));
	printf("  device:   %s\n", t->mi.device);
	printf("  size:     %" PRIu64 "\n", st->size);
	if (il->nstrips)
		printf("  interleave: %u strips, %u buckets, chunk %" PRIu64
		       "\n", il->nstrips, il->nbuckets, il->chunk_size);
	printf("  %s:  %u\n", il->nstrips ? "strips " : "extents", n);
	for (uint32_t i = 0; i < n; i++)
		printf("    %3u: offset 0x%-12" PRIx64 " length 0x%" PRIx64
		       "\n", i, ext[i].offset, ext[i].len);
}

/*
 * This user may not read the device: the runs famfs_fused serves the
 * file by (file order; strips of interleaved files appear as chunks).
 */
static int getmap_via_mount(const char *path, const struct cli_target *t,
			    bool quiet)
{
	struct famfs_stat st = { .type = FAMFS_NODE_FILE };
	struct famfs_extent *ext;
	int n;

	n = cli_mount_extents(path, &ext, &st.size);
	if (n < 0) {
		if (!quiet)
			cli_error(path, "%s", n == -EBUSY ?
				  "not mapped (not in the log; still being "
				  "written?)" : n == -ENOTTY ?
				  cli_meta_strerror(-ENODATA) :
				  cli_strerror(n));
		return n == -EISDIR ? EISDIR :
		       cli_device_denied(n) ? EACCES : GETMAP_UNMAPPED;
	}
	if (!quiet)
		print_map(path, t, &st, ext, (uint32_t)n,
			  &(struct famfs_interleave){ 0 });
	free(ext);
	return GETMAP_MAPPED;
}

static int getmap(const char *path, const char *device, bool quiet)
{
	struct famfs_extent *ext = NULL, meta_ext;
	struct famfs_interleave il;
	struct famfs_stat st;
	struct famfs_fs *fs;
	struct cli_target t;
	struct stat lst;
	int rc, n;

	if (device) {
		rc = cli_target_device(device, path, &t);
	} else {
		if (stat(path, &lst)) {
			int err = errno;

			if (!quiet)
				cli_error(path, "%s", strerror(err));
			return err == ENOENT ? GETMAP_UNMAPPED :
			       err == EACCES ? EACCES : EBADF;
		}
		rc = cli_target_find(path, &t);
	}
	if (rc) {
		if (!quiet)
			cli_error(path, "%s", rc == -ENOENT ?
				  "not in a famfs file system" : strerror(-rc));
		return GETMAP_NOT_FAMFS;
	}
	rc = cli_target_open(&t, &fs);
	if (rc && !device && cli_device_denied(rc))
		return getmap_via_mount(path, &t, quiet);
	if (rc) {
		if (!quiet)
			cli_error(t.mi.device, "%s", strerror(-rc));
		return GETMAP_NOT_FAMFS;
	}
	rc = cli_meta_file(fs, t.rel, &st, &meta_ext);
	if (rc < 0) {
		if (!quiet)
			cli_error(path, "%s", cli_meta_strerror(rc));
		return rc == -EISDIR ? EISDIR : GETMAP_UNMAPPED;
	}
	if (rc == 1) {
		if (!quiet)
			print_map(path, &t, &st, &meta_ext, 1,
				  &(struct famfs_interleave){ 0 });
		return GETMAP_MAPPED;
	}
	rc = famfs_resolve(fs, t.rel, &st);
	if (rc == 0 && st.type != FAMFS_NODE_FILE) {
		if (!quiet)
			cli_error(path, "not a regular file");
		return EISDIR;
	}
	if (rc) {
		if (!quiet)
			cli_error(path, "not mapped (not in the log%s)",
				  device ? "" : "; still being written?");
		return GETMAP_UNMAPPED;
	}
	n = cli_extents(fs, st.ino, &ext, &il);
	if (n < 0 || cli_mapped_bytes(ext, (uint32_t)(n < 0 ? 0 : n), &il) <
		     st.size) {
		if (!quiet)
			cli_error(path, "extents do not cover its size");
		free(ext);
		return GETMAP_UNMAPPED;
	}
	if (!quiet)
		print_map(path, &t, &st, ext, (uint32_t)n, &il);
	free(ext);
	return GETMAP_MAPPED;
}

int cmd_getmap(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "device", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *device = NULL;
	bool quiet = false;
	int c, rc;

	while ((c = cli_getopt(argc, argv, "qD:h", opts)) != -1) {
		switch (c) {
		case 'q':
			quiet = true;
			break;
		case 'D':
			device = optarg;
			break;
		case 'h':
			getmap_usage(stdout);
			return 0;
		default:
			getmap_usage(stderr);
			return EBADF;
		}
	}
	if (cli_operands(argc, argv, 1, 1, "FILE")) {
		getmap_usage(stderr);
		return EBADF;
	}
	rc = getmap(argv[optind], device, quiet);
	cli_target_close_all();
	return rc;
}
