#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Print the path of the kernel's scripts/checkpatch.pl, taken once from
# the linux-source-6.12 package (the one fsdev_dax builds against) into a
# cache; as root, install that package when it is missing. Prints the
# reason on stderr and exits 1 when it cannot be had.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${FSDEV_CACHE:-/var/cache/famfs-vm}
tarball=/usr/src/linux-source-6.12.tar.xz

if [ ! -r "$tarball" ] && [ "$(id -u)" = 0 ]; then
	"$top/tests/vm/deps.sh" >/dev/null 2>&1 || true	# the vm suite's packages
fi
[ -r "$tarball" ] || { echo "no $tarball (apt-get install linux-source-6.12)" >&2; exit 1; }
command -v perl >/dev/null || { echo "no perl" >&2; exit 1; }

ver=$(dpkg-query -W -f '${Version}' linux-source-6.12 2>/dev/null || echo unknown)
mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ] || cache=${TMPDIR:-/tmp}/famfs-checkpatch
dir=$cache/checkpatch-$ver
if [ ! -x "$dir/scripts/checkpatch.pl" ]; then
	mkdir -p "$dir"
	exec 9>"$dir.lock"
	flock 9
	[ -x "$dir/scripts/checkpatch.pl" ] ||
		tar -xJf "$tarball" -C "$dir" --strip-components=1 \
			linux-source-6.12/scripts/checkpatch.pl \
			linux-source-6.12/scripts/spelling.txt \
			linux-source-6.12/scripts/const_structs.checkpatch ||
		{ echo "cannot extract checkpatch.pl from $tarball" >&2; exit 1; }
fi
echo "$dir/scripts/checkpatch.pl"
