#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A direct_io mount: reads and writes bypass the page cache, and shared
# mmap still works (the daemon negotiates FUSE_DIRECT_IO_ALLOW_MMAP) and
# agrees with read() and with a client on the same device.
. "$(dirname "$0")/lib.sh" || exit 1

MM=$T/master MC=$T/client
mkfs_dev 256M
mkdir -p "$MM"
MOUNTS+=("$MM")
"$FAMFS" mount -o direct_io "$DEV" "$MM"
mount_client "$MC"

note "plain tools on the direct_io master"
dd if=/dev/urandom of="$T/src" bs=1M count=6 status=none
cp "$T/src" "$MM/data"
cmp -s "$T/src" "$MM/data" || fail "read() differs from what cp wrote"
fallocate -l 4M "$MM/mapped"

note "a file still being written: its size and bytes so far, read by another process"
# every read of a direct_io mount asks the daemon, which serves up to
# the size the writes have grown the file to
coproc writer { "$FSOP" fill "$MM/growing" $((3 << 20)) 7 pause; }
exec {from_writer}<&"${writer[0]}" {to_writer}>&"${writer[1]}"
read -r -u "$from_writer" line && [ "$line" = ready ] ||
	fail "the writer did not start: $line"
size=$(stat -c %s "$MM/growing")
[ "$size" = $((1 << 20)) ] || fail "pending file: size $size after 1 MiB"
cmp -s <("$FSOP" pattern 7 $((1 << 20))) "$MM/growing" ||
	fail "pending file: its first MiB does not read back"
echo go >&"$to_writer"
read -r -u "$from_writer" out || fail "the writer said nothing"
[ "$out" = "written=$((3 << 20)) write=OK fsync=OK close=OK" ] ||
	fail "writer: $out"
cmp -s <("$FSOP" pattern 7 $((3 << 20))) "$MM/growing" ||
	fail "committed file: its 3 MiB do not read back"

note "MAP_SHARED mmap of a direct_io file, written and read back"
expect_errno OK mmap-rw "$MM/mapped"
mapped_sum()
{
	sha256sum <"$1/mapped"
}
client_shows "the client reads the mmap writes on direct_io" mapped_sum
cmp -s "$MM/data" "$T/src" || fail "data changed"

umount_fs "$MC"
umount_fs "$MM"
fsck_clean
note "ok"
