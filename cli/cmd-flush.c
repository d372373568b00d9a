// SPDX-License-Identifier: Apache-2.0
/*
 * famfs flush [-v] FILE...
 * Writes back and invalidates the CPU cache lines of whole files, so
 * another host sees what this one wrote and this one sees what others
 * wrote. A famfs file is flushed where its data lives: its extents in the
 * device mapping. Any other file is flushed through an mmap of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static void flush_usage(FILE *out)
{
	fprintf(out,
		"usage: famfs flush [-v] FILE...\n"
		"  -v, --verbose  report what was flushed\n"
		"  -h, --help     this help\n");
}

static void flush_range(void *p, size_t len)
{
	famfs_flush(p, len);
	famfs_invalidate(p, len);
}

static int flush_famfs(const char *path, const struct cli_target *t,
		       uint64_t *bytes)
{
	struct famfs_extent *ext, meta_ext;
	struct famfs_interleave il;
	struct famfs_stat st;
	struct famfs_fs *fs;
	int rc, n;

	rc = cli_target_open(t, &fs);
	if (cli_device_denied(rc))
		return rc;	/* the caller flushes through a mapping */
	if (rc) {
		cli_error(t->mi.device, "%s", strerror(-rc));
		return rc;
	}
	rc = cli_meta_file(fs, t->rel, &st, &meta_ext);
	if (rc == 1) {
		flush_range(famfs_fs_ptr(fs, meta_ext.offset), meta_ext.len);
		*bytes = meta_ext.len;
		return 0;
	}
	if (rc == -ENODATA) {
		*bytes = 0;	/* daemon-made text: no device memory flushed */
		return 0;
	}
	if (rc < 0) {
		cli_error(path, "%s", cli_meta_strerror(rc));
		return rc;
	}
	rc = famfs_resolve(fs, t->rel, &st);
	if (rc) {
		cli_error(path, "not in the log (still being written?)");
		return rc;
	}
	n = cli_extents(fs, st.ino, &ext, &il);
	if (n < 0) {
		cli_error(path, "%s", strerror(-n));
		return n;
	}
	*bytes = 0;
	for (int i = 0; i < n; i++) {
		flush_range(famfs_fs_ptr(fs, ext[i].offset), ext[i].len);
		*bytes += ext[i].len;
	}
	free(ext);
	return 0;
}

static int flush_mapped(const char *path, uint64_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	void *p;

	if (fd < 0) {
		cli_error(path, "%s", strerror(errno));
		return -errno;
	}
	p = size ? mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0) : NULL;
	close(fd);
	if (p == MAP_FAILED) {
		cli_error(path, "mmap: %s", strerror(errno));
		return -errno;
	}
	if (p) {
		flush_range(p, size);
		munmap(p, size);
	}
	return 0;
}

static int flush_one(const char *path, bool verbose)
{
	struct cli_target t;
	struct stat st;
	uint64_t bytes;
	bool famfs;
	int rc;

	if (stat(path, &st)) {
		cli_error(path, "%s", strerror(errno));
		return 1;
	}
	if (!S_ISREG(st.st_mode)) {
		cli_error(path, "not a regular file");
		return 1;
	}
	famfs = cli_target_find(path, &t) == 0;
	bytes = (uint64_t)st.st_size;
	rc = famfs ? flush_famfs(path, &t, &bytes) : 1;
	/* not famfs, or a device this user may not map: through the file */
	if (rc == 1 || cli_device_denied(rc)) {
		famfs = false;
		bytes = (uint64_t)st.st_size;
		rc = flush_mapped(path, bytes);
	}
	if (rc)
		return 1;
	if (verbose)
		printf("famfs: %s: flushed %" PRIu64 " bytes (%s, %s)\n", path,
		       bytes, famfs ? "device extents" : "mmap",
		       famfs_flush_method());
	return 0;
}

int cmd_flush(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool verbose = false;
	int c, status = 0;

	while ((c = cli_getopt(argc, argv, "vh", opts)) != -1) {
		switch (c) {
		case 'v':
			verbose = true;
			break;
		case 'h':
			flush_usage(stdout);
			return 0;
		default:
			flush_usage(stderr);
			return 2;
		}
	}
	if (cli_operands(argc, argv, 1, -1, "FILE")) {
		flush_usage(stderr);
		return 2;
	}
	for (int i = optind; i < argc; i++)
		status |= flush_one(argv[i], verbose);
	cli_target_close_all();
	return status;
}
