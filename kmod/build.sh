#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Build fsdev_dax.ko against Debian's 6.12 headers, out of the source tree.
#
# usage: build.sh [--check] [--testing] [OUTDIR]
#   --check   only report whether a build is possible (exit 0) or why not
#   --testing the test build: adds the debugfs test hooks (fsdev_testing.c)
#   OUTDIR    where to build (default: build/kmod under the repository)
# env:
#   KVER          kernel release to build for (default: the installed
#                 linux-headers-6.12.*-amd64 matching linux-source-6.12)
#   FSDEV_CACHE   cache for the extracted private dax headers
#                 (default: /var/cache/famfs-vm)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cache=${FSDEV_CACHE:-/var/cache/famfs-vm}
check=0
testing=""
while [ $# -gt 0 ]; do
	case $1 in
	--check) check=1 ;;
	--testing) testing=y ;;
	*) break ;;
	esac
	shift
done
out=${1:-$here/../build/kmod}

fail() {
	echo "$*"
	exit 1
}

src_tar=/usr/src/linux-source-6.12.tar.xz
[ -r "$src_tar" ] || fail "no $src_tar (install linux-source-6.12)"
src_ver=$(dpkg-query -W -f '${Version}' linux-source-6.12 2>/dev/null) ||
	fail "linux-source-6.12 is not installed"
upstream=${src_ver%%-*}

if [ -z "${KVER:-}" ]; then
	hdr=$(ls -d /usr/src/linux-headers-"$upstream"+*-amd64 2>/dev/null |
		grep -v -e -rt- -e -cloud- | tail -n 1) || true
	[ -n "$hdr" ] || fail "no linux-headers-$upstream+*-amd64 matching linux-source-6.12 $src_ver"
	KVER=${hdr#/usr/src/linux-headers-}
fi
kdir=/usr/src/linux-headers-$KVER
[ -r "$kdir/Makefile" ] || fail "no kernel headers in $kdir"
case $KVER in
"$upstream"+*) ;;
*) fail "headers $KVER do not match linux-source-6.12 $src_ver" ;;
esac

[ $check = 1 ] && {
	echo "kmod: can build for $KVER"
	exit 0
}

# The private dax headers come from the matching source tarball.
if ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
	mkdir -p "$out"
	cache=$(cd "$out" && pwd)/.cache
fi
priv=$cache/dax-private/$src_ver
if [ ! -r "$priv/bus.h" ] || [ ! -r "$priv/dax-private.h" ]; then
	mkdir -p "$cache"
	tmp=$(mktemp -d "$cache/extract.XXXXXX")
	tar -xJf "$src_tar" -C "$tmp" \
		linux-source-6.12/drivers/dax/dax-private.h \
		linux-source-6.12/drivers/dax/bus.h
	mkdir -p "$priv"
	mv "$tmp"/linux-source-6.12/drivers/dax/*.h "$priv"/
	rm -rf "$tmp"
fi

# Kbuild builds in M=; copy the sources so the repository stays clean.
mkdir -p "$out"
cp "$here"/Kbuild "$here"/*.c "$here"/*.h "$out"/
make -s -C "$kdir" M="$(cd "$out" && pwd)" FSDEV_DAX_PRIVATE="$priv" \
	FSDEV_DAX_UAPI="$(cd "$here/../include/uapi" && pwd)" \
	FSDEV_DAX_TESTING="$testing" W=1 KCFLAGS=-Werror modules
echo "built $out/fsdev_dax.ko for $KVER${testing:+ (test build)}"
