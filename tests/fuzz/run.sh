#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Build the libFuzzer targets and run each from the committed seed
# corpus (tests/fuzz/corpus/TARGET) plus seeds the real encoder writes
# now. New inputs go to a scratch copy, never into the repository. Any
# crash, leak, UB report, broken invariant or input slower than 30 s
# fails the run; its input is kept in BUILD_DIR/fuzz/artifacts.
# usage: run.sh SOURCE_ROOT BUILD_DIR SECONDS [RUNS]
#   RUNS > 0 (the fuzz suite): each target executes RUNS inputs (its
#   corpus first) from seed FUZZ_SEED (default 1), so every machine tries
#   the same inputs and a failure is the code's, not the schedule's;
#   SECONDS only stops a much slower machine early.
#   No RUNS (by hand, longer runs): SECONDS per target, a random seed.
#   tests/fuzz/run.sh . build 600
set -eu
src=$(cd "$1" && pwd)
out="$2/fuzz"
secs=${3:-20}
runs=${4:-0}
if [ "$runs" -gt 0 ]; then
	budget=(-runs="$runs" -seed="${FUZZ_SEED:-1}" -max_total_time="$secs")
	what="$runs inputs (seed ${FUZZ_SEED:-1}, at most $secs s)"
else
	budget=(-max_total_time="$secs")
	what="$secs s"
fi

. "$src/tests/fuzz/targets.sh"
"$src/tests/fuzz/build.sh" "$src" "$out" fuzz
rm -rf "$out/corpus" "$out/artifacts"	# artifacts: this run's only
mkdir -p "$out/artifacts"
fuzz_corpus_copy "$src" "$out/corpus" "$out/seeds"

# a small quarantine keeps ASan's memory (and page faults) bounded
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16:malloc_context_size=8}
status=0
for t in "${FUZZ_TARGETS[@]}"; do
	echo "== fuzz_$t: $what from $(ls "$out/corpus/$t" | wc -l) inputs"
	set +e
	# -reload=0: one process owns the corpus; rereading it every
	# second for other processes' finds cost 5 % of the CPU
	"$out/fuzz_$t" "${budget[@]}" -timeout=30 -print_final_stats=1 \
		-reload=0 \
		-max_len="$(fuzz_max_len "$t")" \
		-artifact_prefix="$out/artifacts/$t-" \
		-dict="$src/tests/fuzz/log.dict" "$out/corpus/$t" \
		>"$out/$t.log" 2>&1
	rc=$?
	set -e
	grep -E '^(stat::|#[0-9]+ +DONE|invariant|==[0-9]+==.*ERROR|SUMMARY)|runtime error' \
		"$out/$t.log" | tail -12
	echo "fuzz_$t exit status $rc"
	if [ "$rc" != 0 ]; then
		# 1, not libFuzzer's own code: meson reads 77 (a deadly
		# signal, e.g. a broken invariant) as a skip
		status=1
		for a in "$out/artifacts/$t-"*; do
			[ -e "$a" ] && echo "reproduce: $out/fuzz_$t $a"
		done
	fi
done
exit "$status"
