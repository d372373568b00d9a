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
	uint32_t version;	/* the first format version with this kind */
	struct famfs_log_record rec;
	/* whether the entry's effect is visible in @fs */
	bool (*applied)(struct famfs_fs *fs);
};

static struct famfs_extent new_file_extent = { 20 * MiB, 2 * MiB };
static struct famfs_extent new_contents_extent = { 24 * MiB, 2 * MiB };

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

static bool delete_applied(struct famfs_fs *fs)
{
	struct famfs_stat st;

	return famfs_resolve(fs, "dir/file", &st) == -ENOENT;
}

static bool rename_applied(struct famfs_fs *fs)
{
	struct famfs_stat st;

	return famfs_resolve(fs, "dir/file", &st) == -ENOENT &&
	       famfs_resolve(fs, "dir/moved", &st) == 0;
}

static bool contents_applied(struct famfs_fs *fs)
{
	struct famfs_stat st;

	return famfs_resolve(fs, "dir/file", &st) == 0 && st.size == MiB;
}

static bool symlink_applied(struct famfs_fs *fs)
{
	struct famfs_stat st;

	return famfs_resolve(fs, "dir/link", &st) == 0 &&
	       st.type == FAMFS_NODE_SYMLINK;
}

/* a dropped entry changes nothing but takes its sequence number */
static bool dropped_applied(struct famfs_fs *fs)
{
	struct famfs_usage u;

	famfs_fs_usage(fs, &u);
	return u.last_seq == 3;
}

static const struct kind_row rows[] = {
	{ "mkdir", 1,
	  { .type = FAMFS_LOG_MKDIR, .path = "dir/new", .mode = 040750 },
	  mkdir_applied },
	{ "file", 1,
	  { .type = FAMFS_LOG_FILE, .path = "dir/new", .mode = 0100640,
	    .size = 2 * MiB, .nextents = 1, .extents = &new_file_extent },
	  file_applied },
	{ "setattr", 1,
	  { .type = FAMFS_LOG_SETATTR, .path = "dir/file",
	    .setattr_mask = FAMFS_SETATTR_MODE, .mode = 0600 },
	  setattr_applied },
	{ "poisoned range", 1,
	  { .type = FAMFS_LOG_BADRANGE, .path = "",
	    .bad = { 30 * MiB + 4096, 4096 } },
	  badrange_applied },
	{ "delete", 2,
	  { .type = FAMFS_LOG_DELETE, .path = "dir/file" },
	  delete_applied },
	{ "rename", 2,
	  { .type = FAMFS_LOG_RENAME, .path = "dir/file",
	    .new_path = "dir/moved" },
	  rename_applied },
	{ "attributes", 2,
	  { .type = FAMFS_LOG_ATTR, .path = "dir/file",
	    .setattr_mask = FAMFS_SETATTR_MODE | FAMFS_SETATTR_MTIME,
	    .mode = 0600, .mtime = 1700000000000000000ULL },
	  setattr_applied },
	{ "file contents", 2,
	  { .type = FAMFS_LOG_CONTENTS, .path = "dir/file", .mode = 0100644,
	    .size = MiB, .nextents = 1, .extents = &new_contents_extent },
	  contents_applied },
	{ "symbolic link", 2,
	  { .type = FAMFS_LOG_SYMLINK, .path = "dir/link", .target = "file" },
	  symlink_applied },
	{ "dropped entry", 1,
	  { .type = FAMFS_LOG_DROPPED },
	  dropped_applied },
};

/* dir (seq 1) and dir/file of 3 MiB (seq 2), in format @version. */
static char *build_base(uint32_t version)
{
	char *dev = make_famfs_version("corrupt", 64 * MiB, 0, version);
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

static void check_kind(const struct kind_row *row, uint32_t version)
{
	struct famfs_log_record r = row->rec;
	struct famfs_fsck_result res;
	struct captured cap;
	unsigned long nerrors = 0;
	uint64_t at, len, b, bad_replay = 0, bad_fsck = 0;
	int first_bad = -1, status;
	char *dev = build_base(version);
	struct famfs_dev *w;

	at = SB_LOG_OFFSET + raw_append(dev, &r, 3);
	len = log_record_size(&r);
	CHECK(replay_applies(dev, row, &cap, &nerrors) && nerrors == 0,
	      "%s: the intact entry applies", row->name);
	CHECK_RC(raw_fsck(dev, &cap, &res), FAMFS_FSCK_OK,
		 "%s: the intact entry is clean for fsck", row->name);

	/* every byte the CRC covers, and the CRC itself */
	capture_quiet = true;
	w = raw_open(dev);	/* one mapping for all the flips */
	for (b = ENT_OFF_CRC; b < len; b++) {
		/* a flipped length may fail the bounds check before the CRC */
		bool length_field = b >= ENT_OFF_LEN && b < ENT_OFF_LEN + 4;
		const char *want = length_field ? NULL : "CRC mismatch";

		w->base[at + b] ^= 0x01;
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
		w->base[at + b] ^= 0x01;
	}
	famfs_dev_close(w);
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
	for (uint32_t version = 1; version <= 2; version++) {
		printf("# format version %u\n", version);
		for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
			if (rows[i].version <= version)
				check_kind(&rows[i], version);
	}
	return tap_done();
}
