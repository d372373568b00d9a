// SPDX-License-Identifier: Apache-2.0
/*
 * fsck --repair (famfs_fsck_repair): each case damages a small valid
 * filesystem one way, repairs it, and checks that fsck is clean after,
 * that nothing intact was lost, and that what needs the operator's say
 * (dropping entries) is only done when asked. Also fsck's findings that
 * are warnings or reasons rather than repairs: intact entries past the
 * tail, a device shorter than its superblock says.
 */
#include <sys/stat.h>

#include "raw.h"

static char *dev;
/* log offsets of the three mkdir entries the base filesystem has */
static uint64_t entry_at[3];

static void build(void)
{
	static const char *const names[] = { "one", "two", "three" };
	struct famfs_fs *fs;
	struct famfs_stat st;

	dev = make_famfs("repair", 64 * MiB, 0);
	be_master();
	if (famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs)) {
		fprintf(stderr, "cannot open the new filesystem\n");
		exit(99);
	}
	for (int i = 0; i < 3; i++) {
		entry_at[i] = raw_tail(dev);
		famfs_mkdir(fs, FAMFS_ROOT_INO, names[i], 0755, 0, 0, &st);
	}
	famfs_fs_close(fs);
}

/* Repair with @flags, capturing what it says; returns its result. */
static int repair(unsigned int flags, struct captured *cap)
{
	struct famfs_report rep;
	struct famfs_dev *d = raw_open(dev);
	int rc;

	capture_init(&rep, cap);
	rc = famfs_fsck_repair(d, flags, &rep);
	famfs_dev_close(d);
	return rc;
}

static int fsck_status(struct famfs_fsck_result *res)
{
	struct captured cap;

	return raw_fsck(dev, &cap, res);
}

/* The type and sequence number of the entry at log offset @at. */
static void entry_kind(uint64_t at, uint16_t *type, uint64_t *seq,
		       uint32_t *len)
{
	struct famfs_dev *d = raw_open(dev);
	const uint8_t *e = d->base + SB_LOG_OFFSET + at;

	*type = get_le16(e + ENT_OFF_TYPE);
	*seq = get_le64(e + ENT_OFF_SEQ);
	*len = get_le32(e + ENT_OFF_LEN);
	famfs_dev_close(d);
}

static void superblocks(void)
{
	struct famfs_fsck_result res;
	struct captured cap;

	build();
	raw_xor(dev, FAMFS_SB_BACKUP_OFFSET + SB_OFF_CRC, 1);
	CHECK_RC(fsck_status(&res), FAMFS_FSCK_BAD_SB, "damaged backup found");
	CHECK_RC(repair(0, &cap), 1, "repair: one correction");
	CHECK(strstr(cap.all, "backup superblock rewritten"),
	      "and it says which: %s", cap.all);
	CHECK_RC(fsck_status(&res), 0, "clean after it");
	CHECK_RC(repair(0, &cap), 0, "a second repair finds nothing to do");
	unlink(dev);

	build();
	raw_xor(dev, SB_OFF_DEVICE_SIZE, 0x10);
	CHECK_RC(repair(0, &cap), 1, "damaged primary: one correction");
	CHECK(strstr(cap.all, "primary superblock restored from the backup"),
	      "named: %s", cap.all);
	CHECK_RC(fsck_status(&res), 0, "clean after it");
	CHECK(res.ndirs == 4, "namespace whole: %" PRIu64 " directories",
	      res.ndirs);
	unlink(dev);

	build();
	raw_xor(dev, SB_OFF_CRC, 1);
	raw_xor(dev, FAMFS_SB_BACKUP_OFFSET + SB_OFF_CRC, 1);
	CHECK_RC(repair(0, &cap), 0, "both copies bad: nothing to copy from");
	CHECK_RC(fsck_status(&res), FAMFS_FSCK_BAD_SB, "still bad");
	unlink(dev);
}

