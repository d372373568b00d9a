#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# kill -9 of the master daemon in the middle of a loop of creates: the
# device stays fsck-clean, and every file whose close() returned 0 is
# there after remount with the right contents.
. "$(dirname "$0")/lib.sh" || exit 1

mkfs_dev 2G
MM=$T/master
mount_master "$MM"
pid=$(daemon_pid "$MM")
[ -n "$pid" ] || fail "cannot find the daemon"

# closed N: more than N files closed, or the loop already ended
closed()
{
	[ "$(wc -l 2>/dev/null <"$T/journal" || echo 0)" -gt "$1" ] ||
		! kill -0 "$loop" 2>/dev/null
}

"$FSOP" crash-loop "$MM/c" "$T/journal" >"$T/loop.out" 2>&1 &
loop=$!
# in the middle of the loop, with more than 100 files to check
within 30 closed 100 || fail "fewer than 100 files closed in 30 s"
kill -9 "$pid"
wait "$loop" || true
n=$(wc -l <"$T/journal")
note "$n files closed before the kill"
[ "$n" -gt 10 ] || fail "the create loop made too few files ($n)"

# mounting again over the dead mount names it (its root's stat() still
# answers from the kernel's cache: it is not just "already a mount")
ls "$MM/c" >/dev/null 2>&1 || true
if "$FAMFS" mount "$DEV" "$MM" 2>"$T/err"; then
	fail "famfs mount over a dead daemon's mount succeeded"
fi
grep -qx "famfs: $MM: stale famfs mount (daemon gone): unmount it first" \
	"$T/err" || fail "mount over a dead daemon's mount: $(cat "$T/err")"
umount_fs "$MM"		# a dead daemon's mount must go too
fsck_clean
mount_master "$MM"
"$FSOP" crash-verify "$MM/c" "$T/journal" >"$T/verify.out" ||
	fail "$(cat "$T/verify.out")"
grep -q "^OK $n\$" "$T/verify.out" || fail "verify: $(cat "$T/verify.out")"
umount_fs "$MM"
fsck_clean
echo "PASS crash"
