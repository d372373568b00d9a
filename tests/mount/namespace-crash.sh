#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# kill -9 of the master daemon in the middle of deletes, renames (over
# files too), symbolic links, mkdir/rmdir and creates: the device stays
# fsck-clean and, after remount, the tree is exactly what the calls that
# returned 0 made of it (the one call in flight either happened or not).
# The same calls are applied to a mirror directory as they succeed.
. "$(dirname "$0")/lib.sh" || exit 1

MM=$T/master MIRROR=$T/mirror
mkfs_dev 1G
mkdir -p "$MIRROR"

# A tree as names, types, link targets and file contents.
view()
{
	(cd "$1" && find . -path ./.meta -prune -o -printf '%p %y %l\n' |
		LC_ALL=C sort &&
		find . -path ./.meta -prune -o -type f -print0 |
		LC_ALL=C sort -z | xargs -0r sha256sum)
}

# apply ROOT OP ARGS: one namespace call under ROOT. A create is written
# by dd, which fails when close(2) does: a shell redirection is closed by
# dup2(2), which drops close's error, so `echo >` returned 0 for a file
# whose commit (at close) the kill had cut short.
apply()
{
	local root=$1 op=$2

	shift 2
	case $op in
	create) echo "$2" | dd of="$root/$1" status=none ;;
	rm) rm "$root/$1" ;;
	mv) mv -T "$root/$1" "$root/$2" ;;
	ln) ln -s "$1" "$root/$2" ;;
	mkdir) mkdir "$root/$1" ;;
	rmdir) rmdir "$root/$1" ;;
	esac
}

# pick TYPE: a random existing name of that type (f, l, d) in the mirror
pick()
{
	(cd "$MIRROR" && find . -mindepth 1 -type "$1" -printf '%P\n' |
		shuf -n 1)
}

# The loop: a random call, on the master first, then (if it returned 0)
# on the mirror; "begin" and "done" lines say how far it got.
churn()
{
	local n=$((round * 100000)) op a b dir	# new names every round

	for dir in d0 d1 d2; do
		[ -d "$MIRROR/$dir" ] ||
			{ apply "$MM" mkdir "$dir" && apply "$MIRROR" mkdir "$dir"; }
	done
	while :; do
		n=$((n + 1))
		dir=d$((RANDOM % 3))
		case $((RANDOM % 8)) in
		0 | 1) op=create a=$dir/f$n b=$n ;;
		2) op=rm a=$(pick f) b= ;;
		3) op=mv a=$(pick f) b=$dir/m$n ;;
		4) op=mv a=$(pick f) b=$(pick f) ;;	# over a file
		5) op=ln a=../t$n b=$dir/l$n ;;
		6) op=mkdir a=$dir/s$n b= ;;
		7) op=rmdir a=$(find "$MIRROR" -mindepth 2 -type d -empty \
				-printf '%P\n' | shuf -n 1) b= ;;
		esac
		[ -n "$a" ] && { [ "$op" != mv ] || [ -n "$b" ]; } || continue
		[ "$a" != "$b" ] || continue
		echo "begin $op $a $b" >>"$T/journal"
		if ! apply "$MM" "$op" "$a" "$b" 2>"$T/call.err"; then
			# only the kill may stop it
			[ -e "$T/killed" ] ||
				echo "refused $(cat "$T/call.err")" >>"$T/journal"
			return 0
		fi
		apply "$MIRROR" "$op" "$a" "$b"
		echo "done" >>"$T/journal"
	done
}

for round in 1 2 3; do
	note "round $round: kill -9 of the master during namespace calls"
	mount_master "$MM" >/dev/null
	pid=$(daemon_pid "$MM")
	[ -n "$pid" ] || fail "cannot find the daemon"
	: >"$T/journal"
	rm -f "$T/killed"
	churn &
	loop=$!
	# a number of calls, not a time: a loaded machine makes fewer
	want=$((round * 40 + RANDOM % 100))
	for _ in $(seq 3000); do
		[ "$(grep -c '^done' "$T/journal")" -lt "$want" ] || break
		kill -0 "$loop" 2>/dev/null || break
		sleep 0.05
	done
	: >"$T/killed"
	kill -9 "$pid"
	wait "$loop" || true
	! grep '^refused' "$T/journal" ||
		fail "round $round: a call failed while the daemon ran"
	calls=$(grep -c '^done' "$T/journal" || true)
	note "$calls calls returned 0 before the kill"
	[ "$calls" -ge "$want" ] ||
		fail "only $calls of $want calls returned 0 before the kill"
	umount_fs "$MM" 2>/dev/null || fusermount3 -uz "$MM"
	fsck_clean
	mount_master "$MM" >/dev/null
	got=$(view "$MM")
	if [ "$got" != "$(view "$MIRROR")" ]; then
		# the call in flight may have happened: then it is on the device
		last=$(tail -n 1 "$T/journal")
		[[ $last == begin* ]] ||
			fail "round $round: the tree differs from the calls made"
		# shellcheck disable=SC2086 # the call's words
		apply "$MIRROR" ${last#begin } ||
			fail "round $round: the in-flight call: $last"
		[ "$got" = "$(view "$MIRROR")" ] ||
			fail "round $round: the tree differs: $(diff \
				<(view "$MIRROR") <(echo "$got") | head -20)"
		note "the call in flight happened: ${last#begin }"
	fi
	umount_fs "$MM"
	fsck_clean
done
echo "ok"
