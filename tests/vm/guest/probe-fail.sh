# SPDX-License-Identifier: Apache-2.0
# Probe failing at each step (fail_probe_step test hook) unwinds fully:
# the device binds again, to fsdev_dax and to device_dax. Step 2 makes
# the data-offset check see an impossible layout.
. ./common.sh
dev=/dev/$DAX

step=1
while [ $step -le 6 ]; do
	echo $step >$FSDEV_DEBUG/fail_probe_step
	unbind "$DAX"
	if bind_to fsdev_dax "$DAX"; then
		fail "step $step: bind should have failed"
	else
		ok "step $step: bind failed"
	fi
	expect "step $step: device left unbound" [ -z "$(driver_of "$DAX")" ]
	expect "step $step: hook fired" dmesg | grep -q "test hook: failing probe at step $step"
	echo 0 >$FSDEV_DEBUG/fail_probe_step
	expect "step $step: no driver objects left" [ "$(objects)" = 0 ]
	expect "step $step: binds to fsdev_dax now" bind_to fsdev_dax "$DAX"
	expect "step $step: and works" fsdev-mmap stamp "$dev" $step
	expect "step $step: reads back" fsdev-mmap verify "$dev" $step
	expect "step $step: device_dax can bind" bind_to device_dax "$DAX"
	expect "step $step: sees the data" fsdev-mmap verify "$dev" $step
	step=$((step + 1))
done
expect "an impossible page map layout names both addresses" \
	dmesg | grep -q -E "$DAX: data at 0x[0-9a-f]+ lies below its page map at 0x[0-9a-f]+"
finish
