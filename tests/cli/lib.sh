# SPDX-License-Identifier: Apache-2.0
# Shared by the famfs CLI tests: TAP output, expectations, a private
# /dev/shm device with a master and a client mount (two simulated hosts
# by system UUID), and cleanup that runs even when a test fails.
# meson passes the built tools: FAMFS, MKFS, FAMFS_FUSED.
set -u

: "${FAMFS:?path to build/cli/famfs}" "${MKFS:?path to mkfs.famfs}"
export FAMFS_FUSED="${FAMFS_FUSED:-}"

T=$(mktemp -d /tmp/famfs-cli-test.XXXXXX)
DEV=/dev/shm/famfs-cli-${T##*.}
MASTER_UUID=$(cat /proc/sys/kernel/random/uuid)
CLIENT_UUID=$(cat /proc/sys/kernel/random/uuid)
# this shell is the master host; a client host runs with CLIENT_UUID
export FAMFS_SYSTEM_UUID=$MASTER_UUID
MNT=$T/master
CMNT=$T/client
MOUNTS=()
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"

cleanup()
{
	local m

	for m in "${MOUNTS[@]}"; do
		if grep -qs " $m " /proc/self/mountinfo; then
			"$FAMFS" umount "$m" 2>/dev/null ||
				fusermount3 -uz "$m" 2>/dev/null ||
				umount -l "$m"
		fi
	done
	rm -rf --one-file-system "$T"
	rm -f "$DEV" "$DEV".*
}
trap cleanup EXIT

# check DESCRIPTION -- COMMAND...: passes when COMMAND succeeds (quietly).
check()
{
	local desc=$1 out

	shift 2
	if out=$("$@" 2>&1); then
		ok "$desc"
	else
		not_ok "$desc"
		echo "# command: $*"
		sed 's/^/#   /' <<<"$out"
	fi
}

skip_all()
{
	echo "1..0 # SKIP $*"
	exit 0
}

# Skip (with the reason) when this machine cannot mount FUSE.
need_mounts()
{
	[ "$(id -u)" = 0 ] || skip_all "mount tests need root"
	[ -c /dev/fuse ] || skip_all "no /dev/fuse"
	[ -n "$FAMFS_FUSED" ] && [ -x "$FAMFS_FUSED" ] ||
		skip_all "famfs_fused not built"
}

mkfs_dev()
{
	"$MKFS" --size "${1:-256M}" "$DEV" >/dev/null
}

# A master mount at $MNT and a client mount at $CMNT of one device.
mount_both()
{
	mkdir -p "$MNT" "$CMNT"
	MOUNTS+=("$MNT" "$CMNT")
	# (their one line each on how they serve files is not TAP)
	"$FAMFS" mount "$DEV" "$MNT" >/dev/null || return 1
	FAMFS_SYSTEM_UUID=$CLIENT_UUID "$FAMFS" mount "$DEV" "$CMNT" >/dev/null
}

# as_client COMMAND...: run as the client host would
as_client()
{
	FAMFS_SYSTEM_UUID=$CLIENT_UUID "$@"
}

# wait_for PATH: the client picks up new log entries within a second
wait_for()
{
	local i

	for i in $(seq 1 40); do
		[ -e "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
