#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The main job on the embedded default: a famfs on a /dev/shm device file.
# usage: tests/demo.sh BUILD_DIR   (run by `make demo`)
set -eu
build=$(cd "${1:-build}" && pwd)
dev=${FAMFS_DEMO_DEV:-/dev/shm/famfs0}
marker="$dev.made-by-demo"
mkfs="$build/mkfs/mkfs.famfs"
famfs="$build/cli/famfs"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# never format over somebody's filesystem: only one this demo made
if [ -e "$dev" ] && [ ! -e "$marker" ]; then
	echo "demo: $dev exists and was not made by the demo;" \
	     "set FAMFS_DEMO_DEV to another path" >&2
	exit 1
fi

step "mkfs.famfs --size 1G $dev"
"$mkfs" -f --size 1G "$dev"
touch "$marker"

if [ -x "$build/fuse/famfs_fused" ] && [ -x tests/mount/demo.sh ]; then
	step "master and client mounts of the same device"
	tests/mount/demo.sh "$build" "$dev"
fi

step "famfs fsck -v $dev"
"$famfs" fsck -v "$dev"
step "superblock (first 128 bytes) and log header"
od -A d -t x1z -N 128 "$dev" | head -8
od -A d -t x1z -j $((2 << 20)) -N 80 "$dev"
