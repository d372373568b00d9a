#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The FUSE demo: one /dev/shm device, two simulated hosts (a master and a
# client, told apart by FAMFS_SYSTEM_UUID), plain tools on the master, the
# client reading the same files.  Usage: demo.sh BUILD_DIR [DEVICE]
# With DEVICE (make demo passes /dev/shm/famfs0) the device is formatted
# and kept afterwards; without it a scratch device is used and removed.
set -euo pipefail

B=$(cd "${1:?usage: demo.sh BUILD_DIR}" && pwd)
FAMFS=$B/cli/famfs
export FAMFS_FUSED=$B/fuse/famfs_fused
W=$(mktemp -d /tmp/famfs-demo.XXXXXX)
DEV=${2:-/dev/shm/famfs-demo-${W##*.}}
KEEP_DEV=${2:+yes}
MASTER=$W/master CLIENT=$W/client
MASTER_UUID=$(cat /proc/sys/kernel/random/uuid)
CLIENT_UUID=$(cat /proc/sys/kernel/random/uuid)

cleanup()
{
	set +e
	for m in "$CLIENT" "$MASTER"; do
		grep -qs " $m " /proc/self/mountinfo && "$FAMFS" umount "$m"
	done
	rm -rf --one-file-system "$W"
	[ -n "$KEEP_DEV" ] || rm -f "$DEV"
}
trap cleanup EXIT

famfs()
{
	"$FAMFS" "$@"
}

step()
{
	printf '\n\033[1m$ %s\033[0m\n' "$*"
	eval "$@"
}

export FAMFS_SYSTEM_UUID=$MASTER_UUID
step "$B/mkfs/mkfs.famfs -f --size 1G $DEV"
mkdir -p "$MASTER" "$CLIENT"
step "famfs mount $DEV $MASTER   # master (host A)"
step "FAMFS_SYSTEM_UUID=$CLIENT_UUID famfs mount $DEV $CLIENT   # client (host B)"
step "grep $DEV /proc/self/mountinfo | cut -d' ' -f5,9-10"

step "mkdir -p $MASTER/docs/deep/er"
step "cp -r $(cd "$B/.." && pwd)/man $MASTER/docs/"
step "dd if=/dev/urandom of=$MASTER/random.bin bs=1M count=8 status=none"
step "echo 'written on the master' > $MASTER/docs/hello.txt"
step "fallocate -l 4M $MASTER/reserved && chmod 600 $MASTER/reserved"
step "ls -lR $MASTER | head -30"

step "sleep 1   # the client notices the log moved (within a second)"
step "cat $CLIENT/docs/hello.txt"
step "sha256sum $MASTER/random.bin $CLIENT/random.bin"
step "diff -r $MASTER/docs $CLIENT/docs && echo 'client tree identical'"
step "stat -c '%n %A %s' $CLIENT/reserved"
step "mkdir $CLIENT/nope || true   # clients cannot change the namespace"
step "df -h $MASTER $CLIENT"
step "ls -la $MASTER/.meta"
step "famfs umount $CLIENT && famfs umount $MASTER"
step "famfs fsck $DEV"
