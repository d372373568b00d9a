// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for everything that parses the media: superblock
 * decode, log header, entry decode, replay into the namespace, fsck.
 *
 * Input: byte 0 picks a mode. Mode 0 feeds the rest as a superblock copy.
 * Otherwise the rest becomes the log's entry area; entries whose length
 * field is in bounds get their CRC fixed up first (mode 1) so that the
 * fuzzer reaches the semantic checks instead of stopping at the CRC, or
 * are left as they are (mode 2) to exercise resync.
 *
 * Build with clang -fsanitize=fuzzer,address,undefined (tests/fuzz/run.sh).
 * Built with -DFUZZ_SEED_MAIN it instead writes a seed corpus to argv[1].
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define DEV_SIZE (8ULL << 20)
#define LOG_AT (2ULL << 20)
#define LOG_LEN (2ULL << 20)

static char dev_path[64];
static uint8_t *dev_map;

static void setup_device(void)
{
	static const uint8_t fs_uuid[16] = { 1, 2, 3 };
	struct famfs_sb_info sb = {
		.version = 1, .device_size = DEV_SIZE, .log_offset = LOG_AT,
		.log_len = LOG_LEN, .alloc_unit = 2 << 20,
		.data_offset = 4 << 20,
	};
	int fd;

	snprintf(dev_path, sizeof(dev_path), "/dev/shm/famfs-fuzz-%d",
		 (int)getpid());
	fd = open(dev_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, DEV_SIZE))
		abort();
	dev_map = mmap(NULL, DEV_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       0);
	close(fd);
	if (dev_map == MAP_FAILED)
		abort();
	memcpy(sb.fs_uuid, fs_uuid, 16);
	famfs_sb_encode(&sb, dev_map);
	famfs_sb_encode(&sb, dev_map + FAMFS_SB_BACKUP_OFFSET);
	log_format(dev_map + LOG_AT, LOG_LEN, fs_uuid);
	setenv("FAMFS_SYSTEM_UUID", "00000000-0000-0000-0000-000000000001", 1);
}

static void cleanup(void)
{
	unlink(dev_path);
}

static void fix_crcs(uint8_t *p, size_t n)
{
	size_t pos = 0;

	while (pos + ENT_HDR_SIZE <= n) {
		uint32_t len = get_le32(p + pos + ENT_OFF_LEN);

		if (len < ENT_HDR_SIZE || len % 8 || len > n - pos)
			break;
		put_le32(p + pos + ENT_OFF_CRC,
			 famfs_crc32c(0, p + pos + 8, len - 8));
		pos += len;
	}
}

static void exercise(struct famfs_fs *fs)
{
	struct famfs_usage u;
	struct famfs_stat st;
	char name[FAMFS_NAME_MAX + 1], path[FAMFS_PATH_MAX + 1];

	famfs_fs_usage(fs, &u);
	for (uint64_t ino = 1; ino < 64; ino++) {
		uint64_t cookie = 0, off, contig, owner, pos;

		if (famfs_getattr(fs, ino, &st))
			continue;
		famfs_path_of(fs, ino, path, sizeof(path));
		famfs_resolve(fs, path, &st);
		while (famfs_readdir(fs, ino, &cookie, name, &st) == 1)
			;
		for (uint64_t p = 0; p < st.size && p < (64ULL << 20);
		     p += contig) {
			if (famfs_file_map(fs, ino, p, &off, &contig))
				break;
			if (off >= DEV_SIZE || contig == 0)
				abort();	/* replay let a bad extent in */
			famfs_owner_of(fs, off, &owner, &pos);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct famfs_report rep = { 0 };
	struct famfs_sb_info sb;
	struct famfs_fs *fs;
	struct famfs_dev *dev;
	struct famfs_fsck_result res;
	size_t n;

	if (!ready) {
		setup_device();
		atexit(cleanup);
		ready = true;
	}
	if (size < 1)
		return 0;
	if (data[0] % 3 == 0) {
		famfs_sb_decode(data + 1, size - 1, &sb, NULL);
		return 0;
	}
	n = size - 1;
	if (n > LOG_LEN - LOG_HDR_SIZE)
		n = LOG_LEN - LOG_HDR_SIZE;
	memset(dev_map + LOG_AT + LOG_HDR_SIZE, 0, LOG_LEN - LOG_HDR_SIZE);
	memcpy(dev_map + LOG_AT + LOG_HDR_SIZE, data + 1, n);
	if (data[0] % 3 == 1)
		fix_crcs(dev_map + LOG_AT + LOG_HDR_SIZE, n);
	put_le64(dev_map + LOG_AT + LOG_OFF_TAIL,
		 LOG_HDR_SIZE + ((n + 7) & ~7ULL));

	if (famfs_fs_open(dev_path, FAMFS_OPEN_RDONLY, &rep, &fs) == 0) {
		exercise(fs);
		famfs_fs_close(fs);
	}
	if (famfs_dev_open(dev_path, FAMFS_DEV_RDONLY, &dev) == 0) {
		famfs_fsck(dev, NULL, &res);
		famfs_dev_close(dev);
	}
	return 0;
}

#ifdef FUZZ_SEED_MAIN
/* Seeds: a few well-formed logs built with the real encoder. */
static void write_seed(const char *dir, const char *name,
		       struct famfs_log_record *recs, int n)
{
	uint8_t buf[4096] = { 1 };	/* mode 1: CRCs fixed up */
	size_t pos = 1;
	char path[512];
	FILE *f;

	for (int i = 0; i < n; i++) {
		size_t len = log_record_size(&recs[i]);

		recs[i].seq = (uint64_t)i + 1;
		log_record_encode(&recs[i], buf + pos, len);
		pos += len;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fwrite(buf, 1, pos, f) != pos)
		exit(1);
	fclose(f);
}

int main(int argc, char **argv)
{
	struct famfs_extent e1 = { 4 << 20, 2 << 20 };
	struct famfs_extent e2[2] = { { 4 << 20, 2 << 20 },
				      { 6 << 20, 2 << 20 } };
	struct famfs_log_record recs[5] = {
		{ .type = FAMFS_LOG_MKDIR, .path = "d", .mode = 040755 },
		{ .type = FAMFS_LOG_FILE, .path = "d/f", .mode = 0100644,
		  .size = 100, .nextents = 1, .extents = &e1 },
		{ .type = FAMFS_LOG_SETATTR, .path = "d/f", .mode = 0600,
		  .setattr_mask = 1 },
		{ .type = FAMFS_LOG_FILE, .path = "s", .mode = 0100644,
		  .size = 4 << 20, .nextents = 2, .extents = e2,
		  .interleave = { 2, 2, 2 << 20 } },
		{ .type = FAMFS_LOG_BADRANGE, .path = "",
		  .bad = { (4 << 20) + 4096, 4096 } },
	};

	if (argc != 2)
		return 2;
	write_seed(argv[1], "seed-tree", recs, 3);
	write_seed(argv[1], "seed-interleave", recs + 3, 1);
	write_seed(argv[1], "seed-badrange", recs, 5);
	return 0;
}
#endif
