#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# mkfs writes format version 2 (times in ns); a version 1 filesystem still
# mounts, takes files and directories, replays on a client and checks
# clean, with times in whole seconds.
. "$(dirname "$0")/lib.sh" || exit 1

MM=$T/master MC=$T/client

# version FILE: the format version fsck reports
version()
{
	"$FAMFS" fsck --json "$DEV" | awk -F'[:,]' \
		'/"format_version"/ { gsub(/ /, "", $2); print $2 }'
}

for v in 2 1; do
	note "format version $v"
	if [ "$v" = 2 ]; then
		mkfs_dev 256M
	else
		"$MKFS" -f --size 256M --format-version 1 "$DEV" >"$T/mkfs.out"
		grep -q "format: *version 1" "$T/mkfs.out" ||
			fail "mkfs does not say version 1: $(cat "$T/mkfs.out")"
	fi
	[ "$(version)" = "$v" ] || fail "fsck says version $(version)"
	mount_master "$MM"
	mount_client "$MC"
	mkdir "$MM/d"
	head -c 3000000 /dev/urandom >"$MM/d/f"
	ns=$(stat -c %y "$MM/d/f" | sed 's/.*\.\([0-9]*\) .*/\1/')
	if [ "$v" = 2 ]; then
		# a whole second has one chance in 10^9 to be the time
		[ "$ns" != 000000000 ] || fail "v2 file time has no nanoseconds"
	else
		[ "$ns" = 000000000 ] || fail "v1 file time has nanoseconds: $ns"
	fi
	for _ in $(seq 30); do
		[ -f "$MC/d/f" ] && break
		sleep 0.1
	done
	cmp "$MM/d/f" "$MC/d/f" || fail "client reads other data"
	[ "$(stat -c %y "$MC/d/f")" = "$(stat -c %y "$MM/d/f")" ] ||
		fail "client time $(stat -c %y "$MC/d/f") differs"
	if [ "$v" = 1 ]; then
		# version 1: a committed file's size is fixed
		expect_errno EPERM truncate "$MM/d/f" 1
		expect_errno EPERM truncate "$MM/d/f" 99999999
		expect_errno OK truncate "$MM/d/f" 3000000
		expect_errno EPERM append "$MM/d/f"
		expect_errno EPERM open-trunc "$MM/d/f"
		expect_errno EPERM fallocate "$MM/d/f" 0 99999999
		expect_errno OK fallocate "$MM/d/f" 0 4096
		cmp "$MM/d/f" "$MC/d/f" || fail "a refused resize changed f"
	fi
	umount_fs "$MC"
	umount_fs "$MM"
	fsck_clean
	mount_master "$MM"
	cmp "$MM/d/f" <(cat "$MM/d/f") && [ -d "$MM/d" ] ||
		fail "version $v: lost after remount"
	umount_fs "$MM"
done
note "ok"
