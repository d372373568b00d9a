# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2154
#
# Section 9 of bench/run.sh, which sources this file and provides what
# it uses: skip, log, elapsed, rate, mount_famfs, unmount, $mkfs, $bin,
# $work, $mnt_base, $rows, $smoke, $commit, $create_n, $rw_size,
# $dev_size.
#
# The FUSE floor: issue 13's speed rows on three targets in one run,
# tmpfs, a fuse_floor mount (bench/fuse_floor.c: a daemon doing nearly
# nothing per request, configured towards the kernel as famfs_fused is on
# a master mount) and a famfs master mount. floor/tmpfs is what the
# kernel's FUSE path leaves to any daemon on this machine; famfs/floor is
# how far famfs_fused's own work keeps it from that.
#
# Every program run compares one FUSE target with tmpfs (alternated by
# the program); famfs and floor runs alternate between rounds (ABBA), and
# the ratios are medians of per-round ratios. tar -x rotates the three
# targets within each round, on a fresh famfs device and a fresh floor
# mount every time.

# floor_mount DIR [direct_io]: a fuse_floor mount at DIR
floor_mount() {
	mkdir -p "$1"
	"$bin/fuse_floor" ${2:+-o "$2"} "$1" || return 1
	mountpoint -q "$1" || { echo "fuse_floor: $1 is not a mountpoint" >&2; return 1; }
}

# floor_prog ROUND SIDE DIR keep|drop CMD...: run CMD DIR TMPFS_DIR and
# keep "ID SIDE ROUND VALUE TMPFS_VALUE" of each row it prints; "drop"
# removes DIR's files after (large ones: famfs logs each removal, so
# thousands of empty files stay)
floor_prog() {
	local round=$1 side=$2 dir=$3 files=$4 tmp=$work/floor-tmpfs
	shift 4
	mkdir -p "$dir" "$tmp"
	"$@" "$dir" "$tmp" >"$work/floor-out" || return 1
	awk -F'\t' -v side="$side" -v round="$round" '$1 == "row" {
		print $2 "\t" side "\t" round "\t" $5 "\t" $9 }' \
		"$work/floor-out" >>"$work/floor.tsv"
	rm -rf "$tmp"
	[ "$files" = keep ] || rm -rf "$dir"
}

# floor_programs FAMFS_DIR FLOOR_DIR keep|drop CMD...: CMD on famfs and
# on the floor, $floor_n rounds alternating which goes first
floor_programs() {
	local fam=$1 flo=$2 files=$3 round order side dir
	shift 3
	for ((round = 0; round < floor_n; round++)); do
		order="famfs floor"
		((round % 2)) && order="floor famfs"
		for side in $order; do
			dir=$fam
			[ "$side" = floor ] && dir=$flo
			floor_prog "$round" "$side" "$dir/$round" "$files" "$@" ||
				return 1
		done
	done
}

# floor_tar SIDE: seconds of one tar -x into a fresh target
floor_tar() {
	local side=$1 dest t0 t rc=0
	case $side in
	famfs)
		dest=$mnt_base/floor-tar
		"$mkfs" --size 32G "$work/floor-tar-dev" >/dev/null &&
			mount_famfs "$work/floor-tar-dev" "$dest" || return 1 ;;
	floor)
		dest=$mnt_base/floor-tar
		floor_mount "$dest" || return 1 ;;
	tmpfs)
		dest=$work/floor-tar-tmpfs
		mkdir -p "$dest" ;;
	esac
	t0=$EPOCHREALTIME
	tar -xf "$work/floor-small.tar" -C "$dest" || rc=1
	t=$(elapsed "$t0")
	if [ "$side" = tmpfs ]; then
		rm -rf "$dest"
	else
		unmount "$dest"
		rm -f "$work/floor-tar-dev"
	fi
	[ "$rc" = 0 ] && echo "$t"
}

