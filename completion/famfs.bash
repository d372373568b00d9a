# SPDX-License-Identifier: Apache-2.0
# bash completion for famfs(1) and mkfs.famfs(8). The subcommands and
# their options come from the binary itself (famfs --list-cmds,
# famfs --list-opts CMD), so completion cannot drift from what it accepts;
# only the kind of argument a value takes is known here.

# The famfs being completed: the word typed, else the one on $PATH.
_famfs_bin()
{
	local bin=${COMP_WORDS[0]}

	[[ $bin == */* && -x $bin ]] || bin=$(type -P famfs) || return 1
	printf '%s\n' "$bin"
}

_famfs_commands()
{
	"$(_famfs_bin)" --list-cmds 2>/dev/null
}

# Options of one subcommand, one per line ("OPTION" or "OPTION VALUE").
_famfs_option_lines()
{
	"$(_famfs_bin)" --list-opts "$1" 2>/dev/null
}

_famfs_options()
{
	local line

	while read -r line; do
		printf '%s\n' "${line%% *}"
	done < <(_famfs_option_lines "$1")
}

# _famfs_takes_value CMD OPTION: the option consumes the next word
_famfs_takes_value()
{
	local line

	while read -r line; do
		[[ $line == "$2 VALUE" ]] && return 0
	done < <(_famfs_option_lines "$1")
	return 1
}

_famfs_devices()
{
	local d

	for d in /dev/dax* /dev/pmem* /dev/shm/*; do
		[ -e "$d" ] && echo "$d"
	done
}

_famfs_mounts()
{
	awk '$3 == "fuse.famfs" {print $2}' /proc/mounts 2>/dev/null
}

_famfs()
{
	local cur prev cmd="" i nargs=0

	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	for ((i = 1; i < COMP_CWORD; i++)); do
		if [[ ${COMP_WORDS[i]} != -* ]]; then
			cmd=${COMP_WORDS[i]}
			break
		fi
	done
	if [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "$(_famfs_commands) --version --help
			--list-cmds --list-opts" -- "$cur"))
		return
	fi
	if [[ ${COMP_WORDS[i - 1]} == @(--list-opts|-h|--help) ]]; then
		COMPREPLY=($(compgen -W "$(_famfs_commands)" -- "$cur"))
		return
	fi
	# positional arguments already given after the subcommand
	for ((i = i + 1; i < COMP_CWORD; i++)); do
		[[ ${COMP_WORDS[i]} == -* ]] && continue
		_famfs_takes_value "$cmd" "${COMP_WORDS[i - 1]}" && continue
		nargs=$((nargs + 1))
	done
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_famfs_options "$cmd")" -- "$cur"))
		return
	fi
	if _famfs_takes_value "$cmd" "$prev"; then
		case $prev in
		-D|--device) COMPREPLY=($(compgen -W "$(_famfs_devices)" \
				-- "$cur")) ;;
		-f|--filename) COMPREPLY=($(compgen -f -- "$cur")) ;;
		esac
		return
	fi
	case $cmd in
	mount)
		if [ "$nargs" -eq 0 ]; then
			COMPREPLY=($(compgen -W "$(_famfs_devices)" -- "$cur"))
		else
			COMPREPLY=($(compgen -d -- "$cur"))
		fi
		;;
	umount|logplay|check|status)
		COMPREPLY=($(compgen -W "$(_famfs_mounts)" -- "$cur"))
		;;
	daxmode)
		if [ "$nargs" -eq 0 ]; then
			COMPREPLY=($(compgen -W "$(ls -d /dev/dax* 2>/dev/null)" \
				-- "$cur"))
		else
			COMPREPLY=($(compgen -W "famfs devdax" -- "$cur"))
		fi
		;;
	run)
		# the command to run, then its own arguments
		if [ "$nargs" -eq 0 ]; then
			COMPREPLY=($(compgen -c -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		;;
	*)
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	esac
}
complete -o filenames -o bashdefault -F _famfs famfs

_mkfs_famfs()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}

	COMPREPLY=()
	case $prev in
	-l|--loglen|-s|--size|-m|--mode) return ;;
	-u|--uid) COMPREPLY=($(compgen -u -- "$cur")); return ;;
	-g|--gid) COMPREPLY=($(compgen -g -- "$cur")); return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "-f --force -k --kill -l --loglen -s --size
			-m --mode -u --uid -g --gid -h --help" -- "$cur"))
	else
		COMPREPLY=($(compgen -W "$(_famfs_devices)" -- "$cur"))
		COMPREPLY+=($(compgen -f -- "$cur"))
	fi
}
complete -o filenames -F _mkfs_famfs mkfs.famfs
