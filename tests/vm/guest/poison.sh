# SPDX-License-Identifier: Apache-2.0
# Memory failures reach the holder with the device offset (and a record
# whose copy to the reader fails stays queued); a poisoned page is never
# mapped again, through the device or a view, and view I/O stops at it;
# the holder can mark pages failed (another host saw them fail) with the
# same effect, and nobody else can;
# a mark racing a memory failure of the same page counts it once; a
# long mark stops at a fatal signal and a second mark completes it;
# without a holder a task touching it gets SIGBUS BUS_MCEERR_AR; a holder
# released under a running notifier is not used after the release; an
# unbind waits for a page pinned by vmsplice until the pin is dropped; a
# holder's file that outlives the unbind can no longer mark (ENXIO).
. ./common.sh
. ./famfs-common.sh	# wait_for
sysfs=$DAXSYS/devices/$DAX/fsdev
dev=/dev/$DAX

expect "bind fsdev_dax" bind_to fsdev_dax "$DAX"
expect "device node" wait_node "$DAX"
expect "holder events" fsdev-poison holder "$dev"
expect "poisoned pages refused" fsdev-poison refuse "$dev"
machine_failures=$(cat $sysfs/memory_failures)
expect "the holder marks pages failed" fsdev-poison mark "$dev"
expect "marks are not memory failures of this machine" \
	[ "$(cat $sysfs/memory_failures)" = "$machine_failures" ]
before=$(cat $sysfs/memory_failures)
expect "no holder: the task gets SIGBUS BUS_MCEERR_AR" \
	fsdev-poison generic "$dev" $((100 * 1048576 + 8192))
expect "driver saw that failure too" [ "$(cat $sysfs/memory_failures)" = $((before + 1)) ]
expect "holder attribute back to 0" [ "$(cat $sysfs/holder)" = 0 ]
expect "sysfs counts the poisoned pages" [ "$(cat $sysfs/poisoned_pages)" -gt 70 ]

# The holder released while a notifier that read it runs (held there by
# the test module's hook): the notifier calls the holder it read, and the
# release returns only once the notifier is done with it.
expect "a holder released under a running notifier" \
	fsdev-overtake "$dev" $FSDEV_DEBUG $((600 * 1048576))
expect "no oops" sh -c "! dmesg | grep -Eq 'Oops|BUG:|WARNING:'"

# 128 pages at [704, 704.5) MiB, each marked while it fails here.
before=$(cat $sysfs/memory_failures)
expect "marks racing memory failures of the same pages" \
	fsdev-poison race "$dev" $((704 * 1048576)) 128
expect "each was a memory failure of this machine" \
	[ "$(cat $sysfs/memory_failures)" = $((before + 128)) ]

# 432 MiB in one request, killed after its first steps: [160, 592) MiB,
# where no page failed above (fsdev-overtake's is at 600 MiB).
expect "a long mark killed midway, then completed" \
	fsdev-poison killed "$dev" $((160 * 1048576)) $((432 * 1048576))

# A holder that keeps its file across the unbind below.
mkfifo /tmp/unbound.go
fsdev-poison unbound "$dev" </tmp/unbound.go >/tmp/unbound.out &
unbound_pid=$!
exec 4>/tmp/unbound.go
expect "a holder waits for the unbind" wait_for 100 grep -q ready /tmp/unbound.out

# A pinned page keeps the unbind waiting; dropping the pin lets it end.
mkfifo /tmp/pin.go
fsdev-poison pin "$dev" </tmp/pin.go >/tmp/pin.out &
pin_pid=$!
exec 3>/tmp/pin.go
expect "a page is pinned" wait_for 100 grep -q ready /tmp/pin.out
(unbind "$DAX"; echo done >/tmp/unbind.done) &
sleep 3
expect "unbind still waits while the page is pinned" [ ! -e /tmp/unbind.done ]
expect "and says so" dmesg | grep -q "$DAX: unbind waits for pinned pages"
echo go >&3
exec 3>&-
checks_passed $pin_pid /tmp/pin.out "the pin holder's checks"
expect "unbind ends once the pin is dropped" wait_for 100 [ -e /tmp/unbind.done ]
expect "unbound" [ -z "$(driver_of "$DAX")" ]
echo go >&4
exec 4>&-
checks_passed $unbound_pid /tmp/unbound.out "the unbound holder's checks"
expect "no oops after its marks" sh -c "! dmesg | grep -Eq 'Oops|BUG:|WARNING:'"
expect "no driver objects left" [ "$(objects)" = 0 ]
finish
