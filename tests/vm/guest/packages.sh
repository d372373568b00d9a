# SPDX-License-Identifier: Apache-2.0
# The Debian packages of this tree in two guests on one memory that boot
# systemd (run-two-hosts.sh: master and client, their own system UUIDs,
# marker files on /share): each guest's root is the host's (9p,
# read-only) under a tmpfs overlay, so the packages install into a
# throwaway copy (run-vm.sh --systemd --debs --modules).
# usage: packages.sh master|client prepare NEWROOT | test | stop
#
#  prepare NEWROOT  (initramfs, before switch_root): what dkms installed
#                   into NEWROOT's /lib/modules (fsdev_dax is not loaded:
#                   famfs-daxmode@ modprobes it); dpkg -i the famfs
#                   package into NEWROOT; the master runs mkfs.famfs
#                   /dev/dax0.0 with the installed tool; the same fstab
#                   line of type famfs on both, the test units; boot into
#                   famfs-test.target
#  test             (systemd, famfs-test.service): the boot mount came from
#                   fstab through /usr/sbin/mount.famfs, the udev rule and
#                   famfs-daxmode@dax0.0.service (fsdev_dax bound before
#                   the mount: poison routing on), as master or client by
#                   the system UUID. The client sees the file the master
#                   wrote through its boot mount and cannot write, then
#                   powers off. After the client's shutdown, the master
#                   runs famfs-devdax.sh from the installed files with
#                   device_dax bound again and starts the mount unit again
#                   for the shutdown
#  stop             (systemd, at shutdown, after the mount unit stopped):
#                   the mount and its daemon are gone; on the master fsck
#                   is clean and the file written before shutdown is in
#                   the log; the kernel log has no splat; FAMFS_VM_RESULT
# The result of each phase goes to /run/famfs-test/ and the console.
. ./common.sh
. ./famfs-common.sh

BOOT_MNT=/mnt/bootfamfs
UNIT=mnt-bootfamfs.mount
RESULTS=/run/famfs-test
S=/share
WAIT=4000	# tenths of a second to wait for the other guest
say() { echo "$*" >/dev/console 2>/dev/null || echo "$*"; }

