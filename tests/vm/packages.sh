#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# vm-packages: the Debian packages of this tree, end to end.
#  1. scripts/build-debs.sh builds famfs and fsdev-dax-dkms;
#  2. `dkms install` builds fsdev_dax from the fsdev-dax-dkms package for
#     the guest kernel and installs it into /lib/modules/KVER (its
#     PRE_BUILD extracts the private dax headers from linux-source); after
#     `dkms uninstall`, the kernel package hook (/etc/kernel/postinst.d/dkms,
#     AUTOINSTALL) installs it again. In a private mount namespace: the
#     host's /var/lib/dkms and /lib/modules are left alone;
#  3. two guests on one memory (run-two-hosts.sh, master and client)
#     boot systemd with what DKMS installed in their /lib/modules/KVER
#     (famfs-daxmode@ modprobes it) and the famfs package installed
#     (guest/packages.sh): both mount from fstab at boot, the client sees
#     the master's file and unmounts at its shutdown; then the master runs
#     famfs-devdax from the installed files and unmounts at shutdown.
# usage: packages.sh --build-dir DIR [run-vm.sh options...]
# env (to iterate on the guest part): PACKAGES_DEBS=DIR reuses packages
# built before, PACKAGES_MODULES=DIR what DKMS installed before (the
# updates/ directory and modules.* of /lib/modules/KVER).
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
	# no -dbgsym packages: the guest installs none
	DEB_BUILD_OPTIONS=noautodbgsym "$top/scripts/build-debs.sh" "$work/debs"
fi
ver=$(dpkg-deb -f "$work"/debs/fsdev-dax-dkms_*.deb Version)
boot() {
	rc=0
	"$here/run-two-hosts.sh" "${@:2}" \
		--vm-opts "--systemd --debs $work/debs --modules $1" \
		"$here/guest/packages.sh" || rc=$?
	exit $rc
}
[ -z "${PACKAGES_MODULES:-}" ] || boot "$PACKAGES_MODULES" "$@"

echo "packages: dkms install of fsdev-dax $ver for $kver"
mkdir -p "$work/root" "$work/mod/up" "$work/mod/ow" "$work/modules"
dpkg-deb -x "$work"/debs/fsdev-dax-dkms_*.deb "$work/root"
grep -qx 'AUTOINSTALL="yes"' "$work/root/usr/src/fsdev-dax-$ver/dkms.conf" ||
	{ echo "packages: dkms.conf lacks AUTOINSTALL (kernel updates)"; exit 1; }
echo "source_tree=\"$work/root/usr/src\"" >"$work/framework.conf"
moddir=/lib/modules/$kver
host_dep=$(md5sum <"$moddir/modules.dep")
start=$(date +%s)
# DKMS as an administrator and a kernel update use it, with its default
# trees, in a private mount namespace: /var/lib/dkms is a tmpfs, the
# kernel's module directory an overlay whose changes stay in $work, and
# framework.conf points the source tree at the unpacked package. So the
# host's DKMS state and modules are untouched.
unshare -m --propagation private bash -c '
	set -e
	work=$1 ver=$2 kver=$3 moddir=/lib/modules/$3
	step() { echo "packages: $*"; }
	installed() {
		dkms status -m fsdev-dax -v "$ver" -k "$kver" | grep -q ": installed" &&
		modinfo -k "$kver" -n fsdev_dax | grep -q "^$moddir/updates/dkms/fsdev_dax.ko"
	}
	mount -t tmpfs tmpfs /var/lib/dkms
	mount -t overlay overlay -o "lowerdir=$moddir,upperdir=$work/mod/up,workdir=$work/mod/ow" "$moddir"
	mount --bind "$work/framework.conf" /etc/dkms/framework.conf
	dkms add -m fsdev-dax -v "$ver"
	# the command an administrator runs: build and install for a kernel
	dkms install -m fsdev-dax -v "$ver" -k "$kver"
	installed || { step "dkms install: not installed (or depmod does not find it)"; exit 1; }
	step "dkms install: $(modinfo -k "$kver" -n fsdev_dax)"
	dkms uninstall -m fsdev-dax -v "$ver" -k "$kver"
	! installed || { step "dkms uninstall left it installed"; exit 1; }
	# what installing a kernel package runs (AUTOINSTALL)
	/etc/kernel/postinst.d/dkms "$kver"
	installed || { step "the kernel postinst hook did not install it (AUTOINSTALL)"; exit 1; }
	step "kernel postinst hook (autoinstall): installed again"
	cp -a "$moddir/updates" "$work/modules/"
	cp "$moddir"/modules.* "$work/modules/"
' sh "$work" "$ver" "$kver" >"$work/dkms.log" 2>&1 ||
	{ cat "$work/dkms.log"; echo "packages: dkms install failed"; exit 1; }
grep '^packages: ' "$work/dkms.log"
if [ "$(md5sum <"$moddir/modules.dep")" != "$host_dep" ] ||
	ls "$moddir"/updates/dkms/fsdev_dax.ko* >/dev/null 2>&1; then
	echo "packages: the host's $moddir changed"
	exit 1
fi
ko=$(find "$work/modules/updates/dkms" -name 'fsdev_dax.ko*' | head -n 1)
[ -n "$ko" ] || { cat "$work/dkms.log"; echo "packages: dkms installed no module"; exit 1; }
vermagic=$(modinfo -F vermagic "$ko")
echo "packages: dkms installed $(basename "$ko") ($vermagic) in $(($(date +%s) - start)) s"
case $vermagic in "$kver "*) ;; *) echo "packages: vermagic is not $kver"; exit 1 ;; esac

boot "$work/modules" "$@"