floor_tar_rounds() {
	local round sides i side f l t
	for ((round = 0; round < floor_n; round++)); do
		# each target goes first, second and third in turn
		sides=(tmpfs floor famfs)
		for ((i = 0; i < 3; i++)); do
			side=${sides[(i + round) % 3]}
			t=$(floor_tar "$side") || return 1
			printf -v "tar_$side" '%s' "$(rate "$floor_files" "$t")"
		done
		f=$tar_famfs l=$tar_floor t=$tar_tmpfs
		printf 'small.tar\tfamfs\t%d\t%s\t%s\n' "$round" "$f" "$t" >>"$work/floor.tsv"
		printf 'small.tar\tfloor\t%d\t%s\t%s\n' "$round" "$l" "$t" >>"$work/floor.tsv"
	done
}

# floor_row KEY ID LABEL UNIT GOAL NOTE: the "floor" line of one row
floor_row() {
	awk -F'\t' -v key="$1" -v id="$2" -v label="$3" -v unit="$4" \
	    -v goal="$5" -v note="$6" '
	function med(list,   v, n, i, j, t) {
		n = split(list, v, " ")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) {
				t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
			}
		lo = v[1]; hi = v[n]
		return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	}
	$1 == key {
		val[$2, $3] = $4; tmp[$2, $3] = $5; rounds[$3] = 1
		if ($2 == "famfs") f = f " " $4
		else l = l " " $4
		t = t " " $5
	}
	END {
		for (r in rounds) {
			if (!(("famfs", r) in val) || !(("floor", r) in val))
				continue
			qf = qf " " val["famfs", r] / tmp["famfs", r]
			ql = ql " " val["floor", r] / tmp["floor", r]
			qfl = qfl " " val["famfs", r] / val["floor", r]
		}
		if (qf == "")
			exit 1
		fm = med(f); lm = med(l); tm = med(t)
		printf "floor\t%s\t%s\t%s\t%.6g\t%.6g\t%.6g", id, label, unit, fm, lm, tm
		m = med(qf); printf "\t%.4f\t%.4f\t%.4f", m, lo, hi
		m = med(ql); printf "\t%.4f\t%.4f\t%.4f", m, lo, hi
		m = med(qfl); printf "\t%.4f\t%.4f\t%.4f", m, lo, hi
		printf "\t%s\t%s\n", goal, note
	}' "$work/floor.tsv" >>"$rows"
}

floor_skip_all() {
	local why=$1
	skip floor.create "floor: open(O_CREAT)+close" "$why"
	skip floor.tar "floor: tar -x of small files" "$why"
	skip floor.rw "floor: read()/write() through the page cache" "$why"
	skip floor.rwdio "floor: read()/write(), direct_io" "$why"
	skip floor.stat "floor: stat() of existing and missing names" "$why"
}

# floor_measure [direct_io] keep|drop CMD...: CMD on a fresh famfs
# device's master mount and a fresh floor mount, $floor_n rounds
floor_measure() {
	local opt=() floor_opt="" rc=0
	if [ "$1" = direct_io ]; then
		opt=(-- -o direct_io) floor_opt=direct_io
		shift
	fi
	"$mkfs" --size "$dev_size" "$work/floor-dev" >/dev/null &&
		mount_famfs "$work/floor-dev" "$fam" "${opt[@]}" &&
		floor_mount "$flo" ${floor_opt:+"$floor_opt"} || rc=1
	[ "$rc" = 0 ] && { floor_programs "$fam/p" "$flo/p" "$@" || rc=1; }
	unmount "$fam"
	unmount "$flo"
	rm -f "$work/floor-dev"
	return "$rc"
}

