# SPDX-License-Identifier: Apache-2.0
# PMD faults where virtual address, offset and physical memory are 2 MiB
# aligned; PTE faults otherwise (device and views).
. ./common.sh
expect "bind fsdev_dax" bind_to fsdev_dax "$DAX"
expect "device node" wait_node "$DAX"
expect "fault sizes" fsdev-pmd "/dev/$DAX"
expect "unbind" unbind "$DAX"
finish
