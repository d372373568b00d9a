#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Guest /init: bring up an emulated devdax device (dax0.0), load fsdev_dax,
# run /tests/run, check the kernel log for splats, report, power off.
# The host reads "FAMFS_VM_RESULT rc=N" from the serial console.
export PATH=/tests/bin:/famfs/bin:/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug

finish() {
	echo "FAMFS_VM_DMESG_BEGIN"
	dmesg
	echo "FAMFS_VM_DMESG_END"
	echo "FAMFS_VM_RESULT rc=$1"
	sync
	poweroff -f
	sleep 5
	echo o >/proc/sysrq-trigger
}

setup() {
	if [ "${FAMFS_VM_NVDIMM:-1}" = 0 ]; then
		insmod /modules/device_dax.ko || return 1
		insmod /modules/hwpoison_inject.ko || return 1
		insmod /tests/fsdev_dax.ko || return 1
		return 0
	fi
	for m in libnvdimm nd_btt nd_pmem nd_e820 nfit device_dax dax_pmem; do
		insmod /modules/$m.ko || { echo "init: insmod $m failed"; return 1; }
	done
	i=0
	while [ ! -e /dev/pmem0 ] && [ ! -e /dev/dax0.0 ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -e /dev/dax0.0 ] && [ "${FAMFS_VM_NDCTL:-1}" = 0 ]; then
		# A second host on a shared backing file: the namespace must
		# already be devdax; never reformat another guest's memory.
		echo "init: no /dev/dax0.0 and ndctl disabled"
		return 1
	fi
	if [ ! -e /dev/dax0.0 ]; then
		# shellcheck disable=SC2086
		ndctl create-namespace -f -e namespace0.0 -m devdax -a 2M \
			${FAMFS_VM_NDCTL_ARGS:-} >/tmp/ndctl.out ||
			{ echo "init: ndctl create-namespace failed"; cat /tmp/ndctl.out; return 1; }
	fi
	[ -e /dev/dax0.0 ] || { echo "init: no /dev/dax0.0"; return 1; }
	insmod /modules/hwpoison_inject.ko || return 1
	# run-vm.sh --modules: the booted system loads the installed one
	[ "${FAMFS_VM_FSDEV:-1}" = 0 ] ||
		insmod /tests/fsdev_dax.ko || { echo "init: insmod fsdev_dax failed"; return 1; }
}

# The host directory given to run-vm.sh --share, at /share.
mount_share() {
	for m in netfs 9pnet 9pnet_virtio 9p; do
		insmod /modules/$m.ko || { echo "init: insmod $m failed"; return 1; }
	done
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 famfs_share /share ||
		{ echo "init: cannot mount the 9p share"; return 1; }
}

SPLAT='WARNING:|BUG:|Oops|general protection fault|Kernel panic|list_del corruption|refcount_t:|UBSAN|blocked for more than'

# A splat before any module of ours is loaded is the emulated machine's
# (seen once under TCG: an int3 oops in sched_init_debug); say so, so the
# host can boot again instead of blaming the test.
if dmesg | grep -E -q "$SPLAT"; then
	dmesg | grep -E -A20 "$SPLAT" | head -40
	echo "FAMFS_VM_BOOT_SPLAT"
	finish 1
fi

# An emulated CPU that corrupts RFLAGS crashes the kernel at random
# (cpu-flags.c): stop before the test rather than blame it.
if ! cpu-flags; then
	echo "init: the guest CPU corrupts RFLAGS (tests/vm/cpu-flags.c)"
	finish 1
fi

[ -r /tests/config ] && . /tests/config
if ! setup; then
	finish 1
fi
if [ "${FAMFS_VM_SHARE:-0}" = 1 ] && ! mount_share; then
	finish 1
fi

# run-vm.sh --systemd: the host's root (9p, read-only) under a tmpfs
# overlay becomes the root, the test prepares it (/tests/run prepare
# NEWROOT), and systemd boots it; the test reports from there.
boot_systemd() {
	for m in overlay; do
		insmod /modules/$m.ko || { echo "init: insmod $m failed"; return 1; }
	done
	grep -q '^9p ' /proc/modules || for m in netfs 9pnet 9pnet_virtio 9p; do
		insmod /modules/$m.ko || { echo "init: insmod $m failed"; return 1; }
	done
	mkdir -p /lower /rw /newroot
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,ro famfs_root /lower ||
		{ echo "init: cannot mount the host root"; return 1; }
	mount -t tmpfs -o size=1g,mode=0755 rw /rw
	mkdir -p /rw/upper /rw/work
	mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot ||
		{ echo "init: cannot make the overlay root"; return 1; }
	mkdir -p /newroot/tests
	cp -a /tests/. /newroot/tests/
	sh /tests/run prepare /newroot || return 1
	umount /sys/kernel/debug /tmp 2>/dev/null
	if grep -q ' /share ' /proc/mounts; then
		mkdir -p /newroot/share && mount -o move /share /newroot/share || return 1
	fi
	for d in dev proc sys; do
		mount -o move /$d /newroot/$d || return 1
	done
	echo "FAMFS_VM_SWITCH_ROOT"
	exec switch_root /newroot /lib/systemd/systemd
}

echo "FAMFS_VM_TEST_BEGIN"
if [ "${FAMFS_VM_SYSTEMD:-0}" = 1 ]; then
	boot_systemd
	echo "init: systemd boot failed"
	finish 1
fi
sh /tests/run
rc=$?
echo "FAMFS_VM_TEST_END rc=$rc"

# Any kernel splat fails the run, whatever the test said.
if dmesg | grep -E -q "$SPLAT"; then
	echo "init: kernel log has a splat:"
	dmesg | grep -E -A20 "$SPLAT" | head -60
	[ $rc = 0 ] && rc=1
fi
finish $rc
