#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# mkfs.famfs and famfs fsck on /dev/shm files, including every refusal.
# usage: mkfs_fsck.sh MKFS FAMFS
MKFS=$1
FAMFS=$2
. "$(dirname "$0")/lib.sh" || exit 1
export FAMFS_SYSTEM_UUID=11111111-2222-3333-4444-555555555555

dev=$(shm_path dev)
expect 1 "$dev: No such file or directory" "missing device refused" -- \
	"$MKFS" "$dev"
expect 0 "uuid: +[0-9a-f-]{36}" "mkfs --size creates the file and prints the uuid" -- \
	"$MKFS" --size 256M "$dev"
expect 0 "room for about [0-9]+ entries" "mkfs prints the log capacity" -- \
	"$MKFS" -f "$dev"
[ "$(stat -c %s "$dev")" -eq $((256 << 20)) ] && ok "device is 256 MiB" ||
	not_ok "device is 256 MiB"
expect 1 "already holds a famfs \(use -f" "existing famfs not overwritten" -- \
	"$MKFS" "$dev"
expect 0 "clean" "fsck of a fresh filesystem is clean" -- "$FAMFS" fsck "$dev"
expect 0 "files: +0" "fsck summary counts files" -- "$FAMFS" fsck "$dev"
expect 0 '"clean": ?true' "fsck --json" -- "$FAMFS" fsck --json "$dev"
expect 0 "space: .*MiB" "fsck --human prints human sizes" -- \
	"$FAMFS" fsck --human "$dev"
expect 0 "log: +8.0 MiB" "default log is 8 MiB" -- "$MKFS" -f "$dev"
expect 0 "log: +4.0 MiB" "-l 3M is rounded up to 4 MiB (a power of two)" \
	-- "$MKFS" -f -l 3M "$dev"
expect 0 "log: +64.0 MiB" "-l 64M" -- "$MKFS" -f -l 64M "$dev"

# a bad option value is a usage error (2)
for bad in 1M 2G 12X 0 -5; do
	expect 2 "bad log length" "LOGLEN $bad refused" -- \
		"$MKFS" -f -l "$bad" "$dev"
done
expect 0 "clean" "refused mkfs runs left the filesystem intact" -- \
	"$FAMFS" fsck "$dev"

small=$(shm_path small)
expect 1 "too small" "1 MiB device refused" -- "$MKFS" --size 1M "$small"
if [ -e "$small" ]; then
	not_ok "the refused mkfs left the file it made behind"
else
	ok "the refused mkfs left no file behind"
fi
expect 1 "too small" "and a rerun says too small again, not 'exists'" -- \
	"$MKFS" --size 1M "$small"
expect 1 "too small" "device without room for one data unit refused" -- \
	"$MKFS" -f --size 10M "$small"
# the refusal says how big a device must be, for the log asked for
expect 1 "$small: device too small for a famfs: needs 12.0 MiB \(superblock, a log of 8.0 MiB, one 2 MiB unit\)$" \
	"too small: the size needed with the default log" -- \
	"$MKFS" -f --size 10M "$small"
expect 1 "needs 68.0 MiB \(superblock, a log of 64.0 MiB," \
	"too small: the size needed with -l 64M" -- \
	"$MKFS" -f --size 12M -l 64M "$small"
expect 1 "needs 12.0 MiB" "too small: a device under 2 MiB" -- \
	"$MKFS" -f --size 1M "$small"
expect 0 "in 1 unit of 2 MiB$" "the size it names is enough (one unit)" -- \
	"$MKFS" -f --size 6M -l 2M "$small"
expect 0 "famfs created" "smallest device (log + one unit) accepted" -- \
	"$MKFS" -f --size 12M -l 2M "$small"

expect 2 "bad size" "bad --size refused" -- "$MKFS" --size lots "$dev"
expect 1 "different size \(use -f" "resizing an existing file needs -f" -- \
	"$MKFS" --size 128M "$dev"
expect 2 "usage" "no device argument" -- "$MKFS"
expect 0 "\[-m MODE\] \[-u USER\]$" \
	"the usage names -m and -u" -- "$MKFS" -h
expect 0 "^ +\[-g GROUP\] \[-s SIZE\] \[--format-version N\]$" \
	"the usage names -g, -s and --format-version" -- "$MKFS" -h

