#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# fio with verification on famfs files: a new file written sequentially
# (pending, then committed at close), random in-place rewrites of the
# committed file, the same through mmap, and a check from the client.
. "$(dirname "$0")/lib.sh" || exit 1

command -v fio >/dev/null || fail "fio is not installed"
command -v python3 >/dev/null || fail "python3 is not installed"
mkfs_dev 512M
MM=$T/master MC=$T/client
mount_master "$MM"
mount_client "$MC"

# run_fio VERIFIED ARGS...: fio must exit 0, report no error, and have
# read back VERIFIED bytes in its verify phase (a verify that did not run
# checks nothing)
run_fio()
{
	local verified=$1

	shift
	fio --output-format=json --output="$T/fio.json" \
		--verify_state_save=0 "$@" ||
		fail "fio $*: exit $?: $(cat "$T/fio.json")"
	python3 - "$T/fio.json" "$verified" <<'PY' || fail "fio $*"
import json, sys
jobs = json.load(open(sys.argv[1]))["jobs"]
want = int(sys.argv[2])
for j in jobs:
    if j["error"]:
        sys.exit(f"job {j['jobname']}: error {j['error']}")
    if j["read"]["io_bytes"] != want:
        sys.exit(f"job {j['jobname']}: verified {j['read']['io_bytes']}"
                 f" bytes, want {want}")
PY
}

note "sequential write + verify of a new file"
run_fio $((64 << 20)) --name=seq --filename="$MM/fio.dat" --size=64M --bs=1M \
	--rw=write --ioengine=psync --verify=crc32c --do_verify=1 \
	--fallocate=none
[ "$(stat -c %s "$MM/fio.dat")" = $((64 << 20)) ] || fail "size after fio"

note "random in-place rewrites of the committed file"
run_fio $((4096 * 4096)) --name=rand --filename="$MM/fio.dat" --size=64M --bs=4k \
	--rw=randwrite --ioengine=psync --verify=crc32c --do_verify=1 \
	--number_ios=4096 --fallocate=none

note "the same through a shared mapping"
run_fio $((512 * 65536)) --name=mmap --filename="$MM/fio.dat" --size=64M --bs=64k \
	--rw=randwrite --ioengine=mmap --verify=crc32c --do_verify=1 \
	--number_ios=512 --fallocate=none

note "the client reads what the master wrote"
cmp "$MM/fio.dat" "$MC/fio.dat" || fail "client data differs"
[ "$(stat -c %s "$MM/fio.dat")" = $((64 << 20)) ] || fail "size changed"

umount_fs "$MC"
umount_fs "$MM"
fsck_clean
echo "PASS fio-verify"
