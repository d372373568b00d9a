#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# No host serves memory it no longer owns: mkfs refuses a device mounted
# here or (host table) by another host, and a host whose filesystem was
# replaced by another host's mkfs stops serving it: EIO, one log line,
# the reason in .meta/.status, nothing written into the new filesystem.
. "$(dirname "$0")/lib.sh" || exit 1

MM=$T/master MC=$T/client

expect_mkfs_refused()
{
	local pattern=$1

	shift
	if "$MKFS" "$@" "$DEV" >/dev/null 2>"$T/err"; then
		fail "mkfs.famfs $* succeeded"
	fi
	grep -q "$pattern" "$T/err" ||
		fail "mkfs.famfs $*: want '$pattern', got '$(cat "$T/err")'"
}

note "mkfs refuses a device mounted on this host"
mkfs_dev 256M
mount_master "$MM"
mount_client "$MC"
expect_mkfs_refused "mounted on this host at" -f
expect_mkfs_refused "mounted on this host at" -f -f
expect_mkfs_refused "mounted on this host at" -k

note "and one whose host table says another host has it mounted"
umount_fs "$MM"
kill -9 "$(daemon_pid "$MC")"
fusermount3 -uz "$MC"
expect_mkfs_refused "1 host may still have it mounted" -f
"$MKFS" -f -f "$DEV" >/dev/null 2>"$T/err" || fail "mkfs -f -f: $(cat "$T/err")"

note "a version 1 device cannot tell: mkfs says so"
"$MKFS" -f --format-version 1 "$DEV" >/dev/null
mount_master "$MM"
umount_fs "$MM"
"$MKFS" -f "$DEV" >/dev/null 2>"$T/err" || fail "mkfs -f of v1: $(cat "$T/err")"
grep -q "format version 1 keeps no host table" "$T/err" ||
	fail "no warning for v1: $(cat "$T/err")"

note "a replaced filesystem is not served"
start_daemon "$MM" "$MASTER_UUID"
start_daemon "$MC" "$CLIENT_UUID"
mkdir "$MM/d"
printf 'secret\n' >"$MM/d/f"
for _ in $(seq 30); do [ -f "$MC/d/f" ] && break; sleep 0.1; done
[ "$(cat "$MC/d/f")" = secret ] || fail "client does not see d/f"
exec 3<"$MC/d/f"	# a file open across the replacement
# fresh attributes in both kernels' caches (cat's read only expired the
# access time): a replacement must drop them, not let them answer
for mnt in "$MC" "$MM"; do
	stat "$mnt/d/f" >/dev/null || fail "$mnt: stat d/f"
	stat "$mnt/d" >/dev/null || fail "$mnt: stat d"
done

# another host runs mkfs: its superblocks, host table and log land here
"$MKFS" --size 256M "$T/other" >/dev/null
dd if="$T/other" of="$DEV" bs=1M count=10 conv=notrunc status=none
rm -f "$T/other"

for mnt in "$MC" "$MM"; do
	for _ in $(seq 30); do
		grep -q '"stopped_reason": *"the filesystem' "$mnt/.meta/.status" &&
			break
		sleep 0.1
	done
	grep -q '"stopped_reason": *"the filesystem on the device was replaced' \
		"$mnt/.meta/.status" || fail "$mnt: status does not say replaced"
	for _ in $(seq 20); do
		expect_errno EIO stat "$mnt/d/f"
		expect_errno EIO stat "$mnt/d"
		expect_errno EIO read "$mnt/d/f"
		ls "$mnt" >/dev/null 2>&1 && fail "$mnt: ls works"
	done
	out=$("$FAMFS" status "$mnt" 2>&1) || fail "$mnt: famfs status failed: $out"
	grep -q "STOPPED" <<<"$out" ||
		fail "$mnt: famfs status does not say STOPPED: $out"
done
if head -c 1 <&3 >/dev/null 2>&1; then
	fail "the file open across the replacement still reads"
fi
exec 3<&-
expect_errno EIO mkdir "$MM/new"
expect_errno EIO creat "$MM/new-file"
for log in master client; do
	n=$(grep -c "was replaced" "$T/$log.log" || true)
	[ "$n" = 1 ] || fail "$log logged the replacement $n times: $(cat "$T/$log.log")"
done
fusermount_u "$MC"
fusermount_u "$MM"
wait
# the new filesystem got nothing from the old hosts
"$FAMFS" fsck --json "$DEV" >"$T/fsck.json" || fail "new fs not clean"
grep -Eq '"files": *0,' "$T/fsck.json" && grep -Eq '"directories": *1,' \
	"$T/fsck.json" || fail "the old master wrote into the new filesystem: $(cat "$T/fsck.json")"
note "ok"
