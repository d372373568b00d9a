#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Upstream famfs command lines, as its CLI reference documents them and as
# its users' scripts write them, run against this famfs: each step expects
# what upstream's reference says (success or failure), and each upstream
# feature that has no meaning here is refused with a one-line reason.
# The differences that remain are listed in famfs(1) COMPATIBILITY.
. "$(dirname "$0")/lib.sh" || exit 1
need_mounts

# good DESC -- CMD...: upstream says this succeeds; fail DESC -- CMD...: fails
good() { check "$@"; }
fail()
{
	local desc=$1 out

	shift 2
	if out=$("$@" 2>&1); then
		not_ok "$desc (succeeded)"
		sed 's/^/#   /' <<<"$out"
	else
		ok "$desc"
	fi
}
# refused DESC PATTERN -- CMD...: fails with one line naming the reason
refused()
{
	local desc=$1 pattern=$2 out rc

	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ] && [ "$(wc -l <<<"$out")" -eq 1 ] &&
	   grep -Eq -- "$pattern" <<<"$out"; then
		ok "$desc (exit $rc)"
	else
		not_ok "$desc (exit $rc)"
		sed 's/^/#   /' <<<"$out"
	fi
}

mkfs_dev 256M
mkdir -p "$MNT" "$CMNT"
MOUNTS+=("$MNT" "$CMNT")

# --- the command itself
fail "famfs with no subcommand" -- "$FAMFS"
good "famfs -h" -- "$FAMFS" -h
good "famfs -h mount" -- "$FAMFS" -h mount
refused "global --dryrun" 'famfs: --dryrun: not supported' -- \
	"$FAMFS" --dryrun mkdir "$MNT/x"

# --- mount: -f is --fuse upstream and must not keep the shell waiting
good "mount -? prints help" -- "$FAMFS" mount -?
check "mount -f returns (upstream's --fuse)" -- \
	timeout 20 "$FAMFS" mount -f "$DEV" "$MNT"
check "mounted" -- grep -q " $MNT fuse.famfs " /proc/mounts
good ".meta/.superblock exists" -- test -f "$MNT/.meta/.superblock"
good ".meta/.log exists" -- test -f "$MNT/.meta/.log"
refused "mount -R (remount)" 'remount' -- "$FAMFS" mount -R "$DEV" "$MNT"
refused "mount --nofuse" 'v1 kernel module' -- \
	"$FAMFS" mount --nofuse "$DEV" "$CMNT"
refused "mount -F" 'v1 kernel module' -- "$FAMFS" mount -F "$DEV" "$CMNT"
refused "mount -L (load module)" 'no famfs kernel module' -- \
	"$FAMFS" mount -L "$DEV" "$CMNT"
refused "mount --shadow" 'shadow' -- \
	"$FAMFS" mount --shadow=/tmp/s "$DEV" "$CMNT"
refused "mount --bouncedax" 'not supported' -- \
	"$FAMFS" mount --bouncedax "$DEV" "$CMNT"
refused "FAMFS_MODE=v1" 'FAMFS_MODE: v1: only "fuse"' -- \
	env FAMFS_MODE=v1 "$FAMFS" mount "$DEV" "$CMNT"
check "nothing mounted by the refusals" -- \
	test "$(grep -c " $CMNT " /proc/mounts)" = 0
# a client with upstream's -t, -u, -p, -v and FAMFS_MODE=fuse
expect 0 "mounted at $CMNT" "client mount -v -t 7 -u -p, FAMFS_MODE=fuse" -- \
	env FAMFS_MODE=fuse FAMFS_SYSTEM_UUID="$CLIENT_UUID" \
	"$FAMFS" mount -v -t 7 -u -p "$DEV" "$CMNT"
opts=$(awk -v m="$CMNT" '$5 == m {print $NF}' /proc/self/mountinfo)
check "-u: no allow_other ($opts)" -- test "${opts#*allow_other}" = "$opts"
check "-p: no default_permissions" -- \
	test "${opts#*default_permissions}" = "$opts"
mopts=$(awk -v m="$MNT" '$5 == m {print $NF}' /proc/self/mountinfo)
check "default: allow_other and default_permissions ($mopts)" -- \
	bash -c "[[ '$mopts' == *default_permissions* && '$mopts' == *allow_other* ]]"
