// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for a mount's one replay of a whole log: the cheap
 * companion of fuzz_log. Its input means what fuzz_log's does (byte 0
 * picks how fuzz_load makes the log: superblock decode, raw entries with
 * or without fixed CRCs, or the structure-aware program), so each starts
 * from the other's corpus. One fresh mount replays the log, and then:
 *   - every entry it applied passes the independent checks of
 *     fuzz_common.h (paths, extents, sizes, layouts);
 *   - no two files overlap, none reaches outside the data area, and the
 *     node count matches the usage;
 *   - every node's path resolves back to it, every listed name is found,
 *     every mapping stays on the device (what the daemon serves);
 *   - replaying again applies nothing.
 * What it leaves to fuzz_log: comparing replays with each other (a
 * client catching up in two steps, a second fresh mount, fsck), which
 * costs three times this target's one replay.
 */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct famfs_report rep = { 0 };
	struct famfs_fs *fs;
	int64_t n;
	int rc;

	fuzz_begin();
	n = fuzz_load(data, size);
	if (n < 0)
		return 0;
	fuzz_set_tail((uint64_t)n);
	/* the superblock and the header are intact: attaching cannot fail */
	if (fs_attach(fuzz_famfs_dev, false,
		      FAMFS_OPEN_RDONLY | FS_ATTACH_NO_REPLAY, &rep, &fs))
		abort();
	rc = fs_first_replay(fs, &rep, check_applied, NULL);
	fuzz_assert(rc == 0, "a mount's replay failed: %d", rc);
	check_namespace(fs);
	fuzz_exercise(fs);
	fuzz_assert(famfs_fs_refresh(fs, &rep, false, NULL, NULL) == 0,
		    "a second replay applied entries again");
	famfs_fs_close(fs);
	return 0;
}
