# SPDX-License-Identifier: Apache-2.0
# Poison is routed to the exact file it hits: famfs daxmode binds
# fsdev_dax, famfs_fused becomes the holder, a page of file B is poisoned
# through a mapping of the device; the daemon logs B and the file offset,
# .meta/.poison lists it, reading that page of B fails with EIO while the
# rest of B and all of A read back intact.
. ./common.sh
. ./famfs-common.sh	# wait_for, no_daemon, fails_with_eio
dev=/dev/$DAX
mnt=/mnt/famfs
log=/tmp/messages
# the guest has no /etc/machine-id: this host is the master by name
FAMFS_SYSTEM_UUID=0c0c0c0c-0000-4000-8000-00000000000c
export FAMFS_SYSTEM_UUID
# a sanitizer build of the daemon reports here (stderr is /dev/null)
export ASAN_OPTIONS=log_path=/tmp/asan UBSAN_OPTIONS=log_path=/tmp/ubsan,print_stacktrace=1

# A detached daemon logs to syslog.
syslogd -n -O $log &
syslog_pid=$!
expect "syslogd up" wait_for 50 [ -S /dev/log ]

# Under device_dax there is no holder to be: the mount says so, serves.
mkdir -p $mnt
expect "starts in devdax mode" [ "$(famfs daxmode $dev)" = devdax ]
expect "mkfs.famfs" mkfs.famfs $dev
expect "famfs mount (device_dax)" famfs mount $dev $mnt
expect "daemon logged: routing off, not fsdev_dax" \
	wait_for 30 grep -q "$dev: poison routing off: not bound to fsdev_dax" $log
expect ".meta/.poison is there and empty" \
	[ -f $mnt/.meta/.poison -a -z "$(cat $mnt/.meta/.poison)" ]
expect "famfs umount" famfs umount $mnt
expect "daemon gone" wait_for 50 no_daemon

# famfs daxmode against the real drivers.
expect "famfs daxmode $dev famfs" famfs daxmode $dev famfs
expect "bound to fsdev_dax" [ "$(driver_of "$DAX")" = fsdev_dax ]
expect "now reports famfs mode" [ "$(famfs daxmode $dev)" = famfs ]
expect "device node back" wait_node "$DAX"
sysfs=$DAXSYS/devices/$DAX/fsdev

# Another holder first: EBUSY, logged, and the mount still works.
fsdev-hwpoison --hold $dev >/tmp/hold.out &
holder_pid=$!
expect "another process holds the device" wait_for 50 grep -q holding /tmp/hold.out
expect "famfs mount (device held)" famfs mount $dev $mnt
expect "daemon logged: routing off, EBUSY" \
	wait_for 30 grep -q "$dev: poison routing off: .*(EBUSY)" $log
expect "mount serves without routing" [ -f $mnt/.meta/.poison ]
expect "famfs umount" famfs umount $mnt
expect "daemon gone" wait_for 50 no_daemon
kill $holder_pid
wait $holder_pid 2>/dev/null
expect "holder released" wait_for 30 [ "$(cat $sysfs/holder)" = 0 ]

expect "famfs mount (fsdev_dax)" famfs mount $dev $mnt
expect "daemon logged: routing on" \
	wait_for 30 grep -q "$dev: poison routing on" $log
expect "the daemon is the holder" [ "$(cat $sysfs/holder)" = 1 ]

# Two files with known contents.
expect "creat A" famfs creat -s 4M -S 11 $mnt/A
expect "creat B" famfs creat -s 4M -S 22 $mnt/B
expect "verify A" famfs verify -f $mnt/A -S 11
expect "verify B" famfs verify -f $mnt/B -S 22
cp $mnt/A /tmp/A.ref
cp $mnt/B /tmp/B.ref

