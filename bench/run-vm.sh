#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# The VM part of the benchmark suite: in a qemu TCG guest whose emulated
# devdax device is bound to fsdev_dax, a per-file view mapping against a
# raw mmap of /dev/dax0.0 over the same extents (bandwidth and faults per
# 2 MiB, bench/vm/view_bw.c), then a file through a famfs mount (FUSE
# passthrough onto a view) against a raw view of the same extents
# (bench/vm/mount_bw.c), through tests/vm/run-vm.sh. A second guest runs
# mount_bw's read()/write() rows again under qemu -icount, whose clock
# counts the instructions the guest executes: the host's load, which
# moves the first guest's wall-clock figures by 10 % and more, does not
# reach them.
#
# usage: bench/run-vm.sh [--quick] BUILD_DIR [OUT_DIR]
#   --quick   small sizes, one repetition (checks that the part works)
#   OUT_DIR   default BUILD_DIR/bench/vm; receives
#     vm.tsv        rows in bench/bench.h's line protocol (bench/run.sh
#                   merges them into results.md/json as section 6), or one
#                   "skip" line naming why the part could not run
#     vm.md, vm.json  the same section rendered on its own
#     console.log   the guest's serial console
#
# Exits 0 whenever vm.tsv was written, also for a skip: the suite goes on.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
quick=0
if [ "${1:-}" = --quick ]; then
	quick=1
	shift
fi
if [ $# -lt 1 ] || [ $# -gt 2 ] || [ ! -d "$1" ]; then
	echo "usage: bench/run-vm.sh [--quick] BUILD_DIR [OUT_DIR]" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
out=${2:-$build/bench/vm}
mkdir -p "$out"
out=$(cd "$out" && pwd)
tsv=$out/vm.tsv

if [ "$quick" = 1 ]; then
	args=(-n 4 -e 8 -r 1 -f 1) mount_args=(-r 1 -p 2 -f 1) mem=1G
	icount_args=(-i -p 2)
else
	# 4 x 32 MiB: long enough passes that TCG's jitter averages out
	args=(-n 4 -e 32 -r 11 -f 5) mount_args=(-r 9 -p 256 -f 5) mem=1G
	icount_args=(-i -p 32)
fi

# The guest exchanges the binary and its rows through a 9p share; the
# share and everything else this script makes lives in $work.
work=$(mktemp -d /tmp/famfs-bench-vm.XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

log() { printf '== %s\n' "$*" >&2; }

finish() { # render vm.tsv on its own, then exit 0
	local hdr=$work/header

	: >"$hdr"
	awk -f "$here/report.awk" -v format=md -v only=6 "$hdr" "$tsv" \
		>"$out/vm.md"
	awk -f "$here/report.awk" -v format=json -v only=6 "$hdr" "$tsv" \
		>"$out/vm.json"
	exit 0
}

skip() { # skip REASON: the whole part becomes one skipped row
	log "VM part skipped: $1"
	printf 'skip\tvm\tfsdev_dax view vs raw /dev/dax (qemu TCG guest)\t%s\n' \
		"$(echo "$1" | tr '\t|' '  ')" >"$tsv"
	finish
}

: >"$tsv"
[ "$(id -u)" = 0 ] ||
	skip "needs root (tests/vm/run-vm.sh installs the guest kernel and builds fsdev_dax.ko)"
command -v qemu-system-x86_64 >/dev/null ||
	skip "qemu-system-x86_64 not installed"
[ -r /dev/shm ] || skip "no /dev/shm for the emulated NVDIMM"

mkdir -p "$work/share"
for prog in view_bw mount_bw; do
	log "gcc -static bench/vm/$prog.c"
	if ! gcc -std=c11 -static -O2 -Wall -Wextra -Werror -I"$top/include/uapi" \
		-o "$work/share/$prog" "$here/vm/$prog.c" -lm 2>"$work/err"; then
		skip "gcc -static $prog.c failed: $(grep -m1 -i error "$work/err")"
	fi
done
[ -x "$build/fuse/famfs_fused" ] ||
	skip "no famfs_fused in $build (the mount rows need it)"

log "qemu TCG guest: view_bw ${args[*]} /dev/dax0.0; mount_bw ${mount_args[*]}"
t0=$(date +%s)
"$top/tests/vm/run-vm.sh" --build-dir "$build" --timeout 900 \
	--mem-size "$mem" --share "$work/share" "$here/vm/guest.sh" \
	"${args[@]}" -- "${mount_args[@]}" \
	>"$out/console.log" 2>"$work/vm.err"
rc=$?
secs=$(($(date +%s) - t0))
cat "$work/vm.err" >&2
case $rc in
0) ;;
77) skip "tests/vm/run-vm.sh cannot run here: $(grep -m1 '^deps:' "$work/vm.err")" ;;
*)
	why=$(grep -h -m1 -E '(view|mount)_bw:' "$out/console.log" 2>/dev/null)
	[ -n "$why" ] || why=$(tail -n1 "$work/vm.err")
	skip "failed: guest run (rc=$rc): ${why:-see console.log}"
	;;
esac
if ! grep -q '^row' "$work/share/rows.tsv" 2>/dev/null; then
	skip "failed: the guest wrote no rows (see console.log)"
fi

mv "$work/share/rows.tsv" "$work/rows-wallclock.tsv"

# the same guest again, clocked by instructions: read()/write() rows only
log "qemu TCG guest, -icount: mount_bw ${icount_args[*]}"
t1=$(date +%s)
"$top/tests/vm/run-vm.sh" --icount --build-dir "$build" --timeout 900 \
	--mem-size "$mem" --share "$work/share" "$here/vm/guest.sh" \
	--mount-only -- "${icount_args[@]}" \
	>"$out/console-icount.log" 2>"$work/vm.err"
rc=$?
icount_secs=$(($(date +%s) - t1))
cat "$work/vm.err" >&2
if [ $rc != 0 ] || ! grep -q '^row' "$work/share/rows.tsv" 2>/dev/null; then
	why=$(grep -h -m1 -E 'mount_bw:' "$out/console-icount.log" 2>/dev/null)
	printf 'skip\tvm.mount.icount\tthrough the mount, qemu -icount guest\tfailed: guest run (rc=%s): %s\n' \
		"$rc" "$(echo "${why:-see console-icount.log}" | tr '\t|' '  ')" \
		>"$work/share/rows.tsv"
fi

kver=$(sed -n 's/^\[ *[0-9.]*\] Linux version \([^ ]*\).*/\1/p' \
	"$out/console.log" | head -n1)
qver=$(qemu-system-x86_64 --version | sed -n '1s/.*version \([^ ]*\).*/\1/p')
{
	printf 'header\tvm\tqemu %s TCG (-cpu max,cx16=off -smp 2), guest %s, %s NVDIMM in /dev/shm, fsdev_dax; %d s\n' \
		"$qver" "${kver:-unknown}" "$mem" "$secs"
	printf 'header\tvm, instruction clock\tthe same guest under qemu -icount shift=0,sleep=off (one TCG thread; guest time = executed instructions, 1 ns each); %d s\n' \
		"$icount_secs"
	cat "$work/rows-wallclock.tsv" "$work/share/rows.tsv"
} >"$tsv"
log "VM part: $(grep -c '^row' "$tsv") rows in ${secs}s"
finish