pid=$(pgrep -f "famfs_fused.* $CMNT\$" | head -n 1)
check "-t 7 reaches the daemon" -- \
	bash -c "tr '\\0' ' ' </proc/$pid/cmdline | grep -q timeout=7"

# --- creat
good "creat -h" -- "$FAMFS" creat -h
fail "creat with no args" -- "$FAMFS" creat
fail "creat without size (new file)" -- "$FAMFS" creat -r -S 1 "$MNT/test1"
good "creat -r -s 4096 -S 1" -- "$FAMFS" creat -r -s 4096 -S 1 "$MNT/test1"
fail "creat of an existing directory" -- "$FAMFS" creat "$MNT/.meta"
fail "creat -t 1000" -- "$FAMFS" creat -t 1000 -M "$MNT/zork,4K,1"
fail "creat outside famfs" -- "$FAMFS" creat -v -s 4K /tmp/notfamfs-$$
fail "creat --multi, one good one bad" -- "$FAMFS" creat -v \
	--multi "$MNT/goodfile,4k" --multi "/tmp/badfile-$$,4M"
good "...but the good file was made" -- test -f "$MNT/goodfile"
check "...and nothing outside" -- test ! -e "/tmp/badfile-$$"
fail "randomize with the wrong size" -- \
	"$FAMFS" creat -S 1 -r -s 2048 "$MNT/goodfile"
good "randomize without a size" -- "$FAMFS" creat -S 1 -r "$MNT/goodfile"
good "...and it verifies" -- "$FAMFS" verify -S 1 -f "$MNT/goodfile"
fail "creat -t 0" -- "$FAMFS" creat -t 0 --multi "$MNT/goodfile,2K,1"
fail "multi without a size" -- "$FAMFS" creat -M "$MNT/notcreated"
check "nothing made for it" -- test ! -e "$MNT/notcreated"
good "multi, partly seeded" -- "$FAMFS" creat -M "$MNT/seeded,2M,42" \
	-M "$MNT/notseeded,2M"
good "verify --multi of the seeded one" -- \
	"$FAMFS" verify --multi "$MNT/seeded,42"
good "creat --threadct 2 --multi" -- "$FAMFS" creat --threadct 2 \
	--multi "$MNT/m1,3M,5" --multi "$MNT/m2,3M,6"
good "creat -N 2 --chunksize 2M" -- \
	"$FAMFS" creat -s 8M -N 2 --chunksize 2M -S 9 "$MNT/striped"
good "striped file verifies" -- "$FAMFS" verify -S 9 -f "$MNT/striped"

# --- verify
good "verify -h" -- "$FAMFS" verify -h
fail "verify with no args" -- "$FAMFS" verify
fail "verify without a seed" -- "$FAMFS" verify -f "$MNT/test1"
fail "verify of a missing file" -- "$FAMFS" verify -S 1 -f "$MNT/badfile"
good "verify seed 1" -- "$FAMFS" verify -S 1 -f "$MNT/test1"
fail "verify with the wrong seed" -- "$FAMFS" verify -S 99 -f "$MNT/test1"
good "creat test2 and test3" -- bash -c "'$FAMFS' creat -r -s 4096 -S 2 \
	'$MNT/test2' && '$FAMFS' creat -r -s 4096 -S 3 '$MNT/test3'"
expect 0 '^$' "verify --quiet prints nothing" -- \
	"$FAMFS" verify --quiet -S 3 -f "$MNT/test3"
good "verify -m" -- "$FAMFS" verify -m "$MNT/test1,1"
fail "verify -m with a bad seed" -- "$FAMFS" verify -m "$MNT/test1,2"
fail "verify --multi without a comma" -- "$FAMFS" verify --multi "$MNT/test1"
fail "verify --multi with extra fields" -- \
	"$FAMFS" verify --multi "$MNT/test1,1,extra"
good "verify of three" -- "$FAMFS" verify --multi "$MNT/test1,1" \
	--multi "$MNT/test2,2" --multi "$MNT/test3,3"
fail "verify of three, one wrong" -- "$FAMFS" verify --multi "$MNT/test1,9" \
	--multi "$MNT/test2,2" --multi "$MNT/test3,3"
