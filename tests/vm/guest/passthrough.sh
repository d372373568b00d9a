# SPDX-License-Identifier: Apache-2.0
# famfs_fused -o passthrough on fsdev_dax: INIT negotiates FUSE
# passthrough, and committed files are to be served by passthrough onto
# kmod views, so that reads, in-place writes and MAP_SHARED mmap through
# the mount reach device memory directly (checked against a raw mapping of
# /dev/dax0.0 at the file's extent offset).
#
# The 6.12 kernel refuses a view as a backing file (FUSE_DEV_IOC_BACKING_OPEN
# takes only regular files, and a view is an anonymous inode that cannot
# be reopened by path): the daemon must then say so once and serve every
# file itself. Which of the two happened is read from the daemon's log;
# the direct-memory checks run only when the views were accepted, and
# everything else is checked either way: contents, in-place writes, a
# pending file, an odd-sized file, a plain mount, -o passthrough on
# device_dax. Prints dd read time through both mounts (TCG: ratios only).
. ./common.sh
. ./famfs-common.sh
dev=/dev/$DAX
mnt=/mnt/famfs
log=/tmp/messages
export ASAN_OPTIONS=log_path=/tmp/asan UBSAN_OPTIONS=log_path=/tmp/ubsan,print_stacktrace=1

no_daemon() { ! pidof famfs_fused >/dev/null; }
first_extent() { # device offset of FILE's first extent
	famfs getmap "$1" |
		sed -n 's/^ *0: offset \(0x[0-9a-f]*\) .*$/\1/p'
}
dd_secs() { # dd_secs FILE: seconds a 1 MiB-block read of FILE takes
	_t0=$(cut -d' ' -f1 /proc/uptime)
	dd if="$1" of=/dev/null bs=1M 2>/dev/null
	_t1=$(cut -d' ' -f1 /proc/uptime)
	echo "$_t0 $_t1" | awk '{ printf "%.2f\n", $2 - $1 }'
}

famfs_env master
syslogd -n -O $log &
syslog_pid=$!
expect "syslogd up" wait_for 50 [ -S /dev/log ]
mkdir -p $mnt

expect "famfs daxmode $dev famfs" famfs daxmode $dev famfs
expect "bound to fsdev_dax" [ "$(driver_of "$DAX")" = fsdev_dax ]
expect "device node back" wait_node "$DAX"
expect "mkfs.famfs" mkfs.famfs -f $dev >/dev/null

# ---- the passthrough mount ----
expect "famfs mount -o passthrough" famfs mount -o passthrough $dev $mnt
expect "daemon logged: passthrough on" \
	wait_for 30 grep -q "$dev: passthrough on:" $log

expect "creat A (4 MiB)" famfs creat -s 4M -S 11 $mnt/A
expect "creat B (64 MiB)" famfs creat -s 64M -S 22 $mnt/B
expect "creat C (interleaved, 8 MiB)" \
	famfs creat -s 8M -S 33 -N 2 -C 2M $mnt/C
expect "verify A" famfs verify -f $mnt/A -S 11
expect "verify B" famfs verify -f $mnt/B -S 22
expect "verify C (interleaved)" famfs verify -f $mnt/C -S 33
cp $mnt/A /tmp/A.ref
expect "cmp A with its copy" cmp $mnt/A /tmp/A.ref

offA=$(first_extent $mnt/A)
echo "A's first extent at $offA"
expect "A has an extent" [ -n "$offA" ]
grep famfs_fused $log | sed 's/^/  | /'
refused="$dev: passthrough off: the kernel refuses fsdev_dax views as backing files"
if grep -q "passthrough off" $log; then
	expect "the only reason logged: views refused as backing files" \
		grep -q "$refused" $log
	expect "said once" [ "$(grep -c 'passthrough off' $log)" = 1 ]
	echo "NOTE: views refused as backing files: direct-memory checks skipped"
