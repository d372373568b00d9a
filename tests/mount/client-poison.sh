#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Poison the master records, seen by a client that cannot have its driver
# withhold it (no fsdev_dax: a device file in /dev/shm): the client
# refuses the poisoned bytes with EIO all the same and warns, once, that
# mappings made before the record keep reading them. (With fsdev_dax the
# driver takes the pages out of those mappings: vm-poison-client.)
. "$(dirname "$0")/lib.sh" || exit 1

MM=$T/master MC=$T/client
mkfs_dev 256M
mount_master "$MM"
start_daemon "$MC" "$CLIENT_UUID"
head -c $((1 << 20)) /dev/urandom >"$T/f.ref"
cp "$T/f.ref" "$MM/f"
for _ in $(seq 50); do cmp -s "$MC/f" "$T/f.ref" && break; sleep 0.1; done
cmp -s "$MC/f" "$T/f.ref" || fail "client does not see f"

# the master records two ranges while the client stays mounted
umount_fs "$MM"
"$MARK_BAD" "$DEV" f 8192 4096 >/dev/null || fail "mark_bad f 8192"
poisoned() { [ "$(grep -c ' /f ' "$MC/.meta/.poison")" = "$1" ]; }
for _ in $(seq 50); do poisoned 1 && break; sleep 0.1; done
poisoned 1 || fail "client lists the first range: $(cat "$MC/.meta/.poison")"
"$MARK_BAD" "$DEV" f 65536 4096 >/dev/null || fail "mark_bad f 65536"
for _ in $(seq 50); do poisoned 2 && break; sleep 0.1; done
poisoned 2 || fail "client lists both ranges: $(cat "$MC/.meta/.poison")"

eio_at() { # eio_at PAGE: reading that 4 KiB page of f on the client fails with EIO
	! dd if="$MC/f" of=/dev/null bs=4096 skip="$1" count=1 2>"$T/dd.err" &&
		grep -q "Input/output error" "$T/dd.err"
}
eio_at 2 || fail "read of the first range on the client: $(cat "$T/dd.err")"
eio_at 16 || fail "read of the second range on the client: $(cat "$T/dd.err")"
cmp -s <(dd if="$MC/f" bs=4096 count=2 status=none) \
	<(head -c 8192 "$T/f.ref") || fail "f before the first range changed"

# famfs stat says why: the file's poison, not the mount's daemon mode
"$FAMFS" stat --json "$MC/f" | grep -q '"served_why": *"poisoned"' ||
	fail "client's famfs stat of f: $("$FAMFS" stat --json "$MC/f")"
exec 3<"$MC/f"
grep -q "poisoned.*/f$" "$MC/.meta/.serving" ||
	fail "client's .meta/.serving of open f: $(cat "$MC/.meta/.serving")"
exec 3<&-

want="poison at device offset .* (+0x1000) stays readable through mappings made before it was recorded: not a devdax device"
n=$(grep -c -- "$want" "$T/client.log" || true)
[ "$n" = 1 ] || fail "client warns once that old mappings keep reading it ($n lines): $(cat "$T/client.log")"
note "$(grep -- "$want" "$T/client.log")"
umount_fs "$MC"
echo "ok: client-poison"
