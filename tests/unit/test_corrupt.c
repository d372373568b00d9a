// SPDX-License-Identifier: Apache-2.0
/*
 * One flipped byte in any entry of any kind must be refused whole, by
 * replay (mount) and by fsck alike. Table-driven: each entry kind is one
 * row (a valid record and a way to see whether it was applied), so a new
 * kind of entry is one more row.
 */
#include <sys/stat.h>

#include "raw.h"

struct kind_row {
	const char *name;
	struct famfs_log_record rec;
	/* whether the entry's effect is visible in @fs */
	bool (*applied)(struct famfs_fs *fs);
};

static struct famfs_extent new_file_extent = { 20 * MiB, 2 * MiB };

static bool mkdir_applied(struct famfs_fs *fs)
{
	struct famfs_stat st;

	return famfs_resolve(fs, "dir/new", &st) == 0 &&
	       st.type == FAMFS_NODE_DIR;
}

static bool file_applied(struct famfs_fs *fs)
{
	struct famfs_stat st;

	return famfs_resolve(fs, "dir/new", &st) == 0 &&
	       st.type == FAMFS_NODE_FILE && st.size == 2 * MiB;
}

static bool setattr_applied(struct famfs_fs *fs)
{
	struct famfs_stat st;

	return famfs_resolve(fs, "dir/file", &st) == 0 &&
	       (st.mode & 07777) == 0600;
}

static bool badrange_applied(struct famfs_fs *fs)
{
	return famfs_bad_overlaps(fs, 30 * MiB + 4096, 1);
}

static const struct kind_row rows[] = {
	{ "mkdir",
	  { .type = FAMFS_LOG_MKDIR, .path = "dir/new", .mode = 040750 },
	  mkdir_applied },
	{ "file",
	  { .type = FAMFS_LOG_FILE, .path = "dir/new", .mode = 0100640,
	    .size = 2 * MiB, .nextents = 1, .extents = &new_file_extent },
	  file_applied },
	{ "setattr",
	  { .type = FAMFS_LOG_SETATTR, .path = "dir/file",
	    .setattr_mask = FAMFS_SETATTR_MODE, .mode = 0600 },
	  setattr_applied },
	{ "poisoned range",
	  { .type = FAMFS_LOG_BADRANGE, .path = "",
	    .bad = { 30 * MiB + 4096, 4096 } },
	  badrange_applied },
};

/* dir (seq 1) and dir/file, 3 MiB at 10 MiB (seq 2). */
static char *build_base(void)
{
	char *dev = make_famfs("corrupt", 64 * MiB, 0);
	struct famfs_fs *fs;
	struct famfs_stat d;

	be_master();
	if (famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs) ||
	    famfs_mkdir(fs, 1, "dir", 0755, 0, 0, &d) ||
	    famfs_create_file(fs, d.ino, "file", 0644, 0, 0, 3 * MiB, NULL,
			      NULL)) {
		fprintf(stderr, "base filesystem failed\n");
		exit(99);
	}
	famfs_fs_close(fs);
	return dev;
}

/* Mount-style replay: applied? and what was reported. */
static bool replay_applies(const char *dev, const struct kind_row *row,
			   struct captured *cap, unsigned long *nerrors)
{
	struct famfs_report rep;
	struct famfs_fs *fs;
	bool applied;

	capture_init(&rep, cap);
	if (famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &rep, &fs))
		return true;	/* an open failure is not a clean refusal */
	applied = row->applied(fs);
	famfs_fs_close(fs);
	*nerrors = rep.nerrors;
	return applied;
}

static void check_kind(const struct kind_row *row)
{
	struct famfs_log_record r = row->rec;
	struct famfs_fsck_result res;
	struct captured cap;
	unsigned long nerrors = 0;
	uint64_t at, len, b, bad_replay = 0, bad_fsck = 0;
	int first_bad = -1, status;
	char *dev = build_base();

	at = SB_LOG_OFFSET + raw_append(dev, &r, 3);
	len = log_record_size(&r);
	CHECK(replay_applies(dev, row, &cap, &nerrors) && nerrors == 0,
	      "%s: the intact entry applies", row->name);
	CHECK_RC(raw_fsck(dev, &cap, &res), FAMFS_FSCK_OK,
		 "%s: the intact entry is clean for fsck", row->name);

	/* every byte the CRC covers, and the CRC itself */
	capture_quiet = true;
	for (b = ENT_OFF_CRC; b < len; b++) {
		/* a flipped length may fail the bounds check before the CRC */
		bool length_field = b >= ENT_OFF_LEN && b < ENT_OFF_LEN + 4;
		const char *want = length_field ? NULL : "CRC mismatch";

		raw_xor(dev, at + b, 0x01);
		if (replay_applies(dev, row, &cap, &nerrors) || !nerrors ||
		    (want && !strstr(cap.all, want))) {
			bad_replay++;
			if (first_bad < 0)
				first_bad = (int)b;
		}
		status = raw_fsck(dev, &cap, &res);
		if (status != FAMFS_FSCK_BAD_LOG ||
		    (want && !strstr(cap.all, want))) {
			bad_fsck++;
			if (first_bad < 0)
				first_bad = (int)b;
		}
		raw_xor(dev, at + b, 0x01);
	}
	capture_quiet = false;
	CHECK(bad_replay == 0,
	      "%s: replay refuses the entry with any of its %" PRIu64
	      " bytes flipped (%" PRIu64 " accepted, first at byte %d)",
	      row->name, len - ENT_OFF_CRC, bad_replay, first_bad);
	CHECK(bad_fsck == 0,
	      "%s: fsck reports exactly log damage for each flip (%" PRIu64
	      " wrong, first at byte %d)", row->name, bad_fsck, first_bad);
	CHECK(replay_applies(dev, row, &cap, &nerrors) && nerrors == 0,
	      "%s: restored, the entry applies again", row->name);
	unlink(dev);
}

int main(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		check_kind(&rows[i]);
	return tap_done();
}