fail "verify --threadct -1" -- "$FAMFS" verify --threadct -1 \
	--multi "$MNT/test1,1"
fail "verify --threadct 257" -- "$FAMFS" verify --threadct 257 \
	--multi "$MNT/test1,1"
good "verify --threadct 4" -- "$FAMFS" verify --threadct 4 \
	--multi "$MNT/test1,1" --multi "$MNT/test2,2"

# --- creat is restartable
good "creat to re-init an existing file" -- \
	"$FAMFS" creat -r -s 4096 -S 99 "$MNT/test1"
good "...with the new seed" -- "$FAMFS" verify -S 99 -f "$MNT/test1"
good "recreate with the same size" -- "$FAMFS" creat -s 4096 "$MNT/test1"
fail "recreate with another size" -- "$FAMFS" creat -s 8192 "$MNT/test1"
good "re-init to seed 1" -- "$FAMFS" creat -r -s 4096 -S 1 "$MNT/test1"
good "verify after re-init" -- "$FAMFS" verify -S 1 -f "$MNT/test1"
fail "creat outside famfs" -- "$FAMFS" creat -r -s 4096 -S 1 /tmp/test1-$$
fail "creat of an empty file" -- \
	"$FAMFS" creat -r -s 0 -S 1 "$MNT/emptyfile"

# --- modes and owners
good "creat -m -u -g" -- "$FAMFS" creat -s 0x100000 -r -m 600 -u 1234 \
	-g 4321 "$MNT/testmode0"
check "creat mode, uid, gid" -- \
	test "$(stat -c '%a %u %g' "$MNT/testmode0")" = "600 1234 4321"
fail "mkdir with no args" -- "$FAMFS" mkdir
good "mkdir -p -m -u -g" -- "$FAMFS" mkdir -p -m 600 -u 1234 -g 4321 \
	"$MNT/z/y/x/w"
check "mkdir mode, uid, gid" -- \
	test "$(stat -c '%a %u %g' "$MNT/z/y/x/w")" = "600 1234 4321"

# --- logplay on the client (and the master)
good "logplay -h" -- "$FAMFS" logplay -h
good "logplay" -- "$FAMFS" logplay "$CMNT"
good "logplay -rc" -- "$FAMFS" logplay -rc "$CMNT"
fail "logplay -rm (exclusive)" -- "$FAMFS" logplay -rm "$CMNT"
fail "logplay without a mountpoint" -- "$FAMFS" logplay
good "logplay -vvv" -- "$FAMFS" logplay -vvv "$CMNT"
good "logplay --dryrun" -- "$FAMFS" logplay --dryrun "$CMNT"
good "logplay of the master" -- "$FAMFS" logplay -m "$MNT"
refused "logplay --shadow" 'shadow' -- \
	"$FAMFS" logplay --shadow /tmp/sh "$CMNT"
check "the client has every file" -- wait_for "$CMNT/z/y/x/w"
good "client verifies test1" -- "$FAMFS" verify -S 1 -f "$CMNT/test1"

# --- chkread and the .meta files
good "chkread -l of the log" -- "$FAMFS" chkread -l "$MNT/.meta/.log"
good "chkread -s of the superblock" -- \
	"$FAMFS" chkread -s "$MNT/.meta/.superblock"
good "chkread -?" -- "$FAMFS" chkread -?
fail "chkread with no args" -- "$FAMFS" chkread
fail "chkread of a bad file" -- "$FAMFS" chkread -s "$MNT/badfilexx"
log_len=$("$FAMFS" fsck --json "$DEV" | python3 -c \
	'import json,sys; o = json.load(sys.stdin); print(o["log_len"])')
expect 0 "length 0x$(printf %x "$log_len")" "getmap of .meta/.log" -- \
	"$FAMFS" getmap "$MNT/.meta/.log"
good "getmap -q of .meta/.superblock" -- \
	"$FAMFS" getmap -q "$MNT/.meta/.superblock"
expect 0 "Size: $log_len " "stat of .meta/.log" -- \
	"$FAMFS" stat "$MNT/.meta/.log"
expect 0 'flushed' "flush -v of .meta/.log" -- \
	"$FAMFS" flush -v "$MNT/.meta/.log"
