#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# famfs mkdir, creat, verify, getmap, stat, ls, flush, chkread and check
# on a master mount and a client mount of one device: results on both
# sides, refusals on the client, exit codes.
. "$(dirname "$0")/lib.sh" || exit 1
need_mounts
mkfs_dev 256M
mount_both || skip_all "famfs mount failed"

# mkdir
expect 0 '' "mkdir" -- "$FAMFS" mkdir "$MNT/d1"
expect 0 "created directory '$MNT/p/q/r'" "mkdir -p -v makes parents" -- \
	"$FAMFS" mkdir -p -v "$MNT/p/q/r"
expect 0 '' "mkdir -p of an existing dir" -- "$FAMFS" mkdir -p "$MNT/p/q"
expect 1 "famfs: $MNT/d1: File exists" "mkdir of an existing dir" -- \
	"$FAMFS" mkdir "$MNT/d1"
expect 1 'parent directory does not exist' "mkdir without its parent" -- \
	"$FAMFS" mkdir "$MNT/no/parent"
expect 0 '' "mkdir -m 0700 -u 123 -g 456" -- \
	"$FAMFS" mkdir -m 0700 -u 123 -g 456 "$MNT/owned"
check "mkdir -m/-u/-g attributes" -- \
	test "$(stat -c '%a %u %g' "$MNT/owned")" = "700 123 456"
expect 1 "famfs: $CMNT/c1: read-only file system \(client\)" \
	"mkdir on a client: EROFS" -- "$FAMFS" mkdir "$CMNT/c1"

# creat and verify
expect 0 '' "creat -s 3M -S 42" -- "$FAMFS" creat -s 3M -S 42 "$MNT/d1/f1"
check "creat size" -- test "$(stat -c %s "$MNT/d1/f1")" = 3145728
expect 0 '' "verify -S 42" -- "$FAMFS" verify -f "$MNT/d1/f1" -S 42
# an empty file is in the log when cp returns, not a moment later
: >"$T/empty-source"
expect 0 '' "cp of an empty file" -- "$FAMFS" cp "$T/empty-source" "$MNT/empty"
expect 0 ' file +empty size=0 ' "empty file logged at once" -- \
	"$FAMFS" fsck -v "$DEV"
expect 1 "famfs: $MNT/d1/f1: mismatch at offset 0 \(seed 43\)" \
	"verify with the wrong seed" -- "$FAMFS" verify -f "$MNT/d1/f1" -S 43
expect 1 'exists with a different size \(3145728 bytes, not 2097152\)' \
	"creat of an existing file of another size" -- \
	"$FAMFS" creat -s 2M "$MNT/d1/f1"
expect 0 '' "existing file untouched" -- "$FAMFS" verify -f "$MNT/d1/f1" -S 42
# restartable as upstream: the same size is reused, filled again on request
expect 0 "reused '$MNT/d1/f1'" "creat of the same size reuses the file" -- \
	"$FAMFS" creat -v -s 3M "$MNT/d1/f1"
expect 0 '' "reused file untouched" -- "$FAMFS" verify -f "$MNT/d1/f1" -S 42
expect 0 '' "creat -S of an existing file fills it again" -- \
	"$FAMFS" creat -S 43 "$MNT/d1/f1"
expect 0 '' "refilled with the new seed" -- \
	"$FAMFS" verify -f "$MNT/d1/f1" -S 43
expect 0 '' "creat -s -S of the same size refills" -- \
	"$FAMFS" creat -s 3M -S 42 "$MNT/d1/f1"
expect 0 '' "back to seed 42" -- "$FAMFS" verify -f "$MNT/d1/f1" -S 42
expect 1 'exists and is not a regular file' "creat over a directory" -- \
	"$FAMFS" creat -s 2M "$MNT/d1"
expect 1 'read-only file system \(client\)' "creat on a client: EROFS" -- \
	"$FAMFS" creat -s 2M "$CMNT/d1/nope"
expect 1 'not in a famfs mount' "creat outside famfs" -- \
	"$FAMFS" creat -s 2M "$T/plain"
expect 1 'no room' "creat larger than the device" -- \
	"$FAMFS" creat -s 1G "$MNT/huge"
expect 0 '' "creat -m 0600 -u 7 -g 8 (zero filled)" -- \
	"$FAMFS" creat -s 1M -m 0600 -u 7 -g 8 "$MNT/zeros"
check "creat -m/-u/-g attributes" -- \
	test "$(stat -c '%a %u %g %s' "$MNT/zeros")" = "600 7 8 1048576"
