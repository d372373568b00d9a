#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# Writes results.md (and results.json) from a run's lines with the
# hand-written notes of bench/notes/ in their places (report.awk says
# where). bench/run.sh ends with the first form; the second renders the
# stored results again without measuring, e.g. after editing a note.
#
# usage: bench/report.sh HEADER ROWS OUT_DIR
#        bench/report.sh --stored RESULTS_JSON OUT_DIR
#   --stored  read HEADER and ROWS back from a results.json
#             (bench/stored-rows.py) and write results.md only: the
#             JSON stays as it was measured
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
usage() {
	echo "usage: bench/report.sh HEADER ROWS OUT_DIR | --stored RESULTS_JSON OUT_DIR" >&2
	exit 2
}

work=
trap '[ -z "$work" ] || rm -rf "$work"' EXIT
if [ "${1:-}" = --stored ]; then
	[ $# -eq 3 ] || usage
	[ -f "$2" ] || { echo "report.sh: $2: no such results file" >&2; exit 1; }
	work=$(mktemp -d /tmp/famfs-report.XXXXXX)
	header=$work/header rows=$work/rows out=$3 json=0
	python3 "$here/stored-rows.py" "$2" "$header" "$rows"
else
	[ $# -eq 3 ] || usage
	header=$1 rows=$2 out=$3 json=1
fi

# the notes, by name (NN-NAME.md); anything else in the folder is refused
# rather than left out of the report unseen
notes=""
for f in "$here"/notes/*; do
	[ -e "$f" ] || continue
	n=${f##*/}
	case $n in
	README) continue ;;
	[0-9][0-9]-*.md) ;;
	*) echo "report.sh: bench/notes/$n: not NN-NAME.md" >&2; exit 1 ;;
	esac
	[[ $n =~ ^[0-9A-Za-z._-]+$ ]] ||
		{ echo "report.sh: bench/notes/$n: name has odd characters" >&2; exit 1; }
	notes+="$n "
done

mkdir -p "$out"
BENCH_NOTES=$here/notes awk -f "$here/report.awk" -v format=md \
	-v notes="$notes" "$header" "$rows" >"$out/results.md.tmp"
mv "$out/results.md.tmp" "$out/results.md"
[ "$json" = 0 ] ||
	awk -f "$here/report.awk" -v format=json "$header" "$rows" >"$out/results.json"
