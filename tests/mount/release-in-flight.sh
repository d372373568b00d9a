#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# close(2) returning 0 means the file is in the log even while the kernel
# has yet to send the RELEASE of another handle of it that its process
# already closed (`: > f; truncate -s 4M f`, where truncate(1) may open,
# truncate and close before the daemon serves the shell's RELEASE). The
# deterministic stand-in: a process dup()s its descriptor and closes the
# other one (FLUSH from the opener, no RELEASE), then other processes
# truncate the file, and the log on the device has the new size when
# they return. The held descriptor then writes more: on version 2 the
# file pends again and that close logs it. A writer that closed nothing
# still holds the commit until its own close (the last writer's), and on
# version 1, where a logged size is fixed, the flushed descriptor still
# grows the file (its rule there is unchanged: famfs_fused(8)).
. "$(dirname "$0")/lib.sh" || exit 1

LEN=$((5 * 1048576 + 12345))	# grows the file past the truncation
M4=$((4 << 20))
MM=$T/master MC=$T/client

entries()
{
	"$FAMFS" fsck --json "$DEV" | grep -o '"log_entries":[0-9]*' |
		cut -d: -f2
}

# logged_cmd REL SIZE: a command saying whether the log on the device
# has REL with SIZE bytes (not a mount: what a crash would leave)
logged_cmd()
{
	printf '%q getmap -D %q %q | grep -qx %q' "$FAMFS" "$DEV" "$1" \
		"  size:     $2"
}

# held NAME MODE CMD WANT_ENTRIES: fsop held-dup, then the file is logged
# with all its bytes, both hosts read them, and the log grew by WANT
held()
{
	local name=$1 mode=$2 cmd=$3 want=$4 before out

	before=$(entries)
	out=$("$FSOP" held-dup "$MM/$name" "$LEN" "$mode" 5 "$cmd")
	[ "$out" = "cmd=0 write=OK close=OK" ] || fail "$name: $out"
	eval "$(logged_cmd "$name" "$LEN")" ||
		fail "$name: not in the log with $LEN bytes after close()"
	cmp -s "$T/want" "$MM/$name" || fail "$name: the master reads other data"
	[ "$(($(entries) - before))" = "$want" ] ||
		fail "$name: $(($(entries) - before)) log entries, expected $want"
	for _ in $(seq 30); do
		[ "$(stat -c %s "$MC/$name" 2>/dev/null)" = "$LEN" ] && break
		sleep 0.1
	done
	cmp -s "$T/want" "$MC/$name" || fail "$name: the client reads other data"
}

mkfs_dev 256M
mount_master "$MM" >/dev/null
mount_client "$MC" >/dev/null
"$FSOP" pattern 5 "$LEN" >"$T/want"

# Two entries: the truncation's commit, then the contents the held
# descriptor added (one entry if the truncation waited for it).
note "a flushed handle does not hold back truncate(1)'s close"
held f1 flushed "truncate -s $M4 $(printf %q "$MM/f1") &&
	$(logged_cmd f1 "$M4")" 2
note "nor truncate(2) by path"
held f2 flushed "$(printf %q "$FSOP") truncate $(printf %q "$MM/f2") $M4 |
	grep -qx OK && $(logged_cmd f2 "$M4")" 2
note "a writer that closed nothing is the last writer: its close commits"
held f3 open "truncate -s $M4 $(printf %q "$MM/f3") &&
	! $(printf %q "$FAMFS") getmap -q -D $(printf %q "$DEV") f3" 1

umount_fs "$MC"
umount_fs "$MM"
fsck_clean
mount_master "$MM" >/dev/null
for f in f1 f2 f3; do
	cmp -s "$T/want" "$MM/$f" || fail "$f: lost or changed by a remount"
done
umount_fs "$MM"

# Written through after its flush, the handle is a writer again. Only
# where write(2) reaches the daemon: a writeback cache holds the bytes
# until some close writes them back (through any writable handle), and
# they make the file pending again if they come after its commit.
note "direct_io: a flushed handle written through again holds the commit"
"$FAMFS" mount -o direct_io "$DEV" "$MM"
out=$("$FSOP" held-dup "$MM/f4" "$LEN" written 5 \
	"truncate -s $M4 $(printf %q "$MM/f4") &&
	! $(printf %q "$FAMFS") getmap -q -D $(printf %q "$DEV") f4")
[ "$out" = "cmd=0 write=OK close=OK" ] || fail "f4: $out"
eval "$(logged_cmd f4 "$LEN")" || fail "f4: not logged with $LEN"
cmp -s "$T/want" "$MM/f4" || fail "f4: the master reads other data"
umount_fs "$MM"
fsck_clean

note "version 1: the flushed handle still grows the file"
rm -f "$DEV"
"$MKFS" --size 256M --format-version 1 "$DEV" >/dev/null
mount_master "$MM" >/dev/null
out=$("$FSOP" held-dup "$MM/g" "$LEN" flushed 5 \
	"truncate -s $M4 $(printf %q "$MM/g")")
[ "$out" = "cmd=0 write=OK close=OK" ] || fail "version 1: $out"
eval "$(logged_cmd g "$LEN")" || fail "version 1: g not logged with $LEN"
cmp -s "$T/want" "$MM/g" || fail "version 1: g reads other data"
umount_fs "$MM"
fsck_clean
note "ok"
