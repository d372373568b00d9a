# SPDX-License-Identifier: Apache-2.0
# Guest side of bench/run-vm.sh (busybox sh, run by tests/vm/run-vm.sh
# from /tests/guest next to common.sh), rows to /share/rows.tsv:
#  1. bind the emulated devdax device to fsdev_dax, run /share/view_bw
#     VIEW_ARGS on it (a view against the raw device node);
#  2. mkfs.famfs on it, famfs mount (files served by FUSE passthrough onto
#     views), a 256 MiB file, and /share/mount_bw MOUNT_ARGS on that file
#     through a client mount against a raw view of the file's extents and
#     a tmpfs file. (A client: a version 2 master sends the read()/write()
#     of a write open to the daemon, so that files can grow; a client's
#     opens all go to the view, which is what the rows measure.)
# usage: guest.sh VIEW_ARGS... -- MOUNT_ARGS...
#        guest.sh --mount-only -- MOUNT_ARGS...   (part 2 alone)
# The host reads the rows; the exit status says whether both parts ran.
# shellcheck source=/dev/null # tests/vm/guest/common.sh, beside us in the guest
. ./common.sh

mount_only=0
if [ "${1:-}" = --mount-only ]; then
	mount_only=1
	shift
fi
view_args=""
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	view_args="$view_args $1"
	shift
done
[ $# -gt 0 ] && shift

bind_to fsdev_dax "$DAX" || { echo "view_bw: bind to fsdev_dax failed"; exit 1; }
wait_node "$DAX" || { echo "view_bw: no /dev/$DAX after bind"; exit 1; }
if [ $mount_only = 1 ]; then
	: >/share/rows.tsv
	rc=0
else
	# shellcheck disable=SC2086 # options, split on purpose
	/share/view_bw $view_args "/dev/$DAX" >/share/rows.tsv 2>/share/err
	rc=$?
	sed 's/^/  | /' /share/err
fi

dev=/dev/$DAX
mnt=/mnt/famfs
export FAMFS_SYSTEM_UUID=0a0a0a0a-0000-4000-8000-00000000000a
cmnt=/mnt/client
mkdir -p $mnt $cmnt /mnt/tmpfs
mount -t tmpfs tmpfs /mnt/tmpfs
if [ $rc = 0 ] && mkfs.famfs -f $dev >/dev/null &&
	famfs mount $dev $mnt && famfs creat -s 256M $mnt/bench &&
	FAMFS_SYSTEM_UUID=0b0b0b0b-0000-4000-8000-00000000000b \
		famfs mount $dev $cmnt; then
	extents=$(famfs getmap $mnt/bench |
		sed -n 's/^ *[0-9]*: offset \(0x[0-9a-f]*\) *length \(0x[0-9a-f]*\)$/\1+\2/p' |
		paste -s -d, -)
	echo "mount_bw: extents $extents"
	/share/mount_bw "$@" $cmnt/bench $dev "$extents" /mnt/tmpfs/bench \
		>>/share/rows.tsv 2>/share/err
	rc=$?
	sed 's/^/  | /' /share/err
	grep . $cmnt/.meta/.serving
	famfs umount $cmnt
	famfs umount $mnt
else
	echo "mount_bw: famfs setup failed"
	rc=1
fi
umount /mnt/tmpfs
unbind "$DAX"
exit $rc
