#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# famfs cp into a master mount: single files, into directories, trees
# (-r), threads, -c compare, modes and owners; refusals (existing file,
# directory without -r, client mount, non-famfs destination); the client
# sees identical contents.
. "$(dirname "$0")/lib.sh" || exit 1
need_mounts
mkfs_dev 512M
mount_both || skip_all "famfs mount failed"

src=$T/src
mkdir -p "$src/a/b" "$src/empty-dir"
: >"$src/empty"
printf 'hello\n' >"$src/a/hello"
head -c 4095 /dev/urandom >"$src/a/b/page-less"
head -c 3145733 /dev/urandom >"$src/a/b/three-mib-plus"
head -c 70000000 /dev/urandom >"$src/big"
for i in $(seq 1 12); do head -c $((i * 1531)) /dev/urandom >"$src/a/s$i"; done

sums()
{
	(cd "$1" && find . -type f -print0 | sort -z | xargs -0r sha256sum)
}

expect 0 '' "cp a file to a new name" -- "$FAMFS" cp "$src/a/hello" "$MNT/h"
check "contents" -- cmp "$src/a/hello" "$MNT/h"
"$FAMFS" mkdir "$MNT/dir"
expect 0 "'$src/a/hello' -> '$MNT/dir/hello'" "cp -v into a directory" -- \
	"$FAMFS" cp -v "$src/a/hello" "$MNT/dir"
expect 0 '' "cp several files into a directory" -- \
	"$FAMFS" cp "$src/a/s1" "$src/a/s2" "$src/empty" "$MNT/dir"
check "several files" -- cmp "$src/a/s2" "$MNT/dir/s2"
check "empty file" -- test -f "$MNT/dir/empty" -a ! -s "$MNT/dir/empty"
expect 0 '' "cp -t 4 -c of a 70 MB file" -- \
	"$FAMFS" cp -t 4 -c "$src/big" "$MNT/big"
check "70 MB contents" -- cmp "$src/big" "$MNT/big"
expect 0 '' "cp -r -t 3 -c of a tree" -- "$FAMFS" cp -r -t 3 -c "$src" "$MNT/tree"
check "tree identical on the master" -- \
	test "$(sums "$src")" = "$(sums "$MNT/tree")"
check "empty directory copied" -- test -d "$MNT/tree/empty-dir"
expect 0 '' "cp -m 0640 -u 11 -g 12" -- \
	"$FAMFS" cp -m 0640 -u 11 -g 12 "$src/a/hello" "$MNT/owned"
check "cp -m/-u/-g attributes" -- \
	test "$(stat -c '%a %u %g' "$MNT/owned")" = "640 11 12"
chmod 0604 "$src/a/s3"
"$FAMFS" cp "$src/a/s3" "$MNT/s3mode"
check "cp keeps the source mode" -- test "$(stat -c %a "$MNT/s3mode")" = 604
check "copied files are mapped" -- "$FAMFS" getmap -q "$MNT/tree/big"
expect 0 '0 bad, 0 problems' "check after copies" -- "$FAMFS" check "$MNT"
# a symbolic link is a famfs object (format version 2), not a bad file
ln -s tree/big "$MNT/link-to-big"
expect 0 ' 1 symbolic links, 0 bad, 0 problems' \
	"check counts a symbolic link, finds nothing bad" -- "$FAMFS" check "$MNT"
for _ in $(seq 20); do [ -L "$CMNT/link-to-big" ] && break; sleep 0.1; done
expect 0 ' 1 symbolic links, 0 bad, 0 problems' \
	"check on the client too" -- "$FAMFS" check "$CMNT"
rm "$MNT/link-to-big"

# refusals
expect 1 "famfs: $MNT/h: exists with a different size" \
	"cp over an existing file of another size" -- \
	"$FAMFS" cp "$src/a/s4" "$MNT/h"
check "existing file untouched" -- cmp "$src/a/hello" "$MNT/h"
# restartable as upstream: a file of the source's size is overwritten
printf 'HELLO\n' >"$T/hello2"
expect 0 '' "cp over an existing file of the same size" -- \
	"$FAMFS" cp "$T/hello2" "$MNT/h"
check "overwritten with the new contents" -- cmp "$T/hello2" "$MNT/h"
expect 0 '0 bad' "check after the overwrite" -- "$FAMFS" check "$MNT"
expect 1 'is a directory \(use -r\)' "cp of a directory without -r" -- \
	"$FAMFS" cp "$src/a" "$MNT/a"
check "nothing made for it" -- test ! -e "$MNT/a"
expect 1 'not a directory' "several sources to a file" -- \
	"$FAMFS" cp "$src/a/s1" "$src/a/s2" "$MNT/h"
expect 1 'No such file' "cp of a missing source" -- \
	"$FAMFS" cp "$src/missing" "$MNT/dir"
expect 1 'read-only file system \(client\)' "cp to a client: EROFS" -- \
	"$FAMFS" cp "$src/a/hello" "$CMNT/dir/new"
expect 1 'not in a famfs mount' "cp to a non-famfs destination" -- \
	"$FAMFS" cp "$src/a/hello" "$T/out"
expect 1 'no room' "cp of more than fits" -- bash -c \
	"head -c 600000000 /dev/zero >'$T/huge' && '$FAMFS' cp '$T/huge' '$MNT/'"
rm -f "$T/huge"
check "failed copy left nothing" -- test ! -e "$MNT/huge"
expect 0 'clean' "fsck clean after the refusals" -- "$FAMFS" fsck "$MNT"

# the client sees the same bytes
check "client sees the tree" -- wait_for "$CMNT/tree/big"
check "tree identical on the client" -- \
	test "$(sums "$src")" = "$(sums "$CMNT/tree")"
expect 0 '0 bad, 0 problems' "check of the client" -- "$FAMFS" check "$CMNT"

done_testing
