#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A stat of a directory racing a mkdir or a create in it on a version 2
# master: the kernel drops the directory's attributes when the mkdir or
# create returns, but an answer to a stat read before it and applied
# after that would be cached over them for the master's long timeout
# (86400 s), unless the daemon notifies the kernel before it replies
# (fuse/namespace.c op_mkdir, fuse/file.c op_create). Without op_mkdir's
# notification 1-16 of 16,000 mkdirs left the old time cached (5 of 5
# runs failed; 4 stat threads, 2 cores, Linux 6.18). Without op_create's,
# no create in 48,000 did on that kernel: the create half guards the
# shown directory time, not that notification. Each half runs up to
# 16,000 (or 30 s) and needs none stale.
. "$(dirname "$0")/lib.sh"

: "${STAT_RACE:?path to stat_race}"
MM=$T/master
mkfs_dev 2G
mount_master "$MM" >/dev/null
summary=""
for op in mkdir create; do
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