static void header_and_tail(void)
{
	struct famfs_fsck_result res;
	struct captured cap;

	build();
	raw_xor(dev, SB_LOG_OFFSET + LOG_OFF_FS_UUID, 0xff);
	CHECK_RC(fsck_status(&res), FAMFS_FSCK_BAD_LOG, "damaged log header");
	CHECK_RC(repair(0, &cap), 1, "repair: one correction");
	CHECK(strstr(cap.all, "log header rewritten"), "named: %s", cap.all);
	CHECK_RC(fsck_status(&res), 0, "clean after it");
	unlink(dev);

	/* the tail word's check half: the tail is rebuilt from the chain */
	build();
	raw_xor(dev, SB_LOG_OFFSET + LOG_OFF_TAIL + 6, 0x40);
	CHECK_RC(fsck_status(&res), FAMFS_FSCK_BAD_LOG, "damaged tail word");
	CHECK_RC(repair(0, &cap), 1, "repair: one correction");
	CHECK(strstr(cap.all, "log tail word rewritten"), "named: %s",
	      cap.all);
	CHECK_RC(fsck_status(&res), 0, "clean after it");
	CHECK(res.ndirs == 4 && res.log_entries == 3,
	      "all three entries kept (%" PRIu64 ")", res.log_entries);
	unlink(dev);
}

static void torn_end(void)
{
	struct famfs_fsck_result res;
	struct captured cap;
	struct famfs_fs *fs;
	struct famfs_stat st;

	build();
	raw_xor(dev, SB_LOG_OFFSET + entry_at[2] + MKDIR_PATH, 1);
	CHECK_RC(fsck_status(&res), FAMFS_FSCK_BAD_LOG, "damaged last entry");
	CHECK_RC(repair(0, &cap), 1, "repair: the tail is cut back");
	CHECK(strstr(cap.all, "unreadable bytes end the log; tail cut back"),
	      "named: %s", cap.all);
	CHECK_RC(raw_tail(dev), entry_at[2], "to where the damage starts");
	CHECK_RC(fsck_status(&res), 0, "clean after it");
	CHECK(res.ndirs == 3, "the two entries before it kept");
	CHECK_RC(famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs), 0,
		 "a master opens it");
	CHECK_RC(famfs_mkdir(fs, FAMFS_ROOT_INO, "after", 0755, 0, 0, &st), 0,
		 "and appends after the cut");
	famfs_fs_close(fs);
	CHECK_RC(fsck_status(&res), 0, "still clean");
	unlink(dev);
}

static void torn_middle(void)
{
	struct famfs_fsck_result res;
	struct captured cap;
	uint16_t type;
	uint64_t seq;
	uint32_t len;

	build();
	raw_xor(dev, SB_LOG_OFFSET + entry_at[1] + MKDIR_PATH, 1);
	CHECK_RC(repair(0, &cap), 0,
		 "damaged middle entry: not dropped unless asked");
	CHECK_RC(fsck_status(&res), FAMFS_FSCK_BAD_LOG, "so it is still there");
	CHECK_RC(repair(FAMFS_REPAIR_DROP, &cap), 1,
		 "asked: the unreadable entry is dropped");
	CHECK(strstr(cap.all, "dropped (entries 2 to 2 are lost)"),
	      "named with the lost sequence number: %s", cap.all);
	CHECK_RC(fsck_status(&res), 0, "clean after it");
	CHECK(res.ndirs == 3 && res.log_entries == 3,
	      "the entry after it kept (%" PRIu64 " dirs)", res.ndirs);
	entry_kind(entry_at[1], &type, &seq, &len);
	CHECK(type == FAMFS_LOG_DROPPED && seq == 2 &&
		      len == entry_at[2] - entry_at[1],
	      "a dropped entry numbered 2 fills its place");
	unlink(dev);
}