notfamfs=$(shm_path zero)
truncate -s 64M "$notfamfs"
expect 8 "not a famfs device" "fsck of a non-famfs device: 8 (operational)" -- \
	"$FAMFS" fsck "$notfamfs"
expect 8 "No such file" "fsck of a missing device" -- \
	"$FAMFS" fsck "$(shm_path nothing)"
expect 8 "$(dirname "$notfamfs"): Is a directory" \
	"fsck of a directory (not a mount point) says so" -- \
	"$FAMFS" fsck "$(dirname "$notfamfs")"
truncate -s 64M "$dev.short"
"$MKFS" -f --size 64M "$dev.short" >/dev/null
truncate -s 32M "$dev.short"
expect 4 "says 67108864 bytes but the device has 33554432" \
	"fsck of a device shorter than its superblock says: the reason" -- \
	"$FAMFS" fsck "$dev.short"
expect 4 '"superblock_ok": ?false' "and --json says the superblock is bad" -- \
	"$FAMFS" fsck --json "$dev.short"
rm -f "$dev.short"

# corrupted superblock byte: the backup keeps the filesystem usable
"$MKFS" -f "$dev" >/dev/null
flip_byte "$dev" 50
expect 4 "primary superblock: superblock CRC mismatch" \
	"corrupt primary superblock named, exit 4 (errors left)" -- \
	"$FAMFS" fsck "$dev"
expect 4 "files: +0" "backup superblock still gives the summary" -- \
	"$FAMFS" fsck "$dev"
flip_byte "$dev" $((1 << 20 | 60))
expect 4 "backup superblock: superblock CRC mismatch" \
	"both superblocks corrupt" -- "$FAMFS" fsck "$dev"
expect 4 "ERRORS LEFT" "fsck --repair: nothing to copy from, errors left" -- \
	"$FAMFS" fsck --repair "$dev"

# corrupted log header and log entry (entries are written by the
# library: a mkdir through the unit API is not available from the shell,
# so corrupt the header, which every mount checks)
"$MKFS" -f "$dev" >/dev/null
flip_byte "$dev" $((2 << 20 | 30))
expect 4 "log header CRC mismatch" "corrupt log header, exit 4" -- \
	"$FAMFS" fsck "$dev"
expect 1 "log header rewritten from the superblock" \
	"fsck -y rewrites it, exit 1 (corrected)" -- "$FAMFS" fsck -y "$dev"
expect 0 "clean" "clean after the repair" -- "$FAMFS" fsck "$dev"

# corrupted log entries: entries written through a real master mount
mnt=$(mktemp -d /tmp/famfs-sh-mnt.XXXXXX)
cleanup_mount() {
	"$FAMFS" umount "$mnt" >/dev/null 2>&1
	rmdir "$mnt" 2>/dev/null
	cleanup
}
trap cleanup_mount EXIT
"$MKFS" -f "$dev" >/dev/null
if "$FAMFS" mount "$dev" "$mnt" >/dev/null && mkdir "$mnt/first" "$mnt/second" &&
	"$FAMFS" umount "$mnt"; then
	ok "two entries written through a mount"
else
	not_ok "two entries written through a mount"
fi
expect 0 "entries, " "fsck clean before the damage" -- "$FAMFS" fsck "$dev"
# first entry at log + 4096; its path byte is at +48
flip_byte "$dev" $(((2 << 20) + 4096 + 48))
expect 4 "log entry at offset 4096: entry CRC mismatch" \
	"corrupt log entry named with its offset, exit 4" -- "$FAMFS" fsck "$dev"
expect 4 "directories: +2" "the intact entry after it still counts" -- \
	"$FAMFS" fsck "$dev"
expect 4 "sequence jumps from 0 to 2" "the lost entry is reported" -- \
	"$FAMFS" fsck "$dev"
expect 4 "ERRORS LEFT" "fsck --repair leaves an entry it may not drop" -- \
	"$FAMFS" fsck --repair "$dev"
expect 4 "^famfs: $dev: log entries replay skips are left: --repair --drop drops them" \
	"...and says that --drop would drop it" -- \
	"$FAMFS" fsck --repair "$dev"
expect 1 "entries 1 to 1 are lost" "fsck --repair --drop drops it, exit 1" -- \
	"$FAMFS" fsck --repair --drop "$dev"
expect 0 "directories: +2" "clean after it, the entry after it kept" -- \
	"$FAMFS" fsck "$dev"
