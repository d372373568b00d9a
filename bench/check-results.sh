#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Checks that a benchmark run produced a well-formed report: every
# section's table has rows of six cells, no program failed (a skipped
# metric must say why, and "failed:" means a program broke), the JSON
# parses, the load average at the start and end is recorded, and the
# plot is a PNG. No timing is asserted.
#
# usage: bench/check-results.sh OUT_DIR
set -euo pipefail

dir=${1:?usage: check-results.sh OUT_DIR}
md=$dir/results.md
json=$dir/results.json
fail=0

bad() { echo "check-results: $*" >&2; fail=1; }

[ -s "$md" ] || { echo "check-results: $md missing" >&2; exit 1; }
[ "$(grep -c '^## [1-7]\. ' "$md")" = 7 ] || bad "expected 7 sections"
grep -q '^## 9\. ' "$md" || bad "no section 9 (the FUSE floor)"
# sections 1-7 are this run's rows (six cells); section 8, from
# bench/notes/, holds figures measured apart (four cells); section 9,
# the FUSE floor, compares three targets (nine cells); the tables of
# later sections (bench/notes/ alone) keep their header's width
awk -F'|' '/^## [0-9]+\. / { section = substr($0, 4) + 0 }
	!/^\| / { width = 0 }
	/^\| / && !width { width = NF }
	/^\| / { want = section > 9 ? width : section == 9 ? 11 : 8 }
	/^\| / && NF != (section == 8 ? 6 : want) {
		print "check-results: malformed row: " $0; e = 1 }
	END { exit e }' "$md" >&2 || fail=1
# the hand-written sections survive the run, each file verbatim
here=$(cd "$(dirname "$0")" && pwd)
report=$(cat "$md")
for f in "$here"/notes/[0-9][0-9]-*.md; do
	[ -e "$f" ] || continue
	[[ $report == *"$(cat "$f")"* ]] ||
		bad "bench/notes/${f##*/} is not in $md verbatim"
done
rows=$(grep -c '^| ' "$md" || true)
[ "$rows" -ge 20 ] || bad "only $rows table lines"
if grep -q 'skipped: failed:' "$md"; then
	bad "a benchmark program failed:"
	grep 'skipped: failed:' "$md" >&2
fi
if grep -E '^\| [^|]+ \| (nan|inf|-?[0-9.]+ \[[^]]*\] [^|]*nan)' "$md"; then
	bad "non-numeric figures"
fi
if command -v python3 >/dev/null; then
	python3 -c 'import json, sys; json.load(open(sys.argv[1]))["floor"]["rows"]' "$json" ||
		bad "$json does not parse or has no floor rows"
else
	grep -q '"rows": \[' "$json" || bad "$json has no rows"
fi
# the machine's load at the run's start and end (run.sh, /proc/loadavg):
# the cores are shared, and a figure is read with the load it ran under
avgs='[0-9]+\.[0-9]+ [0-9]+\.[0-9]+ [0-9]+\.[0-9]+ \([0-9:]{8} UTC\)'
load="start $avgs, end $avgs; 1, 5, 15-minute averages, [0-9]+ cores"
grep -Eq "^- load average: $load\$" "$md" ||
	bad "$md: no '- load average: start ..., end ...' in the header"
grep -Eq "^    \"load average\": \"$load\",?\$" "$json" ||
	bad "$json: no \"load average\" at the start and end in \"run\""
if command -v gnuplot >/dev/null; then
	[ "$(head -c 4 "$dir/bandwidth.png" 2>/dev/null | tail -c 3)" = PNG ] ||
		bad "bandwidth.png missing or not a PNG"
fi
[ "$fail" = 0 ] && echo "check-results: $rows table lines, well formed"
exit "$fail"
