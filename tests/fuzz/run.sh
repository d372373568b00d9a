#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Build the libFuzzer targets and run each for a bounded time, starting
# from the committed seed corpus (tests/fuzz/corpus/TARGET) plus seeds
# the real encoder writes now. New inputs go to a scratch copy, never
# into the repository. Any crash, leak, UB report or broken invariant
# fails the run; its input is kept in BUILD_DIR/fuzz/artifacts.
# usage: run.sh SOURCE_ROOT BUILD_DIR SECONDS_PER_TARGET
# By hand, for a longer run: tests/fuzz/run.sh . build 600
set -eu
src=$(cd "$1" && pwd)
out="$2/fuzz"
secs=${3:-20}

"$src/tests/fuzz/build.sh" "$src" "$out" fuzz
rm -rf "$out/corpus"
mkdir -p "$out/artifacts"
for t in log replay; do
	mkdir -p "$out/corpus/$t"
	find "$src/tests/fuzz/corpus/$t" -type f -exec cp -t "$out/corpus/$t" {} +
done
"$out/seeds" "$out/corpus/log"

# a small quarantine keeps ASan's memory (and page faults) bounded
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16:malloc_context_size=8}
status=0
for t in log replay; do
	echo "== fuzz_$t for $secs s from $(ls "$out/corpus/$t" | wc -l) inputs"
	set +e
	"$out/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 \
		-max_len=65536 -artifact_prefix="$out/artifacts/$t-" \
		-dict="$src/tests/fuzz/log.dict" "$out/corpus/$t" \
		>"$out/$t.log" 2>&1
	rc=$?
	set -e
	grep -E '^(stat::|#[0-9]+ +DONE|invariant|==[0-9]+==ERROR|SUMMARY)' \
		"$out/$t.log" | tail -12
	echo "fuzz_$t exit status $rc"
	[ "$rc" = 0 ] || status=$rc
done
exit "$status"
