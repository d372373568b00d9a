# SPDX-License-Identifier: Apache-2.0
# Memory failures reach the holder with the device offset; without a
# holder the kernel's generic handling signals the mapper.
. ./common.sh
sysfs=$DAXSYS/devices/$DAX/fsdev
expect "bind fsdev_dax" bind_to fsdev_dax "$DAX"
expect "device node" wait_node "$DAX"
expect "holder events" fsdev-poison holder "/dev/$DAX"
before=$(cat $sysfs/memory_failures)
expect "no holder: generic handling" fsdev-poison generic "/dev/$DAX" $((100 * 1048576 + 8192))
expect "driver saw that failure too" [ "$(cat $sysfs/memory_failures)" = $((before + 1)) ]
expect "holder attribute back to 0" [ "$(cat $sysfs/holder)" = 0 ]
expect "unbind" unbind "$DAX"
expect "no driver objects left" [ "$(objects)" = 0 ]
finish
