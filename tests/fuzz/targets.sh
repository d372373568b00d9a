# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Sourced by the fuzz scripts: the libFuzzer targets and how each runs.
FUZZ_TARGETS=(log replay mount)

# Longest input libFuzzer makes for target $1. fuzz_mount is the cheap
# target that makes most of the executions: its inputs are programs (or
# raw entries) of at most 128 bytes, which still build logs of hundreds
# of entries (a deep chain of 4 KiB paths or a 4095-extent file takes a
# few bytes), at 2.5x the inputs per second of 1 KiB inputs; the other
# two keep whole raw logs of up to 64 KiB.
fuzz_max_len() {
	case $1 in
	mount) echo 128 ;;
	*) echo 65536 ;;
	esac
}

# Fill DIR/TARGET for every target from the committed corpus
# (tests/fuzz/corpus/TARGET) and the raw-mode seeds SEEDS_BIN writes
# (fuzz_log and fuzz_mount read the same inputs).
# usage: fuzz_corpus_copy SOURCE_ROOT DIR SEEDS_BIN
fuzz_corpus_copy() {
	local t
	for t in "${FUZZ_TARGETS[@]}"; do
		mkdir -p "$2/$t"
		find "$1/tests/fuzz/corpus/$t" -type f -exec cp -t "$2/$t" {} +
	done
	"$3" "$2/log"
	"$3" "$2/mount"
}
