#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# famfs clone deliberately cross-links two files; fsck and check must
# report it and replay must refuse the cross-linked entry, while the
# original file stays intact. Plus clone's own refusals.
. "$(dirname "$0")/lib.sh" || exit 1
need_mounts
mkfs_dev 128M
mount_both || skip_all "famfs mount failed"

"$FAMFS" mkdir "$MNT/d"
"$FAMFS" creat -s 4M -S 5 "$MNT/d/src"
expect 0 'clean' "fsck clean before clone" -- "$FAMFS" fsck "$MNT"
expect 0 '0 bad, 0 problems' "check clean before clone" -- \
	"$FAMFS" check "$MNT"

# refusals first (nothing may be logged by them)
expect 1 "famfs: $CMNT/d/x: read-only file system \(client\)" \
	"clone on a client host: EROFS" -- \
	as_client "$FAMFS" clone "$CMNT/d/src" "$CMNT/d/x"
expect 1 'File exists' "clone onto an existing file" -- \
	"$FAMFS" clone "$MNT/d/src" "$MNT/d/src"
expect 1 'not in the log' "clone of a missing source" -- \
	"$FAMFS" clone "$MNT/d/none" "$MNT/d/x"
expect 1 'not a regular file' "clone of a directory" -- \
	"$FAMFS" clone "$MNT/d" "$MNT/d2"
expect 1 'parent directory not in the log' "clone into a missing dir" -- \
	"$FAMFS" clone "$MNT/d/src" "$MNT/nodir/x"
expect 1 'not in a famfs mount' "clone to outside famfs" -- \
	"$FAMFS" clone "$MNT/d/src" "$T/x"
expect 0 'clean' "fsck still clean after the refusals" -- "$FAMFS" fsck "$MNT"

# the cross-link
expect 0 'cross-linked' "clone -v" -- "$FAMFS" clone -v "$MNT/d/src" "$MNT/d/dup"
expect 4 'log entry [0-9]+ \(d/dup\): extent overlaps another file' \
	"fsck of the mount reports the cross-link (4: errors left)" -- "$FAMFS" fsck "$MNT"
expect 4 'extent overlaps another file' \
	"fsck of the device reports it too" -- "$FAMFS" fsck "$DEV"
expect 1 'extent overlaps another file' "check reports it (exit bit 1)" -- \
	"$FAMFS" check "$MNT"
expect 1 '1 problems in the log' "check on the client too" -- \
	"$FAMFS" check "$CMNT"
expect 2 'not mapped' "getmap: the clone is not mapped" -- \
	"$FAMFS" getmap -D "$DEV" d/dup
expect 0 '' "the original keeps its data" -- \
	"$FAMFS" verify -f "$MNT/d/src" -S 5
expect 0 '' "the original is still mapped" -- "$FAMFS" getmap -q "$MNT/d/src"

# a fresh client mount replays the whole log and refuses the entry too
"$FAMFS" umount "$CMNT"
as_client "$FAMFS" mount "$DEV" "$CMNT" >/dev/null
check "a remounted client shows the original" -- test -f "$CMNT/d/src"
check "a remounted client does not show the clone" -- test ! -e "$CMNT/d/dup"

done_testing