expect 0 "dropped +\\(by fsck --repair\\)" "fsck -v lists the dropped entry" -- \
	"$FAMFS" fsck -v "$dev"

# the root directory's owner and mode come from mkfs (no log entry)
expect 0 "root: +mode 1770, uid 1234, gid 99" "mkfs -m -u -g" -- \
	"$MKFS" -f -m 1770 -u 1234 -g 99 "$dev"
if "$FAMFS" mount "$dev" "$mnt" >/dev/null; then
	expect 0 "^1770 1234 99$" "the mounted root has them" -- \
		stat -c '%a %u %g' "$mnt"
	"$FAMFS" umount "$mnt"
else
	not_ok "mount after mkfs -m -u -g"
fi
expect 0 "root: +mode 0755, uid 0, gid 0" "defaults: 0755 root:root" -- \
	"$MKFS" -f "$dev"
expect 2 "bad mode" "mode 8888 refused" -- "$MKFS" -f -m 8888 "$dev"
expect 2 "no such user" "unknown user refused" -- \
	"$MKFS" -f -u no-such-user-famfs "$dev"
expect 2 "no such group" "unknown group refused" -- \
	"$MKFS" -f -g no-such-group-famfs "$dev"

# -k wipes the superblock
"$MKFS" -f "$dev" >/dev/null
expect 0 "wiped" "mkfs -k" -- "$MKFS" -k "$dev"
expect 8 "not a famfs device" "device is no longer famfs" -- \
	"$FAMFS" fsck "$dev"
expect 1 "$dev: holds no famfs superblock: nothing wiped" \
	"mkfs -k again: nothing to wipe" -- "$MKFS" -k "$dev"
expect 0 "famfs created" "mkfs after -k needs no -f" -- "$MKFS" "$dev"
# -k on a device that is not famfs (a mistyped name) leaves it as it is
other=$(shm_path other)
{ echo "not famfs"; head -c $((2 << 20)) /dev/urandom; } >"$other"
truncate -s 16M "$other"
before=$(cksum <"$other")
expect 1 "$other: holds no famfs superblock: nothing wiped" \
	"mkfs -k of a device that is not famfs" -- "$MKFS" -k "$other"
[ "$(cksum <"$other")" = "$before" ] &&
	ok "mkfs -k left a device that is not famfs unchanged" ||
	not_ok "mkfs -k changed a device that is not famfs"
rm -f "$other"

# a held append lock (a mounted master) makes mkfs refuse
"$MKFS" -f "$dev" >/dev/null
(flock -x 9; sleep 3) 9<"$dev" &
sleep 0.5
expect 1 "in use by a famfs mount" "mkfs -f refused while the device is in use" -- \
	"$MKFS" -f "$dev"
expect 1 "in use by a famfs mount" "mkfs -k refused while in use" -- \
	"$MKFS" -k "$dev"
wait
expect 0 "clean" "refusals left it clean" -- "$FAMFS" fsck "$dev"

# fsck --repair refuses a device in use: its master's lock, a mount here
flip_byte "$dev" $((1 << 20 | 60))
(flock -x 9; sleep 2) 9<"$dev" &
sleep 0.5
expect 8 "cannot repair: in use by a famfs mount" \
	"fsck -y refused while a master holds the device: 8" -- \
	"$FAMFS" fsck -y "$dev"
wait
if "$FAMFS" mount "$dev" "$mnt" >/dev/null; then
	expect 8 "cannot repair: mounted at $mnt" \
		"fsck -y refused while mounted here: 8" -- \
		"$FAMFS" fsck -y "$dev"
	"$FAMFS" umount "$mnt"
else
	not_ok "mount for the fsck -y refusal"
fi
expect 1 "backup superblock rewritten from the primary" \
	"then repaired: 1" -- "$FAMFS" fsck -y "$dev"

expect 1 "cannot tell this host's system UUID" \
	"host without a system UUID: clear refusal" -- \
	env FAMFS_SYSTEM_UUID=not-a-uuid "$MKFS" -f "$dev"
expect 0 "clean" "and the filesystem is untouched" -- "$FAMFS" fsck "$dev"

expect 0 "famfs [0-9.]+" "famfs --version" -- "$FAMFS" --version
expect 0 "usage: famfs fsck" "fsck --help" -- "$FAMFS" fsck --help
expect 2 "unknown command" "unknown subcommand" -- "$FAMFS" frobnicate
done_testing
