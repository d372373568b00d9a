#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Extract the private dax headers fsdev_dax builds against
# (drivers/dax/dax-private.h and bus.h) for kernel release KVER from the
# matching linux-source package. Used by build.sh and by DKMS (dkms.conf
# PRE_BUILD) on the machine the module is built for.
#
# usage: dax-private.sh KVER OUTDIR
set -eu

fail() {
	echo "fsdev_dax: $*" >&2
	exit 1
}

[ $# = 2 ] || fail "usage: dax-private.sh KVER OUTDIR"
kver=$1
out=$2
# 6.12.117+deb12-amd64 -> 6.12.117 (release) and 6.12 (the source package)
release=${kver%%[+-]*}
series=$(echo "$release" | cut -d. -f1,2)
tarball=/usr/src/linux-source-$series.tar.xz
[ -r "$tarball" ] ||
	fail "$kver: no $tarball (install linux-source-$series)"
if command -v dpkg-query >/dev/null; then
	ver=$(dpkg-query -W -f '${Version}' "linux-source-$series" 2>/dev/null) ||
		fail "$kver: linux-source-$series is not installed"
	# private structures must match the running code: same release only
	[ "${ver%%-*}" = "$release" ] ||
		fail "$kver: linux-source-$series is $ver, not $release"
fi
mkdir -p "$out"
tmp=$(mktemp -d "$out/extract.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# --occurrence: stop reading at the two headers (7 s, not 47 s: the
# whole tarball is 1.4 GB unpacked)
tar -xJf "$tarball" -C "$tmp" --occurrence=1 \
	"linux-source-$series/drivers/dax/dax-private.h" \
	"linux-source-$series/drivers/dax/bus.h"
mv "$tmp/linux-source-$series/drivers/dax/dax-private.h" \
	"$tmp/linux-source-$series/drivers/dax/bus.h" "$out/"
