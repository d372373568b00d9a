#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The exit-code tables of mkfs.famfs(8) and famfs fsck / fsck.famfs(8),
# one row per documented code: mkfs 0 done, 1 refused or failed (device
# unchanged), 2 usage; fsck as fsck(8): 0 clean, 1 corrected, 4 errors
# left, 8 operational error, 16 usage.
. "$(dirname "$0")/lib.sh" || exit 1
: "${FSCK_HELPER:?path to build/cli/fsck.famfs}"

# row STATUS DESCRIPTION -- COMMAND...: one table row
row() { expect "$1" '' "$2" "${@:3}"; }

D=$T/dev
sum() { md5sum "$1" | cut -d' ' -f1; }

# --- mkfs.famfs
row 2 "mkfs: no device" -- "$MKFS"
row 2 "mkfs: two devices" -- "$MKFS" "$D" "$D.2"
row 2 "mkfs: unknown option" -- "$MKFS" -Z "$D"
row 2 "mkfs: option without its value" -- "$MKFS" -l
row 2 "mkfs: log length below 2M" -- "$MKFS" -s 64M -l 1M "$D"
row 2 "mkfs: log length above 1G" -- "$MKFS" -s 64M -l 2G "$D"
row 2 "mkfs: log length not a size" -- "$MKFS" -s 64M -l 8Q "$D"
row 2 "mkfs: size 0" -- "$MKFS" -s 0 "$D"
row 2 "mkfs: bad mode" -- "$MKFS" -s 64M -m 9 "$D"
row 2 "mkfs: no such user" -- "$MKFS" -s 64M -u no-such-user-x "$D"
row 2 "mkfs: no such group" -- "$MKFS" -s 64M -g no-such-group-x "$D"
check "mkfs: usage errors made no file" -- test ! -e "$D"
row 0 "mkfs: -h" -- "$MKFS" -h
row 1 "mkfs: its output to a full disk" -- sh -c "'$MKFS' -h >/dev/full"
row 0 "mkfs: -? (upstream's help)" -- "$MKFS" -?
row 1 "mkfs: a directory that does not exist" -- "$MKFS" "$T/no/dev"
row 1 "mkfs: device too small" -- "$MKFS" -s 3M "$T/small"
row 0 "mkfs: done" -- "$MKFS" -s 64M "$D"
before=$(sum "$D")
row 1 "mkfs: already a famfs (no -f)" -- "$MKFS" "$D"
check "mkfs: refused device unchanged" -- test "$(sum "$D")" = "$before"
expect 0 'rounded up to 4' "mkfs: upstream's -l 3m is rounded up" -- \
	"$MKFS" -f -l 3m "$D"
expect 0 '"log_len": *4194304' "mkfs: ...to a 4M log" -- \
	"$FAMFS" fsck --json "$D"
row 0 "mkfs: -f over a famfs" -- "$MKFS" -f "$D"
cp "$D" "$D.wiped"
row 0 "mkfs: -k wipes the superblock" -- "$MKFS" -k "$D.wiped"
row 0 "mkfs: again after -k" -- "$MKFS" "$D.wiped"
"$MKFS" -k "$D.wiped" >/dev/null

# --- fsck, and fsck.famfs under fsck(8)'s name
# Rows for codes whose implementation is not on main yet are TAP TODO
# while famfs fsck has no --repair (issue 9); then they must pass.
has_repair=0
"$FAMFS" fsck --help 2>&1 | grep -q -- --repair && has_repair=1
fsck_row()
{
	local want=$1 desc=$2 out rc

	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "$desc"
	elif [ "$has_repair" = 0 ]; then
		# a TAP TODO: reported, not counted as a failure
		tap_n=$((tap_n + 1))
		echo "not ok $tap_n - $desc (exit $rc) # TODO fsck(8) codes land with --repair"
	else
		not_ok "$desc (exit $rc, want $want)"
		sed 's/^/#   /' <<<"$out"
	fi
}
fsck_row 0 "fsck: clean" -- "$FAMFS" fsck "$D"
fsck_row 0 "fsck.famfs: clean" -- "$FSCK_HELPER" "$D"
fsck_row 16 "fsck: no device (usage)" -- "$FAMFS" fsck
fsck_row 16 "fsck: unknown option (usage)" -- "$FAMFS" fsck -Z "$D"
fsck_row 16 "fsck.famfs: no device (usage)" -- "$FSCK_HELPER"
fsck_row 8 "fsck: missing device (operational)" -- "$FAMFS" fsck "$T/none"
fsck_row 8 "fsck.famfs: missing device (operational)" -- \
	"$FSCK_HELPER" "$T/none"
fsck_row 8 "fsck: not a famfs (wiped with mkfs -k)" -- \
	"$FAMFS" fsck "$D.wiped"
cp "$D" "$D.bad"
# the backup superblock (at 1 MiB) damaged: repairable
printf 'XXXXXXXX' | dd of="$D.bad" bs=1 seek=$((1048576 + 64)) conv=notrunc \
	2>/dev/null
fsck_row 4 "fsck: damaged backup superblock, no repair: errors left" -- \
	"$FAMFS" fsck "$D.bad"
fsck_row 4 "fsck.famfs -n: errors left" -- "$FSCK_HELPER" -n "$D.bad"
fsck_row 1 "fsck.famfs -y: errors corrected" -- "$FSCK_HELPER" -y "$D.bad"
fsck_row 0 "fsck: clean after the repair" -- "$FAMFS" fsck "$D.bad"

done_testing
