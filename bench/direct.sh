# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2154
#
# Rows of sections 1 and 3 for mappings made through a mount, sourced by
# bench/run.sh, which provides what it uses: step, skip, log,
# mount_famfs, unmount, $famfs, $mkfs, $bin, $dev, $work, $mnt_base,
# $mmap_size, $mmap_args, $direct_size, $direct_args, $fault_size, $reps.
#
# A program's mmap(2) of a file in the mount, as it is made under
# `famfs run` (the preload library's direct mapping of the device)
# against a plain mapping of the same device bytes, alternated; and the
# page faults per 2 MiB of such a mapping on a tmpfs huge=always device.
# The page-cache mapping the mount gives without the library is measured
# beside them for contrast. The programs check which mapping they got.

direct_skips() {
	local why=$1
	skip mmap.preload "mmap() under famfs run vs raw device mmap" "$why"
	skip mmap.pagecache "mmap() through the mount (page cache)" "$why"
}

direct_fault_skips() {
	local why=$1
	skip faults.preload "page faults, mmap() under famfs run" "$why"
	skip faults.pagecache "page faults, mmap() through the mount" "$why"
}

direct_section() {
	local mp=$mnt_base/direct file huge mb
	mb=${direct_size%M}

	log "famfs mount $dev $mp (mappings through the mount)"
	if mount_famfs "$dev" "$mp" 2>"$work/why"; then
		file=$mp/mmap-file
		dd if=/dev/zero of="$file" bs=1M count="$mb" status=none
		step mmap.preload "mmap() under famfs run vs raw device mmap" \
			"$famfs" run "$bin/mmap_bw" -f "$file" -m direct \
			-s "$direct_size" "${direct_args[@]}" -i mmap.preload "$dev"
		step mmap.pagecache "mmap() through the mount (page cache)" \
			"$bin/mmap_bw" -f "$file" -m pagecache -p seq \
			-s "$mmap_size" "${mmap_args[@]}" -i mmap.pagecache "$dev"
		unmount "$mp"
	else
		direct_skips "mount unavailable: $(tail -n1 "$work/why")"
	fi

	huge=$mnt_base/direct-huge
	mkdir -p "$huge"
	if ! mount -t tmpfs -o "size=$((${fault_size%M} + 64))m,huge=always" \
		famfs-bench-direct "$huge" 2>"$work/why"; then
		direct_fault_skips "tmpfs huge=always mount failed: $(tail -n1 "$work/why")"
		return 0
	fi
	"$mkfs" --size "$((${fault_size%M} + 32))M" "$huge/dev" >/dev/null
	if mount_famfs "$huge/dev" "$mp" 2>"$work/why"; then
		file=$mp/faults-file
		dd if=/dev/zero of="$file" bs=1M count="${fault_size%M}" \
			status=none
		step faults.preload "page faults, mmap() under famfs run" \
			"$famfs" run "$bin/page_faults" -f "$file" -m direct \
			-s "$fault_size" -r "$reps" -i faults.preload \
			-l "mmap() under famfs run, tmpfs huge=always device" \
			"$huge/dev"
		step faults.pagecache "page faults, mmap() through the mount" \
			"$bin/page_faults" -f "$file" -m pagecache \
			-s "$fault_size" -r "$reps" -i faults.pagecache \
			-l "mmap() through the mount (page cache), tmpfs huge=always device" \
			"$huge/dev"
		unmount "$mp"
	else
		direct_fault_skips "mount unavailable: $(tail -n1 "$work/why")"
	fi
	unmount "$huge"
}
