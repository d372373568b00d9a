# SPDX-License-Identifier: Apache-2.0
# 100 bind/unbind cycles; static pgmap reuse after device_dax (order-0
# pages: vmemmap_shift cleared); the pgmap's memory_failure handler
# is gone once fsdev_dax unbinds; nothing leaks.
. ./common.sh
CYCLES=${1:-100}
dev=/dev/$DAX

iomem_before=$(grep -c "$DAX" /proc/iomem)
avail_before=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)

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
