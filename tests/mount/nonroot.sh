#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# An unprivileged user with a device file it may read and write: famfs
# mount goes through the setuid fusermount3 without allow_other (that
# needs user_allow_other in /etc/fuse.conf, and says so in one line when
# it is missing), mkdir/cp/read work, permissions are the kernel's
# (default_permissions) in both directions: the user cannot touch root's
# files, and root's processes do not wander into the user's mount. The
# user's famfs umount works, and root finds the user's files afterwards.
# Skips (77) only after a failed mount, with the reason, when the host
# cannot let users mount FUSE filesystems at all.
. "$(dirname "$0")/lib.sh" || exit 1

skip()
{
	echo "SKIP: $*"
	exit 77
}

[ "$(id -u)" = 0 ] || skip "needs root to set up a user and its device"

MADE_USER=
FUSE_MODE_BEFORE=
nonroot_cleanup()
{
	set +e
	cleanup		# lib.sh: mounts (the user's daemon exits), $T, $DEV
	[ -z "$MADE_USER" ] || userdel "$MADE_USER"
	[ -z "$FUSE_MODE_BEFORE" ] || chmod "$FUSE_MODE_BEFORE" /dev/fuse
}
trap nonroot_cleanup EXIT

# The user: nobody where it exists, else one made for this run.
if uid=$(id -u nobody 2>/dev/null) && [ "$uid" != 0 ]; then
	USER_NAME=nobody
else
	USER_NAME=famfst$(echo "${T##*.}" | tr '[:upper:]' '[:lower:]')
	for _ in 1 2 3 4 5; do
		# /etc/passwd may be locked by a concurrent useradd: retry
		useradd -r -M -N -d /nonexistent -s /usr/sbin/nologin \
			"$USER_NAME" 2>"$T/useradd.err" && break
		sleep 0.2
	done
	id -u "$USER_NAME" >/dev/null 2>&1 ||
		fail "useradd $USER_NAME: $(cat "$T/useradd.err")"
	MADE_USER=$USER_NAME
fi
UID_=$(id -u "$USER_NAME")
GID_=$(id -g "$USER_NAME")
note "as $USER_NAME ($UID_:$GID_)"

as_user()
{
	setpriv --reuid="$UID_" --regid="$GID_" --clear-groups -- "$@"
}

# user_errno WANT OP ARGS...: one fsop call as the user
user_errno()
{
	local want=$1 got

	shift
	got=$(as_user "$FSOP" "$@")
	[ "$got" = "$want" ] || fail "as $USER_NAME: fsop $*: expected $want, got $got"
}

# Why this host cannot let $USER_NAME mount FUSE filesystems, if it is
# something outside famfs (empty when nothing explains it).
host_reason()
{
	local fm bnd

	fm=$(command -v fusermount3) || {
		echo "fusermount3 is not installed"
		return
	}
	if [ "$(stat -L -c %u "$fm")" != 0 ] || [ ! -u "$fm" ]; then
		echo "$fm is not setuid root"
		return
	fi
	as_user grep -q '^NoNewPrivs:[[:space:]]*1' /proc/self/status && {
		echo "no_new_privs is set: setuid $fm cannot gain root"
		return
	}
	as_user test -r /dev/fuse -a -w /dev/fuse || {
		echo "/dev/fuse is not readable and writable by $USER_NAME"
		return
	}
	bnd=$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status)
	(((0x$bnd >> 21) & 1)) || {
		echo "CAP_SYS_ADMIN is not in the bounding set (container):" \
			"setuid $fm cannot mount"
		return
	}
	[ "$(awk '{ print $1, $2, $3 }' /proc/self/uid_map)" = "0 0 4294967295" ] || {
		echo "in a user namespace: setuid $fm is not real root"
		return
	}
	as_user test -x "$FAMFS" -a -x "$FAMFS_FUSED" -a -r "$DEV" || {
		echo "$USER_NAME cannot reach the build tree or /dev/shm"
		return
	}
}

note "root makes the filesystem, a home for the user and its own files"
mkfs_dev 512M
RM=$T/root-mnt
mount_master "$RM"
# the root directory is mkfs's (root's, 0755) and has no log entry: it
# cannot be handed over, so the user gets a directory of its own
expect_errno EPERM chmod "$RM" 1777
expect_errno EPERM chown "$RM" "$UID_" "$GID_"
mkdir "$RM/home" "$RM/rootonly"
chown "$UID_:$GID_" "$RM/home"
chmod 0700 "$RM/rootonly"
echo "root's" >"$RM/home/rootfile"
echo "secret" >"$RM/rootonly/secret"
umount_fs "$RM"
chown "$UID_:$GID_" "$DEV"
chmod 0600 "$DEV"
chmod 0711 "$T"			# the user reaches its mountpoint, lists nothing
make_tree "$T/src"
chmod -R a+rX "$T/src"
UM=$T/user-mnt
mkdir "$UM"
chown "$UID_:$GID_" "$UM"
MOUNTS+=("$UM")

# A fresh machine without udev may leave /dev/fuse 0600 (udev's rule
# makes it 0666): let the user in for this test and put the mode back.
if ! as_user test -r /dev/fuse -a -w /dev/fuse; then
	FUSE_MODE_BEFORE=$(stat -c %a /dev/fuse)
	chmod 0666 /dev/fuse
	note "/dev/fuse was $FUSE_MODE_BEFORE: 0666 for this test"
