#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A damaged log state is said once per change of state, not once per
# request: a client whose log tail moved backwards, then out of bounds,
# logs a few lines for 200 requests, not hundreds.
. "$(dirname "$0")/lib.sh" || exit 1

MM=$T/master MC=$T/client
# version 1: its tail word is the plain tail, easy to write from here
"$MKFS" --size 256M --format-version 1 "$DEV" >/dev/null
mount_master "$MM"
start_daemon "$MC" "$CLIENT_UUID"
mkdir "$MM/a" "$MM/b"
: >"$MM/a/f"
for _ in $(seq 30); do [ -e "$MC/a/f" ] && break; sleep 0.1; done
[ -e "$MC/a/f" ] || fail "client does not see a/f"

# set_tail N: write the log tail word (le64 at log offset 64) in one
# write: byte by byte, the client could read a torn word in between
# (4096 -> 0x10f8 = 4344 on the way to 0xfffffff8), a third state
set_tail()
{
	local i

	for i in 0 1 2 3 4 5 6 7; do
		# shellcheck disable=SC2059
		printf "\\$(printf %03o $((($1 >> (8 * i)) & 255)))"
	done | dd of="$DEV" bs=8 count=1 iflag=fullblock \
		seek=$((((2 << 20) + 64) / 8)) conv=notrunc status=none
}
lines() { grep -c . "$T/client.log" || true; }
busy()
{
	for _ in $(seq 100); do
		stat "$MC/a" >/dev/null 2>&1 || true
		ls "$MC" >/dev/null 2>&1 || true
	done
}

before=$(lines)
note "the tail moves backwards"
set_tail 4096
sleep 1
busy
n=$(($(lines) - before))
[ "$n" -ge 1 ] && [ "$n" -le 3 ] ||
	fail "tail moved backwards: $n lines for 200 requests: $(cat "$T/client.log")"
grep -q "backwards" "$T/client.log" ||
	fail "the reason is not logged: $(cat "$T/client.log")"

before=$(lines)
note "then out of bounds: a new state, said again"
set_tail $(( (1 << 32) - 8 ))
sleep 1
busy
n=$(($(lines) - before))
[ "$n" -ge 1 ] && [ "$n" -le 3 ] ||
	fail "tail out of bounds: $n lines for 200 requests: $(cat "$T/client.log")"
fusermount_u "$MC"
umount_fs "$MM"
wait
note "ok"
