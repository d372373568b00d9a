# SPDX-License-Identifier: Apache-2.0
# mmap round trips through the device node and through views; offsets
# agree with device_dax's; access rules of the node and of views; hostile
# extent lists; view writes bypass the caches and fsync writes back,
# reads are machine-check safe; a view is a FUSE passthrough backing file and
# a file of that FUSE mount maps device memory; unbinding under live
# mappings (device, view, FUSE file), views and a holder zaps them
# cleanly and leaves no driver objects behind.
. ./common.sh
. ./famfs-common.sh	# wait_for
dev=/dev/$DAX

expect "bind fsdev_dax" bind_to fsdev_dax "$DAX"
expect "device node" wait_node "$DAX"
expect "stamp through fsdev_dax" fsdev-mmap stamp "$dev" 0x1234
expect "verify through fsdev_dax" fsdev-mmap verify "$dev" 0x1234
expect "views" fsdev-mmap views "$dev"

# The same bytes must sit at the same offsets under either driver.
expect "bind device_dax" bind_to device_dax "$DAX"
expect "device_dax sees fsdev_dax's data" fsdev-mmap verify "$dev" 0x1234
expect "stamp through device_dax" fsdev-mmap stamp "$dev" 0x777
expect "bind fsdev_dax again" bind_to fsdev_dax "$DAX"
expect "fsdev_dax sees device_dax's data" fsdev-mmap verify "$dev" 0x777

# Who may do what (the node opened by root and by nobody), hostile
# extent lists, allocations charged to the caller's memory cgroup.
chmod 0666 "$dev"
expect "access rules" fsdev-access modes "$dev"
expect "hostile extent lists" fsdev-access lists "$dev"
mkdir -p /sys/fs/cgroup
mount -t cgroup2 none /sys/fs/cgroup
echo +memory >/sys/fs/cgroup/cgroup.subtree_control
mkdir -p /sys/fs/cgroup/fsdev-test
expect "view allocations are charged to the caller" \
	fsdev-access charged "$dev" /sys/fs/cgroup/fsdev-test
expect "and fail quietly" sh -c "! dmesg | grep -q -e 'allocation failure' -e 'vmalloc error'"
chmod 0600 "$dev"

# Which copies view I/O runs, counted by kprobes. Patching kernel code
# that other CPUs are running is what a TCG guest now and then gets wrong
# ("Oops: int3" in ttwu_do_activate, wake_up_new_task or __schedule, then
# a panic). Events that record command names hook the scheduler's wakeup
# and switch tracepoints on every enable and disable, so that is off, and
# the probes (in functions only this test calls) stay armed until poweroff.
tracing=/sys/kernel/debug/tracing
expect "events record no command names" \
	sh -c "echo 0 >$tracing/options/record-cmd"
for probe in 'flushcopy copy_user_flushcache' 'wbcache arch_wb_cache_pmem' \
	'mccopy copy_mc_to_user'; do
	# shellcheck disable=SC2086 # name and symbol, split on purpose
	set -- $probe
	expect "kprobe on $2" sh -c "echo 'p:fsdev/$1 $2' >>$tracing/kprobe_events"
done
echo 1 >$tracing/events/fsdev/enable
expect "view write/fsync/read copies" fsdev-io "$dev" $tracing

# Unbind while one process maps the device and a view and holds the
# device, and another maps a file of a FUSE mount passed through to a
# view (that one first checks the view is a backing file FUSE accepts).
mkdir -p /tmp/backing
mkfifo /tmp/go /tmp/go2
fsdev-mmap hold "$dev" </tmp/go >/tmp/hold.out &
pid=$!
fsdev-backing "$dev" /tmp/backing </tmp/go2 >/tmp/backing.out &
pid2=$!
exec 3>/tmp/go 4>/tmp/go2
expect "holder process ready" wait_for 100 grep -q ready /tmp/hold.out
expect "FUSE passthrough process ready" wait_for 200 grep -q ready /tmp/backing.out
expect "unbind under live mappings" unbind "$DAX"
echo go >&3
echo go >&4
exec 3>&- 4>&-
checks_passed $pid /tmp/hold.out "holder process checks after unbind"
checks_passed $pid2 /tmp/backing.out \
	"FUSE passthrough checks before and after unbind"
# FUSE drops its backing file when the connection goes, a moment later
expect "no driver objects left" wait_for 50 [ "$(objects)" = 0 ]
expect "rebind device_dax" bind_to device_dax "$DAX"
finish
