#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Boot a qemu (TCG) guest with an emulated devdax device and fsdev_dax.ko,
# run a guest test script inside it, print the console log and exit with
# the script's status. The guest is always powered off: on success it
# powers itself off, otherwise qemu is killed at the timeout or on exit.
#
# usage: run-vm.sh [options] GUEST_SCRIPT [ARGS...]
#   --build-dir DIR   meson build dir; cli/famfs, mkfs/mkfs.famfs and
#                     fuse/famfs_fused are copied in when they exist
#   --timeout SEC     kill the guest after SEC seconds (default 300)
#   --mem-size SIZE   size of the emulated NVDIMM (default 1G)
#   --mem-file PATH   backing file (kept); default: a temporary /dev/shm file
#   --ndctl-args ARGS extra `ndctl create-namespace` arguments (e.g. "-M mem")
#   --append ARGS     extra kernel command line
#   --no-nvdimm       no emulated NVDIMM (the script makes its own device)
#   --no-ndctl        never create a namespace: the backing file must already
#                     hold a devdax one (a second host on a shared file)
#   --share DIR       host directory mounted over 9p at /share in the guest
#   --systemd         boot systemd on the host's root (9p, read-only, under a
#                     tmpfs overlay); GUEST_SCRIPT is run as "prepare NEWROOT"
#                     before, and reports FAMFS_VM_RESULT from inside
#   --debs DIR        Debian packages for the guest, in /tests/debs
#   --kmod FILE       this fsdev_dax.ko instead of kmod/build.sh's
#   --modules DIR     no fsdev_dax.ko at boot: DIR (what DKMS installed in
#                     /lib/modules/KVER) is in /tests/modules for the guest
#   --icount          the guest's clock counts executed instructions (1 ns
#                     each; qemu -icount, one TCG thread for both CPUs):
#                     timings inside it do not depend on the host's load
# env: FSDEV_CACHE (default /var/cache/famfs-vm) holds the built artefacts.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${FSDEV_CACHE:-/var/cache/famfs-vm}
build_dir=""
timeout=300
mem_size=1G
mem_file=""
ndctl_args=""
append=""
nvdimm=1
ndctl=1
share=""
systemd=0
debs=""
kmod_file=""
modules=""
accel="-accel tcg,thread=multi"

while [ $# -gt 0 ]; do
	case $1 in
	--build-dir) build_dir=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--mem-size) mem_size=$2; shift 2 ;;
	--mem-file) mem_file=$2; shift 2 ;;
	--ndctl-args) ndctl_args=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--no-nvdimm) nvdimm=0; shift ;;
	--no-ndctl) ndctl=0; shift ;;
	--share) share=$2; shift 2 ;;
	--systemd) systemd=1; shift ;;
	--debs) debs=$2; shift 2 ;;
	--kmod) kmod_file=$2; shift 2 ;;
	--modules) modules=$2; shift 2 ;;
	--icount) accel="-accel tcg,thread=single -icount shift=0,sleep=off"; shift ;;
	--) shift; break ;;
	-*) echo "run-vm: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { echo "usage: run-vm.sh [options] GUEST_SCRIPT [ARGS...]" >&2; exit 2; }
script=$1
shift
[ -r "$script" ] || { echo "run-vm: no guest script $script" >&2; exit 2; }

rc=0
kver=$("$here/deps.sh") || rc=$?
[ $rc = 0 ] || exit $rc
mkdir -p "$cache"

# The module and the guest helpers are built from this source tree, in
# the meson build dir (or a cache directory named after the tree), so
# that runs from several trees never use each other's. The kernel's
# private headers and the base initramfs are shared, under a lock.
if [ -n "$build_dir" ]; then
	tree_out=$(cd "$build_dir" && pwd)/vm
else
	tree_out=$cache/tree-$(echo "$top" | md5sum | cut -c1-12)
fi
mkdir -p "$tree_out"
exec 9>"$cache/.lock"
flock 9

# the test build of the module: its test hooks are in debugfs (not
# needed when --kmod brings another build)
kmod_out=$tree_out/kmod-$kver-testing
[ -n "$kmod_file" ] || [ -n "$modules" ] ||
	KVER=$kver FSDEV_CACHE=$cache "$top/kmod/build.sh" --testing "$kmod_out" >&2

base=$cache/initramfs-$kver-$(cat "$here/mkinitramfs.sh" "$here/init.sh" | md5sum | cut -c1-12).cpio.gz
[ -r "$base" ] || "$here/mkinitramfs.sh" "$kver" "$base"
flock -u 9

helpers=$tree_out/helpers
"$here/helpers.sh" "$helpers"

work=$(mktemp -d /tmp/famfs-vm.XXXXXX)
qemu_pid=""
own_mem=0
if [ -z "$mem_file" ]; then
	mem_file=/dev/shm/famfs-vm-$$.img
	own_mem=1
