#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The query commands for a user who may read files through the mount but
# not the device (a root-only device, issue 9): stat, ls, getmap, check,
# fsck and flush answer through the mount (famfs_fused's layout ioctl and
# .meta/.status), agree with root's answers, and what the user may not
# read is "permission denied" (getmap 13, check bit 8), never "not famfs".
. "$(dirname "$0")/lib.sh" || exit 1
need_mounts
command -v setpriv >/dev/null || skip_all "no setpriv"
mkfs_dev 128M
mkdir -p "$MNT"
MOUNTS+=("$MNT")
chmod 0755 "$T"
"$FAMFS" mount "$DEV" "$MNT" >/dev/null || skip_all "famfs mount failed"

U=54321	# no account needed: a uid and gid nobody else uses
as_user() { setpriv --reuid=$U --regid=$U --clear-groups -- "$@"; }

check "the device is root-only" -- test "$(stat -c %a "$DEV")" = 600
expect 8 'Permission denied' "the user cannot open the device itself" -- \
	as_user "$FAMFS" fsck "$DEV"

"$FAMFS" mkdir -m 0755 "$MNT/pub"
"$FAMFS" creat -s 5M -S 7 -m 0644 "$MNT/pub/data" >/dev/null
"$FAMFS" creat -s 3M -m 0644 "$MNT/pub/small" >/dev/null
"$FAMFS" mkdir -m 0755 "$MNT/pub/sub"
"$FAMFS" creat -s 2M -m 0644 "$MNT/pub/sub/deep" >/dev/null

# stat: the same object as root's, but for the device name
as_user "$FAMFS" stat --json "$MNT/pub/data" >"$T/u.json"
"$FAMFS" stat --json "$MNT/pub/data" >"$T/r.json"
same_stat() {
	python3 - "$T/u.json" "$T/r.json" <<'EOF'
import json, sys
u, r = (json.load(open(f))[0] for f in sys.argv[1:])
keys = ["type", "state", "mode", "uid", "gid", "size", "allocated", "extents"]
bad = [k for k in keys if u[k] != r[k]]
print("differ:", bad, u, r) if bad else None
sys.exit(1 if bad else 0)
EOF
}
check "stat as the user agrees with root's" -- same_stat
expect 0 'State: committed' "stat as the user" -- \
	as_user "$FAMFS" stat "$MNT/pub/data"

# ls
expect 0 '^data$' "ls as the user" -- as_user "$FAMFS" ls "$MNT/pub"
expect 0 'deep' "ls -R as the user" -- as_user "$FAMFS" ls -R "$MNT/pub"
check "ls --json as the user is JSON with every entry" -- bash -c \
	"setpriv --reuid=$U --regid=$U --clear-groups -- '$FAMFS' ls --json '$MNT/pub' |
	 python3 -c 'import json,sys; a = json.load(sys.stdin); assert sorted(o[\"path\"].split(\"/\")[-1] for o in a) == [\"data\", \"small\", \"sub\"], a'"
expect 0 '^pub/$' "ls of the root leaves .meta out" -- \
	as_user "$FAMFS" ls "$MNT"

# getmap: the runs the daemon serves, as many bytes as root's extents
expect 0 'length 0x' "getmap as the user" -- as_user "$FAMFS" getmap "$MNT/pub/data"
sum_lengths()
{
	local h total=0

	for h in $("$@" | sed -n 's/.*length 0x\([0-9a-f]*\).*/\1/p'); do
		total=$((total + 16#$h))
	done
	echo "$total"
}
check "getmap covers the same bytes as root's" -- test \
	"$(sum_lengths as_user "$FAMFS" getmap "$MNT/pub/data")" = \
	"$(sum_lengths "$FAMFS" getmap "$MNT/pub/data")"
expect 0 '^$' "getmap -q as the user" -- as_user "$FAMFS" getmap -q "$MNT/pub/small"

# check, fsck, flush, status
expect 0 '0 bad, 0 problems' "check as the user" -- as_user "$FAMFS" check "$MNT"
expect 0 'clean \(checked by famfs_fused' "fsck of the mount as the user" -- \
	as_user "$FAMFS" fsck "$MNT"
expect 0 '"checked_by":"famfs_fused"' "fsck --json as the user" -- \
	as_user "$FAMFS" fsck --json "$MNT"
expect 0 'flushed 5242880 bytes \(mmap' "flush as the user (through a mapping)" -- \
	as_user "$FAMFS" flush -v "$MNT/pub/data"
expect 0 'famfs master' "status as the user" -- as_user "$FAMFS" status "$MNT"
expect 0 'master: its log is always current' "logplay as the user" -- \
	as_user "$FAMFS" logplay "$MNT"
mkdir -p "$CMNT"
MOUNTS+=("$CMNT")
as_client "$FAMFS" mount "$DEV" "$CMNT" >/dev/null
expect 0 'would be applied \(counted by famfs_fused' \
	"logplay -n of a client as the user" -- \
	as_user "$FAMFS" logplay -n "$CMNT"
check "the client shows the files to the user" -- \
	as_user "$FAMFS" getmap -q "$CMNT/pub/data"

# what the user may not read
"$FAMFS" mkdir -m 0700 "$MNT/private"
"$FAMFS" creat -s 2M -m 0600 "$MNT/private/secret" >/dev/null
"$FAMFS" creat -s 2M -m 0600 "$MNT/pub/mine" >/dev/null
expect 13 'Permission denied' "getmap of an unreadable file: 13" -- \
	as_user "$FAMFS" getmap "$MNT/pub/mine"
expect 13 'Permission denied' "getmap inside an unreadable directory: 13" -- \
	as_user "$FAMFS" getmap "$MNT/private/secret"
expect 1 'Permission denied' "stat of an unreadable file" -- \
	as_user "$FAMFS" stat "$MNT/pub/mine"
expect 8 'not readable by this user' "check with unreadable files: bit 8" -- \
	as_user "$FAMFS" check "$MNT"
out=$(as_user "$FAMFS" check "$MNT" 2>&1)
check "check names them as permission denied, not as bad files" -- \
	bash -c "grep -q 'mine: Permission denied (not checked)' <<<'$out' &&
		 grep -q '0 bad' <<<'$out' && ! grep -q 'not in a famfs' <<<'$out'"

# a file being written is pending: not mapped yet
python3 -c 'import os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT, 0o644)
os.write(fd, b"x" * 4096)
print("written", flush=True)
time.sleep(30)' "$MNT/pub/growing" >"$T/writer.out" &
writer=$!
for i in $(seq 50); do grep -q written "$T/writer.out" && break; sleep 0.1; done
expect 2 'not mapped' "getmap of a pending file as the user: 2" -- \
	as_user "$FAMFS" getmap "$MNT/pub/growing"
expect 0 'State: pending' "stat of a pending file as the user" -- \
	as_user "$FAMFS" stat "$MNT/pub/growing"
kill "$writer"
wait "$writer" 2>/dev/null

done_testing
