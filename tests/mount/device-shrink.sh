#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The device shrinks under live mounts (its file truncated): every access
# to memory that is gone fails with EIO, the daemons survive (SIGBUS is
# recovered), each says so once, and what is left is still served.
. "$(dirname "$0")/lib.sh" || exit 1

MM=$T/master MC=$T/client
mkfs_dev 256M
start_daemon "$MM" "$MASTER_UUID"
start_daemon "$MC" "$CLIENT_UUID"
printf 'small\n' >"$MM/small"		# in the first data unit
head -c $((160 << 20)) /dev/urandom >"$MM/big"	# up to about 172 MiB
for _ in $(seq 30); do [ -f "$MC/big" ] && break; sleep 0.1; done
cmp "$MM/big" "$MC/big" || fail "client reads other data"

truncate -s 64M "$DEV"

note "writes to memory that is gone fail with EIO, the daemon lives on"
for i in 1 2 3; do
	if dd if=/dev/zero of="$MM/big" bs=64K count=1 seek=$((2000 + i)) \
		conv=notrunc status=none 2>"$T/err"; then
		fail "write past the device's new end succeeded"
	fi
	grep -q "Input/output error" "$T/err" ||
		fail "write: $(cat "$T/err" "$T/master.log")"
done
note "a client's write in place too"
if dd if=/dev/zero of="$MC/big" bs=64K count=1 seek=2100 conv=notrunc \
	status=none 2>"$T/err"; then
	fail "client write past the device's new end succeeded"
fi
grep -q "Input/output error" "$T/err" || fail "client write: $(cat "$T/err")"
note "reads too, on both hosts"
for mnt in "$MM" "$MC"; do
	if dd if="$mnt/big" of=/dev/null bs=64K count=1 skip=2000 \
		iflag=direct status=none 2>"$T/err"; then
		fail "$mnt: read past the device's new end succeeded"
	fi
	grep -q "Input/output error" "$T/err" || fail "read: $(cat "$T/err")"
	[ "$(cat "$mnt/small")" = small ] || fail "$mnt: small unreadable"
	stat "$mnt/big" >/dev/null || fail "$mnt: daemon gone"
done
expect_errno OK mkdir "$MM/still-works"
n=$(grep -c "is gone" "$T/master.log" || true)
[ "$n" = 1 ] || fail "master logged the lost memory $n times: $(cat "$T/master.log")"
fusermount_u "$MC"
fusermount_u "$MM"
wait
note "ok"
