# SPDX-License-Identifier: Apache-2.0
# Smoke test: fsdev_dax binds dax0.0 and answers the info ioctl.
. ./common.sh
expect "bind fsdev_dax" bind_to fsdev_dax "$DAX"
expect "driver is fsdev_dax" [ "$(driver_of "$DAX")" = fsdev_dax ]
expect "device node" wait_node "$DAX"
fsdev-info /dev/$DAX
expect "unbind" unbind "$DAX"
expect "rebind device_dax" bind_to device_dax "$DAX"
finish
