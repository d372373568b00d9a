#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Build the libFuzzer target with clang and run it for a bounded time.
# usage: run.sh SOURCE_ROOT BUILD_DIR SECONDS
# By hand, for a longer run: tests/fuzz/run.sh . build 3600
set -eu
src=$(cd "$1" && pwd)
out="$2/fuzz"
secs=${3:-20}
mkdir -p "$out/corpus" "$out/artifacts"

if ! command -v clang >/dev/null; then
	echo "clang missing: run 'make deps' (apt-get install clang)" >&2
	exit 1
fi
libsrc=$(ls "$src"/lib/*.c)
common=(-g -O1 -std=gnu11 -D_GNU_SOURCE -I"$src/lib" $libsrc -luuid -lpthread)
clang -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	"${common[@]}" "$src/tests/fuzz/fuzz_log.c" -o "$out/fuzz_log"
clang -DFUZZ_SEED_MAIN -fsanitize=address "${common[@]}" \
	"$src/tests/fuzz/fuzz_log.c" -o "$out/fuzz_seed"
"$out/fuzz_seed" "$out/corpus"

# -max_total_time bounds the run; any crash, leak or UB report fails it
"$out/fuzz_log" -max_total_time="$secs" -print_final_stats=1 \
	-artifact_prefix="$out/artifacts/" -dict="$src/tests/fuzz/log.dict" \
	"$out/corpus" 2>&1 | tail -25
status=${PIPESTATUS[0]}
echo "fuzz_log exit status $status"
exit "$status"
