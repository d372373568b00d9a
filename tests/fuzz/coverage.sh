#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Line coverage of the fuzz targets over their corpora, as clang's
# source-based coverage reports it: each target is rebuilt with
# -fprofile-instr-generate and runs every input of its corpus once.
# usage: coverage.sh SOURCE_ROOT OUT_DIR LOG_CORPUS REPLAY_CORPUS MOUNT_CORPUS
# Writes llvm-cov's report for lib/ per target (OUT_DIR/report-TARGET.txt)
# and for all targets together (OUT_DIR/report.txt), and prints the line
# coverage of lib/log.c and lib/replay.c for each and for all.
set -eu
src=$(cd "$1" && pwd)
. "$src/tests/fuzz/targets.sh"
out=$2
mkdir -p "$out"
out=$(cd "$out" && pwd)
declare -A corpus=([log]=$3 [replay]=$4 [mount]=$5)
"$src/tests/fuzz/build.sh" "$src" "$out" coverage
rm -f "$out"/*.profraw "$out"/*.profdata

# columns: Filename Regions Missed Cover Functions Missed Executed
#          Lines Missed Cover Branches Missed Cover
lines() {
	awk -v who="$1" '$1 ~ /(^|\/)(log|replay)\.c$/ {
		n = split($1, p, "/")
		printf "%-7s %-9s lines %5d, missed %4d, cover %s\n",
		       who, p[n] ":", $8, $9, $10 }' "$2"
}

# each input as long as the run let it be (fuzz_max_len)
for t in "${FUZZ_TARGETS[@]}"; do
	LLVM_PROFILE_FILE="$out/$t-%p.profraw" "$out/fuzz_$t" -runs=0 \
		-max_len="$(fuzz_max_len "$t")" "${corpus[$t]}" \
		>"$out/cov-$t.txt" 2>&1
	llvm-profdata merge -sparse "$out/$t"-*.profraw -o "$out/$t.profdata"
	llvm-cov report "$out/fuzz_$t" -instr-profile="$out/$t.profdata" \
		"$src"/lib/*.c >"$out/report-$t.txt"
done
# llvm-cov: the first binary by position, the others as -object
profiles=() objects=()
for t in "${FUZZ_TARGETS[@]}"; do
	profiles+=("$out/$t.profdata")
	objects+=(${objects[0]+-object} "$out/fuzz_$t")
done
llvm-profdata merge -sparse "${profiles[@]}" -o "$out/fuzz.profdata"
llvm-cov report "${objects[@]}" -instr-profile="$out/fuzz.profdata" \
	"$src"/lib/*.c >"$out/report.txt"
for t in "${FUZZ_TARGETS[@]}"; do
	lines "$t" "$out/report-$t.txt"
done
lines all "$out/report.txt"