check "creat without a seed is zero filled" -- \
	cmp -s "$MNT/zeros" <(head -c 1048576 /dev/zero)
expect 0 '^famfs: seed [0-9]+' "creat -r prints its seed" -- \
	"$FAMFS" creat -r -s 1M "$MNT/rnd"
seed=$(grep -o '[0-9]*' <<<"$("$FAMFS" creat -r -s 2M "$MNT/rnd2")")
expect 0 '' "verify with the printed -r seed" -- \
	"$FAMFS" verify -f "$MNT/rnd2" -S "$seed"
expect 0 '' "creat -M x3 -t 3 (per-file seeds)" -- \
	"$FAMFS" creat -t 3 -M "$MNT/m1,5M,1" -M "$MNT/m2,1M,2" \
	-M "$MNT/m3,9000000,3"
expect 0 '' "verify -m x3 -t 2" -- "$FAMFS" verify -t 2 -m "$MNT/m1,1" \
	-m "$MNT/m2,2" -m "$MNT/m3,3"
expect 1 "$MNT/m2: mismatch" "verify -m names the bad file" -- \
	"$FAMFS" verify -m "$MNT/m1,1" -m "$MNT/m2,3"
expect 0 '' "creat 64M with 4 threads" -- \
	"$FAMFS" creat -t 4 -s 64M -S 99 "$MNT/big"
expect 0 '' "verify 64M with 4 threads" -- \
	"$FAMFS" verify -t 4 -f "$MNT/big" -S 99

# interleave goes through the mount as the user.famfs.interleave xattr
expect 0 '' "creat -N 2 -B 4 -C 2M -S 11" -- \
	"$FAMFS" creat -s 8M -S 11 -N 2 -B 4 -C 2M "$MNT/il"
expect 0 'interleave: 2 strips, 4 buckets, chunk 2097152' \
	"getmap shows the interleave" -- "$FAMFS" getmap "$MNT/il"
expect 0 '' "verify interleaved" -- "$FAMFS" verify -f "$MNT/il" -S 11
expect 0 '"nstrips":2' "cp -N 2 -B 4 -C 4M, stat --json shows it" -- \
	bash -c "'$FAMFS' cp -N 2 -B 4 -C 4M '$FAMFS' '$MNT/ilcp' &&
	 '$FAMFS' stat --json '$MNT/ilcp'"
check "cp -N contents" -- cmp "$FAMFS" "$MNT/ilcp"
# the first of 3 buckets is full by now: refused before anything exists
expect 1 'no room for [0-9]+ bytes with this interleave' \
	"interleave that cannot fit is refused" -- \
	"$FAMFS" cp -N 3 -C 4M "$FAMFS" "$MNT/ilfull"
check "refused interleave created nothing" -- test ! -e "$MNT/ilfull"

# the client sees it all
check "client sees the new file" -- wait_for "$CMNT/big"
expect 0 '' "verify on the client" -- "$FAMFS" verify -f "$CMNT/d1/f1" -S 42
expect 0 '' "verify 64M on the client" -- \
	"$FAMFS" verify -t 2 -f "$CMNT/big" -S 99

# getmap
expect 0 'extents: +1' "getmap of a famfs file" -- \
	"$FAMFS" getmap "$MNT/d1/f1"
expect 0 "size: +3145728" "getmap on the client" -- \
	"$FAMFS" getmap "$CMNT/d1/f1"
expect 0 '^$' "getmap -q of a famfs file" -- "$FAMFS" getmap -q "$MNT/d1/f1"
expect 21 'not a regular file' "getmap of a directory" -- \
	"$FAMFS" getmap "$MNT/d1"
expect 2 'No such file' "getmap of a missing file" -- \
	"$FAMFS" getmap "$MNT/d1/none"
expect 1 'not in a famfs' "getmap of a non-famfs file" -- \
	"$FAMFS" getmap /etc/hostname
# a file still being written is not in the log yet: unmapped
sleep 60 3>"$MNT/pending" &
holder=$!
wait_for "$MNT/pending"
expect 2 'not mapped' "getmap of a file still open for writing: 2" -- \
	"$FAMFS" getmap "$MNT/pending"
kill "$holder"
wait "$holder" 2>/dev/null
for i in $(seq 1 20); do
	"$FAMFS" getmap -q "$MNT/pending" && break
	sleep 0.1
done
expect 0 'size: +0' "closed empty file is in the log" -- \
	"$FAMFS" getmap "$MNT/pending"