# B's first extent; poison a page 2 MiB + 20 KiB into the file.
famfs getmap $mnt/B | tee /tmp/getmap.out
ext=$(sed -n 's/^ *0: offset \(0x[0-9a-f]*\) *length \(0x[0-9a-f]*\)$/\1 \2/p' /tmp/getmap.out)
ext_off=${ext% *}
ext_len=${ext#* }
fpos=$((0x205000))
expect "B has one 4 MiB extent" [ "$(printf %d "${ext_len:-0}")" = 4194304 ]
poff=$((ext_off + fpos))
expect "inject at device offset $(printf %#x $poff)" \
	fsdev-hwpoison $dev $poff

want=$(printf "memory poison at device offset %#x (+0x1000) hits $mnt/B at file offset %#x" $poff $fpos)
expect "daemon log names B and the file offset" wait_for 50 grep -qF "$want" $log
grep famfs_fused $log | sed 's/^/  | /'
expect "no log line names A" sh -c "! grep -q 'hits $mnt/A' $log"
cat $mnt/.meta/.poison | sed 's/^/  .poison: /'
expect ".meta/.poison lists exactly that page of B" \
	[ "$(cat $mnt/.meta/.poison)" = "$(printf "%#x 0x1000 /B %#x" $poff $fpos)" ]
expect ".meta/.poison is read-only" sh -c "! echo x >$mnt/.meta/.poison"

# The poisoned page of B: EIO, never its memory.
page=$((fpos / 4096))
expect "reading B's poisoned page gives EIO" \
	fails_with_eio dd if=$mnt/B of=/tmp/page bs=4096 skip=$page count=1
# read(2) returns what it copied before an error: 20 KiB, then EIO
across() {
	fails_with_eio dd if=$mnt/B of=/tmp/across bs=65536 skip=32 count=2 &&
	dd if=/tmp/B.ref of=/tmp/across.ref bs=4096 skip=512 count=5 2>/dev/null &&
	cmp /tmp/across /tmp/across.ref
}
expect "a read across it stops at the page (20 KiB intact), then EIO" across
expect "famfs verify of B fails" sh -c "! famfs verify -f $mnt/B -S 22"
map_read_of() { # map_read_of FILE OFFSET: status of a read through a mapping
	fsdev-hwpoison --map-read "$1" "$2"
	echo "  (status $?)"
}
map_read() { map_read_of $mnt/B "$1"; }
expect "a mapping of B gets SIGBUS at the page" \
	[ "$(map_read $fpos | tail -n 1)" = "  (status 3)" ]
expect "a mapping of B reads the next page" \
	[ "$(map_read $((fpos + 4096)) | tail -n 1)" = "  (status 0)" ]

# Everything else of B, and all of A, reads back intact.
same_blocks() { # same_blocks NAME SKIP COUNT: 4 KiB blocks of $mnt/NAME equal /tmp/NAME.ref
	dd if=$mnt/$1 of=/tmp/part bs=4096 skip=$2 count=$3 2>/dev/null &&
	dd if=/tmp/$1.ref of=/tmp/part.ref bs=4096 skip=$2 count=$3 2>/dev/null &&
	[ "$(stat -c %s /tmp/part)" = $(($3 * 4096)) ] &&
	cmp /tmp/part /tmp/part.ref
}
expect "B before the poisoned page" same_blocks B 0 $page
expect "B after the poisoned page" same_blocks B $((page + 1)) $((1024 - page - 1))
expect "the page just before it" same_blocks B $((page - 1)) 1
expect "the page just after it" same_blocks B $((page + 1)) 1
expect "A reads back whole" cmp $mnt/A /tmp/A.ref
expect "verify A" famfs verify -f $mnt/A -S 11

# Free space: logged as such, listed with no file.
free=$((ext_off + 64 * 1048576 + 8192))
expect "inject into free space" fsdev-hwpoison $dev $free
expect "daemon log says free space" wait_for 50 grep -qF \
	"$(printf "memory poison at device offset %#x (+0x1000) hits free space" $free)" $log
expect ".meta/.poison lists it as free" \
	grep -qxF "$(printf "%#x 0x1000 <free> -" $free)" $mnt/.meta/.poison
expect ".meta/.poison still lists B" \
	grep -qxF "$(printf "%#x 0x1000 /B %#x" $poff $fpos)" $mnt/.meta/.poison
expect "A still reads back whole" cmp $mnt/A /tmp/A.ref

# ---- poison under a file already passed through and mapped ----
# C is open by passthrough (its reads and mappings go to a view, not the
# daemon) and mapped when its page goes bad. The mapping must fault at
# exactly that page, read() through the open file must fail with EIO
# (the view refuses the page; the daemon never sees the read), and the
# daemon must still name C as the file hit.
serving() { grep " ${1#$mnt}\$" $mnt/.meta/.serving; }
served_as() { serving "$2" | grep -q "^$1 "; }
not_open() { ! serving "$1" >/dev/null; }
no_daemon_reads() { serving "$1" | grep -q " read_requests=0 "; }
expect "creat C" famfs creat -s 4M -S 33 $mnt/C
cp $mnt/C /tmp/C.ref
exec 7<$mnt/C
expect "C opens by passthrough" served_as "passthrough -" $mnt/C
fsdev-through-mount hold $mnt/C /tmp/C.ready /tmp/C.go >/tmp/C.hold &
hold_pid=$!
expect "C mapped and read through the mount" wait_for 100 [ -e /tmp/C.ready ]
cext=$(famfs getmap $mnt/C | sed -n 's/^ *0: offset \(0x[0-9a-f]*\) .*$/\1/p')
cpos=$((0x7000))
cpoff=$((cext + cpos))
expect "inject into C at device offset $(printf %#x $cpoff) while mapped" \
	fsdev-hwpoison $dev $cpoff
touch /tmp/C.go
wait $hold_pid
cat /tmp/C.hold | sed 's/^/  | /'
expect "C's mapping: SIGBUS (memory failure) at the poisoned page only" \
	grep -qx "hold: SIGBUS at file offset $(printf %#x $cpos) (memory failure)" /tmp/C.hold
want=$(printf "memory poison at device offset %#x (+0x1000) hits $mnt/C at file offset %#x" $cpoff $cpos)
expect "daemon log names C and the file offset" wait_for 50 grep -qF "$want" $log
expect ".meta/.poison lists that page of C" \
	grep -qxF "$(printf "%#x 0x1000 /C %#x" $cpoff $cpos)" $mnt/.meta/.poison
expect "C is still open by passthrough" served_as "passthrough -" $mnt/C
expect "read() of C's page through passthrough: EIO" \
	fails_with_eio dd if=$mnt/C of=/tmp/page bs=4096 skip=$((cpos / 4096)) count=1
expect "... answered by the view, not the daemon" no_daemon_reads $mnt/C
same_c() { # same_c SKIP COUNT: 4 KiB blocks of C equal the reference
	dd if=$mnt/C of=/tmp/part bs=4096 skip=$1 count=$2 2>/dev/null &&
	dd if=/tmp/C.ref of=/tmp/part.ref bs=4096 skip=$1 count=$2 2>/dev/null &&
	[ "$(stat -c %s /tmp/part)" = $(($2 * 4096)) ] &&
	cmp /tmp/part /tmp/part.ref
}
expect "C before the page reads intact" same_c 0 $((cpos / 4096))
expect "C after the page reads intact" same_c $((cpos / 4096 + 1)) $((1024 - cpos / 4096 - 1))
expect "a new mapping of C gets SIGBUS at the page" \
	[ "$(map_read_of $mnt/C $cpos | tail -n 1)" = "  (status 3)" ]
expect "a new mapping of C reads the page after it" \
	[ "$(map_read_of $mnt/C $((cpos + 4096)) | tail -n 1)" = "  (status 0)" ]
exec 7<&-
expect "C's last handle gone" wait_for 50 not_open $mnt/C
# reopened, C is on the daemon path: its poison is known
exec 7<$mnt/C
expect "C reopens by the daemon (poison recorded)" served_as "daemon poisoned" $mnt/C
expect "read() of C's page by the daemon: EIO" \
	fails_with_eio dd if=$mnt/C of=/tmp/page bs=4096 skip=$((cpos / 4096)) count=1
exec 7<&-
expect "A still reads back whole after C's poison" cmp $mnt/A /tmp/A.ref
expect "B beyond its page still reads" same_blocks B $((page + 1)) $((1024 - page - 1))
exec 7<$mnt/A
expect "A opens by passthrough" served_as "passthrough -" $mnt/A
expect "verify A by passthrough" famfs verify -f $mnt/A -S 11
exec 7<&-

# ---- poison under a file still being written ----
# D is created and sized (pending: not in the log yet) and held open when
# a page of it goes bad. Every host would refuse an entry giving D that
# page, so D's commit is refused: its close() fails with EIO, D is
# dropped, and the daemon says why in one line. D takes the two units
# after C's (first fit; the hit line below proves it).
fsdev-through-mount pending $mnt/D 4194304 /tmp/D.ready /tmp/D.go >/tmp/D.out &
pending_pid=$!
expect "D created and sized, held open" wait_for 100 [ -e /tmp/D.ready ]
pending_now() { serving "$1" | grep -q " pending "; }
expect "D is pending" pending_now $mnt/D
dpos=$((0x3000))
dpoff=$((cext + 4 * 1048576 + dpos))
expect "inject into pending D at device offset $(printf %#x $dpoff)" \
	fsdev-hwpoison $dev $dpoff
want=$(printf "memory poison at device offset %#x (+0x1000) hits $mnt/D at file offset %#x" $dpoff $dpos)
expect "daemon log names D and the file offset" wait_for 50 grep -qF "$want" $log
touch /tmp/D.go
wait $pending_pid
cat /tmp/D.out | sed 's/^/  | /'
expect "D's close() fails with EIO" grep -qx "pending: close EIO" /tmp/D.out
want=$(printf "D: commit failed, file dropped: its memory at device offset %#x was marked poisoned while it was written" $dpoff)
expect "daemon log says why D was dropped" grep -qF "$want" $log
grep "commit failed" $log | sed 's/^/  | /'
expect "... in one line" [ "$(grep -c "commit failed" $log)" = 1 ]
expect "D is gone" [ ! -e $mnt/D ]
expect "A still reads back whole after D" cmp $mnt/A /tmp/A.ref

expect "famfs umount" famfs umount $mnt
expect "daemon gone" wait_for 50 no_daemon
expect "holder released on exit" wait_for 30 [ "$(cat $sysfs/holder)" = 0 ]

expect "famfs daxmode $dev devdax" famfs daxmode $dev devdax
expect "bound to device_dax again" [ "$(driver_of "$DAX")" = device_dax ]
expect "reports devdax mode" [ "$(famfs daxmode $dev)" = devdax ]

# The master recorded every range in the log (B, free space, C, D's):
# they outlive the mount and need no driver events. Under device_dax
# (routing off) a new mount still refuses B's poisoned page, which would
# otherwise kill the daemon.
famfs fsck $dev | grep poisoned | sed 's/^/  | /'
expect "fsck reports the recorded poison" \
	sh -c "famfs fsck $dev | grep -q 'poisoned: *4 ranges'"
expect "famfs mount again (device_dax)" famfs mount $dev $mnt
expect ".meta/.poison lists B from the log" \
	grep -qxF "$(printf "%#x 0x1000 /B %#x" $poff $fpos)" $mnt/.meta/.poison
expect ".meta/.poison lists dropped D's page as free" \
	grep -qxF "$(printf "%#x 0x1000 <free> -" $dpoff)" $mnt/.meta/.poison
expect "B's poisoned page still gives EIO" \
	fails_with_eio dd if=$mnt/B of=/tmp/page bs=4096 skip=$page count=1
expect "B after the poisoned page still reads" \
	same_blocks B $((page + 1)) $((1024 - page - 1))
expect "A still verifies" famfs verify -f $mnt/A -S 11

expect "famfs umount (device_dax)" famfs umount $mnt
expect "daemon gone again" wait_for 50 no_daemon

# ---- an fsdev_dax older than FSDEV_DAX_IOC_MARK_FAILED ----
# The shim answers that request with ENOTTY, as such a module does. A
# new binding knows no poison; the daemon claims the holder and asks the
# driver to withhold each of the log's four ranges: four refusals, ONE
# warning naming the device and the reason, and the daemon refuses the
# ranges all the same. The daemon says it while it starts, on famfs
# mount's stderr; later it would say it in syslog.
expect "famfs daxmode $dev famfs (again)" famfs daxmode $dev famfs
expect "device node back (again)" wait_node "$DAX"
shim_log=/tmp/shim.log
from=$(($(wc -l <$log) + 1))
new_log() { tail -n +$from $log; }
warnings() { cat /tmp/shim-mount.err /tmp/mount.err 2>/dev/null; new_log; }
routing_on() { [ "$(new_log | grep -c "$dev: poison routing on")" = "$1" ]; }
expect "famfs mount (module without MARK_FAILED)" \
	env LD_PRELOAD=/tests/bin/shim-no-mark-failed.so FAMFS_SHIM_LOG=$shim_log \
	ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0 \
	famfs mount $dev $mnt 2>/tmp/shim-mount.err
expect "daemon logged: routing on (older module)" \
	wait_for 30 routing_on 1
cat $shim_log | sed 's/^/  shim: /'
expect "the daemon asked the driver to withhold each of the 4 ranges" \
	[ "$(grep -c '^MARK_FAILED ' $shim_log)" = 4 ]
expect "... and the driver was told none (the shim refused them)" \
	[ "$(cat $sysfs/poisoned_pages)" = 0 ]
first=$(sed -n '1s/^MARK_FAILED \(0x[0-9a-f]*\) .*/\1/p' $shim_log)
want="$dev: poison at device offset $first (+0x1000) stays readable through mappings made before it was recorded: fsdev_dax lacks FSDEV_DAX_IOC_MARK_FAILED (older module)"
warnings | grep "stays readable" | sed 's/^/  | /'
expect "one warning names the device, the first range and the reason" \
	sh -c "grep -qF '$want' /tmp/shim-mount.err"
expect "B's page still gives EIO (the daemon refuses it)" \
	fails_with_eio dd if=$mnt/B of=/tmp/page bs=4096 skip=$page count=1
expect "C's page too" fails_with_eio dd if=$mnt/C of=/tmp/page bs=4096 \
	skip=$((cpos / 4096)) count=1
expect "B after the page still reads" same_blocks B $((page + 1)) $((1024 - page - 1))
expect "famfs umount (older module)" famfs umount $mnt
expect "daemon gone (older module)" wait_for 50 no_daemon
expect "the warning was logged once for the 4 ranges" \
	[ "$(warnings | grep -c "stays readable")" = 1 ]
# the same start with the real request: the driver withholds all four
expect "famfs mount (MARK_FAILED)" famfs mount $dev $mnt 2>/tmp/mount.err
expect "daemon logged: routing on (MARK_FAILED)" \
	wait_for 30 routing_on 2
expect "the driver withholds the 4 pages" [ "$(cat $sysfs/poisoned_pages)" = 4 ]
expect "no new warning" [ "$(warnings | grep -c "stays readable")" = 1 ]
expect "famfs umount (MARK_FAILED)" famfs umount $mnt
expect "daemon gone (MARK_FAILED)" wait_for 50 no_daemon

# ---- memory lost under a mount that is not the holder: issue 9 item 5 ----
# Another process holds fsdev_dax, so the failure goes to it, not to the
# daemon, and the driver never maps the page again: the daemon's next
# store into it (the kernel's copy out of the request pipe) is refused,
# as a machine check would refuse it. The daemon must survive, fail
# that request with EIO (not EFAULT: the writer's buffer was fine), say
# why once, and serve everything else.
fsdev-hwpoison --hold $dev >/tmp/hold2.out &
holder_pid=$!
expect "another process holds the device (again)" wait_for 50 grep -q holding /tmp/hold2.out
# nopassthrough: E's writes reach the daemon, not a view
expect "famfs mount (not the holder)" famfs mount -o nopassthrough $dev $mnt
expect "creat E" famfs creat -s 4M -S 44 $mnt/E
cp $mnt/E /tmp/E.ref
eext=$(famfs getmap $mnt/E | sed -n 's/^ *0: offset \(0x[0-9a-f]*\) .*$/\1/p')
epos=$((0x9000))
expect "inject into E (the other holder is told)" fsdev-hwpoison $dev $((eext + epos))
daemon_alive() { pidof famfs_fused >/dev/null; }
expect "writing E's page: EIO" fails_with_eio dd if=/dev/zero of=$mnt/E \
	bs=4096 seek=$((epos / 4096)) count=1 conv=notrunc,fsync
expect "the daemon survived" daemon_alive
want=$(printf "device memory refused the kernel's copy of a write at device offset %#x (+0x1000): lost or poisoned" $((eext + epos)))
expect "daemon log says why" wait_for 50 grep -qF "$want" $log
# a read's reply is copied by the kernel from the daemon's mapping
expect "reading E's page: EIO" \
	fails_with_eio dd if=$mnt/E of=/tmp/page bs=4096 skip=$((epos / 4096)) count=1
expect "the daemon is still serving" daemon_alive
grep "refused the kernel's copy" $log | sed 's/^/  | /'
expect "... once" [ "$(grep -c "refused the kernel's copy" $log)" = 1 ]
expect "E's second unit reads intact" same_blocks E 512 512
expect "A still verifies after E's loss" famfs verify -f $mnt/A -S 11
expect "famfs umount (not the holder)" famfs umount $mnt
expect "daemon gone (not the holder)" wait_for 50 no_daemon
kill $holder_pid
wait $holder_pid 2>/dev/null
expect "famfs daxmode $dev devdax (again)" famfs daxmode $dev devdax
expect "no fsdev_dax objects left" [ "$(objects)" = 0 ]
sanitizer_reports
kill $syslog_pid
finish
