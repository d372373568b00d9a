#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# famfs umount of a mount whose last open file is closing: it waits for
# the close (up to about a second) instead of saying "busy" at once, as
# a reference someone else holds for a moment would make it; a file that
# stays open makes it say busy, name the mount and the process holding
# it, exit 1 and change nothing; so does a shell whose directory is in it.
. "$(dirname "$0")/lib.sh" || exit 1

MM=$T/master
mkfs_dev 256M
mount_master "$MM"
dd if=/dev/urandom of="$T/src" bs=1M count=3 status=none
cp "$T/src" "$MM/f"
want=$(sums "$MM")

# The holders are coprocs holding $MM/f as fd 3; their pids are saved at
# once (bash unsets a coproc's pid variable when it exits).
note "a file closed 0.3 s after umount starts: umount waits for it"
coproc soon { exec 3<"$MM/f" && echo ready && read -r _ && exec sleep 0.3; }
soon_pid=$soon_PID
read -r -u "${soon[0]}" line && [ "$line" = ready ] ||
	fail "the holder did not open the file"
echo go >&"${soon[1]}"
"$FAMFS" umount "$MM" 2>"$T/umount.err" ||
	fail "umount while the last file closes: $(cat "$T/umount.err")"
! grep -qs " $MM " /proc/self/mountinfo || fail "still mounted after umount"
wait "$soon_pid" || true
fsck_clean
mount_master "$MM"
[ "$(sums "$MM")" = "$want" ] || fail "contents changed after the unmount"

note "a file held open: busy, the mount named, exit 1, nothing changed"
coproc long { exec 3<"$MM/f" && echo ready && exec sleep 5; }
long_pid=$long_PID
read -r -u "${long[0]}" line && [ "$line" = ready ] ||
	fail "the holder did not open the file"
rc=0
"$FAMFS" umount "$MM" 2>"$T/umount.err" || rc=$?
[ "$rc" = 1 ] || fail "umount of a busy mount: exit $rc, want 1"
[ "$(cat "$T/umount.err")" = \
  "famfs: $MM: busy: pid $long_pid (sleep) has files open or works in it (see -l)" ] ||
	fail "umount of a busy mount said: $(cat "$T/umount.err")"
kill -0 "$long_pid" 2>/dev/null ||
	fail "umount gave up only after the holder had closed the file"
grep -qs " $MM " /proc/self/mountinfo || fail "the busy mount went away"
[ "$(sums "$MM")" = "$want" ] || fail "contents changed by the refused umount"
kill "$long_pid"
wait "$long_pid" || true
coproc inside { cd "$MM" && echo ready && exec sleep 5; }
inside_pid=$inside_PID
read -r -u "${inside[0]}" line && [ "$line" = ready ] ||
	fail "the process did not enter the mount"
rc=0
"$FAMFS" umount "$MM" 2>"$T/umount.err" || rc=$?
[ "$rc" = 1 ] &&
	grep -qx "famfs: $MM: busy: pid $inside_pid (sleep) has .*" \
		"$T/umount.err" ||
	fail "umount with a process working in the mount: exit $rc: $(cat "$T/umount.err")"
kill "$inside_pid"
wait "$inside_pid" || true
umount_fs "$MM" || fail "umount after the holder closed"
fsck_clean
mount_master "$MM"
[ "$(sums "$MM")" = "$want" ] || fail "contents changed after the remount"

# The kernel need not send the releases of files closed after a lazy
# unmount: the daemon frees their handles itself (make check-asan and
# check-valgrind see a leak in its log otherwise).
note "umount -l with files open: gone at once, the daemon ends after them"
pid=$(daemon_pid "$MM")
holders=()
for i in $(seq 1 8); do
	bash -c 'exec 3<"$1" 4<"$1" && echo ready && exec sleep 60' _ \
		"$MM/f" >"$T/holder-$i" &
	holders+=($!)
done
# all_ready: every holder has its files open
all_ready()
{
	[ "$(cat "$T"/holder-* | grep -c ready)" = 8 ]
}
within 10 all_ready || fail "the holders did not open the file"
"$FAMFS" umount -l "$MM" 2>"$T/umount.err" ||
	fail "umount -l with files open: $(cat "$T/umount.err")"
! grep -qs " $MM " /proc/self/mountinfo || fail "still mounted after umount -l"
kill -0 "$pid" || fail "the daemon ended while its files were open"
kill "${holders[@]}"	# together: many releases at once
wait "${holders[@]}" 2>/dev/null || true
gone()
{
	! kill -0 "$1" 2>/dev/null
}
within 30 gone "$pid" || fail "the daemon still runs 30 s after the last close"
fsck_clean
mount_master "$MM"
[ "$(sums "$MM")" = "$want" ] || fail "contents changed after umount -l"
umount_fs "$MM"
note "ok"