floor_section() {
	local fam=$mnt_base/floor-famfs flo=$mnt_base/floor-floor
	local rw=(-s "$rw_size" -j 1 -r "$floor_inner")
	local started=$EPOCHREALTIME rc=0

	: >"$work/floor.tsv"
	echo "fheader	commit	$commit" >>"$rows"
	echo "fheader	started	$(date -u +%Y-%m-%dT%H:%M:%SZ), load average $(cut -d' ' -f1-3 /proc/loadavg)" >>"$rows"
	log "FUSE floor: fuse_floor and famfs mounts vs tmpfs"
	if [ ! -x "$bin/fuse_floor" ]; then
		floor_skip_all "no bench/fuse_floor (built only with libfuse)"
		return 0
	fi
	: >"$work/err"
	floor_files=$([ "$smoke" = 1 ] && echo 50 || echo 2000)
	{
		floor_measure keep "$bin/create_rate" -n "$create_n" \
			-r "$floor_inner" &&
		floor_measure keep "$bin/stat_rate" -n "$create_n" \
			-r "$floor_inner" &&
		floor_measure drop "$bin/file_rw" "${rw[@]}" -b 4K,1M &&
		floor_measure direct_io drop "$bin/file_rw" "${rw[@]}" -b 1M \
			-i rwdio &&
		"$bin/make_tree" "$work/floor-small" "$floor_files" >/dev/null &&
		tar -cf "$work/floor-small.tar" -C "$work" floor-small &&
		floor_tar_rounds
	} 2>>"$work/err" || rc=1
	rm -rf "$work/floor-small" "$work/floor-small.tar"
	if [ "$rc" != 0 ]; then
		floor_skip_all "failed: $(grep -v '^$' "$work/err" | tail -n1)"
		return 0
	fi
	local n="$floor_n rounds"
	floor_row meta.create floor.create "open(O_CREAT)+close of empty files, one process" \
		files/s ratio\>=0.3 "create_rate -n $create_n -r $floor_inner per round; $n"
	floor_row small.tar floor.tar "tar -x of $floor_files small files" \
		files/s ratio\>=0.5 "fresh famfs device and fresh floor mount per extraction; targets rotate; $n"
	floor_row rw.write.4K.j1 floor.rw.write.4K "write() 4 KiB blocks, page cache" \
		MB/s ratio\>=0.3 "file_rw -s $rw_size -j 1 -r $floor_inner per round; $n"
	floor_row rw.read.4K.j1 floor.rw.read.4K "read() 4 KiB blocks, page cache" \
		MB/s ratio\>=0.5 "file_rw -s $rw_size -j 1 -r $floor_inner per round; $n"
	floor_row rw.write.1M.j1 floor.rw.write.1M "write() 1 MiB blocks, page cache" \
		MB/s ratio\>=0.45 "file_rw -s $rw_size -j 1 -r $floor_inner per round; $n"
	floor_row rw.read.1M.j1 floor.rw.read.1M "read() 1 MiB blocks, page cache" \
		MB/s ratio\>=0.45 "file_rw -s $rw_size -j 1 -r $floor_inner per round; $n"
	floor_row rwdio.write.1M.j1 floor.rwdio.write.1M "write() 1 MiB blocks, -o direct_io" \
		MB/s ratio\>=0.9 "file_rw -s $rw_size -j 1 -r $floor_inner per round; $n"
	floor_row rwdio.read.1M.j1 floor.rwdio.read.1M "read() 1 MiB blocks, -o direct_io" \
		MB/s ratio\>=0.9 "file_rw -s $rw_size -j 1 -r $floor_inner per round; $n"
	floor_row meta.stat floor.stat "stat() of existing files" \
		stats/s ratio\>=0.3 "stat_rate -n $create_n -r $floor_inner per round; $n"
	floor_row meta.negative floor.negative "stat() of missing names" \
		lookups/s ratio\>=0.3 "stat_rate -n $create_n -r $floor_inner per round; $n"
	echo "fheader	ended	$(date -u +%Y-%m-%dT%H:%M:%SZ) ($(elapsed "$started" | cut -d. -f1) s), load average $(cut -d' ' -f1-3 /proc/loadavg)" >>"$rows"
}
