# SPDX-License-Identifier: Apache-2.0
# Shared by the mount tests: a private device in /dev/shm, mountpoints in
# a temp dir, two simulated hosts (system UUIDs), and cleanup that runs
# even when a test fails. Paths to the built tools come from meson:
# FAMFS, MKFS, FAMFS_FUSED, FSOP.
set -euo pipefail

: "${FAMFS:?path to build/cli/famfs}" "${MKFS:?path to mkfs.famfs}"
: "${FAMFS_FUSED:?path to famfs_fused}" "${FSOP:?path to fsop}"
export FAMFS_FUSED	# famfs mount starts this daemon

T=$(mktemp -d /tmp/famfs-mount-test.XXXXXX)
DEV=/dev/shm/famfs-test-${T##*.}
MASTER_UUID=$(cat /proc/sys/kernel/random/uuid)
CLIENT_UUID=$(cat /proc/sys/kernel/random/uuid)
# the master is whoever mkfs named; tests never depend on /etc/machine-id
export FAMFS_SYSTEM_UUID=$MASTER_UUID
MOUNTS=()

cleanup()
{
	local m

	set +e
	for m in "${MOUNTS[@]}"; do
		if grep -qs " $m " /proc/self/mountinfo; then
			fusermount3 -uz "$m" 2>/dev/null || umount -l "$m"
		fi
	done
	rm -rf --one-file-system "$T" "$DEV"
}
trap cleanup EXIT

fail()
{
	echo "FAIL: $*" >&2
	exit 1
}

note()
{
	echo "# $*"
}

mkfs_dev()
{
	"$MKFS" --size "${1:-512M}" "$DEV" >/dev/null
}

mount_master()
{
	mkdir -p "$1"
	MOUNTS+=("$1")
	"$FAMFS" mount "$DEV" "$1"
}

mount_client()
{
	mkdir -p "$1"
	MOUNTS+=("$1")
	FAMFS_SYSTEM_UUID=$CLIENT_UUID "$FAMFS" mount "$DEV" "$1"
}

# start_daemon MNT UUID [OPTION...]: famfs_fused in the foreground as host
# UUID, its messages in $T/<basename of MNT>.log (so a test can count them)
start_daemon()
{
	local mnt=$1 uuid=$2

	shift 2
	mkdir -p "$mnt"
	MOUNTS+=("$mnt")
	FAMFS_SYSTEM_UUID=$uuid "$FAMFS_FUSED" -f "$@" "$DEV" "$mnt" \
		2>"$T/$(basename "$mnt").log" &
	for _ in $(seq 100); do
		grep -qs " $mnt " /proc/self/mountinfo && return
		sleep 0.05
	done
	fail "$mnt: famfs_fused did not mount: $(cat "$T/$(basename "$mnt").log")"
}

umount_fs()
{
	"$FAMFS" umount "$1"
}

# fusermount_u MNT: fusermount3 -u, asking a busy mount again for up to
# 1 s as famfs umount does (another process may walk through the mount
# for a moment). For daemons from start_daemon, which famfs umount would
# wait for in vain: they are this shell's children until its `wait`.
fusermount_u()
{
	local mnt=$1 err deadline

	deadline=$(($(date +%s%N) + 1000000000))
	while ! err=$(fusermount3 -u "$mnt" 2>&1); do
		case $err in
		*busy*) [ "$(date +%s%N)" -lt "$deadline" ] ||
				fail "fusermount3 -u $mnt: still busy after 1 s: $err"
			sleep 0.05 ;;
		*) fail "fusermount3 -u $mnt: $err" ;;
		esac
	done
}

# expect_errno WANT OP ARGS...: run one call through fsop
expect_errno()
{
	local want=$1 got

	shift
	got=$("$FSOP" "$@")
	[ "$got" = "$want" ] || fail "fsop $*: expected $want, got $got"
}

# errno_is WANT OP ARGS...: does one call through fsop give WANT? (for
# within; expect_errno fails at once)
errno_is()
{
	local want=$1

	shift
	[ "$("$FSOP" "$@")" = "$want" ]
}

fsck_clean()
{
	"$FAMFS" fsck "$DEV" >"$T/fsck.out" 2>&1 ||
		fail "fsck not clean: $(cat "$T/fsck.out")"
}

# sums DIR: one line per file, "sha256  ./path", in a stable order (the
# log in .meta is left out: it changes with every entry)
sums()
{
	(cd "$1" && find . -path ./.meta -prune -o -type f -print0 |
		sort -z | xargs -0r sha256sum)
}

# client_shows STEP VIEW: within 2 s, "VIEW $MC" prints what "VIEW $MM"
# prints (a client's replay of the master's log takes a moment)
client_shows()
{
	local step=$1 view=$2 want got

	want=$("$view" "$MM")
	for _ in $(seq 1 20); do
		got=$("$view" "$MC" 2>/dev/null || true)
		[ "$got" = "$want" ] && return 0
		sleep 0.1
	done
	fail "$step: the client differs:" \
		"$(diff <(echo "$want") <(echo "$got") | head -20)"
}

# within SECS CMD...: until CMD succeeds, for up to SECS s (a client's
# replay, a daemon's tick or beat take a moment, longer under load and
# the checkers); fails when the deadline passed with CMD still failing
within()
{
	local deadline=$(($(date +%s%N) + $1 * 1000000000))

	shift
	until "$@"; do
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# The daemon serving mountpoint $1 (its command line ends in DEV MNT).
daemon_pid()
{
	pgrep -f -x ".*famfs_fused .*-- $DEV $1" | head -1
}

# A tree with files of awkward sizes: empty, sub-page, unit-crossing.
make_tree()
{
	local d=$1

	mkdir -p "$d/a/b/c" "$d/empty-dir" "$d/x"
	: >"$d/empty"
	printf 'hello\n' >"$d/a/hello"
	head -c 4095 /dev/urandom >"$d/a/b/page-less"
	head -c 1048576 /dev/urandom >"$d/a/b/c/one-mib"
	head -c 3145733 /dev/urandom >"$d/x/three-mib-plus"
	head -c 5000000 /dev/urandom >"$d/x/five-mb"
	for i in $(seq 1 20); do
		head -c $((i * 1531)) /dev/urandom >"$d/x/small-$i"
	done
}
