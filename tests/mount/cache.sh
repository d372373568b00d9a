#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The kernel caches entries, misses and attributes for long on both
# hosts; a client still sees what the master did within a second, its
# misses included: a name that failed to look up appears once the master
# makes it, and a file filled after it was seen empty shows its new size
# and bytes, never the old ones; so do names replaced by a rename, and a
# file rewritten while the client has it open or mapped.
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

reads_as() { [ "$(cat "$1" 2>/dev/null)" = "$2" ]; }
# the bytes at offset 0 of descriptor $1, read through it (no new open)
pread_is()
{
	local got

	got=$(python3 -c 'import os, sys
print(os.pread(int(sys.argv[1]), 64, 0).decode(), end="")' "$1")
	[ "$got" = "$2" ]
}

note "names the client looked up, or missed, replaced by renames on the master"
echo old-target >"$MM/target"
echo renamed >"$MM/source"
echo renamed-too >"$MM/source2"
visible_within 1.0 exists "$MC/source2" >/dev/null ||
	fail "source2: not visible"
reads_as "$MC/target" old-target || fail "target: client reads other bytes"
[ ! -e "$MC/absent" ] || fail "absent exists before it is made"
mv "$MM/source" "$MM/target"
mv "$MM/source2" "$MM/absent"
t=$(visible_within 1.0 reads_as "$MC/target" renamed) ||
	fail "target: the client still reads '$(cat "$MC/target" 2>&1)'" \
		"1 s after a rename replaced it"
note "target: the renamed file after $t s"
t=$(visible_within 1.0 reads_as "$MC/absent" renamed-too) ||
	fail "absent: not the renamed file on the client within 1 s"

note "a file a client has open and read, rewritten on the master"
echo before-rewrite >"$MM/rewritten"
visible_within 1.0 exists "$MC/rewritten" >/dev/null ||
	fail "rewritten: not visible"
exec {held}<"$MC/rewritten"
pread_is "$held" before-rewrite || fail "rewritten: client reads other bytes"
echo after-rewrite! >"$MM/rewritten"	# as long: only the bytes differ
t=$(visible_within 1.0 pread_is "$held" after-rewrite!) ||
	fail "rewritten: the open descriptor still reads the old bytes after 1 s"
note "rewritten: the new bytes through the open descriptor after $t s"
exec {held}<&-
# a mapping reads the page cache without asking: only the client's
# notification of the new contents drops it
echo mapped-before >"$MM/mapped"
visible_within 1.0 exists "$MC/mapped" >/dev/null || fail "mapped: not visible"
out=$(python3 - "$MC/mapped" "$MM/mapped" <<'PY'
import mmap, sys, time
with open(sys.argv[1], "rb") as f:
    m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)
    first = m[:13]
    with open(sys.argv[2], "w") as w:   # the master rewrites it
        w.write("mapped-after!\n")
    t0 = time.time()
    while m[:13] != b"mapped-after!" and time.time() - t0 < 1.0:
        time.sleep(0.01)
    print(first.decode(), m[:13].decode(), "%.3f" % (time.time() - t0))
PY
)
note "mapped (before, after, seconds): $out"
[ "${out% *}" = "mapped-before mapped-after!" ] ||
	fail "mapped: a client's mapping still shows the old bytes: $out"

note "the master's own misses are cached and then created over"
[ ! -e "$MM/mine" ] || fail "mine exists before it is made"
echo m >"$MM/mine"
[ "$(cat "$MM/mine")" = m ] || fail "mine: master reads '$(cat "$MM/mine")'"

umount_fs "$MC"
umount_fs "$MM"
fsck_clean
note "ok"
