#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# results.md is what bench/report.sh makes of the stored results.json
# and bench/notes/, so that a new run (make bench) loses nothing written
# by hand: every note comes out verbatim, in its section's place, the
# sections stay numbered as they cross-refer, and the committed report
# is exactly the regenerated one (no text written into it directly).
# Measures nothing.
#
# usage: bench/results-test.sh [BENCH_DIR]   (default: this script's)
set -u
bench=$(cd "${1:-$(dirname "$0")}" && pwd)
# shellcheck source=tests/tap.sh
. "$bench/../tests/tap.sh" || exit 1

command -v python3 >/dev/null ||
	{ echo "1..0 # SKIP python3 missing (bench/stored-rows.py)"; exit 0; }
work=$(mktemp -d /tmp/famfs-results-test.XXXXXX)
trap 'rm -rf "$work"' EXIT

# contains FILE NOTE: NOTE's bytes appear in FILE (trailing newlines
# aside, which $(...) drops)
contains() {
	local all part
	all=$(cat "$1") part=$(cat "$2")
	[[ $all == *"$part"* ]]
}

# headings N of "## N. " in FILE, one per line
headings() { sed -n 's/^## \([0-9][0-9]*\)\. .*/\1/p' "$1"; }

if "$bench/report.sh" --stored "$bench/results.json" "$work/out" 2>"$work/err"; then
	ok "report.sh --stored renders results.json without measuring"
else
	not_ok "report.sh --stored renders results.json without measuring"
	sed 's/^/#   /' "$work/err"
fi
md=$work/out/results.md
[ -s "$md" ] || : >"$md"

n=0
for f in "$bench"/notes/[0-9][0-9]-*.md; do
	[ -e "$f" ] || continue
	n=$((n + 1))
	name=${f##*/}
	if contains "$md" "$f"; then
		ok "bench/notes/$name is in the regenerated report verbatim"
	else
		not_ok "bench/notes/$name is in the regenerated report verbatim"
	fi
	# a note that is a whole section says so in its name
	h=$(headings "$f" | head -n1)
	if [ -z "$h" ] || [ "$h" = $((10#${name%%-*})) ]; then
		ok "bench/notes/$name: its heading's number matches its name"
	else
		not_ok "bench/notes/$name: heading '## $h.' in a file named ${name%%-*}-"
	fi
done
if [ "$n" -ge 4 ]; then
	ok "$n notes found"
else
	not_ok "only $n notes in $bench/notes"
fi

# cross-references name sections by number: 1, 2, ... in order, no gap
want=$(seq 1 "$(headings "$md" | tail -n1)" | tr '\n' ' ')
got=$(headings "$md" | tr '\n' ' ')
if [ -n "$got" ] && [ "$got" = "$want" ]; then
	ok "sections numbered $got"
else
	not_ok "sections numbered 1..N in order: got '$got'"
fi

if cmp -s "$md" "$bench/results.md"; then
	ok "bench/results.md is the regenerated report, byte for byte"
else
	not_ok "bench/results.md is the regenerated report, byte for byte"
	echo "# text written into results.md belongs in bench/notes/; then"
	echo "# bench/report.sh --stored bench/results.json bench"
	diff "$bench/results.md" "$md" | head -n 20 | sed 's/^/#   /'
fi

# a new section's note lands after the others; a stray file is refused
mkdir -p "$work/tree/notes"
cp "$bench"/report.sh "$bench"/report.awk "$bench"/stored-rows.py "$work/tree/"
cp "$bench"/notes/[0-9][0-9]-*.md "$work/tree/notes/"
printf '## 99. probe\n\nprobe text\n' >"$work/tree/notes/99-probe.md"
if "$work/tree/report.sh" --stored "$bench/results.json" "$work/o2" &&
	[ "$(tail -n3 "$work/o2/results.md")" = "$(cat "$work/tree/notes/99-probe.md")" ]; then
	ok "a new section's note comes last"
else
	not_ok "a new section's note comes last"
fi
touch "$work/tree/notes/probe.md"
expect 1 "notes/probe.md: not NN-NAME.md" "a misnamed note is refused, not dropped" \
	-- "$work/tree/report.sh" --stored "$bench/results.json" "$work/o3"
done_testing
