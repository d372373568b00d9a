#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Log entries per operation on an existing committed file of a version 2
# master. The log is finite (a full log refuses every further change), so
# one call is one entry where the format allows it. Right after each
# operation the client shows the master's names, sizes, modes and mtimes
# (polled, as its notify replay takes a moment); after all of them a
# remount of the master shows them too, and fsck is clean.
. "$(dirname "$0")/lib.sh" || exit 1

command -v setpriv >/dev/null ||
	fail "setpriv is not installed (util-linux; make deps installs it)"

mkfs_dev 256M
MM=$T/master MC=$T/client
mount_master "$MM" >/dev/null
mount_client "$MC" >/dev/null

entries()
{
	"$FAMFS" fsck --json "$DEV" | grep -o '"log_entries":[0-9]*' |
		cut -d: -f2
}

# What a host shows of the test's files: name, size, mode, mtime (ns).
view()
{
	(cd "$1" && stat -c '%n %s %a %.9Y' -- * | LC_ALL=C sort)
}

head -c 5000 /dev/urandom >"$T/other"
# A process without CAP_FSETID: its truncation of a setuid file clears
# the bit (the kernel sends the mode with the size).
# shellcheck disable=SC2034  # the table's eval uses it
NOFSETID=(setpriv --bounding-set=-fsetid)

# expected entries | setup (not counted) | the operation. $F is a file
# of 12 bytes (mode 644) committed before the setup, $O a 5000-byte file
# outside the mount.
#
# `echo x > F` is two: the shell opens F with O_TRUNC, moves the
# descriptor to 1 and closes the first one; that close(2) must return
# with the truncation in the log (nothing tells the daemon that another
# descriptor shares the handle: the same close of `: > F` is its last),
# and the write that follows is a new contents entry.
i=0
while IFS='|' read -r want setup op; do
	i=$((i + 1))
	# shellcheck disable=SC2034  # the table's eval uses O
	F=$MM/f$i O=$T/other
	printf 'hello world\n' >"$F"
	eval "$setup" </dev/null
	sleep 0.05	# the operation's time is not the file's last one
	before=$(entries)
	# fsop says OK or the errno's name; the others say nothing
	out=$( (eval "$op") </dev/null) || fail "$op: failed"
	[ -z "$out" ] || [ "$out" = OK ] || fail "$op: $out"
	got=$(($(entries) - before))
	[ "$got" = "$want" ] ||
		fail "$op: $got log entries, expected $want"
	client_shows "$op" view
done <<'EOF'
1||truncate -s 3 "$F"
1||truncate -s 100 "$F"
1||truncate -s 12 "$F"
1||"$FSOP" truncate "$F" 3
1||"$FSOP" truncate "$F" 0
1||"$FSOP" truncate "$F" 3000000
0||"$FSOP" truncate "$F" 12
1|chmod 4755 "$F"|"${NOFSETID[@]}" "$FSOP" truncate "$F" 3
1||: >"$F"
2||echo x >"$F"
1||echo x >>"$F"
1||"$FSOP" open-trunc "$F"
1||touch "$F"
1||touch -d 2020-01-02 "$F"
1||chmod 600 "$F"
1||mv "$F" "$F.moved"
1||cp "$O" "$F"
EOF
[ "$(stat -c %a "$MM/f8")" = 755 ] ||
	fail "truncating a setuid file without CAP_FSETID kept the bit"

want=$(view "$MM")
umount_fs "$MM"
mount_master "$MM" >/dev/null
got=$(view "$MM")
[ "$got" = "$want" ] ||
	fail "a remount differs: $(diff <(echo "$want") <(echo "$got"))"
fsck_clean
echo "ok: $i operations, each logged the entries expected"
