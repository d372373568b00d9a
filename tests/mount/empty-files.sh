#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Files closed empty are logged at their last close, and may still be
# given their contents once (touch f; echo x > f), as replay of the
# filling entry shows on a client and after a remount.
. "$(dirname "$0")/lib.sh" || exit 1

MM=$T/master MC=$T/client
# the version 1 rule; version 2 files grow and shrink freely (issue 12)
"$MKFS" --size 256M --format-version 1 "$DEV" >/dev/null
mount_master "$MM"
mount_client "$MC"

# (the whole output first: grep -q closing the pipe early would fail it)
in_log()
{
	local out

	out=$("$FAMFS" fsck -v "$DEV") && grep -Eq " file +$1 size=$2 " <<<"$out"
}

note "an empty file is in the log right after its close"
touch "$MM/e1"
for _ in $(seq 20); do in_log e1 0 && break; sleep 0.01; done
in_log e1 0 || fail "e1 not logged within 0.2 s of its close"

note "then given its contents, once"
echo hello >"$MM/e1" || fail "echo into the empty file"
[ "$(cat "$MM/e1")" = hello ] || fail "e1 reads '$(cat "$MM/e1")'"
in_log e1 6 || fail "the filling entry is not in the log"
expect_errno EPERM truncate "$MM/e1" 100
! echo more >>"$MM/e1" 2>/dev/null || fail "a filled file grew again"

note "an empty file sized later (fallocate, ftruncate)"
: >"$MM/e2"
truncate -s 4M "$MM/e2" || fail "truncate of the empty file"
[ "$(stat -c %s "$MM/e2")" = $((4 << 20)) ] || fail "e2 size"

note "the client and a remount see the contents"
for _ in $(seq 30); do
	[ "$(cat "$MC/e1" 2>/dev/null)" = hello ] && break
	sleep 0.1
done
[ "$(cat "$MC/e1")" = hello ] || fail "client reads '$(cat "$MC/e1")'"
# e2 may reach the log a moment after truncate(1) returns: on version 1,
# when the kernel has not yet sent the release of `: >e2`'s handle,
# truncate's close does not commit (famfs_fused(8); version 2 does, see
# release-in-flight), and the commit waits for that release.
for _ in $(seq 30); do
	[ "$(stat -c %s "$MC/e2" 2>/dev/null)" = $((4 << 20)) ] && break
	sleep 0.1
done
[ "$(stat -c %s "$MC/e2")" = $((4 << 20)) ] || fail "client e2 size"
umount_fs "$MC"
umount_fs "$MM"
fsck_clean
mount_master "$MM"
[ "$(cat "$MM/e1")" = hello ] || fail "after remount e1 reads '$(cat "$MM/e1")'"
umount_fs "$MM"
note "ok"
