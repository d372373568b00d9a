# SPDX-License-Identifier: Apache-2.0
# famfs_fused on fsdev_dax serves committed files by FUSE passthrough onto
# views of their extents (one guest boot, in this order):
#   - famfs mount says so; famfs stat and .meta/.serving show it per file;
#   - 64 MiB mapped through the mount: the driver's PMD fault counter +32,
#     PTE +0, and the mapping is no page cache (smaps Rss 0, Cached flat);
#   - 256 MiB of read()/write() through a file of a client mount (and of
#     read() on the master): the daemon's own request counters
#     (.meta/.serving) show no READ or WRITE for it;
#   - on this version 2 master a write open of a passed-through file still
#     reaches the daemon with its read()/write() (so the file can grow,
#     issue 12) while read-only opens read memory directly;
#   - files that are not whole pages are passed through too (the view
#     has the file's size): read() ends at it, the mapped tail is zeros;
#   - a store through a raw mapping of /dev/dax0.0 is seen by the file's
#     mapping and by pread() through the mount, and the other way round;
#   - transitions: a pending file (daemon, page-cache mapped by a reader)
#     committed while open stays with the daemon until its last close,
#     then opens by passthrough; umount while a file is mapped (busy, lazy
#     umount keeps the mapping on device memory); unbind while a file is
#     mapped (SIGBUS on access, no oops, the daemon keeps serving .meta and
#     refuses new opens and changes with ENXIO);
#   - -o ro gets read-only views, -o nopassthrough and device_dax the
#     daemon path, each said in famfs mount's line.
. ./common.sh
. ./famfs-common.sh
dev=/dev/$DAX
mnt=/mnt/famfs
log=/tmp/messages
sysdir=/sys/bus/dax/devices/$DAX/fsdev
export ASAN_OPTIONS=log_path=/tmp/asan UBSAN_OPTIONS=log_path=/tmp/ubsan,print_stacktrace=1

first_extent() { # device offset of FILE's first extent
	famfs getmap "$1" |
		sed -n 's/^ *0: offset \(0x[0-9a-f]*\) .*$/\1/p'
}
serving() { # serving FILE: its .meta/.serving line (empty when not open)
	grep " ${1#$mnt}\$" $mnt/.meta/.serving
}
served_as() { # served_as WORDS FILE: its .serving line starts with WORDS
	serving "$2" | grep -q "^$1 "
}
not_listed() { ! serving "$1" >/dev/null; }
serving_has() { serving "$1" | grep -q -- "$2"; }
mount_says() { # mount_says TEXT ARGS...: famfs mount ARGS prints TEXT
	_want=$1; shift
	famfs mount "$@" >/tmp/mount.out 2>&1 || { cat /tmp/mount.out; return 1; }
	cat /tmp/mount.out
	[ "$(cat /tmp/mount.out)" = "$_want" ]
}
no_oops() { ! dmesg | grep -Eq 'Oops|BUG:|WARNING:|general protection'; }

famfs_env master
syslogd -n -O $log &
syslog_pid=$!
expect "syslogd up" wait_for 50 [ -S /dev/log ]
mkdir -p $mnt

expect "famfs daxmode $dev famfs" famfs daxmode $dev famfs
expect "bound to fsdev_dax" [ "$(driver_of "$DAX")" = fsdev_dax ]
expect "device node back" wait_node "$DAX"
expect "mkfs.famfs" mkfs.famfs -f $dev >/dev/null

# ---- the default mount: passthrough ----
expect "famfs mount says passthrough" mount_says \
	"$mnt: passthrough: committed files map device memory through fsdev_dax views" \
	$dev $mnt
expect "daemon logged: passthrough on" \
	wait_for 30 grep -q "$dev: passthrough on:" $log
expect ".serving: mount passthrough" \
	grep -qx "mount passthrough -" $mnt/.meta/.serving

expect "creat A (4 MiB)" famfs creat -s 4M -S 11 $mnt/A
expect "creat B (64 MiB)" famfs creat -s 64M -S 22 $mnt/B
expect "creat C (interleaved, 8 MiB)" \
	famfs creat -s 8M -S 33 -N 2 -C 2M $mnt/C
expect "creat D (64 MiB)" famfs creat -s 64M -S 44 $mnt/D
expect "stat: B served by passthrough" \
	sh -c "famfs stat $mnt/B | grep -qx '  Served: passthrough'"
expect "verify A" famfs verify -f $mnt/A -S 11
expect "verify B" famfs verify -f $mnt/B -S 22
expect "verify C (interleaved: chunks in file order)" famfs verify -f $mnt/C -S 33

# The issue's tests: faults and page cache, then the daemon's counters.
expect "B mapped: 32 PMD faults, 0 PTE, no page cache" \
	fsdev-through-mount map $mnt/B $sysdir
