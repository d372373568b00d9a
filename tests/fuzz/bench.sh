#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The fuzzing numbers of bench/results.md: both targets at once (one
# core each on a 2-core machine) for SECONDS (default 600) from the
# committed corpus and a random seed, built without sanitizers (build.sh
# plain: the throughput count; the fuzz suite runs the same targets
# under ASan + UBSan), every invariant of fuzz_common.h checked after
# each input; then line coverage of lib/log.c and lib/replay.c over the
# corpora the runs grew. Any finding fails the run; its input is kept.
# Run under the heavy-job lock: flock /work/team/heavy.lock tests/fuzz/bench.sh
# usage: bench.sh [BUILD_DIR] [SECONDS]
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
secs=${2:-600}
out="$build/fuzz-bench"
"$src/tests/fuzz/build.sh" "$src" "$out" plain
rm -rf "$out/corpus" "$out/artifacts"
mkdir -p "$out/artifacts"
for t in log replay; do
	mkdir -p "$out/corpus/$t"
	find "$src/tests/fuzz/corpus/$t" -type f -exec cp -t "$out/corpus/$t" {} +
done
"$out/seeds" "$out/corpus/log"
echo "start $(date -u +%H:%M:%S), load $(cut -d' ' -f1-3 /proc/loadavg)," \
	"commit $(git -C "$src" rev-parse --short HEAD)"
pids=()
for t in log replay; do
	"$out/fuzz_$t" -max_total_time="$secs" -timeout=30 -print_final_stats=1 \
		-reload=0 -max_len=65536 -artifact_prefix="$out/artifacts/$t-" \
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
for t in log replay; do
	grep -E '^(invariant|==[0-9]+==.*ERROR|SUMMARY)|runtime error|Seed:' \
		"$out/$t.log" | head -6
	for a in "$out/artifacts/$t-"*; do
		[ -e "$a" ] && echo "reproduce: $out/fuzz_$t $a"
	done
	n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/$t.log")
	echo "fuzz_$t: ${n:-0} executions, ${rate:-0} exec/s"
	total=$((total + ${n:-0}))
done
echo "both: $total executions in $secs s"
[ "$status" = 0 ] || exit 1
"$src/tests/fuzz/coverage.sh" "$src" "$build/fuzz-coverage" \
	"$out/corpus/log" "$out/corpus/replay" | tail -2
