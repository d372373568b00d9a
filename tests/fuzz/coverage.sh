#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Line coverage of the fuzz targets over their corpora, as clang's
# source-based coverage reports it: each target is rebuilt with
# -fprofile-instr-generate and runs every input of its corpus once.
# usage: coverage.sh SOURCE_ROOT OUT_DIR LOG_CORPUS REPLAY_CORPUS
# Prints llvm-cov's report for lib/ and the line coverage of lib/log.c
# and lib/replay.c over both targets together.
set -eu
src=$(cd "$1" && pwd)
out=$2
mkdir -p "$out"
out=$(cd "$out" && pwd)
"$src/tests/fuzz/build.sh" "$src" "$out" coverage
rm -f "$out"/*.profraw
LLVM_PROFILE_FILE="$out/log-%p.profraw" "$out/fuzz_log" -runs=0 \
	-max_len=65536 "$3" >"$out/cov-log.txt" 2>&1
LLVM_PROFILE_FILE="$out/replay-%p.profraw" "$out/fuzz_replay" -runs=0 \
	-max_len=65536 "$4" >"$out/cov-replay.txt" 2>&1
llvm-profdata merge -sparse "$out"/*.profraw -o "$out/fuzz.profdata"
llvm-cov report "$out/fuzz_log" -object "$out/fuzz_replay" \
	-instr-profile="$out/fuzz.profdata" "$src"/lib/*.c >"$out/report.txt"
cat "$out/report.txt"
# columns: Filename Regions Missed Cover Functions Missed Executed
#          Lines Missed Cover Branches Missed Cover
awk '$1 ~ /(^|\/)(log|replay)\.c$/ { print $1 ": lines " $8 ", missed " $9 ", cover " $10 }' \
	"$out/report.txt"
