#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Space of deleted files is reused only when no host can touch it:
#  - a file the client holds open and mapped, deleted on the master: the
#    client keeps reading the bytes it had; filling the device never
#    lands on its memory; once the client closes it, the space is reused;
#  - a client killed with kill -9 pins the space until famfs hosts evict;
#  - a hung client (SIGSTOP) that is evicted, then resumes, serves EIO.
. "$(dirname "$0")/lib.sh" || exit 1

: "${HOLDER:?path to tests/mount/holder}"

mkfs_dev 256M
MM=$T/master MC=$T/client
mount_master "$MM" >/dev/null
mount_client "$MC" >/dev/null

# extents FILE: "offset length" lines of a file (from famfs getmap)
extents()
{
	"$FAMFS" getmap "$1" | awk '/ offset 0x/ { print $3, $5 }'
}

# overlaps "OFF LEN..." "OFF LEN...": do two extent lists share a byte?
overlaps()
{
	local a b
	while read -r ao al; do
		while read -r bo bl; do
			a=$((ao)) b=$((bo))
			if ((a < b + bl && b < a + al)); then
				return 0
			fi
		done <<<"$2"
	done <<<"$1"
	return 1
}

# fill DIR: 8 MiB files until the device is full; prints their names
fill()
{
	local i=0

	mkdir -p "$1"
	while head -c $((8 << 20)) /dev/zero 2>/dev/null >"$1/f$i"; do
		echo "$1/f$i"
		i=$((i + 1))
	done
	rm -f "$1/f$i"
}

# write_within FILE MIB SOURCE: a file of MIB MiB from SOURCE, retried for
# up to 4 s while deleted space waits for the hosts; fails after that
write_within()
{
	local i

	for i in $(seq 1 40); do
		head -c $(($2 << 20)) "$3" 2>/dev/null >"$1" && return 0
		rm -f "$1"
		sleep 0.1
	done
	return 1
}

# write_retry FILE MIB: a file of MIB random MiB, retried while the space
# of files just deleted waits for the client to replay the deletes
write_retry()
{
	write_within "$1" "$2" /dev/urandom || fail "no room for $1 within 4 s"
}

wait_client_sees()
{
	local i

	for i in $(seq 1 30); do
		[ -e "$MC/$1" ] && return 0
		sleep 0.1
	done
	fail "client does not see $1"
}

wait_client_lost()
{
	local i

	for i in $(seq 1 30); do
		[ ! -e "$MC/$1" ] && return 0
		sleep 0.1
	done
	fail "client still sees $1"
}

hosts_json()
{
	"$FAMFS" hosts --json "$MM"
}

# client_pins: the mounted client's slot lists pins (it replayed a
# delete of a file it holds open and beat since)
client_pins()
{
	hosts_json | python3 -c 'import json, sys
sys.exit(not any(h["system_uuid"] == sys.argv[1] and
		 h["state"] == "mounted" and h["pins"]
		 for h in json.load(sys.stdin)["hosts"]))' "$CLIENT_UUID"
}

"$FAMFS" hosts "$DEV" | head -1 | grep -qx 'log at entry [0-9]*' ||
	fail "hosts says space waits before any delete: $("$FAMFS" hosts "$DEV")"

note "a file held open and mapped on the client, deleted on the master"
head -c $((32 << 20)) /dev/urandom >"$MM/victim"
held=$(extents "$MM/victim")
[ -n "$held" ] || fail "no extents for the victim"
wait_client_sees victim
coproc HOLD { "$HOLDER" "$MC/victim"; }
# bash unsets HOLD_PID once the coprocess has exited: keep a copy
hold_pid=$HOLD_PID
read -r -u "${HOLD[0]}" state size
[ "$state" = ready ] || fail "holder: $state $size"
rm "$MM/victim"
wait_client_lost victim
echo check >&"${HOLD[1]}"
read -r -u "${HOLD[0]}" verdict
[ "$verdict" = same ] || fail "the client's open file changed: $verdict"
hosts_json | tr -d ' \n' | grep -q '"pins":\[[0-9]' ||
	fail "the client pins nothing: $(hosts_json)"
"$FAMFS" fsck "$DEV" | grep -q 'waiting for hosts' ||
	fail "fsck shows no space waiting for hosts"
"$FAMFS" hosts "$DEV" | head -1 |
	grep -qx 'log at entry [0-9]*; 32.0 MiB deleted, waiting for hosts' ||
	fail "hosts shows no 32 MiB waiting: $("$FAMFS" hosts "$DEV")"

note "filling the device never lands on the held memory"
files=$(fill "$MM/fill")
[ -n "$files" ] || fail "nothing could be created"
for f in $files; do
	if overlaps "$held" "$(extents "$f")"; then
		fail "$f overlaps the deleted file the client holds"
	fi
done
echo check >&"${HOLD[1]}"
read -r -u "${HOLD[0]}" verdict
[ "$verdict" = same ] || fail "the held bytes changed while filling: $verdict"

note "once the client closes it, the space is reused"
exec {HOLD[1]}>&-
wait "$hold_pid" || fail "holder failed"
write_within "$MM/fill/after-0" 8 /dev/zero ||
	fail "the space was not reusable within 4 s of the close"
