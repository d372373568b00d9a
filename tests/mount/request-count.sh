#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# What an open(O_CREAT) + close of an empty file costs on a version 2
# master, counted, not timed: the FUSE requests the kernel sends for it,
# by opcode, from the kernel's fuse_request_send tracepoint in a private
# tracefs instance filtered to this mount's connection (other tests'
# mounts do not count). A commit that changes nothing the kernel cached
# sends no notification, so each create is one LOOKUP (the name is
# missing), CREATE, FLUSH, RELEASE and one GETATTR (the next open's walk
# re-reads the directory, whose attributes the kernel drops at CREATE);
# an invalidation per commit shows up as extra GETATTRs and, after the
# FORGET it causes, as LOOKUPs when the files are used again (FORGETs
# are not requests the tracepoint sees). The directory's time the master
# shows while a file is pending must be what the log ends up with.
. "$(dirname "$0")/lib.sh" || exit 1

: "${CREATE_BURST:?path to create_burst}"
INSTANCE=""
OWN_TRACEFS=""
# lib.sh's cleanup unmounts; the instance goes too, whatever happened
cleanup_instance()
{
	if [ -d "$INSTANCE" ]; then
		echo 0 >"$INSTANCE/$EVENT/enable"
		rmdir "$INSTANCE"
	fi
	[ -z "$OWN_TRACEFS" ] || umount "$OWN_TRACEFS"
	cleanup
}
trap cleanup_instance EXIT
# (meson's timeout sends TERM: exit, so that the EXIT trap runs)
trap 'exit 1' TERM INT

# create_burst takes its numbers whole: a COUNT of "12x" is a usage
# error (exit 2), not 12 files
rc=0
"$CREATE_BURST" create "$T" x 12x 0 2>/dev/null || rc=$?
[ "$rc" = 2 ] && [ ! -e "$T/x0" ] ||
	fail "create_burst took COUNT 12x (exit $rc)"

TRACEFS=/sys/kernel/tracing
EVENT=events/fuse/fuse_request_send
# A fresh machine may not have tracefs mounted: mount a private one
# (root may; cleanup_instance unmounts it).
if [ ! -d "$TRACEFS/events" ] && [ "$(id -u)" = 0 ]; then
	mkdir "$T/tracefs"
	mount -t tracefs nodev "$T/tracefs" && {
		TRACEFS=$T/tracefs
		OWN_TRACEFS=$TRACEFS
	}
fi
[ -e "$TRACEFS/$EVENT/filter" ] || {
	echo "SKIP: no $TRACEFS/$EVENT: tracefs cannot be mounted, or a kernel without FUSE request tracepoints (6.12 has none, 6.18 has them)"
	exit 77
}

