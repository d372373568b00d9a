#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Names in the log are bytes any host may write: a name holding a
# terminal escape, a carriage return and a forged "clean" line is shown
# escaped by fsck, fsck -v, ls (of a device and of a mount), check -v,
# getmap and the daemon's log, never raw; JSON keeps it exact.
. "$(dirname "$0")/lib.sh" || exit 1

MM=$T/master MC=$T/client
mkfs_dev 256M
mount_master "$MM"
start_daemon "$MC" "$CLIENT_UUID"
# ESC, CR, LF, BEL, a lone C1 byte, C1 CSI in UTF-8, not UTF-8, and an
# e acute that stays as it is
bad=$(printf 'x\033[2J\r\nfake: clean\a\x9b\xc2\x9b1m\xff\xc3\xa9')
mkdir "$MM/$bad" || fail "mkdir of the hostile name"
"$FAMFS" creat -s 2M "$MM/src" >/dev/null
"$FAMFS" creat -s 4096 "$MM/$bad/file" >/dev/null
# a cross-link under the hostile name: replay (the client's, fsck's)
# refuses it and names it in its report
"$FAMFS" clone "$MM/src" "$MM/$bad/dup" >/dev/null 2>&1 ||
	fail "clone under the hostile name"
for _ in $(seq 50); do
	grep -qs "overlaps" "$T/client.log" && break
	sleep 0.1
done

# raw: what must never reach a terminal (ESC, CR, BEL, C1 CSI, not UTF-8)
raw_bytes()
{
	LC_ALL=C grep -q "$(printf '[\033\r\a\x9b\xff]')" "$1"
}
escaped=$(printf 'x\\\\x1b\\[2J\\\\x0d\\\\x0afake: clean\\\\x07\\\\x9b\\\\xc2\\\\x9b1m\\\\xff\xc3\xa9')

check_output()
{
	local what=$1

	shift
	"$@" >"$T/out" 2>&1 || true
	raw_bytes "$T/out" && fail "$what prints the name raw: $(od -c "$T/out" | head)"
	grep -q "$escaped" "$T/out" ||
		fail "$what does not show the name escaped: $(cat "$T/out")"
	note "$what: escaped"
}

check_output "fsck (the refused entry)" "$FAMFS" fsck "$DEV"
check_output "fsck -v" "$FAMFS" fsck -v "$DEV"
check_output "ls -D" "$FAMFS" ls -D "$DEV"
check_output "ls -l of the mount" "$FAMFS" ls -l "$MM"
check_output "check -v" "$FAMFS" check -v "$MM"
check_output "getmap" "$FAMFS" getmap "$MM/$bad/file"
check_output "the client daemon's log" cat "$T/client.log"

# JSON: the exact bytes, valid JSON (\u escapes)
"$FAMFS" ls --json -D "$DEV" >"$T/ls.json" || fail "ls --json -D"
python3 - "$T/ls.json" "$bad" <<'PY' || fail "ls --json lost the exact name"
import json, os, sys
want = os.fsencode(sys.argv[2])
names = [os.fsencode(e["path"].rsplit("/", 1)[-1]) for e in json.load(open(sys.argv[1], encoding="utf-8", errors="surrogateescape"))]
sys.exit(0 if want in names else 1)
PY
fusermount_u "$MC"
umount_fs "$MM"
wait
note "ok"
