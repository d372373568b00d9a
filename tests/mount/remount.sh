#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What was acknowledged survives unmount and remount: contents, modes,
# owners; a remount right after umount finds the device free; a new
# client reads the same.
. "$(dirname "$0")/lib.sh" || exit 1

mkfs_dev 512M
MM=$T/master MC=$T/client
mount_master "$MM"
make_tree "$T/src"
cp -r "$T/src" "$MM/tree"
chmod 0751 "$MM/tree/a"
chown 42:43 "$MM/tree/a/hello"
want=$(sums "$MM")
want_attrs=$(cd "$MM" && find . -exec stat -c '%n %a %u %g %s' {} + | sort)

for round in 1 2 3; do
	umount_fs "$MM"
	[ -z "$(daemon_pid "$MM")" ] || fail "daemon still running after umount"
	fsck_clean
	mount_master "$MM"
	[ "$(sums "$MM")" = "$want" ] || fail "contents changed (round $round)"
	got=$(cd "$MM" && find . -exec stat -c '%n %a %u %g %s' {} + | sort)
	[ "$got" = "$want_attrs" ] || fail "attributes changed (round $round)"
done

note "fusermount3 -u works too"
fusermount_u "$MM"
for i in $(seq 1 50); do
	[ -z "$(daemon_pid "$MM")" ] && break
	sleep 0.1
done
fsck_clean
mount_client "$MC"
[ "$(sums "$MC")" = "$want" ] || fail "client after remount differs"
umount_fs "$MC"
fsck_clean
echo "PASS remount"
