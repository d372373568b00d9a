#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A direct mapping keeps a deleted file's memory from other files
# (famfs(5) Reclaiming space): while a program on the client (preload
# library) or on the master (libfamfs API) maps a file, the library's
# hold keeps the file open through the mount, so that host pins it.
# The master deletes three files, two of them mapped: only the third's
# space comes back; filling the device leaves the mapped bytes intact;
# after the last unmap the rest comes back too.
. "$(dirname "$0")/lib.sh" || exit 1
. "$(dirname "$0")/direct-lib.sh"

MIB=$((1024 * 1024))
mkfs_dev 64M
MM=$T/master MC=$T/client
mount_master "$MM"
mount_client "$MC"

# whole allocation units, so each file's space is exactly its size
for f in by-client by-master freed; do
	head -c $((4 * MIB)) /dev/urandom >"$T/$f.copy"
	cp "$T/$f.copy" "$MM/$f"
	wait_visible "$MC/$f" $((4 * MIB))
done

start_client client "${RUN[@]}" "$FAMFS" run "$DIRECT_CLIENT" mmap \
	"$MC/by-client"
[ "$(first_line client)" = "mapped $((4 * MIB))" ] ||
	fail "client mapping: $(cat "$T/client.out") $(cat "$T/client.err")"
expect_answer client where "$DEV"
start_client master "$DIRECT_CLIENT" api-ro "$MM/by-master"
[ "$(first_line master)" = "mapped $((4 * MIB))" ] ||
	fail "master mapping: $(cat "$T/master.out")"
expect_answer master where "$DEV"

# held_bytes: deleted space some host may still touch, as the device
# says, once every mounted host has replayed the whole log ("behind"
# before: a host that has not seen a delete holds its space too)
held_bytes()
{
	"$FAMFS" hosts --json "$DEV" | python3 -c '
import json, sys
d = json.load(sys.stdin)
behind = [h for h in d["hosts"]
          if h["state"] == "mounted" and h["replayed"] < d["log_sequence"]]
print("behind" if behind else d["held_bytes"])'
}

# wait_held BYTES: until held_bytes is BYTES (20 s)
wait_held()
{
	local held end=$((SECONDS + 20))

	while [ "$SECONDS" -lt "$end" ]; do
		held=$(held_bytes)
		[ "$held" = "$1" ] && return 0
		sleep 0.1
	done
	fail "held bytes: $held, want $1: $("$FAMFS" hosts "$DEV")"
}

note "the master deletes all three while two are mapped"
rm "$MM/by-client" "$MM/by-master" "$MM/freed"
# once the client has replayed the deletes (it publishes that and what it
# still holds in one write of its slot) only the mapped files stay held
wait_held $((8 * MIB))

note "other files get all the free space, not the mapped memory"
full=
for i in $(seq 1 40); do
	if ! head -c $((2 * MIB)) /dev/zero | tr '\0' 'Z' >"$MM/fill-$i" \
		2>/dev/null; then
		full=$i
		rm -f "$MM/fill-$i"
		break
	fi
done
[ -n "$full" ] || fail "40 x 2 MiB fit on a 64 MiB device"
note "full after $((full - 1)) x 2 MiB"
expect_answer client "same $T/by-client.copy" same
expect_answer master "same $T/by-master.copy" same

note "after the last unmap the space comes back"
expect_answer client unmap ok
expect_answer master unmap ok
wait_held 0
stop_client client
stop_client master
# the master's own allocator looks at held space every tick
for i in $(seq 1 100); do
	head -c $((4 * MIB)) /dev/urandom >"$MM/reused" 2>/dev/null && break
	rm -f "$MM/reused"
	sleep 0.1
done
[ -s "$MM/reused" ] || fail "the unmapped files' space was not reused"

umount_fs "$MC"
umount_fs "$MM"
fsck_clean
echo "PASS direct-pins"
