#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# helpers.sh OUT [NAME...]: build the guest's test programs into OUT
# (run-vm.sh puts them in the guest's /tests/bin), each only when it is
# missing or older than what it is built from: tests/vm/fsdev-*.c and
# cpu-flags.c static (the busybox guest has no libc), each with
# tests/common/args.c (command-line numbers, shared with the mount
# tests' programs), and the shim-*.c LD_PRELOAD libraries for the
# guest's dynamic famfs binaries. NAMEs (e.g. fsdev-mmap) build only
# those programs. Exit 1 when a build fails.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=$1
shift
mkdir -p "$out"
uapi=$top/include/uapi
common=$top/tests/common
# newer NEWER THAN: true when THAN is missing or any NEWER is newer
newer()
{
	local than=${*: -1} f

	[ -e "$than" ] || return 0
	for f in "${@:1:$#-1}"; do
		[ "$f" -nt "$than" ] && return 0
	done
	return 1
}
if [ $# -gt 0 ]; then
	srcs=()
	for name in "$@"; do
		srcs+=("$here/$name.c")
	done
else
	srcs=("$here"/fsdev-*.c "$here"/cpu-flags.c)
fi
for src in "${srcs[@]}"; do
	bin=$out/$(basename "$src" .c)
	newer "$src" "$here/fsdev_test.h" "$uapi/linux/fsdev_dax.h" \
	      "$common/args.c" "$common/args.h" "$bin" || continue
	gcc -static -O2 -Wall -Wextra -Werror -I"$uapi" -I"$common" \
		-o "$bin" "$src" "$common/args.c"
done
[ $# -eq 0 ] || exit 0
for src in "$here"/shim-*.c; do
	lib=$out/$(basename "$src" .c).so
	newer "$src" "$uapi/linux/fsdev_dax.h" "$lib" || continue
	gcc -shared -fPIC -O2 -Wall -Wextra -Werror -I"$uapi" \
		-o "$lib" "$src"
done
