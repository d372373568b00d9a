#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# famfs status: the daemon's .meta/.status on a master and a client: role,
# JSON fields, open and pending files, request counters, replay errors of
# a refused entry, for a user who is not root; and the refusals.
. "$(dirname "$0")/lib.sh" || exit 1
need_mounts
mkfs_dev 128M
mount_both || skip_all "famfs mount failed"

# json_get FILE EXPR: evaluate a Python expression over the object `o`
json_get()
{
	python3 -c 'import json,sys; o = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"
}

"$FAMFS" status --json "$MNT" >"$T/m.json"
"$FAMFS" status --json "$CMNT" >"$T/c.json"
check "status --json of the master is JSON" -- json_get "$T/m.json" 'o["pid"]'
check "master says master" -- \
	test "$(json_get "$T/m.json" 'o["mode"]')" = master
check "client says client" -- \
	test "$(json_get "$T/c.json" 'o["mode"]')" = client
check "same filesystem" -- test "$(json_get "$T/m.json" 'o["fs_uuid"]')" = \
	"$(json_get "$T/c.json" 'o["fs_uuid"]')"
check "each its host" -- test "$(json_get "$T/c.json" 'o["system_uuid"]')" = \
	"$CLIENT_UUID"
check "the daemon's pid" -- \
	test "$(json_get "$T/m.json" 'o["pid"]')" = \
	"$(pgrep -f "famfs_fused.* $MNT\$" | head -n 1)"
fields='["device","mountpoint","pid","mode","read_only_reason","fs_uuid",
"system_uuid","format_version","passthrough","passthrough_off_reason",
"direct_io","timeout","log","poisoned","files","space","requests"]'
check "every documented field" -- json_get "$T/m.json" \
	"all(k in o for k in $fields) or sys.exit(1)"
check "log fields" -- json_get "$T/m.json" \
	'all(k in o["log"] for k in ["length","used","reserved","entries","lag_entries","replay_errors","replay_warnings"]) or sys.exit(1)'
check "poison routing off on a plain file, with the reason" -- \
	test "$(json_get "$T/m.json" 'o["poisoned"]["routing_off_reason"]')" = \
	"not a devdax device"
expect 0 "^$MNT: famfs master, serving" "status in words" -- \
	"$FAMFS" status "$MNT"
expect 0 "^$CMNT: famfs client" "status of any path in the mount" -- \
	"$FAMFS" status "$CMNT/.meta"

# open and pending files, request counters
# a writer that keeps its file open (a shell's >&N would close a dup,
# and a close commits); fsync sends its write past the master's
# writeback cache to the daemon
python3 -c 'import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)
os.write(fd, b"some bytes")
os.fsync(fd)
print("written", flush=True)
time.sleep(30)' "$MNT/pending-file" >"$T/writer.out" &
writer=$!
for i in $(seq 50); do grep -q written "$T/writer.out" && break; sleep 0.1; done
"$FAMFS" status --json "$MNT" >"$T/m.json"
check "an open, written file is open and pending" -- \
	test "$(json_get "$T/m.json" '(o["files"]["open"], o["files"]["pending"])')" = "(1, 1)"
check "its write was counted" -- json_get "$T/m.json" \
	'o["requests"]["write_requests"] >= 1 or sys.exit(1)'
kill "$writer"
wait "$writer" 2>/dev/null
sleep 0.3	# the release after the writer's exit
"$FAMFS" status --json "$MNT" >"$T/m.json"
check "closed: nothing open or pending" -- \
	test "$(json_get "$T/m.json" '(o["files"]["open"], o["files"]["pending"])')" = "(0, 0)"
check "one file in all" -- \
	test "$(json_get "$T/m.json" 'o["files"]["total"]')" = 1
"$FAMFS" creat -s 3M -S 3 "$MNT/data" >/dev/null
before=$(json_get "$T/m.json" 'o["requests"]["read_bytes"]')
cat "$MNT/data" >/dev/null
"$FAMFS" status --json "$MNT" >"$T/m.json"
check "reads counted ($before -> 3 MiB more)" -- json_get "$T/m.json" \
	"o['requests']['read_bytes'] - $before >= 3 << 20 or sys.exit(1)"

# the client catches up; a refused entry is a replay error
check "client sees the file" -- wait_for "$CMNT/data"
"$FAMFS" logplay "$CMNT" >/dev/null
"$FAMFS" status --json "$CMNT" >"$T/c.json"
"$FAMFS" status --json "$MNT" >"$T/m.json"
check "client replayed as many entries as the master wrote" -- \
	test "$(json_get "$T/c.json" 'o["log"]["entries"]')" = \
	"$(json_get "$T/m.json" 'o["log"]["entries"]')"
check "no lag after logplay" -- \
	test "$(json_get "$T/c.json" 'o["log"]["lag_entries"]')" = 0
check "no replay errors yet" -- \
	test "$(json_get "$T/c.json" 'o["log"]["replay_errors"]')" = 0
"$FAMFS" clone "$MNT/data" "$MNT/cross" >/dev/null 2>&1
"$FAMFS" logplay "$CMNT" >/dev/null 2>&1
"$FAMFS" status --json "$CMNT" >"$T/c.json"
check "the cross-linked entry counts as a replay error" -- \
	test "$(json_get "$T/c.json" 'o["log"]["replay_errors"]')" = 1

# any user who can read the mount
if uid=$(id -u nobody 2>/dev/null) && [ "$uid" != 0 ]; then
	chmod 0755 "$T"
	expect 0 "^$MNT: famfs master" "status as nobody" -- \
		setpriv --reuid="$uid" --regid="$(id -g nobody)" \
		--clear-groups -- "$FAMFS" status "$MNT"
	chmod 0700 "$T"
	expect 1 'Permission denied' "status where the user cannot reach" -- \
		setpriv --reuid="$uid" --regid="$(id -g nobody)" \
		--clear-groups -- "$FAMFS" status "$MNT"
else
	ok "# SKIP no unprivileged user nobody here"
	ok "# SKIP no unprivileged user nobody here"
fi

# refusals
expect 1 "famfs: $T: not in a famfs mount" "status of a plain directory" -- \
	"$FAMFS" status "$T"
expect 2 'usage: famfs status' "status without a mountpoint" -- \
	"$FAMFS" status
kill -KILL "$(json_get "$T/c.json" 'o["pid"]')"
sleep 0.2
expect 1 'not connected \(daemon gone\?\)' "status when the daemon died" -- \
	"$FAMFS" status "$CMNT"

done_testing
