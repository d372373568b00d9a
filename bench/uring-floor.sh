#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# How far FUSE over io_uring moves the FUSE floor (results.md section 10,
# written by hand in bench/notes/10-fuse-over-io-uring.md).
# Mounts of do-nothing daemons that differ in the kernel transport only,
# measured against tmpfs in the same run:
#   libfuse   bench/fuse_floor: libfuse 3.17's multi-threaded loop with a
#             /dev/fuse clone per thread (famfs_fused's; section 9's floor)
#   libfuse1  bench/fuse_floor -s: libfuse, one thread
#   fd1       bench/uring_floor -t fd -n 1: no libfuse, one thread
#   fdN       bench/uring_floor -t fd -n NPROC: a /dev/fuse clone per thread
#   uring     bench/uring_floor -t uring: FUSE over io_uring, one queue per
#             CPU (needs fuse.enable_uring=Y before the mount; root)
#   uringD    the same with -D (SINGLE_ISSUER | DEFER_TASKRUN rings)
#   fd1P, uringP  fd1 and uring with -P: one thread that never sleeps
#             (spins on a non-blocking read() or on the completion ring)
#             and so takes a CPU from everything else, tmpfs included:
#             what the daemon's wake-ups cost, not a way to run a daemon
# Each round mounts every target afresh, in an order that rotates between
# rounds, and runs create_rate (open(O_CREAT)+close; the program
# alternates the mount and tmpfs) and, with -w, file_rw at 4 KiB through
# the page cache. Ratios are medians of per-round ratios [min-max], to
# tmpfs and to the libfuse floor of the same round. Run it under
# `flock -o /work/team/heavy.lock` on a shared machine.
#
# usage: bench/uring-floor.sh [-w] [-r ROUNDS] [-n FILES] [-o OUT_DIR] BUILD_DIR
#   -w        also 4 KiB read()/write() (file_rw -s 64M -b 4K)
#   -r        rounds (default 6); -n files per create repetition (2000)
#   --smoke   one round of 20 files, then assert that every target
#             answered and that the uring targets were served over
#             io_uring (exit 77, skipped, without root or io_uring; the
#             bench-smoke suite's uring-floor test)
set -euo pipefail

rounds=6 files=2000 rw=0 out="" smoke=0
while [ $# -gt 1 ]; do
	case $1 in
	-w) rw=1; shift ;;
	-r) rounds=$2; shift 2 ;;
	-n) files=$2; shift 2 ;;
	-o) out=$2; shift 2 ;;
	--smoke) smoke=1 rounds=1 files=20; shift ;;
	*) break ;;
	esac
done
[ $# = 1 ] || { echo "usage: uring-floor.sh [-w] [-r ROUNDS] [-n FILES] [-o OUT_DIR] [--smoke] BUILD_DIR" >&2; exit 2; }
bin=$1/bench
for p in fuse_floor uring_floor create_rate file_rw; do
	[ -x "$bin/$p" ] || { echo "uring-floor: no $bin/$p (uring_floor needs liburing, fuse_floor libfuse)" >&2; exit 1; }
done
skip_code=1
[ "$smoke" = 1 ] && skip_code=77
[ "$(id -u)" = 0 ] || { echo "uring-floor: needs root (mount(2), enable_uring)" >&2; exit "$skip_code"; }

targets=(libfuse libfuse1 fd1 fdN uring uringD fd1P uringP)
param=/sys/module/fuse/parameters/enable_uring
uring_why=""
uring_was_set=0	# set here: put back to N at exit (a system-wide setting)
if [ ! -e "$param" ]; then
	uring_why="this kernel has no FUSE over io_uring ($param missing)"
elif [ "$(cat "$param")" != Y ]; then
	if { echo Y >"$param"; } 2>/dev/null; then
		uring_was_set=1
	else
		uring_why="fuse.enable_uring is N and cannot be set"
	fi
fi
if [ -n "$uring_why" ]; then
	[ "$smoke" = 1 ] && { echo "uring-floor: skipped: $uring_why" >&2; exit 77; }
	targets=(libfuse libfuse1 fd1 fdN fd1P)
	echo "uring-floor: skipping the uring target: $uring_why" >&2
fi

work=$(mktemp -d /dev/shm/uring-floor.XXXXXX)	# tmpfs
mnt=$(mktemp -d /tmp/uring-floor-mnt.XXXXXX)
[ -n "$out" ] || out=$work/out
mkdir -p "$out"
daemon_pid=""
cleanup() {
	mountpoint -q "$mnt/m" && umount "$mnt/m"
	[ -z "$daemon_pid" ] || wait "$daemon_pid" 2>/dev/null || true
	rm -rf "$work/t" "$mnt"
	[ "$out" = "$work/out" ] || rm -rf "$work"
	[ "$uring_was_set" = 0 ] || echo N >"$param"
}
trap cleanup EXIT

# mount_target NAME: the target's daemon on $mnt/m
mount_target() {
	mkdir -p "$mnt/m"
	daemon_pid=""
	case $1 in
	libfuse) "$bin/fuse_floor" "$mnt/m" ;;
	libfuse1) "$bin/fuse_floor" -s "$mnt/m" ;;
	fd1 | fdN | uring | uringD | fd1P | uringP)
		local args=(-t fd -n 1)
		case $1 in
		fdN) args=(-t fd -n "$(nproc)") ;;
		uring) args=(-t uring) ;;
		uringD) args=(-t uring -D) ;;
		fd1P) args=(-t fd -n 1 -P) ;;
		uringP) args=(-t uring -P) ;;
		esac
		"$bin/uring_floor" -v "${args[@]}" "$mnt/m" 2>"$work/daemon.err" &
		daemon_pid=$!
		for _ in $(seq 100); do
			mountpoint -q "$mnt/m" && break
			sleep 0.05
		done ;;
	esac
	mountpoint -q "$mnt/m" || { echo "uring-floor: $1 did not mount" >&2; return 1; }
}