prepare() {
	new=$1
	debs=$(ls /tests/debs/famfs_*.deb /tests/debs/libfamfs1_*.deb 2>/dev/null)
	expect "the famfs and libfamfs1 packages were built" \
		[ "$(echo "$debs" | wc -l)" = 2 ]
	[ -n "$debs" ] || return 1
	# what `dkms install` put in /lib/modules/KVER on the host (updates/
	# and the depmod files); fsdev_dax is not loaded: famfs-daxmode@
	# modprobes it from there
	kmods=$new/lib/modules/$(uname -r)
	expect "fsdev_dax is not loaded before systemd" \
		sh -c "! grep -q '^fsdev_dax ' /proc/modules"
	expect "DKMS's module in /lib/modules/$(uname -r)/updates/dkms" \
		sh -c "ls /tests/modules/updates/dkms/fsdev_dax.ko*"
	cp -a /tests/modules/. "$kmods/"
	for d in proc sys dev; do mount -o bind /$d "$new/$d"; done
	mkdir -p "$new/tmp/debs" && cp /tests/debs/*.deb "$new/tmp/debs/"
	# --no-triggers: no man-db run under emulation; nothing else waits.
	# Full paths: busybox's chroot would run its own applets by name.
	# shellcheck disable=SC2046
	expect "dpkg -i famfs libfamfs1" chroot "$new" /usr/bin/dpkg -i --no-triggers \
		$(for d in $debs; do echo "/tmp/debs/$(basename "$d")"; done)
	expect "installed: /usr/bin/famfs" [ -x "$new/usr/bin/famfs" ]
	expect "installed: mount helper /sbin/mount.famfs" \
		[ -x "$new/sbin/mount.famfs" ]
	expect "installed: fsck helper /sbin/fsck.famfs" \
		[ -x "$new/sbin/fsck.famfs" ]
	expect "installed: udev rule" \
		[ -r "$new/usr/lib/udev/rules.d/60-famfs.rules" ]
	expect "installed: famfs-daxmode@.service" \
		[ -r "$new/usr/lib/systemd/system/famfs-daxmode@.service" ]
	expect "installed: man page mount.famfs(8)" \
		[ -r "$new/usr/share/man/man8/mount.famfs.8.gz" ]
	expect "installed: completion" \
		[ -r "$new/usr/share/bash-completion/completions/famfs" ]
	expect "dpkg knows the package" sh -c \
		"chroot '$new' /usr/bin/dpkg-query -W -f '\${Status}' famfs | grep -q 'ok installed'"
	mkdir -p "$new/etc/famfs"
	if [ "$ROLE" = master ]; then
		echo "$FAMFS_UUID_A" >"$new/etc/famfs/system_uuid"
		expect "mkfs.famfs (installed) on /dev/$DAX" \
			chroot "$new" /usr/bin/env -u FAMFS_SYSTEM_UUID /usr/sbin/mkfs.famfs -f "/dev/$DAX"
		signal master.started	# run-two-hosts.sh boots the client
	else
		echo "$FAMFS_UUID_B" >"$new/etc/famfs/system_uuid"
	fi
	for d in dev sys proc; do umount "$new/$d"; done
	mkdir -p "$new$BOOT_MNT"
	# the device timeout is generous: under TCG on a loaded machine udev
	# announced dax0.0 only after 60 s (the boot mount then failed)
	echo "/dev/$DAX $BOOT_MNT famfs nofail,x-systemd.device-timeout=240s,x-systemd.requires=famfs-daxmode@$DAX.service 0 0" \
		>>"$new/etc/fstab"
	units "$new/etc/systemd/system"
	# tmpfiles walks the host's whole /var and /tmp over 9p: it held up
	# sysinit for more than 6 minutes under TCG; nothing here needs it
	ln -sf /dev/null "$new/etc/systemd/system/systemd-tmpfiles-setup.service"
	[ "$failures" = 0 ]
}

# The units: a target that boots only what the test needs, the test, and
# a unit whose stop runs after the famfs mount is unmounted at shutdown.
units() {
	cat >"$1/famfs-test.target" <<-EOF
	[Unit]
	Description=famfs package and boot test
	Requires=basic.target famfs-test.service famfs-stop-check.service
	After=basic.target
	AllowIsolate=yes
	EOF
	cat >"$1/famfs-test.service" <<-EOF
	[Unit]
	Description=famfs: the boot mount, then famfs-devdax from the packages
	After=basic.target local-fs.target
	[Service]
	Type=oneshot
	WorkingDirectory=/tests/guest
	ExecStart=/bin/sh ./packages.sh $ROLE test
	StandardOutput=tty
	StandardError=tty
	TTYPath=/dev/console
	EOF
	cat >"$1/famfs-stop-check.service" <<-EOF
	[Unit]
	Description=famfs: checks after the boot mount is unmounted
	DefaultDependencies=no
	# stopped after the mount; the master's also after the device went
	# back to device_dax (its fsck reads it), the client's before the share
	# is unmounted (it signals there; famfs-daxmode@ is ordered before
	# local-fs-pre.target, share.mount after it, so not both)
	Before=$UNIT shutdown.target
	$([ "$ROLE" = master ] && echo "Before=famfs-daxmode@$DAX.service" ||
		echo "After=share.mount")
	Conflicts=shutdown.target
	[Service]
	Type=oneshot
	RemainAfterExit=yes
	WorkingDirectory=/tests/guest
	ExecStart=/bin/true
	ExecStop=/bin/sh ./packages.sh $ROLE stop
	StandardOutput=tty
	StandardError=tty
	TTYPath=/dev/console
	EOF
	ln -sf famfs-test.target "$1/default.target"
}

test_phase() {
	mkdir -p $RESULTS
	say "FAMFS_VM_SYSTEMD_UP"
	famfs_env "$ROLE"
	expect "famfs is the packaged one" [ "$(command -v famfs)" = /usr/bin/famfs ]
	expect "boot mount unit active" systemctl is-active --quiet "$UNIT"
	expect "mounted from fstab as fuse.famfs" is_mounted $BOOT_MNT
	expect "the udev rule made the device unit" \
		systemctl is-active --quiet dev-dax0.0.device
	expect "its daemon is the installed one" sh -c \
		"readlink /proc/\$(pidof famfs_fused)/exe | grep -qx /usr/sbin/famfs_fused"
	expect "famfs status of the boot mount: $ROLE" sh -c \
		"famfs status $BOOT_MNT | grep -q 'famfs $ROLE, '"
	expect "fsdev_dax loaded after boot" [ -d /sys/module/fsdev_dax ]
	expect "modprobe's fsdev_dax is the one dkms installed" sh -c \
		"modinfo -n fsdev_dax | grep -q '^/lib/modules/$(uname -r)/updates/dkms/fsdev_dax.ko'"
	expect "famfs-daxmode@$DAX bound fsdev_dax before the mount" \
		[ "$(driver_of "$DAX")" = fsdev_dax ]
	expect "so the daemon routes poison" sh -c \
		"famfs status --json $BOOT_MNT | grep -q '\"routing\":true'"
	[ "$ROLE" = master ] || { client_test; return; }
	expect "write through the boot mount" sh -c \
		"echo boot >$BOOT_MNT/from-boot"
	signal master.booted
	expect "fsck.famfs through fsck -t famfs" \
		fsck -t famfs -n "/dev/$DAX"
	# the rest rewrites the device: not before the client is down
	await client.stopped
	expect "systemctl stop of the mount unit" systemctl stop "$UNIT"
	expect "unmounted" not_mounted $BOOT_MNT
	expect "its daemon exited" daemon_gone
	expect "systemctl stop famfs-daxmode@$DAX" \
		systemctl stop "famfs-daxmode@$DAX.service"
	expect "device_dax bound again" [ "$(driver_of "$DAX")" = device_dax ]
	# the famfs-on-devdax test, from the installed files; it starts from
	# a device without a famfs (its first mkfs has no -f)
	expect "mkfs.famfs -k wipes the boot famfs" mkfs.famfs -k "/dev/$DAX"
	echo "--- famfs-devdax.sh from the packages"
	sh ./famfs-devdax.sh
	expect "famfs-devdax.sh with the installed famfs" [ $? = 0 ]
	echo "--- back to the boot mount"
	expect "mkfs.famfs -f for the shutdown check" mkfs.famfs -f "/dev/$DAX"
	expect "systemctl start of the mount unit" systemctl start "$UNIT"
	expect "mounted again" is_mounted $BOOT_MNT
	expect "fsdev_dax bound again by the mount's requirement" \
		[ "$(driver_of "$DAX")" = fsdev_dax ]
	expect "write before shutdown" sh -c \
		"echo shutdown >$BOOT_MNT/before-shutdown"
	echo "$failures" >$RESULTS/test-failures
	say "FAMFS_VM_TEST_PHASE failures=$failures"
	systemctl --no-block poweroff
}

# The client: its boot mount sees what the master wrote, read-only.
client_test() {
	await master.booted
	expect "the master's file, written after both booted, seen by the client" \
		wait_for 300 grep -qx boot $BOOT_MNT/from-boot
	expect_fail "the client cannot create a file" sh -c \
		"echo client >$BOOT_MNT/from-client"
	echo "$failures" >$RESULTS/test-failures
	say "FAMFS_VM_TEST_PHASE failures=$failures"
	systemctl --no-block poweroff
}

stop_phase() {
	say "FAMFS_VM_STOP_CHECK"
	expect "boot mount unmounted at shutdown" not_mounted $BOOT_MNT
	expect "its daemon exited at shutdown" daemon_gone
	if [ "$ROLE" = master ]; then
		expect "fsck clean after the shutdown unmount" run_log /tmp/fsck.out \
			famfs fsck "/dev/$DAX"
		expect "the file written before shutdown was committed" \
			grep -q "files: *1$" /tmp/fsck.out
	else
		signal client.stopped
	fi
	tests=$(cat $RESULTS/test-failures 2>/dev/null || echo missing)
	expect "the test phase ran and passed ($tests)" [ "$tests" = 0 ]
	if dmesg | grep -E -q "$SPLAT"; then
		dmesg | grep -E -A20 "$SPLAT" | head -60
		fail "kernel log has a splat"
	fi
	say "FAMFS_VM_RESULT rc=$([ "$failures" = 0 ] && echo 0 || echo 1)"
}

SPLAT='WARNING:|BUG:|Oops|general protection fault|Kernel panic|list_del corruption|refcount_t:|UBSAN|blocked for more than'
# the packaged files only (the host root may have /usr/local installs)
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
ROLE=${1:-}
case $ROLE:${2:-} in
master:prepare | client:prepare) prepare "$3" ;;
master:test | client:test) test_phase ;;
master:stop | client:stop) stop_phase ;;
*) echo "usage: packages.sh master|client prepare NEWROOT | test | stop"; exit 2 ;;
esac
