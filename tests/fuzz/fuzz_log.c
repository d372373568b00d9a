// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for everything that parses the media: superblock
 * decode, log header, entry decode, replay into the namespace, fsck, and
 * the namespace queries a mount serves.
 *
 * Byte 0 of the input picks how the log is made (fuzz_load in
 * fuzz_common.h: a superblock copy, raw entries with or without their
 * CRCs fixed, or the structure-aware program) and its high 6 bits the
 * entry (0 to 63) where a client's first catch-up stops.
 * Every replay is checked against the invariants in fuzz_common.h.
 *
 * Build with clang -fsanitize=fuzzer,address,undefined (tests/fuzz/run.sh).
 */
#include "fuzz_common.h"

/*
 * Where a client mounted earlier stops its first catch-up: the @pick-th
 * entry boundary (by the length fields, as far as they chain), 0 being
 * the empty log; past the last boundary, the whole log.
 */
static uint64_t split_point(const uint8_t *p, uint64_t n, unsigned int pick)
{
	uint64_t pos = 0;

	while (pick-- && pos + ENT_HDR_SIZE <= n) {
		uint32_t len = get_le32(p + pos + ENT_OFF_LEN);

		if (len < ENT_HDR_SIZE || len % 8 || len > n - pos)
			break;
		pos += len;
	}
	return pos;
}

/*
 * Replay the log now on the device, every way a host does, and compare:
 * a client mounted on the empty log catches up in two steps (the log up
 * to @split, then the rest), a fresh mount replays it in one pass, and
 * fsck reads it. Every entry the client applies is checked.
 */
static void replay_and_check(uint64_t entry_bytes, uint64_t split)
{
	struct famfs_report rep = { 0 };
	struct famfs_fsck_result res;
	struct famfs_fs *fs, *full;
	struct famfs_usage u;
	uint64_t incremental;
	int fsck_status;

	fuzz_set_tail(0);
	fs = fuzz_mount(&rep);
	if (split && split < entry_bytes) {
		fuzz_set_tail(split);
		famfs_fs_refresh(fs, &rep, false, check_applied, NULL);
	}
	fuzz_set_tail(entry_bytes);
	famfs_fs_refresh(fs, &rep, false, check_applied, NULL);
	incremental = check_namespace(fs);
	fuzz_exercise(fs);
	fuzz_assert(famfs_fs_refresh(fs, &rep, false, NULL, NULL) == 0,
		    "a second replay applied entries again");
	fuzz_assert(check_namespace(fs) == incremental,
		    "a second replay changed the namespace");

	/*
	 * A fresh mount replays the whole log at once: the same namespace.
	 * Split inside a damaged log, the client may resync elsewhere than
	 * one pass does: a tail it saw may lie inside bytes one pass skips
	 * (fuzz_replay allows the same).
	 */
	full = fuzz_mount(&rep);
	if (split == 0 || split >= entry_bytes || !fs->log_damage)
		fuzz_assert(check_namespace(full) == incremental,
			    "full and incremental replay differ");
	famfs_fs_usage(full, &u);
	famfs_fs_close(full);
	famfs_fs_close(fs);

	/* fsck sees what a mount sees */
	fsck_status = famfs_fsck(fuzz_famfs_dev, NULL, &res);
	fuzz_assert(fsck_status >= 0 && res.nfiles == u.nfiles &&
			    res.ndirs == u.ndirs,
		    "fsck (%d: %llu files, %llu dirs) disagrees with the mount "
		    "(%llu files, %llu dirs)", fsck_status,
		    (unsigned long long)res.nfiles,
		    (unsigned long long)res.ndirs,
		    (unsigned long long)u.nfiles, (unsigned long long)u.ndirs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t n;

	fuzz_begin();
	n = fuzz_load(data, size);
	if (n < 0)
		return 0;
	/* byte 0's high bits: which entry boundary the client stops at first */
	replay_and_check((uint64_t)n, split_point(fuzz_entries(), (uint64_t)n,
						  data[0] / 4));
	return 0;
}