fi
cleanup() {
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill -KILL "$qemu_pid" 2>/dev/null || true
		wait "$qemu_pid" 2>/dev/null || true
	fi
	[ $own_mem = 1 ] && rm -f "$mem_file"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Per-run payload, appended to the base initramfs as a second archive.
pay=$work/payload
mkdir -p "$pay/tests/bin" "$pay/tests/guest" "$pay/famfs/bin"
if [ -n "$modules" ]; then
	mkdir -p "$pay/tests/modules"
	cp -a "$modules"/. "$pay/tests/modules/"
else
	cp "${kmod_file:-$kmod_out/fsdev_dax.ko}" "$pay/tests/fsdev_dax.ko"
fi
cp "$helpers"/* "$pay/tests/bin/"
cp "$here"/guest/*.sh "$pay/tests/guest/"
cp "$script" "$pay/tests/guest/$(basename "$script")"
{
	echo "cd /tests/guest"
	printf 'exec sh ./%s' "$(basename "$script")"
	for a in "$@"; do printf " '%s'" "$a"; done
	echo ' "$@"'	# init may add a phase (--systemd: prepare NEWROOT)
} >"$pay/tests/run"
printf "FAMFS_VM_NDCTL_ARGS='%s'\nFAMFS_VM_NVDIMM=%s\nFAMFS_VM_NDCTL=%s\nFAMFS_VM_SHARE=%s\nFAMFS_VM_SYSTEMD=%s\nFAMFS_VM_FSDEV=%s\n" \
	"$ndctl_args" "$nvdimm" "$ndctl" "$([ -n "$share" ] && echo 1 || echo 0)" \
	"$systemd" "$([ -n "$modules" ] && echo 0 || echo 1)" >"$pay/tests/config"
if [ -n "$debs" ]; then
	mkdir -p "$pay/tests/debs"
	cp "$debs"/*.deb "$pay/tests/debs/"
fi
if [ -n "$build_dir" ]; then
	for b in cli/famfs mkfs/mkfs.famfs fuse/famfs_fused; do
		f=$build_dir/$b
		[ -x "$f" ] || continue
		cp "$f" "$pay/famfs/bin/"
		for lib in $(ldd "$f" 2>/dev/null | awk '/=> \//{print $3} /^\t\//{print $1}'); do
			mkdir -p "$pay$(dirname "$lib")"
			cp -L "$lib" "$pay$lib"
		done
	done
fi
(cd "$pay" && find . | cpio -o -H newc --quiet) | gzip -1 >"$work/payload.cpio.gz"
cat "$base" "$work/payload.cpio.gz" >"$work/initrd"

set --
if [ $nvdimm = 1 ]; then
	[ -e "$mem_file" ] || truncate -s "$mem_size" "$mem_file"
	set -- -object "memory-backend-file,id=mem1,share=on,mem-path=$mem_file,size=$mem_size,align=2M" \
		-device nvdimm,memdev=mem1,id=nv1
fi
if [ -n "$share" ]; then
	[ -d "$share" ] || { echo "run-vm: no share directory $share" >&2; exit 2; }
	set -- "$@" -virtfs "local,path=$share,mount_tag=famfs_share,security_model=none"
fi
if [ $systemd = 1 ]; then
	set -- "$@" -virtfs "local,path=/,mount_tag=famfs_root,security_model=none,readonly=on,multidevs=remap"
fi
log=$work/console.log

# The guest CPU has no CX16: qemu 7.2's cmpxchg16b can fill RFLAGS with
# a pointer's bits, and the kernel's SLUB fast path then double-faults at
# the next interrupt (cpu-flags.c, which init runs at every boot). Without
# CX16 the kernel emulates cmpxchg16b with plain instructions.
cpu=max,cx16=off

# One boot: qemu until the guest powers off or the timeout kills it.
boot() {
	start=$(date +%s)
	status=""
	# shellcheck disable=SC2086 # $accel: options, split on purpose
	qemu-system-x86_64 \
		-machine pc,nvdimm=on $accel -cpu $cpu -smp 2 \
		-m 1G,slots=2,maxmem=8G "$@" \
		-device virtio-rng-pci \
		-kernel "/boot/vmlinuz-$kver" -initrd "$work/initrd" \
		-append "console=ttyS0 loglevel=4 panic=-1 $append" \
		-display none -monitor none -serial "file:$log" -no-reboot &
	qemu_pid=$!
	while kill -0 "$qemu_pid" 2>/dev/null; do
		if [ $(($(date +%s) - start)) -ge "$timeout" ]; then
			status=timeout
			kill -KILL "$qemu_pid" 2>/dev/null || true
			break
		fi
		sleep 0.5
	done
	wait "$qemu_pid" 2>/dev/null || true
	qemu_pid=""
	elapsed=$(($(date +%s) - start))
}

boot "$@"
# The emulated machine itself failing before our code ran (a boot splat,
# or a crash before the test began) is not the test's failure: boot once
# more, and say so. A second such failure stands.
if [ "$status" != timeout ] &&
	{ grep -q FAMFS_VM_BOOT_SPLAT "$log" ||
	  ! grep -q FAMFS_VM_TEST_BEGIN "$log"; } &&
	! grep -q '^init: ' "$log"; then
	cat "$log"
	echo "run-vm: the guest failed before the test began; booting again" >&2
	boot "$@"
fi

cat "$log"
result=$(sed -n 's/.*FAMFS_VM_RESULT rc=\([0-9]*\).*/\1/p' "$log" | tail -n 1)
if [ "$status" = timeout ]; then
	echo "run-vm: guest timed out after ${timeout}s" >&2
	exit 124
fi
if [ -z "$result" ]; then
	echo "run-vm: guest ended without a result (crash?) after ${elapsed}s" >&2
	exit 1
fi
echo "run-vm: $(basename "$script") rc=$result in ${elapsed}s" >&2
exit "$result"