unmount_target() {
	umount "$mnt/m"
	if [ -n "$daemon_pid" ]; then
		wait "$daemon_pid" || { echo "uring-floor: $1 daemon failed: $(cat "$work/daemon.err")" >&2; return 1; }
		cat "$work/daemon.err" >>"$out/daemons.log"
		daemon_pid=""
	fi
}

# run_target ROUND NAME: its rows into $out/raw.tsv as
# "KEY TARGET ROUND VALUE TMPFS_VALUE"
run_target() {
	local round=$1 t=$2
	mount_target "$t"
	echo "$t round $round" >>"$out/daemons.log"
	mkdir -p "$work/t"
	{
		"$bin/create_rate" -n "$files" -r 3 "$mnt/m" "$work/t"
		if [ "$rw" = 1 ]; then
			mkdir -p "$mnt/m/rw" "$work/t/rw"
			"$bin/file_rw" -s 64M -b 4K -j 1 -r 3 "$mnt/m/rw" "$work/t/rw"
		fi
	} >"$work/prog.out" || { unmount_target "$t"; return 1; }
	awk -F'\t' -v t="$t" -v r="$round" '$1 == "row" {
		print $2 "\t" t "\t" r "\t" $5 "\t" $9 }' "$work/prog.out" >>"$out/raw.tsv"
	rm -rf "$work/t"
	unmount_target "$t"
}

: >"$out/raw.tsv"
: >"$out/daemons.log"
n=${#targets[@]}
echo "started $(date -u +%H:%M:%S), $(uptime)" | tee "$out/load.txt"
for ((round = 0; round < rounds; round++)); do
	for ((i = 0; i < n; i++)); do
		run_target "$round" "${targets[(i + round) % n]}"
	done
done
echo "ended $(date -u +%H:%M:%S), $(uptime)" | tee -a "$out/load.txt"

# per key and target: median value and median [min-max] of the per-round
# ratios to tmpfs, to the libfuse floor and to the raw one-thread fd1
# (target/fd1: what the transport and thread model change). Targets run
# one after another, so the last two compare their ratios to the tmpfs
# runs alternated with each: load that comes and goes cancels out.
awk -F'\t' '
function med(list,   v, n, i, j, t) {
	n = split(list, v, " ")
	if (!n) { lo = hi = "nan"; return "nan" }
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j - 1] + 0 > v[j] + 0; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
	lo = v[1]; hi = v[n]
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function rel(key, target, round) {
	return val[key, target, round] / tmp[key, target, round]
}
function ratio(list, fmt,   m) {
	m = med(list)
	return m == "nan" ? "-" : sprintf(fmt " [" fmt "-" fmt "]", m, lo, hi)
}
{
	val[$1, $2, $3] = $4; tmp[$1, $2, $3] = $5
	if (!(($1, $2) in seen)) { seen[$1, $2] = 1; order[++no] = $1 SUBSEP $2 }
}
END {
	printf "%-15s %-9s %8s %8s %-21s %-18s %-18s\n", "metric", "target",
	       "value", "tmpfs", "target/tmpfs", "target/libfuse", "target/fd1"
	for (i = 1; i <= no; i++) {
		split(order[i], kt, SUBSEP)
		vs = ts = qt = ql = qd = ""
		for (k in val) {
			split(k, p, SUBSEP)
			if (p[1] != kt[1] || p[2] != kt[2]) continue
			vs = vs " " val[k]; ts = ts " " tmp[k]
			qt = qt " " val[k] / tmp[k]
			q = val[k] / tmp[k]
			if ((p[1], "libfuse", p[3]) in val)
				ql = ql " " q / rel(p[1], "libfuse", p[3])
			if ((p[1], "fd1", p[3]) in val)
				qd = qd " " q / rel(p[1], "fd1", p[3])
		}
		printf "%-15s %-9s %8.0f %8.0f %-21s %-18s %-18s\n", kt[1],
		       kt[2], med(vs), med(ts), ratio(qt, "%.3f"),
		       ratio(ql, "%.2f"), ratio(qd, "%.2f")
	}
}' "$out/raw.tsv" | tee "$out/summary.txt"

if [ "$smoke" = 1 ]; then
	for t in "${targets[@]}"; do
		grep -q "	$t	" "$out/raw.tsv" || { echo "uring-floor: no rows for $t" >&2; exit 1; }
	done
	# a transport that quietly fell back to /dev/fuse: served there
	for t in uring uringD uringP; do
		if ! grep -A1 "^$t round" "$out/daemons.log" |
			grep -q 'over /dev/fuse, [1-9][0-9]* over io_uring'; then
			echo "uring-floor: $t was not served over io_uring:" >&2
			cat "$out/daemons.log" >&2
			exit 1
		fi
	done
	echo "uring-floor: smoke passed"
fi