static void refused(void)
{
	struct famfs_fsck_result res;
	struct famfs_log_record r;
	struct captured cap;
	uint64_t at;
	uint16_t type;
	uint64_t seq;
	uint32_t len;

	build();
	r = (struct famfs_log_record){ .type = FAMFS_LOG_MKDIR, .path = "/abs",
				       .mode = 040755 };
	at = raw_append(dev, &r, 4);
	r.path = "four";
	raw_append(dev, &r, 5);
	CHECK_RC(fsck_status(&res), FAMFS_FSCK_ERRORS, "a refused entry");
	CHECK_RC(repair(0, &cap), 0, "not dropped unless asked");
	CHECK_RC(fsck_status(&res), FAMFS_FSCK_ERRORS, "so it is still there");
	CHECK_RC(repair(FAMFS_REPAIR_DROP, &cap), 1, "asked: dropped");
	CHECK(strstr(cap.all, "log entry 4 at offset"), "named: %s", cap.all);
	CHECK_RC(fsck_status(&res), 0, "clean after it");
	CHECK(res.ndirs == 5, "the entry after it kept");
	entry_kind(at, &type, &seq, &len);
	CHECK(type == FAMFS_LOG_DROPPED && seq == 4 &&
		      len == log_record_size(&(struct famfs_log_record){
				     .type = FAMFS_LOG_MKDIR, .path = "/abs" }),
	      "type 11 with its sequence number and length");
	unlink(dev);
}

static void past_tail(void)
{
	struct famfs_fsck_result res;
	struct famfs_log_record r;
	struct captured cap;
	struct famfs_dev *d;
	uint64_t tail;

	build();
	tail = raw_tail(dev);
	r = (struct famfs_log_record){ .type = FAMFS_LOG_MKDIR,
				       .path = "unpublished", .mode = 040755 };
	raw_append(dev, &r, 4);
	d = raw_open(dev);
	dev_set_tail(d, tail);
	famfs_dev_close(d);
	CHECK_RC(raw_fsck(dev, &cap, &res), 0,
		 "an intact entry past the tail: a warning, not an error");
	CHECK(res.past_tail == 1 && strstr(cap.all, "1 intact log entries lie "
					   "past the tail"),
	      "fsck warns about it: %s", cap.all);
	unlink(dev);

	build();
	CHECK(raw_fsck(dev, &cap, &res) == 0 && res.past_tail == 0 &&
		      !strstr(cap.all, "past the tail"),
	      "no warning for a log without one");
	unlink(dev);
}

static void refusals(void)
{
	struct famfs_fsck_result res;
	struct famfs_dev *holder, *d;
	struct captured cap;

	build();
	raw_xor(dev, FAMFS_SB_BACKUP_OFFSET + SB_OFF_CRC, 1);
	holder = raw_open(dev);
	CHECK_RC(famfs_dev_trylock(holder), 0, "a master holds the device");
	CHECK_RC(repair(0, &cap), -EBUSY, "repair refuses while it does");
	famfs_dev_close(holder);
	CHECK_RC(famfs_dev_open(dev, FAMFS_DEV_RDONLY, &d), 0, "read-only");
	CHECK_RC(famfs_fsck_repair(d, 0, NULL), -EROFS,
		 "a read-only device is not repaired");
	famfs_dev_close(d);
	CHECK_RC(fsck_status(&res), FAMFS_FSCK_BAD_SB, "nothing was changed");
	unlink(dev);

	/* not a repair: fsck names why a shortened device is bad */
	build();
	if (truncate(dev, 32 * MiB)) {
		perror("truncate");
		exit(99);
	}
	CHECK(raw_fsck(dev, &cap, &res) == FAMFS_FSCK_BAD_SB && !res.sb_ok &&
		      !res.backup_ok &&
		      strstr(cap.all, "says 67108864 bytes but the device has "
				      "33554432"),
	      "a device shorter than its superblock: both copies bad, and "
	      "why (the reports above)");
	unlink(dev);
}

int main(void)
{
	superblocks();
	header_and_tail();
	torn_end();
	torn_middle();
	refused();
	past_tail();
	refusals();
	return tap_done();
}