fi

note "famfs mount by $USER_NAME"
if ! as_user "$FAMFS" mount "$DEV" "$UM" 2>"$T/mount.err"; then
	why=$(host_reason)
	[ -z "$why" ] ||
		skip "$USER_NAME cannot mount FUSE here: $why (famfs mount said: $(cat "$T/mount.err"))"
	fail "famfs mount as $USER_NAME: $(cat "$T/mount.err")"
fi
# after the " - " separator: type, source, superblock options
opts=$(awk -v m="$UM" '$5 == m { sub(/.* - /, ""); print }' /proc/self/mountinfo)
note "mounted: $opts"
case "$opts" in
"fuse.famfs $DEV "*) ;;
*) fail "not a famfs mount of $DEV: $opts" ;;
esac
case ",${opts##* }," in
*,allow_other,*) fail "allow_other forced for $USER_NAME: $opts" ;;
esac
for o in default_permissions "user_id=$UID_" "group_id=$GID_"; do
	case ",${opts##* }," in
	*",$o,"*) ;;
	*) fail "mount option $o missing: $opts" ;;
	esac
done
pid=$(daemon_pid "$UM")
[ -n "$pid" ] || fail "cannot find the user's daemon"
[ "$(ps -o uid= -p "$pid" | tr -d ' ')" = "$UID_" ] ||
	fail "the daemon does not run as $USER_NAME"

note "mkdir, cp, read as $USER_NAME"
as_user mkdir -p "$UM/home/a/b/c" || fail "mkdir -p as $USER_NAME"
as_user cp -r "$T/src" "$UM/home/tree" || fail "cp -r as $USER_NAME"
as_user sh -c "echo mine >'$UM/home/a/b/c/mine'" || fail "redirect"
want=$(sums "$T/src")
got=$(as_user bash -c "$(declare -f sums); sums '$UM/home/tree'")
[ "$got" = "$want" ] || fail "the user reads different data"
[ "$(as_user cat "$UM/home/rootfile")" = "root's" ] ||
	fail "the user cannot read root's 0644 file"
[ "$(as_user stat -c %u:%g "$UM/home/a/b/c/mine" "$UM/home/tree/a/hello" | sort -u)" = \
  "$UID_:$GID_" ] || fail "new files are not the user's"

note "default_permissions: the user cannot touch root's things"
user_errno EACCES pwrite "$UM/home/rootfile" 0 X
user_errno EACCES creat "$UM/at-the-root"
user_errno EACCES mkdir "$UM/at-the-root"
user_errno EACCES stat "$UM/rootonly/secret"
user_errno EPERM chown "$UM/home/a/b/c/mine" 0 0
user_errno EPERM chmod "$UM/home/rootfile" 666
user_errno OK chmod "$UM/home/a/b/c/mine" 000
user_errno EACCES read "$UM/home/a/b/c/mine"
user_errno OK chmod "$UM/home/a/b/c/mine" 644
user_errno OK read "$UM/home/a/b/c/mine"

note "root's processes are kept out of the user's mount"
expect_errno EACCES stat "$UM/home"
expect_errno EACCES read "$UM/home/rootfile"

note "famfs umount by $USER_NAME"
as_user "$FAMFS" umount "$UM" 2>"$T/umount.err" ||
	fail "famfs umount as $USER_NAME: $(cat "$T/umount.err")"
! grep -qs " $UM " /proc/self/mountinfo || fail "still mounted after umount"
! kill -0 "$pid" 2>/dev/null || fail "the daemon outlived famfs umount"

if grep -qs '^[[:space:]]*user_allow_other' /etc/fuse.conf; then
	note "allow_other on request (user_allow_other is set)"
	as_user "$FAMFS" mount -o allow_other "$DEV" "$UM" ||
		fail "mount -o allow_other with user_allow_other set"
	expect_errno OK read "$UM/home/rootfile"
	as_user "$FAMFS" umount "$UM" || fail "umount after allow_other"
else
	note "allow_other without user_allow_other: one clear line"
	as_user "$FAMFS" mount -o allow_other "$DEV" "$UM" 2>"$T/ao.err" &&
		fail "mount -o allow_other worked without user_allow_other"
	note "famfs mount said: $(cat "$T/ao.err")"
	[ "$(wc -l <"$T/ao.err")" = 1 ] ||
		fail "want one error line, got: $(cat "$T/ao.err")"
	grep -q "^famfs: $UM: .*user_allow_other.*/etc/fuse.conf" "$T/ao.err" ||
		fail "unclear message: $(cat "$T/ao.err")"
	! grep -qs " $UM " /proc/self/mountinfo || fail "mounted anyway"
	[ -z "$(daemon_pid "$UM")" ] || fail "a daemon was left behind"
fi

note "root finds the user's files, owned by the user"
fsck_clean
mount_master "$RM"
[ "$(sums "$RM/home/tree")" = "$want" ] || fail "user's files after remount"
[ "$(stat -c %u:%g "$RM/home/a/b/c/mine")" = "$UID_:$GID_" ] ||
	fail "owner lost"
umount_fs "$RM"
fsck_clean
echo "PASS nonroot"