else
	expect "A: file map, pread, pwrite all hit device memory directly" \
		fsdev-ptmap $mnt/A $dev "$offA"
fi
expect "A still verifies" famfs verify -f $mnt/A -S 11

# In-place write through the mount, seen in the device and read back.
printf 'passthrough-write' >/tmp/w
expect "dd in-place write into A" \
	dd if=/tmp/w of=$mnt/A bs=17 seek=1000 count=1 conv=notrunc
expect "A reads it back" sh -c \
	"dd if=$mnt/A bs=1 skip=17000 count=17 2>/dev/null | cmp - /tmp/w"
expect "A keeps its size" [ "$(stat -c %s $mnt/A)" = 4194304 ]
expect_fail "A cannot grow" sh -c "printf x >>$mnt/A"
dd if=/tmp/A.ref of=$mnt/A bs=1 skip=17000 seek=17000 count=17 conv=notrunc 2>/dev/null
expect "A verifies again" famfs verify -f $mnt/A -S 11

# Two handles at once, one read-only, one read-write.
exec 7<$mnt/A
expect "A opens again while open" cmp $mnt/A /tmp/A.ref
exec 7<&-

# Not passed through: a pending file, an odd-sized file.
exec 8>$mnt/P
printf 'pending data' >&8
expect "pending file reads through the daemon" \
	[ "$(cat $mnt/P)" = "pending data" ]
exec 8>&-
expect "P committed on close, still reads" \
	[ "$(cat $mnt/P)" = "pending data" ]
echo hello >$mnt/odd
expect "odd-sized file reads exactly" [ "$(cat $mnt/odd)" = hello ]

# Bandwidth: B through this passthrough mount.
dd if=$mnt/B of=/dev/null bs=1M 2>/dev/null	# warm-up
pt1=$(dd_secs $mnt/B); pt2=$(dd_secs $mnt/B); pt3=$(dd_secs $mnt/B)
expect "famfs umount" famfs umount $mnt
expect "daemon gone" wait_for 50 no_daemon

# ---- the same files through a plain mount ----
expect "famfs mount -o nopassthrough" famfs mount -o nopassthrough $dev $mnt
expect "verify A (plain)" famfs verify -f $mnt/A -S 11
expect "verify B (plain)" famfs verify -f $mnt/B -S 22
expect "verify C (plain)" famfs verify -f $mnt/C -S 33
expect "P (plain)" [ "$(cat $mnt/P)" = "pending data" ]
dd if=$mnt/B of=/dev/null bs=1M 2>/dev/null
pl1=$(dd_secs $mnt/B); pl2=$(dd_secs $mnt/B); pl3=$(dd_secs $mnt/B)
expect "famfs umount (plain)" famfs umount $mnt
expect "daemon gone (plain)" wait_for 50 no_daemon
echo "BENCH dd bs=1M 64 MiB read, seconds: -o passthrough mount $pt1 $pt2 $pt3; plain mount $pl1 $pl2 $pl3"

# ---- passthrough asked for on device_dax: off, one log line, serves ----
expect "famfs daxmode $dev devdax" famfs daxmode $dev devdax
expect "device node back (devdax)" wait_node "$DAX"
expect "famfs mount -o passthrough (device_dax)" \
	famfs mount -o passthrough $dev $mnt
expect "daemon logged: passthrough off" \
	wait_for 30 grep -q "$dev: passthrough off: not a devdax device bound to fsdev_dax" $log
expect "verify A (device_dax)" famfs verify -f $mnt/A -S 11
expect "famfs umount (device_dax)" famfs umount $mnt
expect "daemon gone (device_dax)" wait_for 50 no_daemon
expect "fsck clean" sh -c "famfs fsck $dev | grep -q ': clean'"
expect "no fsdev_dax objects left" [ "$(objects)" = 0 ]

sanitizer_reports
kill $syslog_pid
finish
