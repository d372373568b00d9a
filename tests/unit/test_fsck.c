// SPDX-License-Identifier: Apache-2.0
/*
 * fsck against every corruption class: each case builds a small valid
 * filesystem, damages it one way, and checks the status bits and that the
 * report names the problem. Hostile entries carry valid CRCs, so only the
 * semantic checks can catch them.
 */
#include <sys/stat.h>

#include "raw.h"

static char *dev;

static void build_base_version(uint32_t version)
{
	struct famfs_fs *fs;
	struct famfs_stat d;

	dev = make_famfs_version("fsck", 64 * MiB, 0, version);
	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	famfs_mkdir(fs, 1, "dir", 0755, 0, 0, &d);
	famfs_create_file(fs, d.ino, "file", 0644, 0, 0, 3 * MiB, NULL, NULL);
	famfs_fs_close(fs);
}

static void build_base(void)
{
	build_base_version(0);
}

/* Append a CRC-valid entry as a buggy or hostile master would. */
static void raw_append_seq(struct famfs_log_record *r, uint64_t seq)
{
	raw_append(dev, r, seq);
}

static void poke(uint64_t off, uint8_t xor)
{
	raw_xor(dev, off, xor);
}

static int run_fsck(struct captured *cap, struct famfs_fsck_result *res)
{
	return raw_fsck(dev, cap, res);
}

/*
 * One corruption case: the exact status (no bit missing, none extra) and
 * a phrase in the report.
 */
static void expect(const char *what, int want_status, const char *phrase)
{
	struct famfs_fsck_result res;
	struct captured cap;
	int rc = run_fsck(&cap, &res);

	CHECK(rc == want_status && (!phrase || strstr(cap.all, phrase)),
	      "%s: status %d (want %d), report names '%s'", what, rc,
	      want_status, phrase ? phrase : "-");
	unlink(dev);
}

static struct famfs_log_record file_rec(const char *path, uint64_t off,
					uint64_t len,
					struct famfs_extent *ext)
{
	ext->offset = off;
	ext->len = len;
	return (struct famfs_log_record){ .type = FAMFS_LOG_FILE,
					  .path = path, .mode = 0100644,
					  .size = len, .nextents = 1,
					  .extents = ext };
}

