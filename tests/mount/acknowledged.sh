#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Nothing a call acknowledged is lost: a size change by path is in the log
# when truncate(2) returns; with the log full, creating a file fails at
# open() and a write needing a longer commit entry fails at write(), never
# silently at close.
. "$(dirname "$0")/lib.sh" || exit 1

MM=$T/master MC=$T/client
"$MKFS" --size 256M --loglen 2M "$DEV" >/dev/null
mount_master "$MM"
mount_client "$MC"

# (the whole output first: grep -q closing the pipe early would fail it)
in_log()
{
	local out

	out=$("$FAMFS" fsck -v "$DEV") &&
		grep -Eq " (file|contents) +$1 size=$2 " <<<"$out"
}

note "truncate(2) by path of an empty committed file is committed on return"
: >"$MM/t"
for _ in $(seq 50); do in_log t 0 && break; sleep 0.01; done
in_log t 0 || fail "t not logged empty"
expect_errno OK truncate "$MM/t" 12345
in_log t 12345 || fail "truncate returned before the new size was logged"
[ "$(stat -c %s "$MM/t")" = 12345 ] || fail "master size"
for _ in $(seq 30); do
	[ "$(stat -c %s "$MC/t")" = 12345 ] && break
	sleep 0.1
done
[ "$(stat -c %s "$MC/t")" = 12345 ] || fail "client sees $(stat -c %s "$MC/t")"
[ "$(head -c 12345 "$MC/t" | tr -d '\0' | wc -c)" = 0 ] ||
	fail "the grown bytes do not read as zeros"

# log_room: free bytes in the log, from fsck's JSON
log_room()
{
	"$FAMFS" fsck --json "$DEV" | awk -F'[:,]' \
		'/"log_len"/ { len = $2 } /"log_used"/ { used = $2 }
		 END { print len - used }'
}

# fill_log_to BYTES: mkdirs until exactly BYTES of the log are left.
# An entry with a path of L bytes takes 48 + L rounded up to 8.
n=0
fill_log_to()
{
	local want=$1 room x size

	# coarse: one mkdir call making many 4 KiB entries (paths of about
	# 4000 bytes, 15 levels of 250-byte names down) while far from the goal
	local deep=$MM/fill i count
	for i in $(seq 15); do
		deep=$deep/$(printf "%03d%0247d" "$i" 0)
	done
	mkdir -p "$deep"
	room=$(log_room)
	while [ $((room - want)) -gt 12000 ]; do
		count=$(((room - want - 8000) / 4100))
		[ "$count" -gt 0 ] || count=1
		local names=()
		for i in $(seq "$count"); do
			n=$((n + 1))
			names+=("$deep/$(printf "%0200d" "$n")")
		done
		mkdir "${names[@]}" || fail "filling mkdir"
		room=$(log_room)
	done
	# fine: entries of 56 to 304 bytes at the root, then the exact rest
	while :; do
		x=$((room - want))
		[ "$x" -ge 0 ] || fail "log filled past the goal ($room < $want)"
		[ "$x" = 0 ] && break
		if [ "$x" -gt 360 ]; then
			size=304
		elif [ "$x" -gt 304 ]; then
			size=$((x - 56))
		else
			size=$x
		fi
		n=$((n + 1))
		# a name of (size - 49) bytes, unique by its counter
		mkdir "$MM/$(printf '%0'$((size - 49))'d' "$n")" ||
			fail "filling mkdir of an entry of $size bytes"
		room=$(log_room)
	done
}

note "log full: a create fails at open(), a growing write at write()"
# room for exactly two file entries of one extent and a one-byte name
# (80 + 16 + 1, rounded to 104): A held open, B created and closed
fill_log_to 208
# A a whole unit (a smaller file would be a packed piece, which moves
# to units when it grows, in one extent, and B would be packed too)
coproc writer { "$FSOP" write-twice "$MM/A" $((3 << 20)) $((2 << 20)); }
# bash forgets the coprocess's descriptors when it exits: keep copies
exec {from_writer}<&"${writer[0]}" {to_writer}>&"${writer[1]}"
read -r -u "$from_writer" line && [ "$line" = ready ] ||
	fail "first write to A: $line"
# B a whole unit too, the one after A's
head -c $((2 << 20)) /dev/zero | tr '\0' b >"$MM/B" ||
	fail "B, the last file that fits"
in_log B $((2 << 20)) || fail "B not logged"
if sh -c "echo x >'$MM/C'" 2>"$T/err"; then
	fail "creating C with a full log succeeded"
fi
grep -q "No space left on device" "$T/err" || fail "C: $(cat "$T/err")"
[ ! -e "$MM/C" ] || fail "C exists after its create failed"
expect_errno ENOSPC creat "$MM/C2"
# A's next unit is B's: growing needs a second extent, 16 more log bytes
echo go >&"$to_writer"
read -r -u "$from_writer" write_rc
read -r -u "$from_writer" close_rc
# refused by write(2), or by close(2) when the master's writeback cache
# held the write until then
case $write_rc/$close_rc in
ENOSPC/OK | OK/ENOSPC) ;;
*) fail "a write needing a second extent with a full log: write $write_rc, close $close_rc" ;;
esac
# a failed write-back skips FLUSH: the last release commits, just after
for _ in $(seq 100); do in_log A $((2 << 20)) && break; sleep 0.01; done
in_log A $((2 << 20)) ||
	fail "A, written before the log filled, was not committed"

umount_fs "$MC"
umount_fs "$MM"
fsck_clean
mount_master "$MM"
[ "$(stat -c %s "$MM/A")" = $((2 << 20)) ] &&
	[ -z "$(tr -d a <"$MM/A")" ] &&
	[ "$(stat -c %s "$MM/B")" = $((2 << 20)) ] && [ -z "$(tr -d b <"$MM/B")" ] ||
	fail "after remount A or B lost bytes"
[ "$(stat -c %s "$MM/t")" = 12345 ] || fail "t lost its size at remount"
umount_fs "$MM"
note "ok"
