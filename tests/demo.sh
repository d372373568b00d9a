#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The main job on the embedded default, a famfs on the device file
# /dev/shm/famfs0: format it, mount a master and a client (two simulated
# hosts), write with plain tools on one, read on the other, check it.
# usage: tests/demo.sh BUILD_DIR   (run by `make demo`)
set -eu
build=$(cd "${1:-build}" && pwd)
dev=${FAMFS_DEMO_DEV:-/dev/shm/famfs0}
marker="$dev.made-by-demo"
here=$(dirname "$0")

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# never format over somebody's filesystem: only one this demo made
if [ -e "$dev" ] && [ ! -e "$marker" ]; then
	echo "demo: $dev exists and was not made by the demo;" \
	     "set FAMFS_DEMO_DEV to another path" >&2
	exit 1
fi
touch "$marker"

if [ -x "$build/fuse/famfs_fused" ]; then
	"$here/mount/demo.sh" "$build" "$dev"
else
	step "mkfs.famfs --size 1G $dev (no FUSE daemon built: no mounts)"
	"$build/mkfs/mkfs.famfs" -f --size 1G "$dev"
fi

step "famfs fsck -v $dev: every log entry, then the summary"
"$build/cli/famfs" fsck -v "$dev"
step "superblock (first 112 bytes) and log header"
od -A d -t x1z -N 112 "$dev"
od -A d -t x1z -j $((2 << 20)) -N 80 "$dev"
