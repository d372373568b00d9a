# SPDX-License-Identifier: Apache-2.0
# bash completion for famfs(1) and mkfs.famfs(8): subcommands, their
# options, and the kind of argument each option or position takes.

_famfs_commands="mount umount fsck check mkdir creat cp verify flush logplay
	getmap clone chkread stat ls daxmode"

# Options of each subcommand (long and short).
_famfs_options()
{
	case $1 in
	mount) echo "-d --debug -f --foreground -s --single-thread -o --help" ;;
	umount) echo "-l --lazy -h --help" ;;
	fsck) echo "-v --verbose -h --human --json --help" ;;
	check) echo "-v --verbose -h --help" ;;
	mkdir) echo "-p --parents -m --mode -u --uid -g --gid -v --verbose
		-h --help" ;;
	creat) echo "-s --size -S --seed -r --randomize -m --mode -u --uid
		-g --gid -M --multi -t --threads -N --nstrips -B --nbuckets
		-C --chunk -v --verbose -h --help" ;;
	cp) echo "-r --recursive -t --threads -m --mode -u --uid -g --gid
		-c --compare -N --nstrips -B --nbuckets -C --chunk -v --verbose
		-h --help" ;;
	verify) echo "-f --filename -S --seed -m --multi -t --threads
		-v --verbose -h --help" ;;
	flush) echo "-v --verbose -h --help" ;;
	logplay) echo "-n --dry-run -h --help" ;;
	getmap) echo "-q --quiet -D --device -h --help" ;;
	clone) echo "-v --verbose -h --help" ;;
	chkread) echo "-s --superblock -l --log -v --verbose -h --help" ;;
	stat) echo "-j --json -D --device -h --help" ;;
	ls) echo "-l --long -R --recursive -j --json -D --device -h --help" ;;
	daxmode) echo "-h --help" ;;
	esac
}

# Options whose value is not a path: complete nothing for them.
_famfs_takes_value()
{
	case $1 in
	-s|--size|-S|--seed|-m|--mode|-u|--uid|-g|--gid|-M|--multi|\
	-t|--threads|-N|--nstrips|-B|--nbuckets|-C|--chunk|-o) return 0 ;;
	esac
	return 1
}

_famfs_devices()
{
	local d

	for d in /dev/dax* /dev/pmem* /dev/shm/*; do
		[ -e "$d" ] && echo "$d"
	done
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
		COMPREPLY=($(compgen -W "$_famfs_commands --version --help" \
			-- "$cur"))
		return
	fi
	# positional arguments after the subcommand
	for ((i = i + 1; i < COMP_CWORD; i++)); do
		[[ ${COMP_WORDS[i]} == -* ]] && continue
		_famfs_takes_value "${COMP_WORDS[i - 1]}" && continue
		[[ ${COMP_WORDS[i - 1]} == @(-f|--filename|-D|--device) &&
		   $cmd != mount ]] && continue
		nargs=$((nargs + 1))
	done
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_famfs_options "$cmd")" -- "$cur"))
		return
	fi
	if _famfs_takes_value "$prev" && [ "$cmd" != mount ] ||
	   [[ $cmd == mount && $prev == -o ]]; then
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
	umount|logplay|check)
		COMPREPLY=($(compgen -W "$(awk '$3 == "fuse.famfs" {print $2}' \
			/proc/mounts 2>/dev/null)" -- "$cur"))
		;;
	daxmode)
		if [ "$nargs" -eq 0 ]; then
			COMPREPLY=($(compgen -W "$(ls -d /dev/dax* 2>/dev/null)" \
				-- "$cur"))
		else
			COMPREPLY=($(compgen -W "famfs devdax" -- "$cur"))
		fi
		;;
	fsck)
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	*)
		if [[ $prev == @(-D|--device) ]]; then
			COMPREPLY=($(compgen -W "$(_famfs_devices)" -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
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