expect 2 'generated by famfs_fused' "getmap of .meta/.poison: not mapped" -- \
	"$FAMFS" getmap "$MNT/.meta/.poison"

# --- mkmeta: nothing to do here
refused "mkmeta" 'mkmeta: not needed' -- "$FAMFS" mkmeta "$DEV"

# --- check
fail "check with no args" -- "$FAMFS" check
good "check -?" -- "$FAMFS" check -?
good "check" -- "$FAMFS" check "$MNT"
fail "check of a relative path" -- "$FAMFS" check relpath
fail "check of a bad path" -- "$FAMFS" check /badpath
good "check -v" -- "$FAMFS" check -v "$MNT"

# --- flush
good "flush -?" -- "$FAMFS" flush -?
fail "flush with no args" -- "$FAMFS" flush
fail "flush of a bogus file" -- "$FAMFS" flush /bogus/file
mapfile -t files < <(find "$MNT" -type f)
good "flush of every file (${#files[@]})" -- "$FAMFS" flush "${files[@]}"
mapfile -t all < <(find "$MNT")
fail "flush of directories too reports errors" -- \
	"$FAMFS" flush -vv "${all[@]}"

# --- fsck
fail "fsck with no args" -- "$FAMFS" fsck
good "fsck -?" -- "$FAMFS" fsck -?
good "fsck of the mount" -- "$FAMFS" fsck "$MNT"
good "fsck --human" -- "$FAMFS" fsck --human "$MNT"
good "fsck -m (upstream: via mmap)" -- "$FAMFS" fsck -m "$MNT"
refused "fsck --nofuse" 'v1 kernel module' -- "$FAMFS" fsck --nofuse "$DEV"

# --- cp
mkdir -p "$T/src/sub"
head -c 3000000 /dev/urandom >"$T/src/one"
head -c 5000 /dev/urandom >"$T/src/sub/two"
good "cp -h" -- "$FAMFS" cp -h
fail "cp with one argument" -- "$FAMFS" cp "$T/src/one"
good "cp a file" -- "$FAMFS" cp "$T/src/one" "$MNT/one"
good "cp again over it (restart)" -- "$FAMFS" cp "$T/src/one" "$MNT/one"
check "same bytes" -- cmp "$T/src/one" "$MNT/one"
fail "cp over a file of another size" -- \
	"$FAMFS" cp "$T/src/sub/two" "$MNT/one"
good "cp -r --threadct 2 -v" -- "$FAMFS" cp -r --threadct 2 -v \
	"$T/src" "$MNT/tree"
mkdir -p "$T/flat"
for i in 1 2 3; do head -c $((i * 1000)) /dev/urandom >"$T/flat/f$i"; done
good "cp of a wildcard set into a directory" -- \
	bash -c "'$FAMFS' mkdir '$MNT/w' && '$FAMFS' cp '$T'/flat/* '$MNT/w/'"
check "all three there" -- cmp "$T/flat/f3" "$MNT/w/f3"
good "cp -m -u -g" -- "$FAMFS" cp -m 0640 -u 11 -g 12 "$T/src/sub/two" \
	"$MNT/owned"
good "cp -N 2 --chunksize 2M" -- "$FAMFS" cp -N 2 --chunksize 2M \
	"$T/src/one" "$MNT/one-striped"
check "striped copy intact" -- cmp "$T/src/one" "$MNT/one-striped"

# --- getmap and clone
good "getmap -q of a file" -- "$FAMFS" getmap -q "$MNT/one"
expect 1 '' "getmap of a non-famfs file: 1" -- "$FAMFS" getmap -q /etc/hostname
expect 21 '' "getmap of a directory: EISDIR" -- "$FAMFS" getmap -q "$MNT/w"
good "clone -h" -- "$FAMFS" clone -h

# --- umount as upstream does it (the system's umount), then mount again
good "umount" -- umount "$CMNT"
check "client gone" -- test "$(grep -c " $CMNT " /proc/mounts)" = 0
good "famfs umount" -- "$FAMFS" umount "$MNT"
good "mount again" -- "$FAMFS" mount "$DEV" "$MNT"
good "files survive" -- "$FAMFS" verify -S 1 -f "$MNT/test1"
good "fsck clean at the end" -- "$FAMFS" fsck "$DEV"

done_testing
