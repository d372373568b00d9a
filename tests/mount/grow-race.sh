#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Writes racing a new file's move out of packed space (fio-verify's
# intermittent wrong bytes): the master's write-back sends a new file's
# first MiBs as WRITE requests served at once while one of them moves
# the file from its piece to whole units; and a file reopened while the
# release of its empty create commits it. Four racers at once, for more
# interleavings; any wrong byte or failed close fails (grow_race.c).
. "$(dirname "$0")/lib.sh" || exit 1

FILES=10 PASSES=10 RACERS=4
mkfs_dev 512M
MM=$T/master
mount_master "$MM"

note "$RACERS racers, $FILES files of $PASSES passes each"
pids=()
for i in $(seq $RACERS); do
	mkdir "$MM/r$i"
	"$GROW_RACE" "$MM/r$i" $FILES $PASSES >"$T/racer$i.out" 2>&1 &
	pids+=($!)
done
failed=0
for i in $(seq $RACERS); do
	wait "${pids[$((i - 1))]}" || failed=1
	cat "$T/racer$i.out"
done
[ $failed = 0 ] || fail "writes racing a move lost bytes (see above)"

umount_fs "$MM"
fsck_clean
echo "PASS grow-race"