expect "D on the master: 256 MiB of read(), no daemon requests" \
	fsdev-through-mount io $mnt/D $mnt 256 ro
expect "verify B after its mapping's stores" famfs verify -f $mnt/B -S 22

# A client mount of the same device in this guest (another host UUID):
# it never grows files, so its write opens are passed through as well.
cmnt=/mnt/client
mkdir -p $cmnt
as_client() { (FAMFS_SYSTEM_UUID=$FAMFS_UUID_B; export FAMFS_SYSTEM_UUID; "$@"); }
expect "client mount says passthrough" as_client mount_says \
	"$cmnt: passthrough: committed files map device memory through fsdev_dax views" \
	$dev $cmnt
expect "D on the client: 256 MiB of write()/read(), no daemon requests" \
	fsdev-through-mount io $cmnt/D $cmnt 256 rw
expect "famfs umount (client)" famfs umount $cmnt

offA=$(first_extent $mnt/A)
expect "A has an extent" [ -n "$offA" ]
expect "A: file map, pread, pwrite all hit device memory directly" \
	fsdev-ptmap $mnt/A $dev "$offA"
expect "A verifies again" famfs verify -f $mnt/A -S 11

# In place through a passed-through file.
cp $mnt/A /tmp/A.ref
printf 'passthrough-write' >/tmp/w
expect "dd in-place write into A" \
	dd if=/tmp/w of=$mnt/A bs=17 seek=1000 count=1 conv=notrunc
expect "A reads it back" sh -c \
	"dd if=$mnt/A bs=1 skip=17000 count=17 2>/dev/null | cmp - /tmp/w"
dd if=/tmp/A.ref of=$mnt/A bs=1 skip=17000 seek=17000 count=17 conv=notrunc 2>/dev/null
expect "A verifies again" famfs verify -f $mnt/A -S 11

# Growth while the file is open by passthrough: the appending open's
# writes reach the daemon (version 2 master), the reader keeps its view.
expect "creat G (4 MiB)" famfs creat -s 4M -S 66 $mnt/G
cp $mnt/G /tmp/G.ref
exec 7<$mnt/G
expect "G open by passthrough" served_as "passthrough -" $mnt/G
expect "append to G while it is open" sh -c "printf x >>$mnt/G"
expect "G grew by one byte" [ "$(stat -c %s $mnt/G)" = 4194305 ]
expect "the append was served by the daemon" \
	serving_has $mnt/G " write_requests=1 "
exec 7<&-
expect "G's last byte" [ "$(tail -c 1 $mnt/G)" = x ]
expect "G's first 4 MiB unchanged" \
	sh -c "head -c 4194304 $mnt/G | cmp - /tmp/G.ref"

# ---- pending -> committed while open ----
exec 8>$mnt/P
# from a child, so the opener's own flush does not commit it (file.c)
(dd if=/dev/urandom bs=1M count=4 2>/dev/null >&8)
expect "P pending: served by the daemon" served_as "daemon pending" $mnt/P
expect "stat: P not in the log yet" sh -c "! famfs stat $mnt/P"
fsdev-through-mount hold $mnt/P /tmp/P.ready /tmp/P.go >/tmp/P.hold &
hold_pid=$!
expect "a reader maps pending P" wait_for 100 [ -e /tmp/P.ready ]
exec 8>&-	# the writer's close commits P
expect "P committed while open: stays with the daemon" \
	served_as "daemon open-since-pending" $mnt/P
expect "stat says so" sh -c \
	"famfs stat $mnt/P | grep -q 'Served: daemon (open since before its commit'"
cp $mnt/P /tmp/P.copy
expect "another open meanwhile reads P (the daemon's)" cmp $mnt/P /tmp/P.copy
touch /tmp/P.go
wait $hold_pid
cat /tmp/P.hold
expect "the reader's mapping kept working" grep -q "without a fault" /tmp/P.hold
expect "P's last handle gone" wait_for 50 not_listed $mnt/P
exec 7<$mnt/P
expect "P's next open: passthrough" served_as "passthrough -" $mnt/P
exec 7<&-
expect "P reads the same by passthrough" cmp $mnt/P /tmp/P.copy

# ---- files that are not whole pages (the view's size cuts the last
# page), and the empty file ----
echo hello >$mnt/odd
expect "stat: a 6-byte file by passthrough" \
	sh -c "famfs stat $mnt/odd | grep -qx '  Served: passthrough'"
exec 7<$mnt/odd
expect "the 6-byte file opens by passthrough" served_as "passthrough -" $mnt/odd
expect "6 bytes: read() stops at the size, the mapped tail is zeros" \
	fsdev-through-mount tail $mnt/odd
