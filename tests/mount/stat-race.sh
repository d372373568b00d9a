#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A stat of a directory racing a mkdir, a create or a mknod in it on a
# version 2 master: the kernel drops the directory's attributes when the
# request returns, but an answer to a stat read before the change and
# applied after that would be cached over them for the master's long
# timeout (86400 s), unless the daemon notifies the kernel before it
# replies (notify_dir_changed in fuse/namespace.c op_mkdir and
# op_mknod, fuse/file.c op_create). stat_race forces its stats to the
# daemon so that one is always on its way (see there why plain stats
# hardly ever caught a create). Without one op's notification its half
# failed 6 runs of 6 (stale of 16,000: create 284-1091, mkdir 452-1556,
# mknod 487-1396; Linux 6.18, 2 cores, load 5-9); with them 12 of 12
# passed. A Debian 6.12 guest (qemu TCG) showed the same: 116 of 2,304
# creates stale without create's notification, none of 4,000 per half
# with all three. Each half runs up to 16,000 (or 30 s) and needs none
# stale.
. "$(dirname "$0")/lib.sh"

: "${STAT_RACE:?path to stat_race}"
MM=$T/master
mkfs_dev 2G
mount_master "$MM" >/dev/null
summary=""
for op in mkdir create mknod; do
	mkdir "$MM/$op"
	rc=0
	out=$("$STAT_RACE" "$MM/$op" 16000 30 4 $op) || rc=$?
	case $rc in
	0) ;;
	1) fail "a directory's stale attributes outlived a $op: $out" ;;
	*) fail "stat_race did not finish the $op race" \
		"(exit $rc; its error is above): $out" ;;
	esac
	made=${out%% *}
	[ "$made" -ge 2000 ] || fail "only $made ${op}s in 30 s: too few to tell"
	note "$op: $out"
	summary+="$op: $out; "
done
umount_fs "$MM"
fsck_clean
echo "PASS: stat-race (${summary%; })"
