#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A stat racing a change of a directory on a version 2 master (mkdir,
# create, mknod, symlink, rmdir, unlink in it, a rename between two, an
# exchange (renameat2 RENAME_EXCHANGE) within one and between two): the
# kernel drops the directory's attributes when the request returns, but
# an answer to a stat read before the change and applied after that
# would be cached over them for the master's long timeout (86400 s),
# unless the daemon notifies the kernel before it replies
# (notify_dir_changed in fuse/namespace.c op_mkdir and op_mknod,
# fuse/file.c op_create, fuse/names.c do_unlink, op_rename and
# op_symlink; op_rename's notify_attrs_now of the moved node, whose
# ctime moves, and for an exchange of the other node too). stat_race
# forces its stats to the daemon, each thread one as each change is
# made (see there why plain stats hardly ever caught a create, and why
# threads that stated freely could miss a whole half). Without one op's
# notification its half failed 6 runs of 6
# (stale of 16,000: create 284-1091, mkdir 452-1556, mknod 487-1396;
# Linux 6.18, 2 cores, load 5-9); with them 12 of 12 passed. A Debian
# 6.12 guest (qemu TCG) showed the same: 116 of 2,304 creates stale
# without create's notification, none of 4,000 per half with all three.
# Halves of 8,000 since the symlink, rmdir, unlink and rename halves came
# (load 3-11), without the notification stale in every run (3 or more):
# mkdir 480-619, create 104-617, mknod 40-470, symlink 257-534, rmdir
# 24-524 (hence 16,000 mkdirs to remove: 471-756), unlink 5-90 (hence
# 16,000 mknods to remove: 44-145, then the 8,000 created files) of
# 8,000; rename's source dir 111-1389, target dir 320-1082, moved dir
# 214-1109 of 16,000 (once 1, 0 and 34 of 8,000, hence 16,000); with
# all of them 0 in every run.
# Exchange's half (the other node's notification removed), 16,000
# exchanges: 2316, 257, 363 stale (load 10-13); with it 0. Its threads
# stat a, b and the three swapped directories. Since the threads make
# one stat per change (load 10-13, one run each): mkdir 474, create 194,
# mknod 938, symlink 201, rmdir 107 and 168, unlink 80, 70, 27, rename
# 281, 445, 321 (source dir, target dir, moved dir).
# Each half runs up to 8,000 changes (mkdir, mknod, rename, exchange
# 16,000) or 30 s and needs none stale; rmdir removes what mkdir made,
# unlink what mknod made and then what create made.
. "$(dirname "$0")/lib.sh" || exit 1

: "${STAT_RACE:?path to stat_race}"
MM=$T/master
mkfs_dev 2G
mount_master "$MM" >/dev/null
summary=""
made_in() { # DIR: how many nodes the half that made DIR made
	local made=("$1"/n*)
	echo "${#made[@]}"
}
# OP:DIR under $MM; rmdir and unlink remove what an earlier half made
for half in mkdir:mkdir create:create mknod:mknod symlink:symlink \
	    rmdir:mkdir unlink:mknod unlink:create rename:rename \
	    exchange:exchange; do
	op=${half%%:*} sub=$MM/${half#*:}
	max=8000
	case $op in
	rmdir|unlink) max=$(made_in "$sub") ;;
	# three nodes to catch stale (exchange five), stated in turn
	rename|exchange) max=16000; mkdir "$sub" ;;
	# unlink's and rmdir's stale answers are the rarest: more to remove
	mknod|mkdir) max=16000; mkdir "$sub" ;;
	*) mkdir "$sub" ;;
	esac
	rc=0
	out=$("$STAT_RACE" "$sub" "$max" 30 4 "$op") || rc=$?
	case $rc in
	0) ;;
	1) fail "stale attributes outlived a $op: $out" ;;
	*) fail "stat_race did not finish the $op race" \
		"(exit $rc; its error is above): $out" ;;
	esac
	count=${out%% *}
	[ "$count" -ge 2000 ] || fail "only $out in 30 s: too few to tell"
	note "$op: $out"
	summary+="$op: $out; "
done
umount_fs "$MM"
fsck_clean
echo "PASS: stat-race (${summary%; })"
