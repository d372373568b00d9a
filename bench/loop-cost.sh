#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Where a FUSE create's time goes, per daemon thread model (results.md
# section 11, written by hand in bench/notes/11-loop-cost.md). The same
# create workload (open(O_CREAT)+close of empty files, one process, all
# on the FUSE mount) against:
#   mt     bench/fuse_floor: libfuse's multi-threaded loop, a /dev/fuse
#          clone per thread (famfs_fused's loop)
#   s      bench/fuse_floor -s: libfuse's one-thread loop
#   fd1    bench/uring_floor -t fd -n 1: no libfuse, one thread
#   famfs  famfs_fused on a fresh device in /dev/shm (master mount)
#   famfs1 famfs_fused -s: libfuse's one-thread loop
#   famfsX famfs_fused run with the environment in $FAMFSX_ENV (the
#          other side of an A/B of an experiment build)
# Each daemon runs in the foreground under `perf stat` (all its
# threads), and so does the caller, so CPU time and context switches
# are per process, not system-wide. A second, shorter pass on a fresh
# mount of the same target records the scheduler and FUSE tracepoints
# system-wide, from which bench/loop-cost.awk derives per request the
# wake-ups, hand-offs between daemon threads and the kernel's
# send-to-end time per opcode. Each round mounts every target in an
# order that rotates between rounds; bench/loop-cost-report.sh OUT FILES
# prints the table.
#
# usage: bench/loop-cost.sh [-r ROUNDS] [-n FILES] [-t "TARGETS"] BUILD OUT
#        bench/loop-cost.sh --smoke BUILD
# Root; needs perf (with the sched and fuse tracepoints). Run it under
# `flock -o /work/team/heavy.lock` on a shared machine. --smoke: one
# round of 20 files on mt and s, asserting that every file was written
# and parsed, and that the one-thread loop shows one thread and no
# hand-off (exit 77 without root or perf; the bench-smoke suite's test).
set -euo pipefail

rounds=3 files=2000 targets="mt s fd1 famfs famfs1" smoke=0
while [ $# -gt 1 ]; do
	case $1 in
	-r) rounds=$2; shift 2 ;;
	-n) files=$2; shift 2 ;;
	-t) targets=$2; shift 2 ;;
	--smoke) smoke=1 rounds=1 files=20 targets="mt s"; shift ;;
	*) break ;;
	esac
done
if [ "$smoke" = 1 ]; then
	[ $# = 1 ] || { echo "usage: loop-cost.sh --smoke BUILD" >&2; exit 2; }
	[ "$(id -u)" = 0 ] || { echo "loop-cost: skipped: needs root (mounts, perf -a)" >&2; exit 77; }
	if ! perf list 2>/dev/null | grep 'fuse:fuse_request_send' >/dev/null; then
		echo "loop-cost: skipped: no perf, or no fuse tracepoints" >&2
		exit 77
	fi
	smoke_out=$(mktemp -d /tmp/loop-cost-smoke.XXXXXX)
	set -- "$1" "$smoke_out"
fi
[ $# = 2 ] || { echo "usage: loop-cost.sh [-r N] [-n FILES] [-t TARGETS] BUILD OUT" >&2; exit 2; }
build=$(realpath "$1") out=$2
here=$(dirname "$(realpath "$0")")
mkdir -p "$out"
mnt=$(mktemp -d /tmp/loop-cost.XXXXXX)
dev=/dev/shm/loop-cost-dev.$$
events=task-clock,user_time,system_time,context-switches,cpu-migrations
perf_pid=""
cleanup() {
	mountpoint -q "$mnt" && umount "$mnt"
	[ -z "$perf_pid" ] || wait "$perf_pid" 2>/dev/null || true
	rm -rf "$mnt" "$dev"
	[ "$smoke" = 0 ] || rm -rf "$out"
}
trap cleanup EXIT

# start T STATFILE: T's daemon on $mnt in the foreground under perf stat
# (STATFILE /dev/null: a pass that is traced instead)
start() {
	local cmd=()
	case $1 in
	mt) cmd=("$build/bench/fuse_floor" -f "$mnt") ;;
	s) cmd=("$build/bench/fuse_floor" -f -s "$mnt") ;;
	fd1) cmd=("$build/bench/uring_floor" -t fd -n 1 "$mnt") ;;
	famfs | famfsX | famfs1)
		rm -f "$dev"
		"$build/mkfs/mkfs.famfs" --size 2G "$dev" >/dev/null
		cmd=("$build/fuse/famfs_fused" -f "$dev" "$mnt")
		[ "$1" = famfs1 ] && cmd=("$build/fuse/famfs_fused" -f -s "$dev" "$mnt") ;;
	esac
	if [ "$1" = famfsX ]; then
		# shellcheck disable=SC2086
		env ${FAMFSX_ENV:-} perf stat -x, -o "$2" -e "$events" -- \
			"${cmd[@]}" 2>/dev/null &
	else
		perf stat -x, -o "$2" -e "$events" -- "${cmd[@]}" 2>/dev/null &
	fi
	perf_pid=$!
	for _ in $(seq 200); do
		mountpoint -q "$mnt" && return 0
		sleep 0.05
	done
	echo "loop-cost: $1 did not mount" >&2
	return 1
}

