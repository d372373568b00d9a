#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# completion/famfs.bash: subcommands, options per subcommand, argument
# kinds; and every option it offers is one the subcommand accepts.
. "$(dirname "$0")/lib.sh"
: "${COMPLETION:?path to completion/famfs.bash}"
. "$COMPLETION"

# complete WORDS...: COMPREPLY for the last word, sorted, on one line
complete_words()
{
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_famfs
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}

expect 0 '^check chkread clone cp creat $' "subcommands starting with c" -- \
	complete_words famfs c
expect 0 '--version' "famfs --ver" -- complete_words famfs --ver
expect 0 '--compare' "cp --co" -- complete_words famfs cp --co
expect 0 '--nbuckets' "creat --nb" -- complete_words famfs creat -s 2M --nb
expect 0 '^devdax famfs $' "daxmode mode" -- \
	complete_words famfs daxmode /dev/dax0.0 ''
expect 0 '^ ?$' "no completion for a size value" -- \
	complete_words famfs creat -s ''
mkdir -p "$T/dir"
: >"$T/dir/file1"
expect 0 "$T/dir/file1" "files for getmap" -- \
	complete_words famfs getmap "$T/dir/f"

# each offered option is accepted: --help of the subcommand names it
for c in $_famfs_commands; do
	help=$("$FAMFS" "$c" --help 2>&1)
	bad=""
	for o in $(_famfs_options "$c"); do
		[[ $o == --* && $o != --help ]] || continue
		grep -q -- "$o\b" <<<"$help" || bad="$bad $o"
	done
	if [ -z "$bad" ]; then
		ok "completion options of $c are in its --help"
	else
		not_ok "completion options of $c missing from --help:$bad"
	fi
done

done_testing
