#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# How a mount serves files, on a device without fsdev_dax (a /dev/shm
# file): famfs mount says "daemon mode" and why in one line, -o
# nopassthrough says so instead, famfs stat shows each file's mode, and
# .meta/.serving lists open files with the read/write requests the daemon
# served for them (the counter the passthrough tests in the vm suite
# expect to stay at zero), a pending file, and one committed while open.
. "$(dirname "$0")/lib.sh" || exit 1

MM=$T/master MC=$T/client
mkfs_dev 256M

note "famfs mount prints the mount's mode in one line"
mkdir -p "$MM"
MOUNTS+=("$MM")
out=$("$FAMFS" mount "$DEV" "$MM")
[ "$out" = "$MM: daemon mode: not a devdax device bound to fsdev_dax; see famfs daxmode" ] ||
	fail "famfs mount printed '$out'"
head -n1 "$MM/.meta/.serving" | grep -qx "mount daemon not-fsdev" ||
	fail ".serving first line: $(head -n1 "$MM/.meta/.serving")"

note "a committed file: stat says how its opens are served"
head -c 3M /dev/urandom >"$T/data"
cp "$T/data" "$MM/f"
"$FAMFS" stat "$MM/f" | grep -qx "  Served: daemon (not a devdax device bound to fsdev_dax; see famfs daxmode)" ||
	fail "stat: $("$FAMFS" stat "$MM/f")"
"$FAMFS" stat --json "$MM/f" | grep -q '"served_why": *"not-fsdev"' ||
	fail "stat --json has no served_why"
! "$FAMFS" stat "$MM" | grep -q "Served:" ||
	fail "stat of the root: $("$FAMFS" stat "$MM")"

note "the daemon counts the reads it serves, per open file"
exec 7<"$MM/f"
grep -Eq '^daemon not-fsdev handles=1 read_requests=0 write_requests=0 /f$' "$MM/.meta/.serving" ||
	fail "open f: $(cat "$MM/.meta/.serving")"
dd if="$MM/f" of=/dev/null bs=1M iflag=direct status=none
reads=$(sed -n 's|.* read_requests=\([0-9]*\) .* /f$|\1|p' "$MM/.meta/.serving")
[ "${reads:-0}" -ge 3 ] || fail "3 MiB read direct, read_requests=$reads"
exec 7<&-

note "a pending file, then committed while another process holds it"
exec 8>"$MM/p"
# from a child: a flush by the opener itself would commit p (file.c)
(printf 'pending-bytes' >&8)
exec 9<"$MM/p"
grep -Eq '^daemon pending handles=2 read_requests=0 write_requests=1 /p$' "$MM/.meta/.serving" ||
	fail "pending p: $(cat "$MM/.meta/.serving")"
"$FAMFS" stat "$MM/p" >/dev/null 2>&1 &&
	fail "stat found a pending file in the log"
exec 8>&-	# the writer's close commits p
# (with passthrough it would say open-since-pending: the vm suite's case)
grep -Eq '^daemon not-fsdev handles=1 .* /p$' "$MM/.meta/.serving" ||
	fail "committed while open: $(cat "$MM/.meta/.serving")"
"$FAMFS" stat "$MM/p" | grep -q "Served: daemon (not a devdax device" ||
	fail "stat p: $("$FAMFS" stat "$MM/p")"
[ "$(cat <&9)" = pending-bytes ] || fail "the old handle reads p wrong"
exec 9<&-
for _ in $(seq 50); do
	grep -q ' /p$' "$MM/.meta/.serving" || break
	sleep 0.02
done
! grep -q ' /p$' "$MM/.meta/.serving" || fail "p listed after its last close"
umount_fs "$MM"

note "-o nopassthrough is the reason when asked for"
out=$("$FAMFS" mount -o nopassthrough "$DEV" "$MM")
[ "$out" = "$MM: daemon mode: -o nopassthrough" ] ||
	fail "famfs mount -o nopassthrough printed '$out'"
head -n1 "$MM/.meta/.serving" | grep -qx "mount daemon option" ||
	fail ".serving first line: $(head -n1 "$MM/.meta/.serving")"
umount_fs "$MM"

note "a client mount says the same"
mkdir -p "$MC"
MOUNTS+=("$MC")
out=$(FAMFS_SYSTEM_UUID=$CLIENT_UUID "$FAMFS" mount "$DEV" "$MC")
[ "$out" = "$MC: daemon mode: not a devdax device bound to fsdev_dax; see famfs daxmode" ] ||
	fail "client mount printed '$out'"
[ "$(cat "$MC/f" | sha256sum)" = "$(sha256sum <"$T/data")" ] ||
	fail "client reads f wrong"
umount_fs "$MC"
fsck_clean
echo "serving: ok"
