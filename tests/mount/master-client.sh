#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Two simulated hosts on one device: plain tools on the master, the client
# sees the same tree (same sha256 sums) within 2 s and refuses mutations.
. "$(dirname "$0")/lib.sh" || exit 1

mkfs_dev 1G
MM=$T/master MC=$T/client
mount_master "$MM"
mount_client "$MC"

note "plain tools on the master"
make_tree "$T/src"
cp -r "$T/src" "$MM/tree"
mkdir -p "$MM/p/q/r"
touch "$MM/p/touched"
dd if=/dev/urandom of="$MM/p/dd" bs=1M count=3 status=none
fallocate -l 5M "$MM/p/fallocated"
truncate -s 3000000 "$MM/p/truncated"
chmod 0600 "$MM/p/truncated"
chown 1234:4321 "$MM/p/dd"
tar -C "$T/src" -cf "$T/src.tar" .
mkdir "$MM/untar"
tar -C "$MM/untar" -xf "$T/src.tar"
echo "redirected" >"$MM/p/redirect"
{ echo one; /bin/echo two; echo three; } >"$MM/p/compound"

[ "$(stat -c %s "$MM/p/fallocated")" = 5242880 ] || fail "fallocate size"
[ "$(stat -c %s "$MM/p/truncated")" = 3000000 ] || fail "truncate size"
cmp -s <(head -c 3000000 /dev/zero) "$MM/p/truncated" ||
	fail "truncated file does not read as zeroes"
[ "$(cat "$MM/p/compound" | tr '\n' ' ')" = "one two three " ] ||
	fail "compound redirection lost writes"
[ "$(sums "$MM/tree")" = "$(sums "$T/src")" ] || fail "master tree differs"
[ "$(sums "$MM/untar")" = "$(sums "$T/src")" ] || fail "untarred differs"

note "the client sees it all within 2 s"
want=$(sums "$MM")
for i in $(seq 1 20); do
	got=$(sums "$MC" 2>/dev/null || true)
	[ "$got" = "$want" ] && break
	sleep 0.1
done
[ "$got" = "$want" ] ||
	fail "client tree differs after 2 s: $(diff <(echo "$want") <(echo "$got"))"
note "client caught up after ~$((i * 100)) ms"
[ "$(cd "$MC" && find . | sort)" = "$(cd "$MM" && find . | sort)" ] ||
	fail "client directory listing differs"
[ "$(stat -c '%a %u %g' "$MC/p/truncated" "$MC/p/dd")" = \
  "$(printf '600 0 0\n644 1234 4321')" ] || fail "chmod/chown not seen"

note "chmod reaches the client (logged setattr)"
chmod 0640 "$MM/tree/a/hello"
for i in $(seq 1 20); do
	[ "$(stat -c %a "$MC/tree/a/hello")" = 640 ] && break
	sleep 0.1
done
[ "$(stat -c %a "$MC/tree/a/hello")" = 640 ] || fail "chmod not seen in 2 s"

note "client: namespace read-only, data writable in place"
expect_errno EROFS mkdir "$MC/newdir"
expect_errno EROFS creat "$MC/newfile"
expect_errno EROFS unlink "$MC/tree/a/hello"
expect_errno EROFS rename "$MC/tree/a/hello" "$MC/tree/a/moved"
expect_errno EROFS chmod "$MC/tree/a/hello" 777
expect_errno EROFS chown "$MC/tree/a/hello" 1 1
expect_errno EROFS truncate "$MC/tree/a/hello" 1
expect_errno EROFS append "$MC/tree/a/hello"
expect_errno OK pwrite "$MC/tree/a/hello" 0 J
[ "$(cat "$MM/tree/a/hello")" = "Jello" ] ||
	fail "client's in-place write not seen by the master"

note "mmap through the mount, read back on the other host"
expect_errno OK mmap-rw "$MM/p/fallocated"
cmp -s "$MM/p/fallocated" "$MC/p/fallocated" ||
	fail "client reads different data after master's mmap writes"

note ".meta, statfs, logplay"
[ "$(stat -c '%s %a' "$MM/.meta/.log")" = "$(stat -c '%s %a' "$MC/.meta/.log")" ]
# every mounted host rewrites its slot of the host table, [64 KiB, 1 MiB)
# of the superblock area (famfs(5)), twice a second: compare around it
sb_bytes=$(stat -c %s "$MM/.meta/.superblock")
[ "$sb_bytes" -gt $((1 << 20)) ] || fail ".meta/.superblock has $sb_bytes bytes"
{ cmp -s -n 65536 "$MM/.meta/.superblock" "$DEV" &&
	cmp -s -i $((1 << 20)) -n $((sb_bytes - (1 << 20))) \
		"$MM/.meta/.superblock" "$DEV"; } ||
	fail ".meta/.superblock is not the device's first bytes"
expect_errno EPERM open-write "$MM/.meta/.log"
expect_errno EROFS open-write "$MC/.meta/.log"
expect_errno EEXIST mkdir "$MM/.meta"
[ "$(stat -f -c '%b %f %S' "$MM")" = "$(stat -f -c '%b %f %S' "$MC")" ] ||
	fail "master and client disagree on statfs"
total=$(stat -f -c '%b*%S' "$MM")
[ $((total)) -gt $((900 << 20)) ] || fail "statfs total too small: $total"

note "st_blocks (du): the device space a file holds, not its size"
head -c 100 /dev/urandom >"$MM/hundred"		# one packed page
head -c $((2 * 1024 * 1024 + 1)) /dev/urandom >"$MM/unit-and-a-byte"
client_shows "small and unit files" sums
for h in "$MM" "$MC"; do
	[ "$(stat -c %b "$h/hundred")" = 8 ] ||
		fail "$h/hundred: $(stat -c %b "$h/hundred") blocks, not 8 (4 KiB)"
	[ "$(stat -c %b "$h/unit-and-a-byte")" = 8192 ] ||
		fail "$h/unit-and-a-byte: $(stat -c %b "$h/unit-and-a-byte")" \
			"blocks, not 8192 (two 2 MiB units)"
done
"$FAMFS" logplay "$MC" | grep -q "log entries applied" || fail "logplay"
"$FAMFS" logplay -n "$MC" | grep -q "0 log entries would be applied" ||
	fail "logplay -n on a current client"

umount_fs "$MC"
umount_fs "$MM"
fsck_clean
echo "PASS master-client"
