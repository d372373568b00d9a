#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# When a new file reaches the log. close() returning 0 means the file is
# in the log: asserted from the device itself right after close(), while
# another process still holds the open file so RELEASE cannot have run,
# for a writer that dup()s and one that forks. A reader holding the file
# does not delay the commit past the last writer. The client sees each
# file, a remount keeps it, and the client refuses namespace changes
# itself (the library would refuse them too, with other errors).
. "$(dirname "$0")/lib.sh" || exit 1

mkfs_dev 256M
MM=$T/master MC=$T/client
mount_master "$MM"
mount_client "$MC"
LEN=$((5 * 1048576 + 12345))	# three units, the last one partly used

# in_log REL: the log on the device records REL with LEN bytes
in_log_cmd()
{
	printf '%q getmap -D %q %q | grep -qx %q' "$FAMFS" "$DEV" "$1" \
		"  size:     $LEN"
}

for mode in dup fork reader; do
	note "$mode: close() then the log"
	check=$(in_log_cmd "$mode")
	if [ "$mode" = reader ]; then
		# the commit follows the last writer's RELEASE, which is async
		check="for i in \$(seq 1 50); do $check && exit 0; sleep 0.1; done; exit 1"
	fi
	out=$("$FSOP" held-close "$MM/$mode" "$LEN" "$mode" 5 "$check")
	[ "$out" = "close=OK check=0" ] ||
		fail "$mode: the file is not in the log after close(): $out"
	"$FSOP" pattern 5 "$LEN" >"$T/want"
	cmp "$T/want" "$MM/$mode" || fail "$mode: master reads other data"
	wait_client=0
	while [ "$(stat -c %s "$MC/$mode" 2>/dev/null)" != "$LEN" ]; do
		wait_client=$((wait_client + 1))
		[ "$wait_client" -lt 50 ] || fail "$mode: the client never sees it"
		sleep 0.1
	done
	cmp "$T/want" "$MC/$mode" || fail "$mode: client reads other data"
done

note "the client refuses namespace changes itself"
expect_errno EROFS mkdir "$MC/.meta/x"
expect_errno EROFS creat "$MC/.meta/x"
expect_errno EROFS mkfifo "$MC/fifo"
expect_errno EROFS mkdir "$MC/newdir"
expect_errno EROFS creat "$MC/newfile"
expect_errno EROFS chmod "$MC/dup" 600

note "a remount keeps them"
umount_fs "$MC"
umount_fs "$MM"
fsck_clean
mount_master "$MM"
for mode in dup fork reader; do
	cmp "$T/want" "$MM/$mode" || fail "$mode: lost or changed by remount"
done
umount_fs "$MM"
echo "PASS commit"