exec 7<&-
expect "odd-sized file reads exactly" [ "$(cat $mnt/odd)" = hello ]
expect "creat O (4 MiB + 100 bytes)" famfs creat -s 4194404 -S 77 $mnt/O
exec 7<$mnt/O
expect "O opens by passthrough" served_as "passthrough -" $mnt/O
expect "verify O by passthrough" famfs verify -f $mnt/O -S 77
expect "O: read() stops at the size, the mapped tail is zeros" \
	fsdev-through-mount tail $mnt/O
exec 7<&-
: >$mnt/empty
expect "empty file reads empty" [ ! -s $mnt/empty ]
expect "stat: empty file by the daemon" \
	sh -c "famfs stat $mnt/empty | grep -qx '  Served: daemon (empty)'"

# ---- umount while mapped ----
fsdev-through-mount hold $mnt/B /tmp/B.ready /tmp/B.go >/tmp/B.hold &
hold_pid=$!
expect "B mapped and read" wait_for 100 [ -e /tmp/B.ready ]
expect_fail "famfs umount refused while B is mapped" famfs umount $mnt
expect "famfs umount -l detaches" famfs umount -l $mnt
expect "mount gone from the table" not_mounted $mnt
touch /tmp/B.go
wait $hold_pid
cat /tmp/B.hold
expect "B's mapping still reads device memory" grep -q "without a fault" /tmp/B.hold
expect "the daemon exits once the mapping is gone" daemon_gone

# ---- -o ro: read-only views ----
expect "famfs mount -o ro says passthrough" mount_says \
	"$mnt: passthrough: committed files map device memory through fsdev_dax views" \
	-o ro $dev $mnt
exec 7<$mnt/B
expect "-o ro: B opened by passthrough (a read-only view)" \
	served_as "passthrough -" $mnt/B
exec 7<&-
expect "-o ro: B verifies" famfs verify -f $mnt/B -S 22
expect_fail "-o ro: no writes" sh -c "printf x | dd of=$mnt/B conv=notrunc"
expect "famfs umount (ro)" famfs umount $mnt
expect "daemon gone (ro)" daemon_gone

# ---- -o nopassthrough ----
expect "famfs mount -o nopassthrough says daemon mode" mount_says \
	"$mnt: daemon mode: -o nopassthrough" -o nopassthrough $dev $mnt
exec 7<$mnt/B
expect "nopassthrough: B by the daemon" served_as "daemon option" $mnt/B
exec 7<&-
expect "verify B (nopassthrough)" famfs verify -f $mnt/B -S 22
expect "famfs umount (nopassthrough)" famfs umount $mnt
expect "daemon gone (nopassthrough)" daemon_gone

# ---- unbind while mapped ----
expect "famfs mount again" famfs mount $dev $mnt
fsdev-through-mount hold $mnt/B /tmp/U.ready /tmp/U.go >/tmp/U.hold &
hold_pid=$!
expect "B mapped and read" wait_for 100 [ -e /tmp/U.ready ]
expect "unbind fsdev_dax under the mapping" unbind "$DAX"
touch /tmp/U.go
wait $hold_pid
cat /tmp/U.hold
expect "the mapping's next access: SIGBUS" grep -q "SIGBUS" /tmp/U.hold
expect "no oops" no_oops
expect "daemon logged: device gone" \
	wait_for 30 grep -q "$dev: device unbound: opens and changes fail" $log
expect "the namespace still lists" sh -c "ls $mnt | grep -q '^B$'"
expect ".meta/.serving still reads: device gone" \
	grep -qx "mount daemon device-gone" $mnt/.meta/.serving
expect_fail "a new open is refused" cat $mnt/A
expect "... with ENXIO" grep -q "No such device or address" /tmp/last.err
expect_fail "a new directory is refused" mkdir $mnt/after-unbind
expect "... with ENXIO" grep -q "No such device or address" /tmp/last.err
expect "the daemon is still there" sh -c "pidof famfs_fused >/dev/null"
expect "famfs umount after unbind" famfs umount $mnt
expect "daemon gone (unbound)" daemon_gone
expect "no oops at the end" no_oops

# ---- device_dax: the daemon path ----
expect "bind device_dax" bind_to device_dax "$DAX"
expect "device node back (devdax)" wait_node "$DAX"
expect "famfs mount (device_dax) says daemon mode" mount_says \
	"$mnt: daemon mode: not a devdax device bound to fsdev_dax; see famfs daxmode" \
	$dev $mnt
expect "verify A (device_dax)" famfs verify -f $mnt/A -S 11
expect "P (device_dax)" cmp $mnt/P /tmp/P.copy
expect "famfs umount (device_dax)" famfs umount $mnt
expect "daemon gone (device_dax)" daemon_gone
expect "fsck clean" sh -c "famfs fsck $dev | grep -q ': clean'"

grep famfs_fused $log | sed 's/^/  | /'
sanitizer_reports
kill $syslog_pid
finish
