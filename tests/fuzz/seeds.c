// SPDX-License-Identifier: Apache-2.0
/*
 * Seeds in the raw modes of fuzz_log, written with the real encoder so
 * they follow the format as it changes: usage: seeds DIR. The committed
 * corpus (tests/fuzz/corpus) holds the structure-aware seeds and what
 * earlier runs found; run.sh adds these to it.
 */
#include "fuzz_common.h"	/* the device's superblock and log coding */

#define DATA_AT (4ULL << 20)	/* first data unit of fuzz_common.h's device */

static void write_seed(const char *dir, const char *name, uint8_t mode,
		       struct famfs_log_record *recs, int n)
{
	static uint8_t buf[1 << 16];
	size_t pos = 1;
	char path[512];
	FILE *f;

	buf[0] = mode;
	for (int i = 0; i < n; i++) {
		size_t len = log_record_size(&recs[i]);

		if (!len || pos + len > sizeof(buf))
			exit(1);
		recs[i].seq = (uint64_t)i + 1;
		memset(buf + pos, 0, len);
		log_record_encode(&fuzz_coding, &recs[i], buf + pos, len);
		pos += len;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fwrite(buf, 1, pos, f) != pos || fclose(f))
		exit(1);
}

int main(int argc, char **argv)
{
	static struct famfs_extent many[300];
	struct famfs_extent e1 = { DATA_AT, 2 << 20 };
	struct famfs_extent e2[2] = { { DATA_AT, 2 << 20 },
				      { DATA_AT + (2 << 20), 2 << 20 } };
	struct famfs_log_record recs[6] = {
		{ .type = FAMFS_LOG_MKDIR, .path = "d", .mode = 040755 },
		{ .type = FAMFS_LOG_FILE, .path = "d/f", .mode = 0100644,
		  .size = 100, .nextents = 1, .extents = &e1 },
		{ .type = FAMFS_LOG_SETATTR, .path = "d/f", .mode = 0600,
		  .setattr_mask = 1 },
		{ .type = FAMFS_LOG_FILE, .path = "s", .mode = 0100644,
		  .size = 4 << 20, .nextents = 2, .extents = e2,
		  .interleave = { 2, 2, 2 << 20 } },
		{ .type = FAMFS_LOG_BADRANGE, .path = "",
		  .bad = { DATA_AT + 4096, 4096 } },
		{ .type = FAMFS_LOG_FILE, .path = "many", .mode = 0100644,
		  .nextents = 300, .extents = many },
	};
	char deep[FAMFS_PATH_MAX + 1];
	struct famfs_sb_info fuzz_device;

	/* entries coded for the fuzzed device: its UUID seeds their CRCs */
	fuzz_sb(&fuzz_device);
	log_coding_init(&fuzz_coding, &fuzz_device);
	if (argc != 2)
		return 2;
	for (int i = 0; i < 300; i++)
		many[i] = (struct famfs_extent){ DATA_AT + (uint64_t)i * (2 << 20),
						 2 << 20 };
	recs[5].size = 300ULL * (2 << 20);
	write_seed(argv[1], "raw-tree", 1, recs, 3);
	write_seed(argv[1], "raw-interleave", 1, recs + 3, 1);
	write_seed(argv[1], "raw-badrange", 1, recs, 5);
	write_seed(argv[1], "raw-many-extents", 1, recs + 5, 1);
	write_seed(argv[1], "raw-tree-nocrc", 2, recs, 3);
	/* one path of 4095 bytes: a mkdir of a name too long is refused */
	memset(deep, 'x', FAMFS_PATH_MAX);
	deep[FAMFS_PATH_MAX] = '\0';
	recs[0].path = deep;
	write_seed(argv[1], "raw-longest-path", 1, recs, 1);
	{
		/* mode 0: a superblock copy as mkfs writes it */
		struct famfs_sb_info sb;
		uint8_t buf[1 + SB_SIZE] = { 0 };
		char path[512];
		FILE *f;

		fuzz_sb(&sb);
		famfs_sb_encode(&sb, buf + 1);
		snprintf(path, sizeof(path), "%s/superblock", argv[1]);
		f = fopen(path, "w");
		if (!f || fwrite(buf, 1, sizeof(buf), f) != sizeof(buf) ||
		    fclose(f))
			return 1;
	}
	return 0;
}
