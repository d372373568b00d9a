# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2154
#
# Section 7 of bench/run.sh, which sources this file and provides what
# it uses: row, skip, log, elapsed, rate, mount_famfs, unmount, $mkfs,
# $bin, $work, $mnt_base, $reps, $smoke.
#
# tar -x and cp -r of trees of small files (100 B to 8 KB, as source
# trees and configuration directories hold) into a famfs master mount
# and into tmpfs, and the device space the extraction takes. Every famfs
# repetition runs on a freshly made device, so that each one starts from
# an empty log and an empty allocator, like the tmpfs side's fresh
# directory. The devices are sparse files: only what is written takes
# memory.

small_dev_size=32G

# used bytes of the filesystem holding $1, as statfs reports them
small_used() {
	stat -f -c '%b %f %S' "$1" | awk '{ printf "%.0f", ($1 - $2) * $3 }'
}

# small_run famfs|tmpfs tar|cp N: prints "SECONDS USED_BYTES"; on
# failure says why on stderr
small_run() {
	local side=$1 kind=$2 n=$3 dest t0 t before after dev
	if [ "$side" = famfs ]; then
		dev=$work/small-dev
		dest=$mnt_base/small
		"$mkfs" --size "$small_dev_size" "$dev" >/dev/null || return 1
		mount_famfs "$dev" "$dest" || { rm -f "$dev"; return 1; }
	else
		dest=$work/small-tmpfs
		mkdir -p "$dest"
	fi
	before=$(small_used "$dest")
	t0=$EPOCHREALTIME
	if [ "$kind" = tar ]; then
		tar -xf "$work/small$n.tar" -C "$dest"
	else
		cp -r "$work/small$n" "$dest/"
	fi
	local rc=$?
	t=$(elapsed "$t0")
	after=$(small_used "$dest")
	if [ "$side" = famfs ]; then
		unmount "$dest"
		rm -f "$dev"
	else
		rm -rf "$dest"
	fi
	[ "$rc" = 0 ] || return 1
	echo "$t $((after - before))"
}

# small_rows KIND N LABEL GOAL: one row, famfs and tmpfs alternating
small_rows() {
	local kind=$1 n=$2 label=$3 goal=$4 i f c fv="" cv="" space=""
	local id=small.$kind.$n
	log "$label"
	for ((i = 0; i < reps; i++)); do
		if ! f=$(small_run famfs "$kind" "$n" 2>"$work/err") ||
			! c=$(small_run tmpfs "$kind" "$n" 2>>"$work/err"); then
			skip "$id" "$label" "failed: $(grep -v '^$' "$work/err" | tail -n1)"
			[ "$kind$n" = "tar$small_n" ] && skip small.space \
				"device bytes per byte of file data after tar -x" \
				"the extraction failed"
			return 0
		fi
		fv+=" $(rate "$n" "${f% *}")" cv+=" $(rate "$n" "${c% *}")"
		space+=" $(awk -v u="${f#* }" -v d="$small_bytes" \
			'BEGIN { printf "%.4f", u / d }')"
	done
	row "$id" "$label" files/s "$fv" tmpfs "$cv" "$goal" \
		"$n files of 100 B-8 KB ($small_bytes bytes) in dirs of 100; fresh device per repetition"
	if [ "$kind$n" = "tar$small_n" ]; then
		row small.space "device bytes used per byte of file data after tar -x of $n small files" \
			bytes/byte "$space" "" "" "value<=1.5" \
			"statfs used bytes after minus before, over the bytes of file data"
	fi
}

small_files_section() {
	local n counts
	if [ "$smoke" = 1 ]; then
		counts=(50 200)
	else
		counts=(2000 10000)
	fi
	small_n=${counts[0]}
	for n in "${counts[@]}"; do
		if ! small_bytes=$("$bin/make_tree" "$work/small$n" "$n" 2>"$work/err") ||
			! tar -cf "$work/small$n.tar" -C "$work" "small$n" 2>>"$work/err"; then
			skip "small.tar.$n" "tar -x of $n small files" \
				"failed: $(tail -n1 "$work/err")"
			continue
		fi
		if [ "$n" = "$small_n" ]; then
			small_rows tar "$n" "tar -x of $n small files" "ratio>=0.5"
		else
			small_rows tar "$n" "tar -x of $n small files" "-"
		fi
		small_rows cp "$n" "cp -r of $n small files" "-"
		rm -rf "$work/small$n" "$work/small$n.tar"
	done
}
