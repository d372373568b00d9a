#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What a user expects of a filesystem under concurrency, on a master mount
# with a client mount of the same device:
#  (a) 8 shell jobs create 100 files each while all of them race mkdir -p
#      on the same deep directories: every call succeeds, one directory;
#  (b) parallel cp of 4 x 32 MiB files while committed files are read back
#      on both hosts;
#  (c) one open file written by two processes (fork) at disjoint ranges,
#      both close in either order, or the child writes and exits before
#      the parent grows the file: all the data, committed once with the
#      full size; and
#      the CAVEATS case of famfs_fused(8) (opener closes first, the other
#      process then grows the file: EPERM) behaves as documented;
#  (d) dd into a file while others stat it in a loop: the master sees the
#      size grow, the client sees no file or the whole file, nothing else;
#  (e) the client has the same sha256 sums, fsck is clean, the file and
#      directory counts are what was made, and df's used space is the sum
#      of the files rounded up to 2 MiB units.
. "$(dirname "$0")/lib.sh" || exit 1

UNIT=$((2 << 20))
JOBS=8
FILES=100
SHARED=shared/a/b/c/d/e/f/g/h	# raced by every job
BIG=4
BIG_SIZE=$((32 << 20))
FW_LEN=$((6 * 1048576 + 12345))	# crosses units, odd tail
DD_MB=24

# 800 small files of 2 MiB units each, the big ones, the rest
mkfs_dev 3G
MM=$T/master MC=$T/client
mount_master "$MM"
mount_client "$MC"

# job ROOT J: FILES distinct small files in ROOT/jJ; every 10 files all
# jobs mkdir -p the same new directories under ROOT/SHARED at once
job()
{
	local root=$1 j=$2 i

	mkdir "$root/j$j" || return 1
	for ((i = 0; i < FILES; i++)); do
		if ((i % 10 == 0)); then
			mkdir -p "$root/$SHARED/k$((i / 10))/x/y" || return 1
		fi
		printf 'job %d file %d\n%*s\n' "$j" "$i" $(((j * 131 + i * 37) % 3000)) \
			"end $j.$i" >"$root/j$j/f$i" || return 1
	done
}

# wait_client WANT: the client's sums equal WANT within 3 s (catch-up is
# promised within about a second)
wait_client()
{
	local want=$1 got i

	for ((i = 0; i < 30; i++)); do
		got=$(sums "$MC" 2>/dev/null || true)
		[ "$got" = "$want" ] && return 0
		sleep 0.1
	done
	fail "client differs after 3 s: $(diff <(echo "$want") <(echo "$got") | head -20)"
}

note "(a) $JOBS jobs x $FILES files, racing mkdir -p on one path"
mkdir "$T/expect"
for ((j = 0; j < JOBS; j++)); do
	job "$T/expect" "$j"
done
pids=()
for ((j = 0; j < JOBS; j++)); do
	job "$MM" "$j" 2>"$T/job$j.err" &
	pids+=($!)
done
for ((j = 0; j < JOBS; j++)); do
	wait "${pids[j]}" || fail "job $j: $(cat "$T/job$j.err")"
done
[ "$(sums "$MM")" = "$(sums "$T/expect")" ] ||
	fail "master tree differs: $(diff <(sums "$T/expect") <(sums "$MM") | head)"
[ "$(cd "$MM" && find shared | sort)" = "$(cd "$T/expect" && find shared | sort)" ] ||
	fail "raced directories: $(cd "$MM" && find shared | sort | uniq -d)"
n=$(find "$MM/$SHARED" -mindepth 1 -maxdepth 1 -name 'k*' | wc -l)
[ "$n" = 10 ] || fail "$n entries named k* under the raced path, want 10"
wait_client "$(sums "$MM")"

note "(b) $BIG parallel cp of $((BIG_SIZE >> 20)) MiB, reading committed files meanwhile"
for ((i = 0; i < BIG; i++)); do
	head -c "$BIG_SIZE" /dev/urandom >"$T/big$i"
done
mkdir "$MM/big"
for ((j = 0; j < JOBS; j++)); do
	sums "$T/expect/j$j" >"$T/want-j$j"
done
# reader HOST: re-read the (a) files, one job's directory a pass, until
# the copies are done
reader()
{
	local passes=0 j

	while [ ! -e "$T/cp.done" ] || [ $passes -lt $JOBS ]; do
		j=$((passes % JOBS))
		[ "$(sums "$1/j$j")" = "$(cat "$T/want-j$j")" ] || {
			echo "pass $passes on $1/j$j read different data"
			return 1
		}
		passes=$((passes + 1))
	done
	echo "$passes"
}
reader "$MM" >"$T/reader-m" &
rm_pid=$!
reader "$MC" >"$T/reader-c" &
rc_pid=$!
pids=()
for ((i = 0; i < BIG; i++)); do
	cp "$T/big$i" "$MM/big/" 2>"$T/cp$i.err" &
	pids+=($!)
done
for ((i = 0; i < BIG; i++)); do
	wait "${pids[i]}" || fail "cp $i: $(cat "$T/cp$i.err")"
done
touch "$T/cp.done"
wait $rm_pid || fail "master reader: $(cat "$T/reader-m")"
wait $rc_pid || fail "client reader: $(cat "$T/reader-c")"
note "readers made $(cat "$T/reader-m") passes on the master, $(cat "$T/reader-c") on the client"
for ((i = 0; i < BIG; i++)); do
	cmp -s "$T/big$i" "$MM/big/big$i" || fail "big$i differs on the master"
done