N=300
INSTANCE=$TRACEFS/instances/famfs-request-count-${T##*.}
MM=$T/master

mkfs_dev 256M
mount_master "$MM"

# The tracepoint's connection is the superblock's dev_t in the kernel's
# own encoding (major << 20 | minor), not st_dev's (which moves minor
# bits above 255 up by 12), so it is rebuilt from the major and minor.
read -r major minor < <(stat -c '%Hd %Ld' "$MM")
connection=$(((major << 20) | minor))
mkdir "$INSTANCE"
# per CPU; a phase is ~2,400 events of ~40 bytes (an overflow fails)
echo 512 >"$INSTANCE/buffer_size_kb"
echo "connection == $connection" >"$INSTANCE/$EVENT/filter"

# count_start; ...; count_stop: the requests in between, as "OPCODE COUNT"
# lines in $T/counts (FUSE_ left out of the names)
count_start()
{
	echo >"$INSTANCE/trace"
	echo 1 >"$INSTANCE/$EVENT/enable"
}

count_stop()
{
	echo 0 >"$INSTANCE/$EVENT/enable"
	sed -n 's/.* opcode [0-9]* (FUSE_\([A-Z_0-9]*\)).*/\1/p' \
		"$INSTANCE/trace" | sort | uniq -c |
		awk '{ print $2, $1 }' >"$T/counts"
	check_overrun
}

# the trace's header says "entries-in-buffer/entries-written: KEPT/ALL"
check_overrun()
{
	local kept_all

	kept_all=$(sed -n 's/.*entries-written: \([0-9]*\/[0-9]*\).*/\1/p' \
		"$INSTANCE/trace")
	[ "${kept_all%/*}" = "${kept_all#*/}" ] ||
		fail "the trace buffer overflowed: kept/written $kept_all"
}

count_of()
{
	awk -v op="$1" '$1 == op { n = $2 } END { print n + 0 }' "$T/counts"
}

# wait_releases WANT: the kernel sends RELEASE after close() returns;
# wait (up to 10 s) until all of them were sent
wait_releases()
{
	for _ in $(seq 200); do
		[ "$(grep -c '(FUSE_RELEASE)' "$INSTANCE/trace")" -ge "$1" ] &&
			return
		check_overrun
		sleep 0.05
	done
	fail "only $(grep -c '(FUSE_RELEASE)' "$INSTANCE/trace") of $1 RELEASEs within 10 s"
}

# per_create OPCODE: its count per file, three decimals
per_create()
{
	awk -v n="$(count_of "$1")" -v files=$N \
		'BEGIN { printf "%.3f", n / files }'
}

# within OPCODE LOW HIGH: LOW <= count per file <= HIGH
within()
{
	awk -v v="$(per_create "$1")" -v lo="$2" -v hi="$3" \
		'BEGIN { exit !(v >= lo && v <= hi) }' ||
		fail "$1 per create $(per_create "$1"), expected [$2, $3] ($(tr '\n' ' ' <"$T/counts"))"
}

note "warm up: a directory and a few files, committed"
mkdir "$MM/d"
count_start
"$CREATE_BURST" create "$MM/d" warm- 20 0
wait_releases 20
count_stop

note "$N empty files created, one process, one open + close each"
count_start
"$CREATE_BURST" create "$MM/d" f $N 0
wait_releases $N
count_stop
note "requests: $(tr '\n' ' ' <"$T/counts")"
within CREATE 1 1
within FLUSH 1 1
within RELEASE 1 1
within LOOKUP 1 1.05
within GETATTR 0 1.1
other=$(awk '$1 !~ /^(CREATE|FLUSH|RELEASE|LOOKUP|GETATTR)$/ { n += $2 }
	END { print n + 0 }' "$T/counts")
[ "$other" -le $((N / 100)) ] ||
	fail "$other other requests during the creates ($(tr '\n' ' ' <"$T/counts"))"

note "the commits forgot nothing: the files are used again without a LOOKUP"
# (stat asks for st_blocks, which the kernel does not keep for a file it
# wrote through its cache, so it may send GETATTR; a LOOKUP means the
# commit dropped the name, and the kernel the inode with a FORGET)
count_start
"$CREATE_BURST" stat "$MM/d" f $N 0
count_stop
lookups=$(count_of LOOKUP)
[ "$lookups" -le $((N / 100)) ] ||
	fail "$lookups LOOKUPs to stat $N files just created: their commits invalidated them"
# The directory's time as the kernel caches it while a new file is still
# pending (not logged: held open), to compare with the log below
exec 3>"$MM/d/held"
dir_mtime=$(stat -c '%.9Y' "$MM/d")
exec 3>&-

note "a written file (4 KiB each): counted, expectations only where stable"
mkdir "$MM/w"
count_start
"$CREATE_BURST" create "$MM/w" w $N 4096
wait_releases $N
count_stop
note "requests: $(tr '\n' ' ' <"$T/counts")"
within CREATE 1 1
within WRITE 1 1
within FLUSH 1 1
within RELEASE 1 1

note "every file is in the log, and the directory's time was the logged one"
umount_fs "$MM"
fsck_clean
mount_master "$MM"
"$CREATE_BURST" stat "$MM/d" f $N 0
"$CREATE_BURST" stat "$MM/w" w $N 4096
[ "$(stat -c '%.9Y' "$MM/d")" = "$dir_mtime" ] ||
	fail "directory mtime: $dir_mtime cached while held was pending, $(stat -c '%.9Y' "$MM/d") logged"
umount_fs "$MM"
