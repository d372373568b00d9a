#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Every exit status famfs(1) and mkfs.famfs(8) document in EXIT STATUS is
# produced here by a case that should produce it. The last check reads
# the man pages: a code they document that no case below produced fails
# the test, so a new code comes with its case.
. "$(dirname "$0")/lib.sh" || exit 1
need_mounts

MAN=${MANDIR:-$(dirname "$0")/../../man}
PRODUCED=$T/produced

# code CMD STATUS PATTERN DESCRIPTION -- COMMAND...: as expect, and CMD's
# STATUS counts as produced when it passes ("famfs" for the general codes)
code()
{
	local cmd=$1 want=$2 before=$tap_failed

	shift 2
	expect "$want" "$@"
	[ "$tap_failed" != "$before" ] || echo "$cmd $want" >>"$PRODUCED"
}

# put_byte OFFSET: flip one byte of the device behind everyone's back
flip_byte()
{
	local old

	old=$(od -An -tu1 -j "$1" -N1 "$DEV" | tr -d ' ')
	printf "\\$(printf %03o $((old ^ 1)))" |
		dd of="$DEV" bs=1 seek="$1" conv=notrunc status=none
}

: >"$PRODUCED"
in=/tmp/not-famfs-$$

code famfs 0 '^famfs ' "famfs --version: 0" -- "$FAMFS" --version
code famfs 2 'usage' "famfs without a command: 2" -- "$FAMFS"
code famfs 1 'not in a famfs mount' "famfs mkdir outside famfs: 1" -- \
	"$FAMFS" mkdir "$in"

code mkfs.famfs 2 'usage' "mkfs.famfs without a device: 2" -- "$MKFS"
code mkfs.famfs 0 '' "mkfs.famfs of a new device: 0" -- \
	"$MKFS" --size 256M "$DEV"
code mkfs.famfs 1 'already holds a famfs' "mkfs.famfs of a famfs: 1" -- \
	"$MKFS" "$DEV"
mount_both || { not_ok "mount"; done_testing; exit 1; }

# getmap: upstream famfs's codes
"$FAMFS" creat -s 3M -S 9 "$MNT/f" >/dev/null
code getmap 0 'extents' "getmap of a famfs file: 0" -- \
	"$FAMFS" getmap "$MNT/f"
code getmap 1 'not in a famfs file system' "getmap of a file outside: 1" -- \
	"$FAMFS" getmap /etc/hostname
code getmap 2 'No such file' "getmap of a missing file: 2" -- \
	"$FAMFS" getmap "$MNT/missing"
code getmap 21 'not a regular file' "getmap of a directory: 21" -- \
	"$FAMFS" getmap "$MNT"
code getmap 9 'usage' "getmap without a file: 9" -- "$FAMFS" getmap
code getmap 9 'Not a directory' "getmap when stat fails otherwise: 9" -- \
	"$FAMFS" getmap "$MNT/f/below-a-file"

# verify: the whole file is compared, up to its last byte
size=$((3 << 20))
code verify 0 '' "verify of an intact file: 0" -- \
	"$FAMFS" verify -f "$MNT/f" -S 9
for off in $((2 << 20)) $((size - 1)); do
	flip_at=$(od -An -tu1 -j "$off" -N1 "$MNT/f" | tr -d ' ')
	printf "\\$(printf %03o $((flip_at ^ 0x80)))" |
		dd of="$MNT/f" bs=1 seek="$off" conv=notrunc status=none
	code verify 1 "mismatch at offset $off \\(seed 9\\)" \
		"verify of a file bad at byte $off (past the first MiB): 1" -- \
		"$FAMFS" verify -f "$MNT/f" -S 9
	printf "\\$(printf %03o "$flip_at")" |
		dd of="$MNT/f" bs=1 seek="$off" conv=notrunc status=none
done

code check 0 '0 bad, 0 problems' "check of a clean mount: 0" -- \
	"$FAMFS" check "$MNT"
code check 8 'not a famfs mount point' "check of a plain directory: 8" -- \
	"$FAMFS" check "$T"

# a user who may read the mount but not the device (nor a 0600 file)
chmod 0755 "$T"
"$FAMFS" creat -s 2M -m 0600 "$MNT/private" >/dev/null
as_user() { setpriv --reuid=54321 --regid=54321 --clear-groups -- "$@"; }
code getmap 13 'Permission denied' "getmap of a file the user may not read: 13" -- \
	as_user "$FAMFS" getmap "$MNT/private"
code check 8 'not readable by this user' "check the user cannot finish: 8" -- \
	as_user "$FAMFS" check "$MNT"
code fsck 0 'clean' "fsck of a clean device: 0" -- "$FAMFS" fsck "$DEV"
code fsck 8 'No such file' "fsck of a missing device: 8" -- \
	"$FAMFS" fsck "$DEV.missing"
