#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Owners of new entries: the caller's uid and gid, except under a setgid
# directory, whose group they take (and a new directory its setgid bit),
# as ext4 does; the log keeps them for the client and for a remount.
. "$(dirname "$0")/lib.sh" || exit 1

mkfs_dev 128M
MM=$T/master MC=$T/client
mount_master "$MM"
mount_client "$MC"

mkdir "$MM/plain" "$MM/sg"
chown 0:4321 "$MM/sg"
chmod 2775 "$MM/sg"
mkdir "$MM/plain/d" "$MM/sg/d"
echo x >"$MM/plain/f"
echo x >"$MM/sg/f"
: >"$MM/sg/empty"

# attrs ROOT: "path uid:gid mode" for each new entry
attrs()
{
	for p in plain/d plain/f sg/d sg/f sg/empty; do
		echo "$p $(stat -c '%u:%g %a' "$1/$p")"
	done
}
want="plain/d 0:0 755
plain/f 0:0 644
sg/d 0:4321 2755
sg/f 0:4321 644
sg/empty 0:4321 644"
[ "$(attrs "$MM")" = "$want" ] || fail "on the master: $(attrs "$MM")"
for _ in $(seq 1 50); do
	[ "$(attrs "$MC" 2>/dev/null)" = "$want" ] && break
	sleep 0.1
done
[ "$(attrs "$MC")" = "$want" ] || fail "on the client: $(attrs "$MC")"
umount_fs "$MC"
umount_fs "$MM"
fsck_clean
mount_master "$MM"
[ "$(attrs "$MM")" = "$want" ] || fail "after a remount: $(attrs "$MM")"
umount_fs "$MM"
echo "PASS owners"
