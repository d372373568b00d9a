#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The fuzzing numbers of bench/results.md: each target fuzzed for
# SECONDS (default 600) from the committed corpus, then line coverage of
# lib/log.c and lib/replay.c over the corpus the runs grew.
# Run under the heavy-job lock: flock /work/team/heavy.lock tests/fuzz/bench.sh
# usage: bench.sh [BUILD_DIR] [SECONDS]
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
secs=${2:-600}
"$src/tests/fuzz/run.sh" "$src" "$build" "$secs" || exit 1
for t in log replay; do
	sed -n 's/^stat::number_of_executed_units: *//p; s/^stat::average_exec_per_sec: *//p' \
		"$build/fuzz/$t.log" | paste -sd' ' |
		awk -v t="$t" '{ printf "fuzz_%s: %d executions, %d exec/s\n", t, $1, $2 }'
done
"$src/tests/fuzz/coverage.sh" "$src" "$build/fuzz-coverage" \
	"$build/fuzz/corpus/log" "$build/fuzz/corpus/replay" | tail -2
