#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# mount.famfs and fsck.famfs: called directly the way mount(8) and fsck(8)
# call them (options after the arguments, mount(8)'s own options dropped,
# mount(8)'s and fsck(8)'s exit codes), then through the real mount(8),
# fsck(8) and an fstab in a private mount namespace where an overlay puts
# mount.famfs into /sbin (mount(8) looks for helpers only there).
. "$(dirname "$0")/lib.sh" || exit 1
need_mounts
: "${MOUNT_HELPER:?path to build/cli/mount.famfs}" \
  "${FSCK_HELPER:?path to build/cli/fsck.famfs}"

mkfs_dev 128M
mkdir -p "$MNT"
MOUNTS+=("$MNT")

# --- mount.famfs as mount(8) runs it: DEVICE DIR, then options
expect 1 'usage: mount.famfs' "one argument: mount(8)'s usage code 1" -- \
	"$MOUNT_HELPER" "$DEV"
expect 1 'usage: mount.famfs' "unknown option: 1" -- \
	"$MOUNT_HELPER" "$DEV" "$MNT" -Z
expect 1 'namespaces are not supported' "-N: 1" -- \
	"$MOUNT_HELPER" "$DEV" "$MNT" -N 1
expect 0 '' "-f (fake) mounts nothing" -- "$MOUNT_HELPER" "$DEV" "$MNT" -f
check "nothing mounted" -- test "$(grep -c " $MNT " /proc/mounts)" = 0
expect 32 "famfs: $T/nodev: No such file" "missing device: 32, one reason" -- \
	"$MOUNT_HELPER" "$T/nodev" "$MNT"
expect 0 "mounted at $MNT" "mount.famfs with fstab's options" -- \
	"$MOUNT_HELPER" "$DEV" "$MNT" -v -s -n -o \
	defaults,nofail,_netdev,noauto,x-systemd.requires=a.service,comment=x,timeout=3,direct_io \
	-t famfs
check "mounted as fuse.famfs" -- grep -q " $MNT fuse.famfs " /proc/mounts
pid=$(pgrep -f "famfs_fused.* $MNT\$" | head -n 1)
args=$(tr '\0' ' ' <"/proc/$pid/cmdline")
check "famfs options reach the daemon ($args)" -- \
	bash -c "[[ '$args' == *'-o timeout=3 -o direct_io '* ]]"
check "mount(8)'s own options do not" -- \
	bash -c "[[ '$args' != *nofail* && '$args' != *x-systemd* &&
		   '$args' != *defaults* && '$args' != *comment* ]]"
expect 32 'famfs: ' "mounting it twice: 32" -- \
	"$MOUNT_HELPER" "$DEV" "$MNT"
check "umount" -- "$FAMFS" umount "$MNT"

# --- fsck.famfs as fsck(8) runs it
expect 0 ': clean' "fsck.famfs DEVICE" -- "$FSCK_HELPER" "$DEV"
expect 0 ': clean' "fsck.famfs -n (check only)" -- "$FSCK_HELPER" -n "$DEV"
expect 0 '"clean":true' "fsck.famfs --json" -- "$FSCK_HELPER" --json "$DEV"
expect 0 ': clean' "fsck(8)'s -f -C 0 -V accepted" -- \
	"$FSCK_HELPER" -f -C 0 -V "$DEV"
expect 16 'usage: fsck.famfs' "no device: usage, 16" -- "$FSCK_HELPER"
expect 16 '-n excludes' "-n with -p: usage, 16" -- \
	"$FSCK_HELPER" -n -p "$DEV"
expect 16 'unknown option' "unknown option: 16" -- "$FSCK_HELPER" -Z "$DEV"
expect 8 'No such file' "missing device: operational error 8" -- \
	"$FSCK_HELPER" "$T/nodev"
expect 0 'usage: fsck.famfs' "fsck.famfs -h" -- "$FSCK_HELPER" -h

# --- the real mount(8), fsck(8) and an fstab, in a private namespace
sbin_upper=$T/sbin-upper
mkdir -p "$sbin_upper" "$T/sbin-work"
ln -s "$(readlink -f "$MOUNT_HELPER")" "$sbin_upper/mount.famfs"
cat >"$T/fstab" <<EOF
# a comment, and an entry mount -a must leave alone
$DEV	$MNT	famfs	noauto,nofail,x-systemd.after=network.target,timeout=2	0	0
EOF
cat >"$T/ns.sh" <<EOF
set -u
trap "umount -l '$MNT' 2>/dev/null" EXIT
mount -t overlay overlay -o lowerdir=/usr/sbin,upperdir=$sbin_upper,workdir=$T/sbin-work /usr/sbin ||
	{ echo "SKIP no overlay"; exit 0; }
echo "# mount -t famfs"
mount -t famfs "$DEV" "$MNT" && echo "RESULT mount-t ok"
grep -q " $MNT fuse.famfs " /proc/mounts && echo "RESULT mounted ok"
echo hello >"$MNT/hello" && echo "RESULT write ok"
umount "$MNT" && echo "RESULT umount ok"
for i in \$(seq 50); do pgrep -f "famfs_fused.* $MNT\\\$" >/dev/null || break; sleep 0.1; done
pgrep -f "famfs_fused.* $MNT\\\$" >/dev/null || echo "RESULT daemon-exit ok"
echo "# fstab"
mount -T "$T/fstab" "$MNT" && echo "RESULT fstab ok"
grep -q " $MNT fuse.famfs " /proc/mounts && echo "RESULT fstab-mounted ok"
test "\$(cat "$MNT/hello")" = hello && echo "RESULT data ok"
umount "$MNT"
echo "# fsck -t famfs"
PATH=$(dirname "$FSCK_HELPER"):\$PATH fsck -t famfs "$DEV" && echo "RESULT fsck ok"
EOF
out=$(unshare -m --propagation private bash "$T/ns.sh" 2>&1)
sed 's/^/# /' <<<"$out"
if grep -q '^SKIP' <<<"$out"; then
	ok "# SKIP no overlayfs for /usr/sbin here"
else
	for r in mount-t mounted write umount daemon-exit fstab fstab-mounted \
		 data fsck; do
		if grep -q "^RESULT $r ok" <<<"$out"; then
			ok "mount(8)/fsck(8): $r"
		else
			not_ok "mount(8)/fsck(8): $r"
		fi
	done
fi

done_testing
