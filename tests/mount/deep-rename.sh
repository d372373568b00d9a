#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A rename that would give a node a path longer than 4095 bytes (what a
# log entry can name, famfs(5)) is refused with ENAMETOOLONG and changes
# nothing: otherwise that node could never be deleted or changed again.
# Paths are relative to the mount root (cwd), so a 4095-byte famfs path
# is also a valid system-call path.
. "$(dirname "$0")/lib.sh" || exit 1

: "${HOLDER:?path to tests/mount/holder}"

mkfs_dev 256M
MM=$T/master MC=$T/client
mount_master "$MM" >/dev/null
mount_client "$MC" >/dev/null

c=$(printf 'p%.0s' $(seq 1 200))
leaf=$(printf 'f%.0s' $(seq 1 73))
chain=t
for _ in $(seq 1 20); do
	chain+=/$c
done
cd "$MM"
# t + 20 x 201 bytes = 4021, the file 4095: the longest path there is
mkdir -p "$chain" "o/$c" ab
echo deep >"$chain/$leaf"
[ "${#chain}" -eq 4021 ] || fail "setup: chain is ${#chain} bytes"

listing()
{
	(cd "$1" && find . -path ./.meta -prune -o -printf '%p %y %s\n' |
		sort)
}
before=$(listing "$MM")
cp .meta/.log "$T/log.before"

# refused: mv(1) says why, the errno is ENAMETOOLONG
refused()
{
	if mv "$@" 2>"$T/mv.err"; then
		fail "mv $*: succeeded"
	fi
	grep -q "File name too long" "$T/mv.err" ||
		fail "mv $*: $(cat "$T/mv.err")"
	echo "ok - mv ${1:0:20} ${2:0:20}: File name too long"
}
refused t tt
refused t "o/$c/"
refused "t/$c" "o/$c/"
expect_errno ENAMETOOLONG rename t tt
[ "$("$HOLDER" rename2 t ab exchange)" = ENAMETOOLONG ] ||
	fail "exchange of the deep tree with a longer name not refused"
[ "$("$HOLDER" rename2 ab t exchange)" = ENAMETOOLONG ] ||
	fail "the same exchange named the other way not refused"
[ "$(listing "$MM")" = "$before" ] || fail "a refused rename changed the tree"
cmp -s .meta/.log "$T/log.before" || fail "a refused rename was logged"
echo "ok - tree and log unchanged"

# the limit itself: the same length or shorter is fine
mv t u && mv u t || fail "a rename to a name of the same length failed"
mv "t/$c" x && mv x "t/$c" || fail "a shorter rename failed"
[ "$(cat "$chain/$leaf")" = deep ] || fail "the deep file lost its data"
echo "ok - renames within the limit work"
: >marker

for _ in $(seq 1 50); do
	[ -e "$MC/marker" ] && break
	sleep 0.1
done
[ "$(listing "$MC" | grep -v marker)" = "$before" ] ||
	fail "the client's tree differs"
cd /
umount_fs "$MC"
umount_fs "$MM"
fsck_clean
mount_master "$MM" >/dev/null
[ "$(listing "$MM" | grep -v marker)" = "$before" ] ||
	fail "the tree after a remount differs"
(cd "$MM" && [ "$(cat "$chain/$leaf")" = deep ]) ||
	fail "the deep file after a remount"
echo "ok - client, remount and fsck agree"
umount_fs "$MM"
