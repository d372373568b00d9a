# SPDX-License-Identifier: Apache-2.0
# The famfs userspace stack (mkfs.famfs, famfs fsck/mount/umount,
# famfs_fused) on a real devdax device bound to device_dax: geometry from
# sysfs, mkfs refusals, files written through the FUSE mount survive an
# unmount/remount with identical contents, fsck stays clean.
. ./common.sh
. ./famfs-common.sh
dev=/dev/$DAX
mnt=/mnt/famfs

famfs_env master
expect "dax0.0 bound to device_dax" [ "$(driver_of "$DAX")" = device_dax ]
expect "device node" wait_node "$DAX"
expect "/dev/fuse present" [ -c /dev/fuse ]

# libfamfs takes size and align from /sys/dev/char/MAJ:MIN/{size,align}.
mm=$(devnum "$dev")
echo "dax device number: $mm"
sys=/sys/dev/char/$mm
expect "sysfs $sys/size readable" [ -r "$sys/size" ]
expect "sysfs $sys/align readable" [ -r "$sys/align" ]
size=$(cat "$sys/size" 2>/dev/null)
align=$(cat "$sys/align" 2>/dev/null)
echo "dax size=$size align=$align"
expect "size matches the dax bus" [ "$size" = "$(cat "$DAXSYS/devices/$DAX/size")" ]
expect "align is 2 MiB" [ "$align" = 2097152 ]
expect "subsystem is dax" sh -c "readlink $sys/subsystem | grep -q /dax"

# mkfs on the raw device, then the refusals.
expect "mkfs.famfs" run_log /tmp/mkfs.out mkfs.famfs "$dev"
expect "mkfs reports the device size" grep -q "device size: *$size " /tmp/mkfs.out
uuid1=$(fs_uuid "$dev")
expect "fsck after mkfs" run_log /tmp/fsck.out famfs fsck "$dev"
expect "fsck says clean" grep -q ": clean" /tmp/fsck.out
expect_fail "mkfs refuses an existing famfs" mkfs.famfs "$dev"
expect "refusal names the reason" grep -q "already holds a famfs" /tmp/last.err
expect "refused mkfs left the fs alone" [ "$(fs_uuid "$dev")" = "$uuid1" ]
expect "mkfs -f overwrites" run_log /tmp/mkfs.out mkfs.famfs -f "$dev"
uuid2=$(fs_uuid "$dev")
expect "mkfs -f made a new fs" [ -n "$uuid2" -a "$uuid2" != "$uuid1" ]
expect "fsck after mkfs -f" famfs fsck "$dev"

# Mount and write through it with plain tools.
mkdir -p $mnt
expect "famfs mount" run_log /tmp/mount.out famfs mount "$dev" $mnt
expect "mount listed as fuse.famfs" grep -q " $mnt .* fuse.famfs $dev " /proc/self/mountinfo
expect "daemon running" sh -c "pidof famfs_fused >/dev/null"
expect_fail "mkfs -f refused while a master mounts it" mkfs.famfs -f "$dev"
expect "mount survived the refused mkfs" [ "$(fs_uuid "$dev")" = "$uuid2" ]

make_payload /tmp/src
expect "mkdir -p" mkdir -p $mnt/a/b/c
expect "mkdir" mkdir $mnt/d
expect "cp" cp /tmp/src/random.bin $mnt/a/b/c/random.bin
expect "dd" dd if=/tmp/src/odd.bin of=$mnt/d/odd.bin bs=65536 2>/dev/null
expect "cp -r" cp -r /tmp/src/tree $mnt/tree
expect "contents right before unmount" check_payload /tmp/src $mnt
sums $mnt >/tmp/sums.before
cat /tmp/sums.before

expect "famfs umount" famfs umount $mnt
expect "mount gone" not_mounted $mnt
expect "daemon gone" daemon_gone
expect "fsck clean after unmount" run_log /tmp/fsck.out famfs fsck "$dev"
expect "fsck counts the files" grep -q "files: *6$" /tmp/fsck.out
expect "fsck counts the directories" grep -q "directories: *8$" /tmp/fsck.out

# Remount: everything is back, byte for byte.
expect "remount" famfs mount "$dev" $mnt
expect "contents right after remount" check_payload /tmp/src $mnt
sums $mnt >/tmp/sums.after
expect "sha256 identical across remount" cmp /tmp/sums.before /tmp/sums.after
expect "directories survive" [ -d $mnt/a/b/c -a -d $mnt/d ]
expect "umount again" famfs umount $mnt
expect "daemon gone again" daemon_gone
expect "fsck clean at the end" famfs fsck "$dev"
finish
