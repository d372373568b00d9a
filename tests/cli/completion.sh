#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# completion/famfs.bash completes from the binary's own lists
# (famfs --list-cmds, --list-opts CMD): subcommands, options per
# subcommand, argument kinds; every option listed is one the subcommand
# accepts and documents in its --help.
. "$(dirname "$0")/lib.sh" || exit 1
: "${COMPLETION:?path to completion/famfs.bash}"
. "$COMPLETION"

# complete WORDS...: COMPREPLY for the last word, sorted, on one line
complete_words()
{
	COMP_WORDS=("$FAMFS" "$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_famfs
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}

expect 0 '^check chkread clone cp creat $' "subcommands starting with c" -- \
	complete_words c
expect 0 '--version' "famfs --ver" -- complete_words --ver
expect 0 '--compare' "cp --co" -- complete_words cp --co
expect 0 '--nbuckets' "creat --nb" -- complete_words creat -s 2M --nb
expect 0 '^devdax famfs $' "daxmode mode" -- \
	complete_words daxmode /dev/dax0.0 ''
expect 0 '^ ?$' "no completion for a size value" -- \
	complete_words creat -s ''
expect 0 '^ ?$' "no completion for a long option's value" -- \
	complete_words creat --size ''
expect 0 '^mount $' "famfs -h completes a subcommand" -- \
	complete_words -h mou
mkdir -p "$T/dir"
: >"$T/dir/file1"
expect 0 "$T/dir/file1" "files for getmap" -- \
	complete_words getmap "$T/dir/f"
expect 0 "$T/dir/file1" "files after a value option" -- \
	complete_words creat -s 2M "$T/dir/f"
expect 0 "$T/dir/file1" "files for verify -f" -- \
	complete_words verify -f "$T/dir/f"

# the lists are the binary's: a command without options is a bug
for c in $("$FAMFS" --list-cmds); do
	opts=$("$FAMFS" --list-opts "$c")
	if grep -qx -- --help <<<"$opts"; then
		ok "--list-opts $c lists --help"
	else
		not_ok "--list-opts $c lists --help (got: $opts)"
	fi
done
expect 2 'famfs: nosuch: unknown command' "--list-opts of an unknown command" \
	-- "$FAMFS" --list-opts nosuch
expect 1 'write error' "--list-cmds to a full disk fails" -- \
	sh -c "'$FAMFS' --list-cmds >/dev/full"

# each listed option is accepted (no "unknown option") and documented
for c in $("$FAMFS" --list-cmds); do
	help=$("$FAMFS" "$c" --help 2>&1)
	bad="" undocumented=""
	while read -r o value; do
		if [ -n "$value" ]; then
			out=$("$FAMFS" "$c" "$o" 1 2>&1 </dev/null)
		else
			out=$("$FAMFS" "$c" "$o" 2>&1 </dev/null)
		fi
		grep -q 'unknown option' <<<"$out" && bad="$bad $o"
		[[ $o == --* ]] || continue
		grep -q -- "$o\b" <<<"$help" || undocumented="$undocumented $o"
	done < <("$FAMFS" --list-opts "$c")
	if [ -z "$bad" ]; then
		ok "options listed for $c are accepted"
	else
		not_ok "options listed for $c are refused:$bad"
	fi
	if [ -z "$undocumented" ]; then
		ok "options listed for $c are in its --help"
	else
		not_ok "options listed for $c missing from --help:$undocumented"
	fi
done

done_testing
