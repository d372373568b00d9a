#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# fio with verification on famfs files: a new file written sequentially
# (pending, then committed at close), random in-place rewrites of the
# committed file, the same through mmap, and a check from the client.
. "$(dirname "$0")/lib.sh"

command -v fio >/dev/null || fail "fio is not installed"
mkfs_dev 512M
MM=$T/master MC=$T/client
mount_master "$MM"
mount_client "$MC"

run_fio()
{
	fio --output="$T/fio.out" --minimal --verify_state_save=0 "$@" ||
		fail "fio $*: $(cat "$T/fio.out")"
	grep -q "verify: bad\|BAD\|err=" "$T/fio.out" && fail "fio: $(cat "$T/fio.out")"
	return 0
}

note "sequential write + verify of a new file"
run_fio --name=seq --filename="$MM/fio.dat" --size=64M --bs=1M \
	--rw=write --ioengine=psync --verify=crc32c --do_verify=1 \
	--fallocate=none
[ "$(stat -c %s "$MM/fio.dat")" = $((64 << 20)) ] || fail "size after fio"

note "random in-place rewrites of the committed file"
run_fio --name=rand --filename="$MM/fio.dat" --size=64M --bs=4k \
	--rw=randwrite --ioengine=psync --verify=crc32c --do_verify=1 \
	--number_ios=4096 --fallocate=none

note "the same through a shared mapping"
run_fio --name=mmap --filename="$MM/fio.dat" --size=64M --bs=64k \
	--rw=randwrite --ioengine=mmap --verify=crc32c --do_verify=1 \
	--number_ios=512 --fallocate=none

note "the client reads what the master wrote"
cmp "$MM/fio.dat" "$MC/fio.dat" || fail "client data differs"
[ "$(stat -c %s "$MM/fio.dat")" = $((64 << 20)) ] || fail "size changed"

umount_fs "$MC"
umount_fs "$MM"
fsck_clean
echo "PASS fio-verify"
