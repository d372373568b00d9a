#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# One version everywhere it is written: meson's project(), the Debian
# changelog (the packages), and kmod/dkms.conf (the DKMS source tree
# /usr/src/fsdev-dax-VERSION the package installs).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
meson=$(sed -n "s/^  version: '\\([^']*\\)',/\\1/p" "$top/meson.build" | head -n 1)
deb=$(sed -n '1s/^famfs (\([^)]*\)).*/\1/p' "$top/debian/changelog")
dkms=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/kmod/dkms.conf")
n=0 failed=0
row()
{
	n=$((n + 1))
	if [ "$2" = "$meson" ]; then
		echo "ok $n - $1 is $2"
	else
		echo "not ok $n - $1 is '$2', meson.build says '$meson'"
		failed=1
	fi
}
[ -n "$meson" ] || { echo "not ok 1 - no version in meson.build"; echo 1..1; exit 1; }
row "debian/changelog" "$deb"
row "kmod/dkms.conf PACKAGE_VERSION" "$dkms"
echo "1..$n"
exit $failed