int main(void)
{
	struct famfs_fsck_result res;
	struct famfs_extent ext;
	struct famfs_log_record r;
	struct captured cap;

	build_base();
	CHECK_RC(run_fsck(&cap, &res), 0, "clean filesystem: status 0");
	CHECK(res.nfiles == 1 && res.ndirs == 2 && res.log_entries == 2 &&
		      res.data_used == 4 * MiB &&
		      res.data_total == 54 * MiB && res.nerrors == 0,
	      "summary: 1 file, 2 dirs, 2 entries, 4 MiB used");
	unlink(dev);

	build_base();
	poke(SB_OFF_DEVICE_SIZE, 0x10);
	CHECK_RC(run_fsck(&cap, &res), FAMFS_FSCK_BAD_SB,
		 "flipped primary superblock byte: superblock bit only");
	CHECK(strstr(cap.all, "primary superblock: superblock CRC mismatch") &&
		      res.nfiles == 1,
	      "named, and the backup still gives the namespace");
	{
		struct famfs_fs *fs;

		CHECK_RC(famfs_fs_open(dev, FAMFS_OPEN_RDONLY, NULL, &fs), 0,
			 "mount falls back to the backup superblock");
		famfs_fs_close(fs);
	}
	unlink(dev);

	build_base();
	poke(FAMFS_SB_BACKUP_OFFSET + SB_OFF_LOG_LEN, 1);
	expect("flipped backup superblock byte", FAMFS_FSCK_BAD_SB,
	       "backup superblock: superblock CRC mismatch");

	/* both copies intact, but not the same superblock */
	build_base();
	{
		struct famfs_dev *d = raw_open(dev);
		struct famfs_sb_info sb;

		famfs_sb_decode(d->base + FAMFS_SB_BACKUP_OFFSET, SB_SIZE, &sb,
				NULL);
		sb.root_mode = 0700;
		famfs_sb_encode(&sb, d->base + FAMFS_SB_BACKUP_OFFSET);
		famfs_dev_close(d);
	}
	expect("backup superblock differs from the primary", FAMFS_FSCK_BAD_SB,
	       "backup superblock differs from the primary");

	/* mkfs without force looks at the backup too */
	build_base();
	poke(SB_OFF_CRC, 1);
	{
		struct famfs_mkfs_opts o = { 0 };
		struct famfs_dev *d = raw_open(dev);

		CHECK_RC(famfs_mkfs(d, &o, NULL), -EEXIST,
			 "mkfs without force refuses a famfs whose primary "
			 "superblock is damaged but whose backup is valid");
		famfs_dev_close(d);
	}
	expect("and leaves it as it was", FAMFS_FSCK_BAD_SB,
	       "primary superblock: superblock CRC mismatch");

	build_base();
	poke(SB_OFF_CRC, 1);
	poke(FAMFS_SB_BACKUP_OFFSET + SB_OFF_CRC, 1);
	expect("both superblocks bad", FAMFS_FSCK_BAD_SB, "backup superblock");

	dev = make_device("fsck", 16 * MiB);
	expect("not famfs at all", FAMFS_FSCK_BAD_SB, "not a famfs device");

	build_base();
	poke(2 * MiB + LOG_OFF_FS_UUID, 0xff);
	expect("log header corrupt", FAMFS_FSCK_BAD_LOG, "log header CRC");

	build_base();
	poke(2 * MiB + 4096 + 40, 0x20);	/* inside the first entry */
	/* losing "dir" makes the intact entry of dir/file refused too */
	expect("entry with a bad CRC", FAMFS_FSCK_BAD_LOG | FAMFS_FSCK_ERRORS,
	       "CRC mismatch");

	/* one refused entry beside log damage: both bits, exactly */
	build_base();
	r = (struct famfs_log_record){ .type = FAMFS_LOG_MKDIR, .path = "/abs",
				       .mode = 040755 };
	raw_append_seq(&r, 3);
	r.path = "fine";
	poke(SB_LOG_OFFSET + raw_append(dev, &r, 4) + MKDIR_PATH, 0x01);
	expect("a refused entry and a damaged one",
	       FAMFS_FSCK_BAD_LOG | FAMFS_FSCK_ERRORS, "absolute path");

	build_base();
	r = (struct famfs_log_record){ .type = FAMFS_LOG_MKDIR, .path = "dup",
				       .mode = 040755 };
	raw_append_seq(&r, 2);
	expect("repeated sequence number", FAMFS_FSCK_BAD_LOG,
	       "sequence 2 not after 2");

	build_base();
	r.path = "later";
	raw_append_seq(&r, 9);
	expect("sequence gap", FAMFS_FSCK_BAD_LOG, "jumps from 2 to 9");

	/* a path whose length counts a NUL byte: "ab\0cd" is not "ab" */
	build_base();
	{
		struct famfs_dev *d;
		uint8_t *e;

		r = (struct famfs_log_record){ .type = FAMFS_LOG_MKDIR,
					       .path = "abXcd", .mode = 040755 };
		d = raw_open(dev);
		e = d->base + SB_LOG_OFFSET + raw_append(dev, &r, 3);
		e[MKDIR_PATH + 2] = '\0';
		dev_fix_crc(d, e);
		famfs_dev_close(d);
	}
	expect("a path with a NUL byte inside", FAMFS_FSCK_BAD_LOG,
	       "NUL byte inside a path");

	/* version 1 knows unit extents only: a 4 KiB piece is refused */
	build_base_version(1);
	r = file_rec("dir/piece", 12 * MiB + 4096, 4096, &ext);
	raw_append_seq(&r, 3);
	expect("a version 1 extent smaller than a unit", FAMFS_FSCK_ERRORS,
	       "not aligned to the allocation unit");

	/* the device shrank under its superblock */
	build_base();
	if (truncate(dev, 32 * MiB))
		exit(99);
	{
		struct famfs_report rep;
		struct famfs_fs *fs;

		capture_init(&rep, &cap);
		CHECK_RC(famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &rep, &fs),
			 -EINVAL,
			 "a device shorter than its superblock says is refused");
		CHECK(strstr(cap.all, "bytes but the device has") != NULL,
		      "and the report says how short");
	}
	unlink(dev);

	static const struct {
		const char *path, *phrase;
	} bad_paths[] = {
		{ "/abs", "absolute path" },
		{ "dir/../escape", "'.' or '..' in path" },
		{ "dir/./x", "'.' or '..' in path" },
		{ "dir//x", "empty path component" },
		{ "dir/", "trailing '/'" },
		{ ".meta", "reserved" },
		{ "dir/file/x", "parent is not a directory" },
		{ "nowhere/x", "parent directory does not exist" },
		{ "dir/file", "already exists" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad_paths); i++) {
		build_base();
		r = (struct famfs_log_record){ .type = FAMFS_LOG_MKDIR,
					       .path = bad_paths[i].path,
					       .mode = 040755 };
		raw_append_seq(&r, 3);
		expect(bad_paths[i].path, FAMFS_FSCK_ERRORS,
		       bad_paths[i].phrase);
	}

	static const struct {
		const char *what;
		uint64_t off, len;
		const char *phrase;
	} bad_ext[] = {
		{ "extent in the log area", 2 * MiB, 2 * MiB, "outside" },
		{ "extent past the device end", 62 * MiB, 4 * MiB, "outside" },
		{ "extent length wrapping 64 bits", 12 * MiB,
		  0xffffffffffe00000ULL, "outside" },
		{ "unaligned extent", 12 * MiB + 4096, 2 * MiB, "aligned" },
		{ "extent overlapping another file", 10 * MiB, 2 * MiB,
		  "overlaps another file" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad_ext); i++) {
		build_base();
		r = file_rec("dir/evil", bad_ext[i].off, bad_ext[i].len, &ext);
		raw_append_seq(&r, 3);
		expect(bad_ext[i].what, FAMFS_FSCK_ERRORS, bad_ext[i].phrase);
	}

	/* two extents of one record overlapping each other */
	{
		struct famfs_extent two[2] = { { 20 * MiB, 4 * MiB },
					       { 22 * MiB, 2 * MiB } };

		build_base();
		r = file_rec("dir/self", 0, 0, &ext);
		r.nextents = 2;
		r.extents = two;
		r.size = 6 * MiB;
		raw_append_seq(&r, 3);
		expect("a file whose own extents overlap", FAMFS_FSCK_ERRORS,
		       "overlaps");
	}

	/* a multi-unit extent whose last unit only is another file's */
	build_base();
	r = file_rec("dir/later", 20 * MiB, 2 * MiB, &ext);
	raw_append_seq(&r, 3);
	r = file_rec("dir/evil", 16 * MiB, 6 * MiB, &ext);
	raw_append_seq(&r, 4);
	expect("extent overlapping another file in its last unit",
	       FAMFS_FSCK_ERRORS, "overlaps another file");

	build_base();
	r = (struct famfs_log_record){ .type = FAMFS_LOG_BADRANGE, .path = "",
				       .bad = { 100 * MiB, 4096 } };
	raw_append_seq(&r, 3);
	expect("poisoned range past the device", FAMFS_FSCK_ERRORS,
	       "poisoned range outside the device");

	build_base();
	r = file_rec("dir/big", 20 * MiB, 2 * MiB, &ext);
	r.size = 3 * MiB;
	raw_append_seq(&r, 3);
	expect("size beyond the extents", FAMFS_FSCK_ERRORS,
	       "size exceeds its extents");

	build_base();
	{
		struct famfs_dev *d;

		famfs_dev_open(dev, FAMFS_DEV_RDWR, &d);
		dev_set_tail(d, 9 * MiB);
		famfs_dev_close(d);
	}
	expect("tail beyond the log", FAMFS_FSCK_BAD_LOG, "out of bounds");

	/* a newer kind of entry is a warning, not damage */
	build_base();
	r = (struct famfs_log_record){ .type = FAMFS_LOG_MKDIR, .path = "n",
				       .mode = 040755 };
	raw_append_seq(&r, 3);
	{
		struct famfs_dev *d;
		uint8_t *e;

		famfs_dev_open(dev, FAMFS_DEV_RDWR, &d);
		e = d->base + 2 * MiB + dev_tail(d) - 56;
		/* a number no version has given a kind to yet */
		put_le16(e + ENT_OFF_TYPE, 200);
		dev_fix_crc(d, e);
		famfs_dev_close(d);
	}
	CHECK_RC(run_fsck(&cap, &res), 0,
		 "entry of a future kind: clean status (warning only)");
	CHECK(strstr(cap.all, "needs a newer famfs") != NULL,
	      "and the warning says so");
	unlink(dev);
	return tap_done();
}