# stat / ls
expect 0 '"size":3145728' "stat --json" -- "$FAMFS" stat --json "$MNT/d1/f1"
check "stat --json shape (client)" -- bash -c "'$FAMFS' stat --json \
	'$CMNT/d1/f1' '$CMNT/owned' | python3 -c '
import json, sys
a = json.load(sys.stdin)
assert [o[\"type\"] for o in a] == [\"file\", \"directory\"], a
assert a[0][\"state\"] == \"committed\" and a[0][\"extents\"] == 1, a
assert a[1][\"mode\"] == \"0700\" and a[1][\"uid\"] == 123, a
'"
check "ls --json lists d1 with the stat shape" -- bash -c "'$FAMFS' ls \
	--json '$MNT/d1' | python3 -c '
import json, sys
a = json.load(sys.stdin)
assert [o[\"path\"] for o in a] == [\"$MNT/d1/f1\"], a
assert set(a[0]) == {\"path\", \"device\", \"type\", \"state\", \"ino\",
  \"mode\", \"uid\", \"gid\", \"nlink\", \"size\", \"allocated\", \"time\",
  \"time_ns\", \"extents\", \"interleave\"}, a
'"
expect 0 'f1' "ls -l" -- "$FAMFS" ls -l "$MNT/d1"
expect 0 "$MNT/p/q:" "ls -R" -- "$FAMFS" ls -R "$MNT/p"
expect 0 '^big' "ls on the client" -- "$FAMFS" ls "$CMNT"
expect 1 'not in a famfs mount' "ls outside famfs" -- "$FAMFS" ls /tmp
expect 1 'No such file' "stat of a missing path" -- \
	"$FAMFS" stat "$MNT/none"

# flush and chkread
expect 0 'flushed 4194304 bytes \(device extents' "flush a famfs file" -- \
	"$FAMFS" flush -v "$MNT/d1/f1"
expect 0 '' "flush several files on the client" -- \
	"$FAMFS" flush "$CMNT/d1/f1" "$CMNT/big"
expect 0 '' "verify after flush" -- "$FAMFS" verify -f "$MNT/d1/f1" -S 42
expect 0 'agree on 3145728' "chkread on the master" -- \
	"$FAMFS" chkread -v "$MNT/d1/f1"
expect 0 '' "chkread on the client" -- "$FAMFS" chkread "$CMNT/big"
expect 0 '' "chkread -s of the superblock file" -- \
	"$FAMFS" chkread -s "$CMNT/.meta/.superblock"
expect 0 '' "chkread -l of the log file" -- "$FAMFS" chkread -l "$MNT/.meta/.log"
# both hosts rewrite their host-table slots (inside the superblock area)
# twice a second; chkread -s must not call that a difference
expect 0 '' "chkread -s 80 times while the hosts beat" -- bash -c \
	'for i in $(seq 80); do "$0" chkread -s "$1" || exit; done' \
	"$FAMFS" "$CMNT/.meta/.superblock"
# Mounted hosts rewrite their host table slots every second, so chkread -s
# leaves the table out. A slot rewritten without pause (the last one,
# whose magic stays zero: no host's) must not make it fail.
"$(dirname "$0")/slot-writer.py" "$DEV" "$T/writer-ready" &
writer=$!
check "slot writer running" -- wait_for "$T/writer-ready"
expect 0 '' "chkread -s while a host slot changes" -- \
	"$FAMFS" chkread -s "$MNT/.meta/.superblock"
kill "$writer"
wait "$writer" 2>/dev/null
expect 1 'not the superblock area size' "chkread -s of the log" -- \
	"$FAMFS" chkread -s "$MNT/.meta/.log"

# check
expect 0 '0 bad, 0 problems' "check of a clean master" -- "$FAMFS" check "$MNT"
expect 0 '0 bad, 0 problems' "check of a clean client" -- \
	"$FAMFS" check "$CMNT"
expect 8 'not a famfs mount point' "check of a subdirectory" -- \
	"$FAMFS" check "$MNT/d1"
expect 0 'clean' "fsck of the mount" -- "$FAMFS" fsck "$MNT"

# missing mount
"$FAMFS" umount "$CMNT"
expect 1 'not in a famfs mount' "creat after umount" -- \
	"$FAMFS" creat -s 2M "$CMNT/x"
expect 1 'not in a famfs' "getmap after umount" -- \
	"$FAMFS" getmap "$CMNT"
expect 8 'not a famfs mount point' "check after umount" -- \
	"$FAMFS" check "$CMNT"

done_testing