code fsck 16 'usage' "fsck without a device: 16" -- "$FAMFS" fsck

# one refused entry and nothing else wrong: the errors bit alone
"$FAMFS" clone "$MNT/f" "$MNT/cross-linked" >/dev/null 2>&1
code fsck 4 'extent overlaps another file' "fsck, one refused entry: 4" -- \
	"$FAMFS" fsck "$DEV"
code check 1 'extent overlaps another file' "check, one refused entry: 1" -- \
	"$FAMFS" check "$MNT"

# the primary superblock's CRC, then the log header's
flip_byte 508
code fsck 4 'primary superblock' "fsck, refused entry and bad superblock: 4" -- \
	"$FAMFS" fsck "$DEV"
code check 3 'superblock' "check, refused entry and bad superblock: 3" -- \
	"$FAMFS" check "$MNT"
flip_byte 508
# a damaged log header: the superblock's values are used, so replay still
# finds the refused entry behind it
flip_byte $(((2 << 20) + 30))
code fsck 4 'log header' "fsck of a bad log header and a refused entry: 4" \
	-- "$FAMFS" fsck "$DEV"
code check 5 'log' "check of a bad log header and a refused entry: 5" -- \
	"$FAMFS" check "$MNT"
flip_byte $(((2 << 20) + 30))
code fsck 4 '' "restored: the refused entry alone again: 4" -- \
	"$FAMFS" fsck "$DEV"
# a bad superblock with an intact log
"$FAMFS" umount "$CMNT" && "$FAMFS" umount "$MNT"
"$MKFS" -f --size 256M "$DEV" >/dev/null
flip_byte 508
code fsck 4 'primary superblock' "fsck of a bad superblock alone: 4" -- \
	"$FAMFS" fsck "$DEV"
mkdir -p "$MNT" && "$FAMFS" mount "$DEV" "$MNT" >/dev/null
code check 2 'superblock' "check of a bad superblock alone: 2" -- \
	"$FAMFS" check "$MNT"
flip_byte 508
flip_byte $(((2 << 20) + 30))
code fsck 4 'log header' "fsck of a bad log header alone: 4" -- \
	"$FAMFS" fsck "$DEV"
code check 4 'log' "check of a bad log header alone: 4" -- "$FAMFS" check "$MNT"
"$FAMFS" umount "$MNT"
code fsck 1 'log header rewritten' "fsck --repair of a bad log header: 1" -- \
	"$FAMFS" fsck --repair "$DEV"

# run: the command's status, or why it did not run
. "$(dirname "$0")/../sanitizers.sh"
code run 0 '' "run of a command that succeeds: 0" -- \
	env LD_PRELOAD="$(san_runtimes "${PRELOAD_LIB:?}")" "$FAMFS" run true
: >"$T/not-a-program"
code run 126 'Permission denied' "run of a file that is no program: 126" -- \
	"$FAMFS" run "$T/not-a-program"
code run 127 'No such file' "run of a missing command: 127" -- \
	"$FAMFS" run no-such-command-here
code run 1 'libfamfs-direct.so not found' "run without its library: 1" -- \
	env FAMFS_DIRECT_LIBRARY=/nonexistent/lib.so "$FAMFS" run true

# What the man pages document, as "command code" lines: each .It Cm
# block of EXIT STATUS is that command's; the text before the first is
# the general codes (famfs) or the tool's own (mkfs.famfs).
documented()
{
	python3 - "$MAN/famfs.1" famfs "$MAN/mkfs.famfs.8" mkfs.famfs <<'PY'
import re, sys
args = sys.argv[1:]
for page, general in zip(args[::2], args[1::2]):
    text = open(page, encoding="utf-8").read()
    m = re.search(r"^\.Sh EXIT STATUS\n(.*?)^\.Sh ", text, re.S | re.M)
    if not m:
        sys.exit(f"{page}: no EXIT STATUS section")
    cmd = general
    for line in m.group(1).splitlines():
        it = re.match(r"^\.It Cm (\S+)", line)
        if it:
            cmd = it.group(1)
            continue
        if line.startswith(".") and not line.startswith((".Pq", ".Ar")):
            continue
        for n in re.findall(r"(?<![\w.^-])(\d+)(?![\w.])", line):
            print(cmd, n)
PY
}

documented | sort -u >"$T/documented" || not_ok "read the man pages"
while read -r cmd status; do
	if grep -qx "$cmd $status" "$PRODUCED"; then
		ok "documented: $cmd exits $status, and a case above produced it"
	else
		not_ok "documented: $cmd exits $status, but no case produced it"
	fi
done <"$T/documented"
[ -s "$T/documented" ] && ok "the man pages document exit codes" ||
	not_ok "no exit codes found in the man pages"

done_testing
