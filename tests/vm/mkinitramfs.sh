#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Build the base initramfs for VM tests: busybox, the guest /init, the
# nvdimm/dax and 9p modules of KVER (decompressed: busybox insmod cannot
# read .xz), and ndctl/daxctl with their shared libraries.
#
# usage: mkinitramfs.sh KVER OUTPUT.cpio.gz
set -eu

kver=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
modules="libnvdimm nd_btt nd_pmem nd_e820 nfit device_dax dax_pmem kmem dax_hmem hwpoison_inject
	netfs 9pnet 9pnet_virtio 9p overlay"

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/bin "$root"/sbin "$root"/lib64 "$root"/modules \
	"$root"/proc "$root"/sys "$root"/dev "$root"/tmp "$root"/run \
	"$root"/etc "$root"/root "$root"/share

# busybox, and one link per applet except "busybox" itself (a link
# named busybox pointing at itself would replace the binary).
cp /bin/busybox "$root"/bin/busybox
for applet in $(/bin/busybox --list); do
	[ "$applet" = busybox ] && continue
	ln -sf busybox "$root/bin/$applet"
done

for m in $modules; do
	f=$(modinfo -k "$kver" -n "$m")
	case $f in
	*.xz) xz -dc "$f" >"$root/modules/$m.ko" ;;
	*) cp "$f" "$root/modules/$m.ko" ;;
	esac
done

# Dynamic binaries with every library ldd names, at the same paths.
copy_with_libs() {
	for bin in "$@"; do
		mkdir -p "$root$(dirname "$bin")"
		cp -L "$bin" "$root$bin"
		for lib in $(ldd "$bin" | awk '/=> \//{print $3} /^\t\//{print $1}'); do
			mkdir -p "$root$(dirname "$lib")"
			[ -e "$root$lib" ] || cp -L "$lib" "$root$lib"
		done
	done
}
copy_with_libs /usr/bin/ndctl /usr/bin/daxctl

cp "$here/init.sh" "$root/init"
chmod +x "$root/init"

(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