for i in $(seq 1 8); do
	head -c $((8 << 20)) /dev/zero 2>/dev/null >"$MM/fill/more-$i" || break
done
any=0
for f in "$MM"/fill/after-* "$MM"/fill/more-*; do
	[ -f "$f" ] || continue
	overlaps "$held" "$(extents "$f")" && any=1
done
[ $any = 1 ] || fail "the freed memory was not handed out again"
rm -rf "$MM/fill"
fsck_clean

note "a client killed with kill -9 pins the space until evicted"
write_retry "$MM/victim2" 32
held=$(extents "$MM/victim2")
wait_client_sees victim2
coproc HOLD2 { "$HOLDER" "$MC/victim2"; }
hold2_pid=$HOLD2_PID
read -r -u "${HOLD2[0]}" state size
[ "$state" = ready ] || fail "holder 2: $state"
client_pid=$(daemon_pid "$MC")
[ -n "$client_pid" ] || fail "no client daemon"
rm "$MM/victim2"
within 5 client_pins || fail "the client pins nothing 5 s after the delete"
kill -9 "$client_pid"
exec {HOLD2[1]}>&-
wait "$hold2_pid" 2>/dev/null || true
fusermount3 -uz "$MC" 2>/dev/null || umount -l "$MC"
files=$(fill "$MM/fill")
for f in $files; do
	overlaps "$held" "$(extents "$f")" &&
		fail "$f took the memory a dead client may still map"
done
hosts_json | tr -d ' \n' | grep -q '"state":"mounted"' ||
	fail "no mounted slot listed"
"$FAMFS" hosts "$MM" | grep -q "$CLIENT_UUID" || fail "famfs hosts omits the client"
out=$("$FAMFS" hosts evict "$CLIENT_UUID" "$MM") ||
	fail "famfs hosts evict: $out"
echo "$out" | grep -q "evicted host $CLIENT_UUID" || fail "evict said: $out"
write_within "$MM/fill/after-0" 8 /dev/zero ||
	fail "evicting the dead client freed nothing"
rm -rf "$MM/fill"
fsck_clean

note "a hung client that is evicted serves EIO when it resumes"
MC2=$T/client2
mount_client "$MC2" >/dev/null
write_retry "$MM/victim3" 4
for i in $(seq 1 30); do
	[ -e "$MC2/victim3" ] && break
	sleep 0.1
done
# a process of that host has it open (not this shell: its children
# would inherit the descriptor and block on the stopped daemon at exit)
coproc HOLD3 { "$HOLDER" "$MC2/victim3"; }
hold3_pid=$HOLD3_PID
read -r -u "${HOLD3[0]}" state size
[ "$state" = ready ] || fail "holder 3: $state"
rm "$MM/victim3"
within 5 client_pins || fail "client 2 pins nothing 5 s after the delete"
hung=$(daemon_pid "$MC2")
kill -STOP "$hung"
out=$("$FAMFS" hosts evict "$CLIENT_UUID" "$MM") ||
	fail "evicting the hung client: $out"
kill -CONT "$hung"
# it reads that it was evicted at its next beat (twice a second)
within 5 errno_is EIO stat "$MC2/victim3" ||
	fail "stat on the evicted client 5 s after it resumed:" \
		"$("$FSOP" stat "$MC2/victim3")"
expect_errno EIO read "$MC2/anything"
echo check >&"${HOLD3[1]}"
read -r -u "${HOLD3[0]}" verdict rest
[ "$verdict" = error ] && [ "$rest" = EIO ] ||
	fail "an evicted host still reads its open file: $verdict $rest"
exec {HOLD3[1]}>&-
wait "$hold3_pid" || true
umount_fs "$MC2" || fusermount3 -uz "$MC2"

note "this host's own slots: a killed daemon's is evicted, the live one kept"
dead=$(daemon_pid "$MM")
kill -9 "$dead"
while kill -0 "$dead" 2>/dev/null; do sleep 0.01; done
umount_fs "$MM"
mount_master "$MM" >/dev/null
# --force skips the heartbeat wait for other hosts, never for this one
out=$("$FAMFS" hosts evict --force "$MASTER_UUID" "$MM") ||
	fail "evicting this host's dead slot: $out"
grep -q "evicted host $MASTER_UUID (slot" <<<"$out" ||
	fail "the killed daemon's slot was not evicted: $out"
grep -q "is this host's live mount: kept" <<<"$out" ||
	fail "the live mount was not named as kept: $out"
echo after >"$MM/after-evict" ||
	fail "the master's own mount was evicted"
if out=$("$FAMFS" hosts evict --force "$MASTER_UUID" "$MM" 2>&1); then
	fail "evicting only this host's live mount succeeded: $out"
fi
grep -q "only this host's live mount has this UUID" <<<"$out" ||
	fail "evicting only the live mount said: $out"
ls "$MM" >/dev/null || fail "the master's mount answers $(ls "$MM" 2>&1)"
umount_fs "$MM"
fsck_clean
echo "ok"
