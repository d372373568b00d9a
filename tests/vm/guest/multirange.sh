# SPDX-License-Identifier: Apache-2.0
# A real multi-range dynamic device: soft-reserved memory (memmap=...
# on the kernel command line) becomes an hmem dax region; resizing two
# devices in it gives dax1.0 two ranges with dax1.1 in the gap.
# Run with: run-vm.sh --no-nvdimm --append "memmap=256M%0x20000000-1+0xefffffff"
. ./common.sh
DAX=dax${HMEM_REGION:-0}.0

insmod /modules/dax_hmem.ko
i=0
while [ ! -e $DAXSYS/devices/$DAX ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
ls $DAXSYS/devices/
expect "hmem device $DAX exists" [ -e $DAXSYS/devices/$DAX ]
region=$(readlink -f $DAXSYS/devices/$DAX/..)/dax_region
unbind "$DAX"
expect "shrink $DAX to 64 MiB" sh -c "echo $((64 << 20)) > $DAXSYS/devices/$DAX/size"
expect "create a second device" sh -c "echo 1 > $region/create"
dev2=$(cat $region/seed)
echo "second device: $dev2"
expect "size $dev2 64 MiB" sh -c "echo $((64 << 20)) > $DAXSYS/devices/$dev2/size"
expect "grow $DAX to 128 MiB (second range)" sh -c "echo $((128 << 20)) > $DAXSYS/devices/$DAX/size"

# The hmem region is kmem-typed: bind by name.
expect "fsdev_dax new_id" sh -c "echo $DAX > $DAXSYS/drivers/fsdev_dax/new_id"
expect "bound to fsdev_dax" [ "$(driver_of "$DAX")" = fsdev_dax ]
expect "device node" wait_node "$DAX"
expect "stamp across ranges" fsdev-mmap stamp /dev/$DAX 0x55
unbind "$DAX"

# device_dax must find the bytes at the same offsets (checked before the
# multi-range checks below write and poison pages there).
expect "device_dax new_id" sh -c "echo $DAX > $DAXSYS/drivers/device_dax/new_id"
expect "bound to device_dax" [ "$(driver_of "$DAX")" = device_dax ]
expect "device_dax sees the same offsets" fsdev-mmap verify /dev/$DAX 0x55
unbind "$DAX"

# A failed probe must not leave a stale pgmap behind on a dynamic device
# (its page map is freed with the failed binding). Steps 1-5 are the
# ones that matter: at step 6 the unwind runs kill_dev_dax(), which
# clears the pointer itself.
step=1
while [ $step -le 6 ]; do
	echo $step >$FSDEV_DEBUG/fail_probe_step
	if echo "$DAX" >$DAXSYS/drivers/fsdev_dax/bind 2>/dev/null; then
		fail "step $step: injected probe failure"
	else
		ok "step $step: injected probe failure"
	fi
	echo 0 >$FSDEV_DEBUG/fail_probe_step
	expect "step $step: dynamic device binds again after a failed probe" \
		sh -c "echo $DAX > $DAXSYS/drivers/fsdev_dax/bind"
	[ $step = 6 ] || unbind "$DAX"
	step=$((step + 1))
done
expect "device node again" wait_node "$DAX"
expect "multi-range checks" fsdev-multirange /dev/$DAX
unbind "$DAX"
expect "no driver objects left" [ "$(objects)" = 0 ]
finish