note "(c) one open file, two processes, disjoint halves"
mkdir "$MM/w"
for mode in parent-last child-last child-early; do
	out=$("$FSOP" fork-write "$MM/w/$mode" "$FW_LEN" "$mode" 7)
	[ "$out" = "parent=OK child=OK" ] || fail "fork-write $mode: $out"
	[ "$(stat -c %s "$MM/w/$mode")" = "$FW_LEN" ] ||
		fail "fork-write $mode: size $(stat -c %s "$MM/w/$mode")"
	cmp -s <("$FSOP" pattern 7 "$FW_LEN") "$MM/w/$mode" ||
		fail "fork-write $mode: data lost"
	# committed: in the log with its whole size
	log=$("$FAMFS" fsck -v "$DEV")
	grep -Eq " (file|contents) +w/$mode size=$FW_LEN " <<<"$log" ||
		fail "fork-write $mode: not committed with its size"
done
note "(c) the opener closes (commit), the other grows the committed file"
# (version 1 refused that growth with EPERM; version 2 logs it again)
out=$("$FSOP" fork-write "$MM/w/caveat" "$FW_LEN" caveat 9)
# the child's close reports what a writeback cache held back until then
[ "$out" = "parent=OK child=OK/OK/OK" ] || fail "fork-write caveat: $out"
[ "$(stat -c %s "$MM/w/caveat")" = "$FW_LEN" ] ||
	fail "caveat: size $(stat -c %s "$MM/w/caveat"), want $FW_LEN"
cmp -s <("$FSOP" pattern 9 "$FW_LEN") "$MM/w/caveat" || fail "caveat: data"

note "(d) dd while stat loops on both hosts"
head -c $((DD_MB << 20)) /dev/urandom >"$T/dd.src"
mkdir "$MM/d"
wait_client "$(sums "$MM")"
# statter PATH: one line per stat (size or "none") until dd is done
statter()
{
	while [ ! -e "$T/dd.done" ]; do
		stat -c %s "$1" 2>/dev/null || echo none
	done
	stat -c %s "$1" 2>/dev/null || echo none
}
statter "$MM/d/dd" >"$T/stat-m" &
sm=$!
statter "$MC/d/dd" >"$T/stat-c" &
sc=$!
dd if="$T/dd.src" of="$MM/d/dd" bs=128K status=none || fail "dd"
size=$(stat -c %s "$MM/d/dd")
touch "$T/dd.done"
wait $sm $sc
[ "$size" = $((DD_MB << 20)) ] || fail "size right after dd: $size"
awk -v max=$((DD_MB << 20)) '
	$1 == "none" { if (seen) bad = bad " vanished"; next }
	{ seen = 1; if ($1 < last || $1 > max) bad = bad " " last "->" $1; last = $1 }
	END { if (bad != "") { print "master sizes:" bad; exit 1 } }' \
	"$T/stat-m" || fail "$(tail -1 "$T/stat-m")"
bad=$(grep -v -x -e none -e $((DD_MB << 20)) "$T/stat-c" | sort -u | head -5 || true)
[ -z "$bad" ] || fail "client saw a partial file, sizes: $bad"
note "$(wc -l <"$T/stat-m") stats on the master, $(wc -l <"$T/stat-c") on the client"
cmp -s "$T/dd.src" "$MM/d/dd" || fail "dd data differs"

note "(e) the client agrees, counts, fsck, df"
want=$(sums "$MM")
wait_client "$want"
files=$((JOBS * FILES + BIG + 4 + 1))
# root, j*, the 9 of SHARED, k0..k9 each with x/y, big, w, d
dirs=$((1 + JOBS + 9 + 10 * 3 + 3))
for m in "$MM" "$MC"; do
	got=$(cd "$m" && find . -path ./.meta -prune -o -type f -print | wc -l)
	[ "$got" = "$files" ] || fail "$m: $got files, want $files"
	got=$(cd "$m" && find . -path ./.meta -prune -o -type d -print | wc -l)
	[ "$got" = "$dirs" ] || fail "$m: $got directories, want $dirs"
done
for f in "$MM"/w/* "$MM/d/dd"; do
	n=$("$FAMFS" fsck -v "$DEV" | grep -c -E "^ *[0-9]+ file +${f#"$MM/"} " || true)
	[ "$n" = 1 ] || fail "${f#"$MM/"}: $n file entries in the log, want 1"
done
# a file below a unit takes its pages (packed), a larger one whole
# units; nothing else takes data space
alloc=$(cd "$MC" && find . -path ./.meta -prune -o -type f -printf '%s\n' |
	awk -v u=$UNIT '{ g = $1 < u ? 4096 : u
		s += int(($1 + g - 1) / g) * g } END { printf "%.0f", s }')
df_used=$(df -B1 --output=used "$MM" | tail -1 | tr -d ' ')
[ "$df_used" = "$alloc" ] || fail "df used $df_used, files take $alloc"
[ "$(df -B1 --output=used "$MC" | tail -1 | tr -d ' ')" = "$alloc" ] ||
	fail "client df used differs"
umount_fs "$MC"
umount_fs "$MM"
fsck_clean
"$FAMFS" fsck --json "$DEV" >"$T/fsck.json"
json()
{
	sed -n "s/^ *\"$1\":\([0-9]*\),\?\$/\1/p" "$T/fsck.json"
}
[ "$(json files)" = "$files" ] || fail "fsck: $(json files) files, want $files"
[ "$(json directories)" = "$dirs" ] ||
	fail "fsck: $(json directories) directories, want $dirs"
[ "$(json data_used)" = "$alloc" ] ||
	fail "fsck: data_used $(json data_used), files take $alloc"
echo "PASS concurrency"
