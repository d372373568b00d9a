#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The kernel caches entries, misses and attributes for long on both
# hosts; a client still sees what the master did within a second, its
# misses included: a name that failed to look up appears once the master
# makes it, and a file filled after it was seen empty shows its new size
# and bytes, never the old ones.
. "$(dirname "$0")/lib.sh" || exit 1

MM=$T/master MC=$T/client
mkfs_dev 256M
mount_master "$MM"
mount_client "$MC"

# visible_within LIMIT_S TEST...: poll until TEST holds; print the seconds
visible_within()
{
	local limit=$1 t0 now
	shift
	t0=$EPOCHREALTIME
	while ! "$@"; do
		now=$EPOCHREALTIME
		if awk -v a="$t0" -v b="$now" -v l="$limit" \
			'BEGIN { exit !(b - a > l) }'; then
			return 1
		fi
		sleep 0.01
	done
	awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'
}

exists() { [ -e "$1" ]; }
size_is() { [ "$(stat -L -c %s "$1" 2>/dev/null)" = "$2" ]; }

note "a name the client failed to look up appears within 1 s of its creation"
for name in late late2; do
	[ ! -e "$MC/$name" ] || fail "$name exists before it is made"
	[ ! -e "$MC/$name" ] || fail "$name exists before it is made (cached)"
done
echo data >"$MM/late"
t=$(visible_within 1.0 exists "$MC/late") ||
	fail "late: not visible on the client within 1 s of its creation"
note "late: visible after $t s"
[ "$(cat "$MC/late")" = data ] || fail "late: client reads '$(cat "$MC/late")'"
mkdir "$MM/late2"
t=$(visible_within 1.0 exists "$MC/late2/.") ||
	fail "late2/: directory not visible on the client within 1 s"
note "late2/: visible after $t s"
# a miss inside a directory the client has listed
ls "$MC/late2" >/dev/null
[ ! -e "$MC/late2/inner" ] || fail "late2/inner exists before it is made"
printf 'x%.0s' $(seq 100) >"$MM/late2/inner"
t=$(visible_within 1.0 exists "$MC/late2/inner") ||
	fail "late2/inner: not visible within 1 s"

note "a file seen empty, then filled: the client shows the new size and bytes"
: >"$MM/grow"
t=$(visible_within 1.0 exists "$MC/grow") || fail "grow: not visible"
size_is "$MC/grow" 0 || fail "grow: client size $(stat -c %s "$MC/grow")"
[ -z "$(cat "$MC/grow")" ] || fail "grow: client reads bytes from an empty file"
# held open: its attributes are asked of the inode, not by a path lookup
exec {held}<"$MC/grow"
head -c 5000 /dev/urandom >"$T/grow.data"
cp "$T/grow.data" "$MM/grow"
size_is "$MM/grow" 5000 || fail "grow: master size $(stat -c %s "$MM/grow")"
# first through the descriptor: a path lookup would refresh the inode too
t=$(visible_within 1.0 size_is "/proc/$$/fd/$held" 5000) ||
	fail "grow: an open descriptor still shows size $(stat -L -c %s "/proc/$$/fd/$held") after 1 s"
note "grow: new size on an open descriptor after $t s"
exec {held}<&-
size_is "$MC/grow" 5000 ||
	fail "grow: client path shows size $(stat -c %s "$MC/grow")"
cmp -s "$T/grow.data" "$MC/grow" || fail "grow: client reads other bytes"

note "the master's own misses are cached and then created over"
[ ! -e "$MM/mine" ] || fail "mine exists before it is made"
echo m >"$MM/mine"
[ "$(cat "$MM/mine")" = m ] || fail "mine: master reads '$(cat "$MM/mine")'"

umount_fs "$MC"
umount_fs "$MM"
fsck_clean
note "ok"
