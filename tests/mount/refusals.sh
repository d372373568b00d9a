#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Every refusal: the stated errno or message, nothing changed, fsck clean.
. "$(dirname "$0")/lib.sh" || exit 1

# version 1: the refusals of a log without delete, rename, links, resize
"$MKFS" --size 512M --format-version 1 "$DEV" >/dev/null
MM=$T/master MM2=$T/master2 MC=$T/client
mount_master "$MM"
make_tree "$T/src"
cp -r "$T/src" "$MM/tree"
before=$(sums "$MM")

# expect_mount_fail PATTERN ARGS...: famfs mount fails with that message
expect_mount_fail()
{
	local pattern=$1

	shift
	if "$FAMFS" mount "$@" 2>"$T/err"; then
		fail "famfs mount $* succeeded"
	fi
	grep -q "^famfs: .*$pattern" "$T/err" ||
		fail "famfs mount $*: want '$pattern', got '$(cat "$T/err")'"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "not one line: $(cat "$T/err")"
}

note "mount refusals"
head -c 64M /dev/zero >"$DEV.zero"
mkdir -p "$MM2" "$MC"
expect_mount_fail "not a famfs device" "$DEV.zero" "$MM2"
rm -f "$DEV.zero"
touch "$T/plain-file"
expect_mount_fail "not a directory" "$DEV" "$T/plain-file"
expect_mount_fail "No such file or directory" "$DEV" "$T/missing"
expect_mount_fail "No such file or directory" "$DEV.missing" "$MM2"
expect_mount_fail "already mounted on this host at $MM" "$DEV" "$MM2"
expect_mount_fail "already a famfs mount" "$DEV" "$MM"
FAMFS_SYSTEM_UUID=$CLIENT_UUID expect_mount_fail "already a famfs mount" \
	"$DEV" "$MM"
mount_client "$MC"
FAMFS_SYSTEM_UUID=$CLIENT_UUID expect_mount_fail \
	"already mounted on this host at $MC" "$DEV" "$MM2"

note "namespace changes a version 1 log cannot express"
expect_errno EOPNOTSUPP unlink "$MM/tree/a/hello"
expect_errno EOPNOTSUPP rmdir "$MM/tree/empty-dir"
expect_errno EOPNOTSUPP rename "$MM/tree/a/hello" "$MM/tree/a/moved"
expect_errno EPERM link "$MM/tree/a/hello" "$MM/tree/a/hard"
expect_errno EOPNOTSUPP symlink "$MM/tree/a/sym" hello
expect_errno EPERM mkfifo "$MM/tree/fifo"
expect_errno EEXIST mkdir "$MM/tree/a"
expect_errno EEXIST mkdir "$MM/.meta"

note "a committed file's size is fixed"
expect_errno EPERM truncate "$MM/tree/x/five-mb" 1
expect_errno EPERM truncate "$MM/tree/x/five-mb" 99999999
expect_errno OK truncate "$MM/tree/x/five-mb" 5000000
expect_errno EPERM append "$MM/tree/x/five-mb"
expect_errno EPERM open-trunc "$MM/tree/x/five-mb"
expect_errno EPERM fallocate "$MM/tree/x/five-mb" 0 99999999
expect_errno OK fallocate "$MM/tree/x/five-mb" 0 4096
expect_errno EPERM open-write "$MM/.meta/.superblock"

note "the root's mode and owner are the superblock's (mkfs.famfs(8)): fixed"
expect_errno EPERM chmod "$MM" 700
expect_errno EPERM chown "$MM" 42 43
expect_errno OK chmod "$MM" 755
[ "$(stat -c %a:%u:%g "$MM")" = 755:0:0 ] ||
	fail "root changed: $(stat -c %a:%u:%g "$MM")"

note "the client refuses every mutation"
expect_errno EROFS mkdir "$MC/d"
expect_errno EROFS creat "$MC/f"
expect_errno EROFS unlink "$MC/tree/a/hello"
expect_errno EROFS rmdir "$MC/tree/empty-dir"
expect_errno EROFS chmod "$MC/tree/a/hello" 600
expect_errno EROFS truncate "$MC/tree/x/five-mb" 1
expect_errno EROFS append "$MC/tree/x/five-mb"

note "nothing changed"
[ "$(sums "$MM")" = "$before" ] || fail "contents changed"
[ ! -e "$MM/tree/a/moved" ] && [ ! -e "$MM/tree/fifo" ] ||
	fail "a refused entry appeared"
umount_fs "$MC"
umount_fs "$MM"
fsck_clean
[ "$("$FAMFS" umount "$MM" 2>&1)" = "famfs: $MM: not a famfs mount" ] ||
	fail "umount of a non-mount"
echo "PASS refusals"
