#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Install what the VM tests need on a Debian 12 host, idempotently, and
# print the kernel release to boot: the newest linux-image-6.12.*-amd64
# whose headers and linux-source-6.12 have exactly the same version.
# Exits 77 (meson "skip") when something is missing and we are not root.
set -eu

log() { echo "deps: $*" >&2; }

tools="qemu-system-x86 busybox-static ndctl daxctl gcc make libc6-dev xz-utils cpio"

installed_kver() {
	src=$(dpkg-query -W -f '${Status} ${Version}' linux-source-6.12 2>/dev/null) || return 1
	case $src in "install ok installed "*) ;; *) return 1 ;; esac
	ver=${src##* }
	up=${ver%%-*}
	for img in /boot/vmlinuz-"$up"+*-amd64; do
		[ -r "$img" ] || continue
		k=${img#/boot/vmlinuz-}
		case $k in *-rt-amd64 | *-cloud-amd64) continue ;; esac
		hv=$(dpkg-query -W -f '${Version}' "linux-headers-$k" 2>/dev/null) || continue
		iv=$(dpkg-query -W -f '${Version}' "linux-image-$k-unsigned" 2>/dev/null) ||
			iv=$(dpkg-query -W -f '${Version}' "linux-image-$k" 2>/dev/null) || continue
		[ "$hv" = "$ver" ] && [ "$iv" = "$ver" ] && { echo "$k"; return 0; }
	done
	return 1
}

# Tests run in parallel and several call this at once: one installs while
# the others wait, then find everything there (apt's own lock would make
# them fail instead).
lock=/run/lock/famfs-vm-deps.lock
[ -w /run/lock ] || lock=${TMPDIR:-/tmp}/famfs-vm-deps.lock
exec 8>>"$lock" && flock 8 || log "cannot lock $lock; going on"

missing=""
for p in $tools; do
	dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
kver=$(installed_kver) || kver=""

if [ -z "$missing" ] && [ -n "$kver" ]; then
	echo "$kver"
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	log "need root to install:$missing ${kver:-linux 6.12 image/headers/source}"
	exit 77
fi

export DEBIAN_FRONTEND=noninteractive
log "apt-get update"
apt-get update -q >&2

kpkgs=""
if [ -z "$kver" ]; then
	# Newest linux-source-6.12 whose image and headers exist at that version.
	for ver in $(apt-cache madison linux-source-6.12 | awk '{print $3}' | sort -rV); do
		up=${ver%%-*}
		for img in $(apt-cache pkgnames "linux-image-$up+" |
			grep -- '-amd64-unsigned$' | grep -v -e '-rt-' -e '-cloud-'); do
			k=${img#linux-image-}
			k=${k%-unsigned}
			apt-cache madison "$img" | awk '{print $3}' | grep -qx "$ver" || continue
			apt-cache madison "linux-headers-$k" | awk '{print $3}' | grep -qx "$ver" || continue
			kver=$k
			kpkgs="$img=$ver linux-headers-$k=$ver linux-source-6.12=$ver"
			break 2
		done
	done
	[ -n "$kver" ] || { log "no matching linux 6.12 image/headers/source in apt"; exit 1; }
fi

log "apt-get install$missing $kpkgs"
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing $kpkgs >&2
echo "$kver"