stop() {
	umount "$mnt"
	wait "$perf_pid" || true
	perf_pid=""
}

# shellcheck disable=SC2086
set -- $targets
ntargets=$#
echo "# $(date -u +%FT%TZ) $(uptime)" >>"$out/load.txt"
for ((round = 0; round < rounds; round++)); do
	# rotate the order between rounds
	order=()
	for ((i = 0; i < ntargets; i++)); do
		eval "t=\${$(((i + round) % ntargets + 1))}"
		order+=("$t")
	done
	for t in "${order[@]}"; do
		tag=$t.$round
		start "$t" "$out/$tag.daemon"
		mkdir "$mnt/a" "$mnt/b"
		# 2 x 2 x FILES creates, all on the mount
		perf stat -x, -o "$out/$tag.client" -e "$events" -- \
			"$build/bench/create_rate" -n "$files" -r 2 \
			"$mnt/a" "$mnt/b" >"$out/$tag.rate"
		ps -L -o comm= -p "$(pgrep -P "$perf_pid" | head -1)" |
			sort | uniq -c >"$out/$tag.threads" || true
		stop
		# a traced pass of 2 x FILES/2 creates on a fresh mount
		start "$t" /dev/null
		mkdir "$mnt/a" "$mnt/b"
		perf record -q -a -o "$out/$tag.perf" \
			-e sched:sched_switch,sched:sched_wakeup \
			-e fuse:fuse_request_send,fuse:fuse_request_end -- \
			"$build/bench/create_rate" -n $((files / 2)) -r 1 \
			"$mnt/a" "$mnt/b" >"$out/$tag.trate" 2>/dev/null
		conn=$(mountpoint -d "$mnt" | cut -d: -f2)
		tids=$(cd "/proc/$(pgrep -P "$perf_pid" | head -1)/task" &&
			echo *)
		stop
		# empty when no request of the mount was traced
		perf script -i "$out/$tag.perf" 2>/dev/null |
			awk -v conn="$conn" -v tids="$tids" \
				-f "$here/loop-cost.awk" >"$out/$tag.sched" || true
		rm -f "$out/$tag.perf"
		echo "$tag done $(uptime)" >&2
	done
done
echo "# $(date -u +%FT%TZ) $(uptime)" >>"$out/load.txt"

if [ "$smoke" = 1 ]; then
	fail() { echo "loop-cost: $*" >&2; exit 1; }
	for t in $targets; do
		grep -q '^row' "$out/$t.0.rate" || fail "$t: no create rate"
		for f in daemon client; do
			grep -q ',task-clock,' "$out/$t.0.$f" ||
				fail "$t: no perf stat of the $f"
		done
		# at least LOOKUP, CREATE, FLUSH, RELEASE per create
		awk -v min=$((4 * files)) '{ split($1, kv, "=") }
			kv[1] == "req" && kv[2] >= min { ok = 1 }
			END { exit !ok }' "$out/$t.0.sched" ||
			fail "$t: traced pass: $(cat "$out/$t.0.sched")"
	done
	grep -q ' handoff=0.00 .* threads=1$' "$out/s.0.sched" ||
		fail "s: one thread expected: $(cat "$out/s.0.sched")"
	echo "loop-cost: smoke passed"
fi
