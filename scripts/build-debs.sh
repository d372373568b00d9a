#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# build-debs.sh OUTDIR: the Debian packages of this tree (famfs,
# fsdev-dax-dkms) into OUTDIR, with dpkg-buildpackage on a copy of the
# tracked files (so the work tree and its parent stay clean; edits not
# yet committed are included). An unpacked fuse3 subproject is reused.
# Build dependencies come from debian/control (installed when missing,
# as root). DEB_BUILD_OPTIONS adds to "nocheck parallel=N" (the VM test
# adds noautodbgsym: it installs no -dbgsym package).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: build-debs.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)

say() { echo "build-debs: $*" >&2; }

cd "$top"
if ! dpkg-checkbuilddeps 2>/dev/null; then
	missing=$(dpkg-checkbuilddeps 2>&1 | sed -n 's/.*Unmet build dependencies: //p' |
		sed 's/([^)]*)//g; s/|[^ ]*//g')
	[ "$(id -u)" = 0 ] || { say "missing build dependencies:$missing"; exit 1; }
	say "installing$missing"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends $missing >&2
fi

version=$(dpkg-parsechangelog -S Version)
work=$(mktemp -d /tmp/famfs-debs.XXXXXX)
trap 'rm -rf "$work"' EXIT
src=$work/famfs-$version
mkdir -p "$src"
git -C "$top" ls-files -z --cached | tar -C "$top" --null -T - -cf - |
	tar -C "$src" -xf -
[ -f "$top/subprojects/fuse3/meson.build" ] &&
	cp -a "$top/subprojects/fuse3" "$src/subprojects/"

cd "$src"
start=$(date +%s)
DEB_BUILD_OPTIONS="nocheck parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
	dpkg-buildpackage -b -uc -us >"$work/build.log" 2>&1 ||
	{ tail -n 40 "$work/build.log" >&2; say "dpkg-buildpackage failed"; exit 1; }
rm -f "$out"/*.deb
mv "$work"/*.deb "$out"/
say "$(cd "$out" && ls ./*.deb | tr '\n' ' ')in $(($(date +%s) - start)) s"
