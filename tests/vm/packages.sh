#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# vm-packages: the Debian packages of this tree, end to end.
#  1. scripts/build-debs.sh builds famfs and fsdev-dax-dkms;
#  2. DKMS builds fsdev_dax from the fsdev-dax-dkms package for the guest
#     kernel, as a target machine would (its PRE_BUILD extracts the
#     private dax headers from linux-source), in private trees: the host's
#     DKMS state is left alone (its /var/lib/dkms is a tmpfs here);
#  3. one guest boots systemd with that module loaded, installs the famfs
#     package (guest/packages.sh): fstab mount at boot, famfs-devdax from
#     the installed files, unmount at shutdown.
# usage: packages.sh --build-dir DIR [run-vm.sh options...]
# env (to iterate on the guest part): PACKAGES_DEBS=DIR reuses packages
# built before, PACKAGES_KO=FILE a module DKMS built before.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
[ "${1:-}" = --build-dir ] || { echo "usage: packages.sh --build-dir DIR ..." >&2; exit 2; }
shift 2	# the packages build the tree themselves; the guest uses only them

rc=0
kver=$("$here/deps.sh") || rc=$?
[ $rc = 0 ] || exit $rc
# make deps (the Makefile's DEB_PACKAGES) installs these: debhelper and
# dh-dkms build the packages, dkms builds the module, and the guest boots
# the host's own root with its systemd and udev (a fresh container may
# have neither)
for p in debhelper dh-dkms dkms systemd udev; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="${missing:-} $p"
done
[ -z "${missing:-}" ] ||
	{ echo "packages: missing$missing (make deps installs them)"; exit 1; }

work=$(mktemp -d /tmp/famfs-packages.XXXXXX)
trap 'rm -rf "$work"' EXIT

if [ -n "${PACKAGES_DEBS:-}" ]; then
	cp -r "$PACKAGES_DEBS" "$work/debs"
else
	echo "packages: building the Debian packages"
	"$top/scripts/build-debs.sh" "$work/debs"
fi
ver=$(dpkg-deb -f "$work"/debs/fsdev-dax-dkms_*.deb Version)
boot() {
	rc=0
	"$here/run-vm.sh" --systemd --debs "$work/debs" --kmod "$1" "${@:2}" \
		"$here/guest/packages.sh" || rc=$?
	exit $rc
}
[ -z "${PACKAGES_KO:-}" ] || boot "$PACKAGES_KO" "$@"

echo "packages: dkms build of fsdev-dax $ver for $kver"
mkdir -p "$work/root" "$work/dkms"
dpkg-deb -x "$work"/debs/fsdev-dax-dkms_*.deb "$work/root"
grep -qx 'AUTOINSTALL="yes"' "$work/root/usr/src/fsdev-dax-$ver/dkms.conf" ||
	{ echo "packages: dkms.conf lacks AUTOINSTALL (kernel updates)"; exit 1; }
start=$(date +%s)
unshare -m --propagation private sh -c '
	mount -t tmpfs tmpfs /var/lib/dkms
	dkms add --dkmstree "$1" --sourcetree "$2" -m fsdev-dax -v "$3" &&
	dkms build --dkmstree "$1" --sourcetree "$2" -m fsdev-dax -v "$3" -k "$4"
' sh "$work/dkms" "$work/root/usr/src" "$ver" "$kver" >"$work/dkms.log" 2>&1 ||
	{ cat "$work/dkms.log"; echo "packages: dkms build failed"; exit 1; }
ko=$(find "$work/dkms/fsdev-dax/$ver/$kver" -name 'fsdev_dax.ko*' | head -n 1)
[ -n "$ko" ] || { cat "$work/dkms.log"; echo "packages: dkms built no module"; exit 1; }
case $ko in *.xz) xz -dc "$ko" >"$work/fsdev_dax.ko" ;; *) cp "$ko" "$work/fsdev_dax.ko" ;; esac
vermagic=$(modinfo -F vermagic "$work/fsdev_dax.ko")
echo "packages: dkms built fsdev_dax.ko ($vermagic) in $(($(date +%s) - start)) s"
case $vermagic in "$kver "*) ;; *) echo "packages: vermagic is not $kver"; exit 1 ;; esac

boot "$work/fsdev_dax.ko" "$@"
