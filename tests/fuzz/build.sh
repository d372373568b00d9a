#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Build the fuzz targets and the seed writer with clang.
# usage: build.sh SOURCE_ROOT OUT_DIR [fuzz|plain|coverage]
#   fuzz      libFuzzer + ASan + UBSan (the default)
#   plain     libFuzzer only, -O2: the 10-minute throughput run (ASan and
#             UBSan each cost about as much CPU again as the target; the
#             fuzz suite keeps both)
#   coverage  libFuzzer + clang source-based coverage, no sanitizers
set -eu
src=$(cd "$1" && pwd)
. "$src/tests/fuzz/targets.sh"
out=$2
kind=${3:-fuzz}
mkdir -p "$out"
if ! command -v clang >/dev/null; then
	echo "clang missing: run 'make deps' (apt-get install clang)" >&2
	exit 1
fi
# Not instrumented for coverage: the CRC and cache-flush loops (leaves:
# tracing their compares costs much and finds nothing), the in-memory
# tree (name hashing and path walks; what it is fed is what counts, and
# replay.c is instrumented): 40 % fewer CPU seconds per input; and what
# the targets never call (the direct map, mount table, escaping, repair):
# libFuzzer scans every counter after every input
printf 'src:*/lib/%s.c\n' crc32c flush namespace direct-layout direct-map \
	mounts escape repair >"$out/ignore.txt"
mapfile -t libsrc < <(ls "$src"/lib/*.c)
common=(-g -std=gnu11 -D_GNU_SOURCE -I"$src/lib" -I"$src/include" "${libsrc[@]}"
	-luuid -lpthread)
case $kind in
fuzz)
	flags=(-O1 -fsanitize=fuzzer,address,undefined
	       -fno-sanitize-recover=undefined
	       -fsanitize-coverage-ignorelist="$out/ignore.txt") ;;
plain)
	flags=(-O2 -fsanitize=fuzzer
	       -fsanitize-coverage-ignorelist="$out/ignore.txt") ;;
coverage)
	flags=(-O1 -fsanitize=fuzzer -fprofile-instr-generate
	       -fcoverage-mapping) ;;
*)
	echo "build.sh: unknown kind $kind" >&2
	exit 2 ;;
esac
for t in "${FUZZ_TARGETS[@]}"; do
	clang "${flags[@]}" "${common[@]}" "$src/tests/fuzz/fuzz_$t.c" \
		"$src/tests/fuzz/nocache.c" "$src/tests/fuzz/clock.c" \
		-Wl,--wrap=famfs_flush,--wrap=famfs_invalidate \
		-Wl,--wrap=famfs_now_ns -o "$out/fuzz_$t"
done
clang -O1 "${common[@]}" "$src/tests/fuzz/seeds.c" -o "$out/seeds"
