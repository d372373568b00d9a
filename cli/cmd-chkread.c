// SPDX-License-Identifier: Apache-2.0
/*
 * famfs chkread [-s|-l] [-v] FILE
 * Reads FILE with read() and through an mmap() of it and compares the
 * two: they take different paths through the mount (FUSE read vs page
 * faults). With -s FILE is the superblock meta file, with -l the log meta
 * file: both are also compared with the device itself and the superblock
 * must decode. The host table inside the superblock area is left out:
 * mounted hosts rewrite their slots every second.
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

#define READ_SIZE (1UL << 20)

enum meta_kind { META_NONE, META_SB, META_LOG };

static void chkread_usage(FILE *out)
{
	fprintf(out,
		"usage: famfs chkread [-s | -l] [-v] FILE\n"
		"  -s, --superblock  FILE is MOUNT/.meta/.superblock\n"
		"  -l, --log         FILE is MOUNT/.meta/.log\n"
		"  -v, --verbose     report a match too\n"
		"  -h, --help        this help\n"
		"exit status: 0 read() and mmap() agree, 1 they differ or fail\n");
}

/*
 * A range left out of the comparisons: the host table, which every
 * mounted host rewrites at least once a second (heartbeat), so two reads
 * of it a moment apart differ by design.
 */
struct live_range {
	uint64_t off, len;
};

static bool is_live(const struct live_range *live, uint64_t off)
{
	return off >= live->off && off - live->off < live->len;
}

/* Index of the first byte where @a and @b differ outside @live, or @len. */
static uint64_t first_difference(const uint8_t *a, const uint8_t *b,
				 uint64_t len, uint64_t base,
				 const struct live_range *live)
{
	uint64_t i;

	if (!memcmp(a, b, (size_t)len))
		return len;
	for (i = 0; i < len; i++) {
		if (a[i] != b[i] && !is_live(live, base + i))
			break;
	}
	return i;
}

/* Offset of the first difference between read() and @map, or @size. */
static int64_t compare_read(int fd, const uint8_t *map, uint64_t size,
			    const struct live_range *live)
{
	uint8_t *buf = malloc(READ_SIZE);
	uint64_t pos = 0, same;

	if (!buf)
		return -ENOMEM;
	while (pos < size) {
		ssize_t n = pread(fd, buf, READ_SIZE, (off_t)pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return -errno;
		}
		if (n == 0)
			break;	/* short: differs at pos */
		same = first_difference(buf, map + pos, (uint64_t)n, pos, live);
		pos += same;
		if (same < (uint64_t)n)
			break;
	}
	free(buf);
	return (int64_t)pos;
}

/*
 * -s/-l: open the device behind @path; @live is what the comparisons
 * leave out (the host table of the superblock area).
 */
static int meta_open(const char *path, enum meta_kind kind,
		     struct famfs_fs **fs, struct live_range *live)
{
	const struct famfs_sb_info *sb;
	struct cli_target t;
	int rc;

	rc = cli_target_find(path, &t);
	if (rc) {
		cli_error(path, "not in a famfs mount");
		return rc;
	}
	rc = cli_target_open(&t, fs);
	if (rc) {
		cli_error(t.mi.device, "%s", strerror(-rc));
		return rc;
	}
	sb = famfs_fs_sb(*fs);
	if (kind == META_SB) {
		live->off = sb->host_table_offset;
		live->len = (uint64_t)sb->host_slots * sb->host_slot_size;
	}
	return 0;
}

/* -s/-l: the meta file must be the device's own superblock area or log. */
static int check_meta(const char *path, enum meta_kind kind,
		      struct famfs_fs *fs, const struct live_range *live,
		      const uint8_t *map, uint64_t size)
{
	const struct famfs_sb_info *sb = famfs_fs_sb(fs);
	struct famfs_sb_info dec;
	const char *why = NULL;
	uint64_t off, len;

	off = kind == META_SB ? 0 : sb->log_offset;
	len = kind == META_SB ? sb->log_offset : sb->log_len;
	if (size != len) {
		cli_error(path, "size %" PRIu64 " is not the %s size %" PRIu64,
			  size, kind == META_SB ? "superblock area" : "log",
			  len);
		return -EINVAL;
	}
	famfs_invalidate(famfs_fs_ptr(fs, off), len);
	if (first_difference(map, famfs_fs_ptr(fs, off), len, 0, live) != len) {
		cli_error(path, "differs from the device");
		return -EINVAL;
	}
	if (kind == META_SB && famfs_sb_decode(map, size, &dec, &why)) {
		cli_error(path, "not a valid superblock: %s", why);
		return -EINVAL;
	}
	return 0;
}

static int chkread(const char *path, enum meta_kind kind, bool verbose)
{
	struct live_range live = { 0, 0 };
	struct famfs_fs *fs = NULL;
	uint8_t *map = NULL;
	struct stat st;
	int64_t diff;
	int fd, rc = 1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		cli_error(path, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		cli_error(path, "not a regular file");
		goto out;
	}
	if (kind != META_NONE && meta_open(path, kind, &fs, &live))
		goto out;
	if (st.st_size) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd,
			   0);
		if (map == MAP_FAILED) {
			map = NULL;
			cli_error(path, "mmap: %s", strerror(errno));
			goto out;
		}
	}
	diff = compare_read(fd, map, (uint64_t)st.st_size, &live);
	if (diff < 0) {
		cli_error(path, "read: %s", strerror((int)-diff));
		goto out;
	}
	if (diff != st.st_size) {
		cli_error(path, "read() and mmap() differ at offset %" PRId64,
			  diff);
		goto out;
	}
	if (fs && check_meta(path, kind, fs, &live, map, (uint64_t)st.st_size))
		goto out;
	if (verbose)
		printf("famfs: %s: read() and mmap() agree on %" PRIu64
		       " bytes\n", path, (uint64_t)st.st_size);
	rc = 0;
out:
	if (map)
		munmap(map, (size_t)st.st_size);
	if (fd >= 0)
		close(fd);
	cli_target_close_all();
	return rc;
}

int cmd_chkread(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "superblock", no_argument, NULL, 's' },
		{ "log", no_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum meta_kind kind = META_NONE;
	bool verbose = false;
	int c;

	while ((c = cli_getopt(argc, argv, "slvh", opts)) != -1) {
		switch (c) {
		case 's':
		case 'l':
			if (kind != META_NONE) {
				cli_error("chkread", "-s and -l exclude each other");
				return 2;
			}
			kind = c == 's' ? META_SB : META_LOG;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			chkread_usage(stdout);
			return 0;
		default:
			chkread_usage(stderr);
			return 2;
		}
	}
	if (cli_operands(argc, argv, 1, 1, "FILE")) {
		chkread_usage(stderr);
		return 2;
	}
	return chkread(argv[optind], kind, verbose);
}
