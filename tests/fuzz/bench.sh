#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The fuzzing numbers of bench/results.md (section 8, written by hand in
# bench/notes/08-test-strength.md): the three targets at once for
# SECONDS (default 600) from the committed corpus and random seeds,
# built without sanitizers (build.sh plain: the throughput count; the
# fuzz suite runs the same targets under ASan + UBSan), every invariant
# of fuzz_common.h checked after each input; then line coverage of
# lib/log.c and lib/replay.c over the corpora the runs grew, per target
# and for all three. Any finding fails the run; its input is kept.
# On the 2 cores of the team's machine fuzz_mount (the cheap target,
# most of the executions) has CPU 0 and fuzz_log and fuzz_replay share
# CPU 1 (taskset; with one CPU all share it).
# Run under the heavy-job lock: flock /work/team/heavy.lock tests/fuzz/bench.sh
# usage: bench.sh [BUILD_DIR] [SECONDS]
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
. "$src/tests/fuzz/targets.sh"
build=${1:-$src/build}
secs=${2:-600}
out="$build/fuzz-bench"
"$src/tests/fuzz/build.sh" "$src" "$out" plain
rm -rf "$out/corpus" "$out/artifacts"
mkdir -p "$out/artifacts"
fuzz_corpus_copy "$src" "$out/corpus" "$out/seeds"
declare -A cpu=([mount]=0 [log]=1 [replay]=1)
[ "$(nproc)" -ge 2 ] || cpu=([mount]=0 [log]=0 [replay]=0)
echo "start $(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg)," \
	"commit $(git -C "$src" rev-parse --short HEAD)"
pids=()
for t in "${FUZZ_TARGETS[@]}"; do
	taskset -c "${cpu[$t]}" "$out/fuzz_$t" -max_total_time="$secs" \
		-timeout=30 -print_final_stats=1 -reload=0 \
		-max_len="$(fuzz_max_len "$t")" \
		-artifact_prefix="$out/artifacts/$t-" \
		-dict="$src/tests/fuzz/log.dict" "$out/corpus/$t" \
		>"$out/$t.log" 2>&1 &
	pids+=($!)
done
status=0
for p in "${pids[@]}"; do
	wait "$p" || status=1
done
echo "end $(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg)"
total=0
for t in "${FUZZ_TARGETS[@]}"; do
	grep -E '^(invariant|==[0-9]+==.*ERROR|SUMMARY)|runtime error|Seed:' \
		"$out/$t.log" | head -6
	for a in "$out/artifacts/$t-"*; do
		[ -e "$a" ] && echo "reproduce: $out/fuzz_$t $a"
	done
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/$t.log")
	echo "fuzz_$t (CPU ${cpu[$t]}, inputs up to $(fuzz_max_len "$t") bytes):" \
		"${n:-0} executions, ${rate:-0} exec/s"
	total=$((total + ${n:-0}))
done
echo "all: $total executions in $secs s"
[ "$status" = 0 ] || exit 1
"$src/tests/fuzz/coverage.sh" "$src" "$build/fuzz-coverage" \
	"$out/corpus/log" "$out/corpus/replay" "$out/corpus/mount"
