#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A directory's times as the master's kernel caches them equal what a
# client and the remounted master read from the log (format version 2):
# after a file created and closed untouched (its commit tells the kernel
# nothing: the master showed the directory's new time from the create
# on), a written one (also right after close(2), many times: close_stat),
# and files never logged: one removed and one renamed while still open,
# before their commit.
. "$(dirname "$0")/lib.sh" || exit 1

mkfs_dev 256M
MM=$T/master MC=$T/client
mount_master "$MM" >/dev/null
mount_client "$MC" >/dev/null

# mtime and ctime (ns) of the test's directories below a mount, by path
# only: listing their parent would refresh them (READDIRPLUS)
dir_times()
{
	(cd "$1" && stat -c '%n %.9Y %.9Z' . d e)
}

# same_on_client STEP [NAME...]: once the client shows each NAME (the
# step's last entry replayed), it shows the master's times within 2 s
same_on_client()
{
	local step=$1 i name

	shift
	for name in "$@"; do
		for i in $(seq 1 20); do
			[ -e "$MC/$name" ] && break
			sleep 0.1
		done
		[ -e "$MC/$name" ] || fail "$step: $name not on the client"
	done
	client_shows "$step" dir_times
}

mkdir "$MM/d" "$MM/e"
same_on_client "mkdir" d e

note "created, then closed untouched: the cached time is the logged one"
exec {fd}>"$MM/d/untouched"
# the kernel caches the directory's attributes while the file is pending
stat "$MM/d" >/dev/null
exec {fd}>&-
same_on_client "untouched file" d/untouched

note "created and written"
exec {fd}>"$MM/d/written"
stat "$MM/d" >/dev/null
echo data >&$fd
exec {fd}>&-
same_on_client "written file" d/written

note "written files: the directory right after close(2)"
# Each commit logs the file's mtime (its writer's kernel's, or one it set),
# which moves the directory's times; close(2) returns at the commit's
# reply, so by then the master's kernel must have let go of the times it
# cached while the file was pending. Each file in a directory of its own,
# every other one with its mtime set a second ahead: those move it for
# sure. close_stat holds the daemon's notify thread stopped meanwhile, so
# a notification queued for it instead of sent before the reply fails
# every time, not only when that thread is late (as it was in CI once).
: "${CLOSE_STAT:?path to close_stat}"
mkdir "$MM/c"
out=$("$CLOSE_STAT" "$MM/c" 200 "$(daemon_pid "$MM")") ||
	fail "the master's directory times after close(2): $out"
moved=${out#*written, }
moved=${moved%% moved*}
[ "$moved" -ge 100 ] || fail "only $moved of 200 commits moved the times"
note "$out"

note "created, then removed before its commit"
exec {fd}>"$MM/d/removed"
stat "$MM/d" >/dev/null
rm "$MM/d/removed"
exec {fd}>&-
[ ! -e "$MM/d/removed" ] || fail "removed: still there"
same_on_client "file removed before its commit"

note "created, then renamed before its commit"
exec {fd}>"$MM/e/moved"
stat "$MM/d" "$MM/e" >/dev/null
mv "$MM/e/moved" "$MM/d/renamed"
exec {fd}>&-
same_on_client "file renamed before its commit" d/renamed

note "two pending: the newer removed, the older closed untouched"
exec {older}>"$MM/e/older"
exec {newer}>"$MM/e/newer"
stat "$MM/e" >/dev/null
rm "$MM/e/newer"
stat "$MM/e" >/dev/null
exec {newer}>&- {older}>&-
same_on_client "older kept, newer removed" e/older

note "the remounted master shows the same times"
want=$(dir_times "$MM")
umount_fs "$MC"
umount_fs "$MM"
mount_master "$MM" >/dev/null
got=$(dir_times "$MM")
[ "$got" = "$want" ] ||
	fail "remount: $(diff <(echo "$want") <(echo "$got") | head -10)"
umount_fs "$MM"
echo "ok"
