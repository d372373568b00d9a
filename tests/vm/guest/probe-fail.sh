# SPDX-License-Identifier: Apache-2.0
# Probe failing at each step (probe_fail_step test hook) unwinds fully:
# the device binds again, to fsdev_dax and to device_dax. Step 2 makes
# the data-offset check see an impossible layout.
. ./common.sh
dev=/dev/$DAX

step=1
while [ $step -le 6 ]; do
	echo $step >$FSDEV_PARAMS/probe_fail_step
	unbind "$DAX"
	if echo "$DAX" >"$DAXSYS/drivers/fsdev_dax/bind" 2>/dev/null; then
		fail "step $step: bind should have failed"
	else
		ok "step $step: bind failed"
	fi
	expect "step $step: device left unbound" [ -z "$(driver_of "$DAX")" ]
	expect "step $step: hook fired" dmesg | grep -q "probe_fail_step=$step: failing probe"
	echo 0 >$FSDEV_PARAMS/probe_fail_step
	expect "step $step: no driver objects left" [ "$(objects)" = 0 ]
	expect "step $step: binds to fsdev_dax now" bind_to fsdev_dax "$DAX"
	expect "step $step: and works" fsdev-mmap stamp "$dev" $step
	expect "step $step: reads back" fsdev-mmap verify "$dev" $step
	expect "step $step: device_dax can bind" bind_to device_dax "$DAX"
	expect "step $step: sees the data" fsdev-mmap verify "$dev" $step
	step=$((step + 1))
done
expect "invalid pgmap offset names both addresses" \
	dmesg | grep -q -E "$DAX: pgmap start 0x[0-9a-f]+ exceeds data start 0x[0-9a-f]+"
finish
