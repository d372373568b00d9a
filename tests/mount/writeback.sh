#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Writes the master's page cache holds back are never silently lost: a
# file written past the free space is refused by write(2), fsync(2) or
# close(2) with ENOSPC and keeps exactly the bytes that reached the
# device, with the size the log has; a writer whose daemon is killed
# under it is refused too, and its never-closed file is not in the log.
. "$(dirname "$0")/lib.sh" || exit 1

MM=$T/master
mkfs_dev 64M	# 54 MiB of data space
mount_master "$MM"

# logged_size NAME: the size of root file NAME in the log, empty if none
logged_size()
{
	local out

	out=$("$FAMFS" fsck -v "$DEV") &&
		sed -n "s/.* file \{1,\}$1 size=\([0-9]*\) .*/\1/p" <<<"$out" |
		tail -n1
}

note "a file written past the free space"
out=$("$FSOP" fill "$MM/big" $((100 << 20)) 5)
note "$out"
case $out in
*ENOSPC*) ;;
*) fail "100 MiB into 54 MiB free was never refused with ENOSPC: $out" ;;
esac
# a failed write-back skips FLUSH: the last release commits, just after
for _ in $(seq 100); do
	[ -n "$(logged_size big)" ] && break
	sleep 0.02
done
logged=$(logged_size big)
[ -n "$logged" ] || fail "big: not in the log after its close"
# the kernel trusts its own size of a file it caches writes for: the
# daemon has it drop the file when the write-back is refused, through the
# notification thread (notify.c), so it may lag the commit; within 1 s
for _ in $(seq 50); do
	size=$(stat -c %s "$MM/big")
	[ "$size" = "$logged" ] && break
	sleep 0.02
done
[ "$size" = "$logged" ] ||
	fail "big: the master shows $size bytes 1 s after the commit, the log has $logged"
[ "$size" -gt 0 ] && [ "$size" -le $((54 << 20)) ] ||
	fail "big: $size bytes on a device with 54 MiB of data space"
cmp -s <("$FSOP" pattern 5 "$size") "$MM/big" ||
	fail "big: its $size bytes are not what was written"

note "the daemon killed under a writer"
coproc writer { "$FSOP" fill "$MM/killed" $((8 << 20)) 7 pause; }
exec {from_writer}<&"${writer[0]}" {to_writer}>&"${writer[1]}"
read -r -u "$from_writer" line && [ "$line" = ready ] ||
	fail "the writer did not start: $line"
pid=$(daemon_pid "$MM")
[ -n "$pid" ] || fail "cannot find the daemon"
kill -9 "$pid"
while kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
echo go >&"$to_writer"
read -r -u "$from_writer" out || fail "the writer said nothing"
note "$out"
case $out in
*"write=OK fsync=OK close=OK") fail "the writer was told its data is safe: $out" ;;
esac
umount_fs "$MM"
fsck_clean
mount_master "$MM"
[ ! -e "$MM/killed" ] || fail "a file that was never closed is in the log"
cmp -s <("$FSOP" pattern 5 "$size") "$MM/big" || fail "big changed"
umount_fs "$MM"
fsck_clean
note "ok"
