#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The upstream famfs options refused here (CLI_REFUSED in cli/cmd-*.c)
# against the binary and famfs(1): each one, long and short, is refused
# with one line naming it and the command's usage status, and famfs(1)
# COMPATIBILITY lists it, so the table cannot fall behind the code.
. "$(dirname "$0")/lib.sh" || exit 1

src=$(cd "$(dirname "$0")/../.." && pwd)
table=$(sed -n '/^\.Sh COMPATIBILITY/,/^\.Sh /p' "$src/man/famfs.1")
check "famfs(1) has a COMPATIBILITY section" -- test -n "$table"

usage_status()
{
	case $1 in
	getmap) echo 9 ;;
	check) echo 8 ;;
	fsck) echo 16 ;;
	*) echo 2 ;;
	esac
}

# refused_once DESC STATUS NAME -- COMMAND...: one line naming NAME, STATUS
refused_once()
{
	local desc=$1 want=$2 name=$3 out rc

	shift 4
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" = "$want" ] && [ "$(wc -l <<<"$out")" = 1 ] &&
	   grep -q -- "$name" <<<"$out"; then
		ok "$desc"
	else
		not_ok "$desc (exit $rc, want $want)"
		sed 's/^/#   /' <<<"$out"
	fi
}

# listed CMD OPTION: a row of the table names OPTION ("Fl -nofuse",
# "Fl F") for CMD, or for every command (a row that names none)
listed()
{
	sed -n 's/^\.It //p' <<<"$table" | awk -v cmd="$1" -v opt="$2" '
	{
		ncmd = 0; found = 0; incmd = 0; named = 0
		for (i = 1; i <= NF; i++) {
			if ($i == "Cm") { incmd = 1; continue }
			if ($i ~ /^[A-Z][a-z]$/) incmd = 0
			if (incmd && $i != ",") { ncmd++; if ($i == cmd) named = 1 }
			if ($i == "Fl" && $(i + 1) == opt) found = 1
		}
		if (found && (named || !ncmd)) hit = 1
	}
	END { exit !hit }'
}

n=0
for f in "$src"/cli/cmd-*.c; do
	cmd=$(basename "$f" .c)
	cmd=${cmd#cmd-}
	while read -r name arg letter; do
		n=$((n + 1))
		value=()
		[ "$arg" = required_argument ] && value=(x)
		want=$(usage_status "$cmd")
		refused_once "$cmd --$name is refused" "$want" "--$name" -- \
			"$FAMFS" "$cmd" "--$name" "${value[@]}" /nonexistent
		# the short spelling when upstream had one
		if [ "$letter" != - ]; then
			refused_once "$cmd -$letter is refused" "$want" "--$name" -- \
				"$FAMFS" "$cmd" "-$letter" "${value[@]}" /nonexistent
		fi
		check "famfs(1) COMPATIBILITY lists $cmd --$name" -- \
			listed "$cmd" "-$name"
		if [ "$letter" != - ]; then
			check "famfs(1) COMPATIBILITY lists $cmd -$letter" -- \
				listed "$cmd" "$letter"
		fi
	done < <(sed -nE 's/.*\{ "([a-z-]+)", *([a-z_]+), *NULL, *CLI_REFUSED\((.*)\) *\}.*/\1 \2 \3/p' "$f" |
		 sed -E "s/ '(.)'\$/ \\1/; s/ 0x[0-9a-f]+\$/ -/")
done
check "refused options found in the sources ($n)" -- test "$n" -ge 10
done_testing
