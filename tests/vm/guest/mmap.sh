# SPDX-License-Identifier: Apache-2.0
# mmap round trips through the device node and through views; offsets
# agree with device_dax's; unbinding under live mappings, views and a
# holder zaps them cleanly and leaves no driver objects behind.
. ./common.sh
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

# Unbind while a process maps the device and a view and holds the device.
mkfifo /tmp/go
fsdev-mmap hold "$dev" </tmp/go >/tmp/hold.out &
pid=$!
exec 3>/tmp/go
i=0
while ! grep -q ready /tmp/hold.out && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
expect "holder process ready" grep -q ready /tmp/hold.out
expect "unbind under live mappings" unbind "$DAX"
echo go >&3
exec 3>&-
wait $pid
rc=$?
cat /tmp/hold.out
expect "holder process checks after unbind" [ $rc = 0 ]
expect "no driver objects left" [ "$(objects)" = 0 ]
expect "rebind device_dax" bind_to device_dax "$DAX"
finish
