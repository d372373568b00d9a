# SPDX-License-Identifier: Apache-2.0
# fsdev_dax binds only the devices it is asked to (new_id), never one
# left unbound at insmod; neither it nor famfs daxmode rebinds a device
# whose node is still open; 100 bind/unbind cycles; static pgmap reuse
# after device_dax (order-0 pages: vmemmap_shift cleared); the pgmap's
# memory_failure handler is gone once fsdev_dax unbinds; nothing leaks.
. ./common.sh
. ./famfs-common.sh	# expect_fail
CYCLES=${1:-100}
dev=/dev/$DAX

iomem_before=$(grep -c "$DAX" /proc/iomem)
avail_before=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)

# An unbound device stays unbound when the module loads: binding is
# asked for by name (new_id: what famfs daxmode and daxctl write).
unbind "$DAX"
expect "rmmod fsdev_dax" rmmod fsdev_dax
expect "insmod fsdev_dax" insmod /tests/fsdev_dax.ko
expect "insmod leaves the unbound $DAX alone" [ -z "$(driver_of "$DAX")" ]
expect_fail "bind without new_id is refused" \
	sh -c "echo $DAX >$DAXSYS/drivers/fsdev_dax/bind"
expect "new_id binds it" sh -c "echo $DAX >$DAXSYS/drivers/fsdev_dax/new_id"
expect "bound to fsdev_dax" [ "$(driver_of "$DAX")" = fsdev_dax ]

# Rebinding under an open fd of the node corrupts the shared char device.
expect "bind device_dax" bind_to device_dax "$DAX"
expect "device node" wait_node "$DAX"
exec 5<"$dev"
expect_fail "famfs daxmode refuses while the node is open" \
	famfs daxmode "$dev" famfs
expect "and says the node is open, and by whom" \
	grep -q "$dev: in use: open by pid [0-9]* (sh)" /tmp/last.err
expect "still bound to device_dax" [ "$(driver_of "$DAX")" = device_dax ]
unbind "$DAX"
expect_fail "fsdev_dax refuses to bind under an fd of the earlier binding" \
	bind_to fsdev_dax "$DAX"
expect "the kernel log says why" \
	dmesg | grep -q "$DAX: its node is still open from an earlier binding"
exec 5<&-
expect "binds once the fd is closed" bind_to fsdev_dax "$DAX"
expect "famfs daxmode switches a device nobody has open" \
	famfs daxmode "$dev" devdax

# device_dax set the static pgmap's page order to 9 (2 MiB align);
# fs-dax pages are order 0, so the rebind must clear it.
expect "bind fsdev_dax" bind_to fsdev_dax "$DAX"
expect "static pgmap reused with order 0" [ "$(cat $DAXSYS/devices/$DAX/fsdev/pgmap_order)" = 0 ]

i=0
bad=0
start=$(date +%s)
while [ $i -lt "$CYCLES" ]; do
	unbind "$DAX" || bad=$((bad + 1))
	echo "$DAX" >"$DAXSYS/drivers/fsdev_dax/bind" || bad=$((bad + 1))
	[ "$(driver_of "$DAX")" = fsdev_dax ] || bad=$((bad + 1))
	i=$((i + 1))
done
echo "$CYCLES cycles in $(($(date +%s) - start))s"
expect "$CYCLES bind/unbind cycles without error" [ $bad = 0 ]
expect "device usable after the cycles" fsdev-mmap stamp "$dev" 0x42
expect "and reads back" fsdev-mmap verify "$dev" 0x42
expect "only the device's objects are alive" [ "$(objects)" = 1 ]

# After unbinding fsdev_dax, poison under device_dax must take the
# generic route: a stale handler would call into freed driver state.
expect "bind device_dax" bind_to device_dax "$DAX"
expect "no driver objects left" [ "$(objects)" = 0 ]
expect "device_dax poison uses the generic handler" fsdev-poison generic "$dev" $((200 * 1048576))

expect "rmmod fsdev_dax" rmmod fsdev_dax
expect "iomem claims unchanged" [ "$(grep -c "$DAX" /proc/iomem)" = "$iomem_before" ]
avail_after=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
echo "MemAvailable: $avail_before kB before, $avail_after kB after"
expect "MemAvailable within 8 MiB" [ $((avail_before - avail_after)) -lt 8192 ]
finish
