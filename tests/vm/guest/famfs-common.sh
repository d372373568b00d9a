# SPDX-License-Identifier: Apache-2.0
# Helpers for guest tests of the famfs userspace stack (sourced after
# common.sh; busybox sh). The guest has no /etc/machine-id, so every test
# names its host explicitly through FAMFS_SYSTEM_UUID.
FAMFS_UUID_A=0a0a0a0a-0000-4000-8000-00000000000a
FAMFS_UUID_B=0b0b0b0b-0000-4000-8000-00000000000b

famfs_env() { # famfs_env master|client: this guest's famfs host identity
	case $1 in
	master) FAMFS_SYSTEM_UUID=$FAMFS_UUID_A ;;
	client) FAMFS_SYSTEM_UUID=$FAMFS_UUID_B ;;
	esac
	export FAMFS_SYSTEM_UUID
	echo "FAMFS_SYSTEM_UUID=$FAMFS_SYSTEM_UUID ($1)"
}

expect_fail() { # expect_fail DESCRIPTION COMMAND... : must fail; stderr in /tmp/last.err
	_what=$1; shift
	if "$@" >/tmp/last.out 2>/tmp/last.err; then
		fail "$_what (succeeded)"
	else
		ok "$_what (rc=$?: $(head -n 1 /tmp/last.err))"
	fi
}

run_log() { # run_log FILE COMMAND... : run, keep stdout+stderr in FILE, show it
	_out=$1; shift
	"$@" >"$_out" 2>&1
	_rc=$?
	sed 's/^/  | /' "$_out"
	return $_rc
}

devnum() { # MAJ:MIN (decimal) of a character device
	# shellcheck disable=SC2046 # two hex words, split on purpose
	set -- $(stat -c '%t %T' "$1")
	echo "$(printf %d "0x$1"):$(printf %d "0x$2")"
}

fs_uuid() { # fs uuid of the famfs on $1 (empty when fsck cannot read it)
	famfs fsck --json "$1" 2>/dev/null | sed -n 's/^ *"uuid":"\(.*\)",*$/\1/p'
}

sanitizer_reports() { # a failure for each report a sanitizer build left
	for f in /tmp/asan.* /tmp/ubsan.*; do
		[ -e "$f" ] || continue
		fail "sanitizer report $f"
		head -n 40 "$f"
	done
}

wait_for() { # wait_for TENTHS COMMAND... : poll until COMMAND succeeds
	_n=$1; shift
	_i=0
	until "$@" >/dev/null 2>&1; do
		_i=$((_i + 1))
		[ $_i -ge "$_n" ] && return 1
		sleep 0.1
	done
	return 0
}

# Two guests (tests/vm/run-two-hosts.sh) meet through marker files in the
# shared directory $S; $WAIT is how long (tenths of a second) to wait.
signal() { date +%s >"$S/$1.tmp" && mv "$S/$1.tmp" "$S/$1"; }
await() { # await MARKER: wait for the other host; fail (and give up) if it never comes
	wait_for "$WAIT" [ -e "$S/$1" -o -e "$S/abort" ]
	if [ -e "$S/$1" ]; then
		ok "other host reached $1"
		return 0
	fi
	if [ -e "$S/abort" ]; then
		fail "other host gave up before $1"
	else
		fail "timed out waiting for $1"
		signal abort
	fi
	return 1
}

# two_hosts_start master|client: the start both guests of a two-host test
# (two-hosts.sh, delete-mapped.sh, poison-client.sh) share: the device, mount point, marker
# directory and wait, this guest's identity, the devdax node ready.
two_hosts_start() {
	role=$1
	dev=/dev/$DAX
	mnt=/mnt/famfs
	S=/share
	WAIT=1200	# tenths of a second to wait for the other host
	famfs_env "$role"
	expect "dax0.0 bound to device_dax" [ "$(driver_of "$DAX")" = device_dax ]
	expect "device node" wait_node "$DAX"
	mkdir -p $mnt
}

# two_hosts_run: this guest's part (the script's master or client
# function), then the end both guests share: unmount what is left, report.
two_hosts_run() {
	case $role in
	master) master ;;
	client) client ;;
	*) fail "unknown role $role" ;;
	esac
	is_mounted $mnt && famfs umount $mnt
	finish
}

# mount_fsdev [MOUNT OPTION...]: rebind $dev to fsdev_dax and mount it
# there, files served by passthrough onto views.
mount_fsdev() {
	expect "famfs daxmode famfs ($role)" famfs daxmode "$dev" famfs
	expect "device node back ($role)" wait_node "$DAX"
	expect "famfs mount $* on fsdev_dax ($role)" run_log /tmp/mount.out \
		famfs mount "$@" "$dev" $mnt
	expect "$role mount: passthrough" grep -q ": passthrough:" /tmp/mount.out
}

fails_with_eio() { # fails_with_eio COMMAND...: fails, saying I/O error
	if "$@" >/tmp/eio.out 2>&1; then
		echo "  (it succeeded)"
		return 1
	fi
	sed 's/^/  | /' /tmp/eio.out
	grep -Eqi "input/output error|I/O error" /tmp/eio.out
}

is_mounted() { grep -q " $1 .* fuse.famfs " /proc/self/mountinfo; }
not_mounted() { ! is_mounted "$1"; }
no_daemon() { ! pidof famfs_fused >/dev/null; }
daemon_gone() { wait_for 50 no_daemon; }

# A payload with odd sizes: a multi-unit file, a file not a multiple of
# the copy block, a small tree (6 files in all).
make_payload() {
	mkdir -p "$1/tree/x" "$1/tree/y"
	dd if=/dev/urandom of="$1/random.bin" bs=1024 count=5243 2>/dev/null
	dd if=/dev/urandom of="$1/odd.bin" bs=777 count=4049 2>/dev/null
	echo "hello from famfs on devdax" >"$1/tree/4.txt"
	seq 1 20000 >"$1/tree/x/1.txt"
	dd if=/dev/urandom of="$1/tree/x/2.bin" bs=4096 count=513 2>/dev/null
	dd if=/dev/urandom of="$1/tree/y/3.bin" bs=1 count=1 2>/dev/null
}

check_payload() { # check_payload SRC MNT: the payload's layout in a famfs mount
	cmp "$1/random.bin" "$2/a/b/c/random.bin" &&
	cmp "$1/odd.bin" "$2/d/odd.bin" &&
	cmp "$1/tree/4.txt" "$2/tree/4.txt" &&
	cmp "$1/tree/x/1.txt" "$2/tree/x/1.txt" &&
	cmp "$1/tree/x/2.bin" "$2/tree/x/2.bin" &&
	cmp "$1/tree/y/3.bin" "$2/tree/y/3.bin"
}

sums() { # sha256 of every regular file under mount $1 but .meta, sorted
	(cd "$1" && find . -path ./.meta -prune -o -type f -print | sort |
		xargs sha256sum)
}
