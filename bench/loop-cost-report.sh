#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# loop-cost-report.sh OUT FILES: the table of a bench/loop-cost.sh run,
# medians over rounds [min-max] per target. Per create: the daemon's and
# the caller's CPU time (µs) and context switches, the daemon's CPU
# migrations; per request: the traced pass's metrics (loop-cost.awk).
# shellcheck disable=SC2016 # awk programs in single quotes
set -euo pipefail
out=$1 files=$2
creates=$((4 * files))
med() { sort -g | awk '{v[NR] = $1} END {
	m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	printf "%.*f [%.*f-%.*f]", p, m, p, v[1], p, v[NR] }' p="$1"; }
# stat EVENT SCALE FILE: EVENT's count x SCALE per create
stat() { awk -F, -v e="$1" -v n="$creates" -v s="$2" \
	'$3 == e { printf "%.3f\n", $1 * s / n }' "$3"; }
targets=$(find "$out" -name '*.rate' -printf '%f\n' |
	sed -n 's/\.[0-9]*\.rate$//p' | sort -u)
printf "| target | files/s | daemon µs/create (user) | daemon cs/create | daemon migr/create | caller µs/create | caller cs/create | wake/req | handoff/req | daemon cs/req | threads | µs LOOKUP | µs CREATE | µs FLUSH |\n"
printf "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
for t in $targets; do
	r() { for f in "$out/$t".*."$1"; do "${@:2}" "$f"; done; }
	sched() { r sched awk -v k="$1" '{ for (i = 1; i <= NF; i++) {
		split($i, kv, "="); if (kv[1] == k) print kv[2] } }'; }
	printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n" "$t" \
		"$(r rate awk -F'\t' '{ printf "%.0f\n", ($5 + $9) / 2 }' | med 0)" \
		"$(r daemon stat task-clock 1000 | med 1) ($(r daemon stat user_time 0.001 | med 1))" \
		"$(r daemon stat context-switches 1 | med 2)" \
		"$(r daemon stat cpu-migrations 1 | med 2)" \
		"$(r client stat task-clock 1000 | med 1)" \
		"$(r client stat context-switches 1 | med 2)" \
		"$(sched wake | med 2)" "$(sched handoff | med 2)" \
		"$(sched dsw | med 2)" "$(sched threads | med 0)" \
		"$(sched us.FUSE_LOOKUP | med 1)" "$(sched us.FUSE_CREATE | med 1)" \
		"$(sched us.FUSE_FLUSH | med 1)"
done
