#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# famfs CLI without mounts: help and version, option and argument errors
# of every subcommand, device-only queries (-D), daxmode against a fake
# sysfs. Every refusal must be one "famfs: ..." line and a non-zero exit.
. "$(dirname "$0")/lib.sh" || exit 1

cmds=$("$FAMFS" --list-cmds | tr '\n' ' ')
for c in mount umount fsck check mkdir creat cp verify flush logplay getmap \
	 clone chkread stat ls daxmode status \
	 run; do
	case " $cmds " in
	*" $c "*) ok "--list-cmds lists $c" ;;
	*) not_ok "--list-cmds lists $c (got: $cmds)" ;;
	esac
done

expect 0 '^famfs [0-9]+\.[0-9]+' "--version" -- "$FAMFS" --version
expect 2 'usage: famfs' "no command: usage, exit 2" -- "$FAMFS"
expect 2 'famfs: frobnicate: unknown command' "unknown command" -- \
	"$FAMFS" frobnicate
expect 0 'usage: famfs mount' "famfs -h CMD: that command's help" -- \
	"$FAMFS" -h mount
expect 0 'usage: famfs creat' "famfs --help CMD" -- "$FAMFS" --help creat
expect 0 'usage: famfs \[' "famfs -?" -- "$FAMFS" -?
expect 2 'famfs: nosuch: unknown command' "famfs -h of an unknown command" -- \
	"$FAMFS" -h nosuch
expect 1 'famfs: write error on standard output' "--version to a full disk" -- \
	sh -c "'$FAMFS' --version >/dev/full"
expect 1 'mkfs.famfs: standard output' "mkfs.famfs -h to a full disk" -- \
	sh -c "'$MKFS' -h >/dev/full"
if [ -n "$FAMFS_FUSED" ]; then
	expect 1 'famfs_fused: standard output' "famfs_fused -V to a full disk" -- \
		sh -c "'$FAMFS_FUSED' -V >/dev/full"
fi
for c in $cmds; do
	expect 0 "usage: famfs $c" "$c --help" -- "$FAMFS" "$c" --help
	expect 0 "usage: famfs $c" "$c -h" -- "$FAMFS" "$c" -h
	expect 0 "usage: famfs $c" "$c -? (upstream's help)" -- \
		"$FAMFS" "$c" -?
	out=$("$FAMFS" "$c" --help 2>&1 >/dev/full)
	rc=$?
	if [ "$rc" -ne 0 ] &&
	   grep -q "famfs: $c: write error on standard output" <<<"$out"; then
		ok "$c --help to a full disk fails (exit $rc)"
	else
		not_ok "$c --help to a full disk fails (exit $rc: $out)"
	fi
done
expect 2 'famfs: creat: -s: needs a value' "a missing value: one line" -- \
	"$FAMFS" creat -s
expect 2 'famfs: ls: --bogus: unknown option' "unknown long option named" -- \
	"$FAMFS" ls --bogus
expect 2 'famfs: ls: -Z: unknown option' "unknown short option named" -- \
	"$FAMFS" ls -Z
for c in check mkdir creat cp verify flush getmap clone chkread stat ls \
	 daxmode run; do
	out=$("$FAMFS" "$c" --no-such-option 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ] && grep -q "usage: famfs $c" <<<"$out"; then
		ok "$c rejects an unknown option (exit $rc)"
	else
		not_ok "$c rejects an unknown option (exit $rc)"
	fi
done

# a missing or extra operand: the first line names it, then the usage
# operand_row STATUS LINE -- COMMAND...
operand_row()
{
	local want=$1 line=$2 out rc

	shift 3
	out=$("$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -eq "$want" ] && [ "$(head -n1 <<<"$out")" = "$line" ] &&
	   grep -q "^usage: " <<<"$out"; then
		ok "$line (exit $rc)"
	else
		not_ok "$line (exit $rc, want $want): $(head -n1 <<<"$out")"
	fi
}
operand_row 2 "famfs: mount: missing DEVICE" -- "$FAMFS" mount
operand_row 2 "famfs: mount: missing MOUNTPOINT" -- "$FAMFS" mount "$T/d"
operand_row 2 "famfs: mount: c: extra argument" -- "$FAMFS" mount a b c
operand_row 2 "famfs: umount: missing MOUNTPOINT" -- "$FAMFS" umount
operand_row 2 "famfs: umount: b: extra argument" -- "$FAMFS" umount a b
operand_row 16 "famfs: fsck: missing DEVICE" -- "$FAMFS" fsck
operand_row 16 "famfs: fsck: b: extra argument" -- "$FAMFS" fsck a b
operand_row 8 "famfs: check: missing MOUNTPOINT" -- "$FAMFS" check
operand_row 2 "famfs: mkdir: missing DIR" -- "$FAMFS" mkdir -p
operand_row 2 "famfs: creat: missing FILE" -- "$FAMFS" creat -s 2M
operand_row 2 "famfs: creat: b: extra argument" -- "$FAMFS" creat -s 2M a b
operand_row 2 "famfs: cp: missing SOURCE" -- "$FAMFS" cp
operand_row 2 "famfs: cp: missing DEST" -- "$FAMFS" cp a
operand_row 2 "famfs: verify: missing -f FILE or -m FILE,SEED" -- \
	"$FAMFS" verify -S 1
operand_row 2 "famfs: verify: x: extra argument" -- \
	"$FAMFS" verify -f a -S 1 x
operand_row 2 "famfs: flush: missing FILE" -- "$FAMFS" flush
operand_row 2 "famfs: logplay: missing MOUNTPOINT" -- "$FAMFS" logplay
operand_row 2 "famfs: logplay: b: extra argument" -- "$FAMFS" logplay a b
operand_row 9 "famfs: getmap: missing FILE" -- "$FAMFS" getmap
operand_row 9 "famfs: getmap: b: extra argument" -- "$FAMFS" getmap a b
operand_row 2 "famfs: clone: missing DEST" -- "$FAMFS" clone a
operand_row 2 "famfs: clone: c: extra argument" -- "$FAMFS" clone a b c
operand_row 2 "famfs: chkread: missing FILE" -- "$FAMFS" chkread
operand_row 2 "famfs: stat: missing PATH" -- "$FAMFS" stat
operand_row 2 "famfs: daxmode: missing DEVICE" -- "$FAMFS" daxmode
operand_row 2 "famfs: daxmode: c: extra argument" -- "$FAMFS" daxmode a b c
operand_row 2 "famfs: run: missing COMMAND" -- "$FAMFS" run -v
operand_row 2 "famfs: status: missing MOUNTPOINT" -- "$FAMFS" status
operand_row 2 "famfs: rm: missing PATH" -- "$FAMFS" rm -r
operand_row 2 "famfs: mv: missing DEST" -- "$FAMFS" mv a
operand_row 2 "famfs: ln: missing LINK" -- "$FAMFS" ln -s a
operand_row 2 "famfs: ln: c: extra argument" -- "$FAMFS" ln -s a b c
operand_row 2 "famfs: hosts: b: extra argument" -- "$FAMFS" hosts a b
operand_row 2 "famfs: hosts: missing UUID" -- "$FAMFS" hosts evict
operand_row 2 "famfs: hosts: --force goes with evict" -- \
	"$FAMFS" hosts --force
operand_row 2 "mkfs.famfs: missing DEVICE" -- "$MKFS"
operand_row 2 "mkfs.famfs: b: extra argument" -- "$MKFS" a b
operand_row 1 "famfs: mount.famfs: missing MOUNTPOINT" -- "$MOUNT_HELPER" a
operand_row 16 "famfs: fsck.famfs: missing DEVICE" -- "$FSCK_HELPER"

# a bad -o value famfs_fused refuses: its one line, the usage status
if [ -n "$FAMFS_FUSED" ]; then
	for o in timeout=abc fsname=x; do
		out=$("$FAMFS" mount -o "$o" "$T/nodev" "$T/nomnt" 2>&1)
		rc=$?
		if [ "$rc" -eq 2 ] && [ "$(wc -l <<<"$out")" -eq 1 ] &&
		   grep -q "^famfs_fused: -o $o: " <<<"$out"; then
			ok "mount -o $o: one line, exit 2"
		else
			not_ok "mount -o $o: one line, exit 2 (exit $rc: $out)"
		fi
	done
else
	ok "# SKIP mount -o: famfs_fused not built"
fi

# creat: sizes, modes, ids, -M, threads, interleave
in=/tmp/not-famfs-$$
expect 2 'famfs: 0: invalid size' "creat -s 0" -- "$FAMFS" creat -s 0 "$in"
expect 2 'famfs: 12Q: invalid size' "creat -s 12Q" -- \
	"$FAMFS" creat -s 12Q "$in"
expect 2 'famfs: -5: invalid size' "creat -s -5" -- "$FAMFS" creat -s -5 "$in"
expect 2 'size required' "creat without -s" -- "$FAMFS" creat "$in"
expect 2 'famfs: 9: invalid mode' "creat -m 9" -- \
	"$FAMFS" creat -s 2M -m 9 "$in"
expect 2 'famfs: 077777: invalid mode' "creat -m 077777" -- \
	"$FAMFS" creat -s 2M -m 077777 "$in"
expect 2 'famfs: bob: invalid uid' "creat -u bob" -- \
	"$FAMFS" creat -s 2M -u bob "$in"
# (uid_t)-1 is "leave unchanged" to chown(2): no file can be given it
expect 2 'famfs: 4294967295: invalid gid' "creat -g 4294967295" -- \
	"$FAMFS" creat -s 2M -g 4294967295 "$in"
expect 2 'famfs: x: invalid seed' "creat -S x" -- \
	"$FAMFS" creat -s 2M -S x "$in"
expect 2 'invalid -M' "creat -M without a size" -- "$FAMFS" creat -M name
expect 2 'invalid -M' "creat -M with a bad seed" -- \
	"$FAMFS" creat -M name,2M,seed
expect 2 'invalid thread count' "creat -t 0" -- \
	"$FAMFS" creat -s 2M -t 0 "$in"
expect 2 'need -N' "creat -B without -N" -- "$FAMFS" creat -s 2M -B 4 "$in"
expect 2 'invalid strip count' "creat -N 0" -- "$FAMFS" creat -s 2M -N 0 "$in"
expect 2 'invalid bucket count' "creat -N 4 -B 2" -- \
	"$FAMFS" creat -s 2M -N 4 -B 2 "$in"
expect 2 'invalid chunk size' "creat -C 3M" -- \
	"$FAMFS" creat -s 2M -N 2 -C 3M "$in"
expect 1 "famfs: $in: not in a famfs mount" "creat outside famfs" -- \
	"$FAMFS" creat -s 2M "$in"
[ -e "$in" ] && not_ok "creat outside famfs left $in" ||
	ok "creat outside famfs created nothing"

# mkdir, cp, clone, check outside famfs
expect 1 "not in a famfs mount" "mkdir outside famfs" -- \
	"$FAMFS" mkdir "$T/d"
expect 2 'invalid mode' "mkdir -m x" -- "$FAMFS" mkdir -m x "$T/d"
expect 2 'usage' "cp with one argument" -- "$FAMFS" cp /etc/hostname
expect 1 "not in a famfs mount" "cp to a non-famfs destination" -- \
	"$FAMFS" cp /etc/hostname "$T/x"
expect 1 "not in a famfs mount" "clone outside famfs" -- \
	"$FAMFS" clone /etc/hostname "$T/y"
expect 8 "not a famfs mount point" "check of a plain directory" -- \
	"$FAMFS" check "$T"
expect 8 "usage" "check without arguments" -- "$FAMFS" check

# verify: seeds and files
: >"$T/empty"
head -c 4096 /dev/zero >"$T/zeros"
expect 2 'famfs: abc: invalid seed' "verify -S abc" -- \
	"$FAMFS" verify -f "$T/zeros" -S abc
expect 2 'seed required' "verify without a seed" -- \
	"$FAMFS" verify -f "$T/zeros"
expect 2 'invalid -m' "verify -m without a seed" -- \
	"$FAMFS" verify -m "$T/zeros"
expect 1 'mismatch at offset 0 \(seed 7\)' "verify of non-seeded data" -- \
	"$FAMFS" verify -f "$T/zeros" -S 7
expect 1 'No such file' "verify of a missing file" -- \
	"$FAMFS" verify -f "$T/missing" -S 7
expect 0 '' "verify of an empty file" -- "$FAMFS" verify -f "$T/empty" -S 7

# getmap exit codes (upstream's)
expect 9 'usage' "getmap without a file: EBADF" -- "$FAMFS" getmap
expect 1 'not in a famfs file system' "getmap of a non-famfs file: 1" -- \
	"$FAMFS" getmap /etc/hostname
expect 2 'No such file' "getmap of a missing file: 2" -- \
	"$FAMFS" getmap "$T/missing"
expect 1 '^$' "getmap -q prints nothing" -- "$FAMFS" getmap -q /etc/hostname

# hosts: a missing device is not "no superblock", a plain file is
uuid=11111111-2222-3333-4444-555555555555
expect 1 "^famfs: $T/missing: No such file or directory\$" \
	"hosts of a missing device" -- "$FAMFS" hosts "$T/missing"
expect 1 "^famfs: $T/zeros: not a famfs device \(no superblock\)\$" \
	"hosts of a file that is not famfs" -- "$FAMFS" hosts "$T/zeros"
expect 1 "^famfs: $T/missing: No such file or directory\$" \
	"hosts evict on a missing device" -- \
	"$FAMFS" hosts evict "$uuid" "$T/missing"
expect 1 "^famfs: $T/zeros: not a famfs device \(no superblock\)\$" \
	"hosts evict on a file that is not famfs" -- \
	"$FAMFS" hosts evict "$uuid" "$T/zeros"
truncate -s 64M "$T/zeros64"
expect 1 "^famfs: $T/zeros64: not a famfs device \(no superblock\)\$" \
	"hosts of a famfs-sized file that is not famfs" -- \
	"$FAMFS" hosts "$T/zeros64"
rm -f "$T/zeros64"

# flush, chkread on ordinary files
expect 0 'flushed 4096 bytes \(mmap' "flush of an ordinary file" -- \
	"$FAMFS" flush -v "$T/zeros"
expect 1 'No such file' "flush of a missing file" -- \
	"$FAMFS" flush "$T/missing"
expect 0 'agree on 4096 bytes' "chkread of an ordinary file" -- \
	"$FAMFS" chkread -v "$T/zeros"
expect 2 'exclude each other' "chkread -s -l" -- \
	"$FAMFS" chkread -s -l "$T/zeros"

# device-only queries on a fresh famfs
mkfs_dev 64M
expect 0 '^\[$' "ls --json of an empty famfs" -- "$FAMFS" ls --json -D "$DEV"
expect 0 '"type":"directory"' "stat --json of the root" -- \
	"$FAMFS" stat --json -D "$DEV" /
check "stat --json is valid JSON" -- bash -c \
	"'$FAMFS' stat --json -D '$DEV' / | python3 -c 'import json,sys; \
	 o = json.load(sys.stdin); assert o[0][\"mode\"] == \"0755\"'"
expect 2 'not mapped' "getmap -D of a missing path: 2" -- \
	"$FAMFS" getmap -D "$DEV" nothing
expect 21 'not a regular file' "getmap -D of the root: EISDIR" -- \
	"$FAMFS" getmap -D "$DEV" /
expect 1 'famfs: nothing: No such file' "stat of a missing path" -- \
	"$FAMFS" stat -D "$DEV" nothing

# output that cannot be written is a failure, not a silent success
expect 1 'famfs: ls: write error' "ls --json to a full disk fails" -- \
	sh -c "'$FAMFS' ls --json -D '$DEV' >/dev/full"
expect 1 'famfs: stat: write error' "stat to a full disk fails" -- \
	sh -c "'$FAMFS' stat -D '$DEV' / >/dev/full"
expect 8 'famfs: fsck: write error' "fsck to a full disk: operational error" -- \
	sh -c "'$FAMFS' fsck --json '$DEV' >/dev/full"
expect 1 'famfs: daxmode: write error' "daxmode to a full disk fails" -- \
	sh -c "FAMFS_SYSFS='$T/nosys' '$FAMFS' daxmode --help >/dev/full"

# daxmode against a fake sysfs (the real one has no dax bus here)
sys=$T/sys
mkdir -p "$sys/bus/dax/devices/dax0.0" "$sys/bus/dax/drivers/device_dax"
ln -s ../../drivers/device_dax "$sys/bus/dax/devices/dax0.0/driver"
expect 1 'famfs: /dev/dax0.0: fsdev_dax not loaded' \
	"daxmode famfs without the driver" -- \
	env FAMFS_SYSFS="$sys" "$FAMFS" daxmode /dev/dax0.0 famfs
expect 0 '^devdax$' "daxmode shows devdax" -- \
	env FAMFS_SYSFS="$sys" "$FAMFS" daxmode /dev/dax0.0
expect 0 'already in devdax mode' "daxmode devdax when already" -- \
	env FAMFS_SYSFS="$sys" "$FAMFS" daxmode dax0.0 devdax
expect 1 'not a devdax device' "daxmode of a missing device" -- \
	env FAMFS_SYSFS="$sys" "$FAMFS" daxmode /dev/dax9.9
expect 2 'unknown mode' "daxmode bad mode" -- \
	env FAMFS_SYSFS="$sys" "$FAMFS" daxmode /dev/dax0.0 pmem
mkdir -p "$sys/bus/dax/drivers/fsdev_dax"
for d in device_dax fsdev_dax; do
	touch "$sys/bus/dax/drivers/$d/"{bind,unbind,new_id,remove_id}
done
expect 1 'bind to fsdev_dax: did not take' "daxmode famfs fails cleanly when bind fails" -- \
	env FAMFS_SYSFS="$sys" "$FAMFS" daxmode /dev/dax0.0 famfs
check "daxmode unbound then asked device_dax back" -- \
	grep -qx dax0.0 "$sys/bus/dax/drivers/device_dax/new_id"
# a process with the node open keeps daxmode off the device (a fake
# /proc: pid 4242 has an fd on a char device of the device's number)
proc=$T/proc
mkdir -p "$proc/4242/fd"
echo fakeholder >"$proc/4242/comm"
ln -s /dev/null "$proc/4242/fd/3"
printf '%d:%d\n' "0x$(stat -L -c %t /dev/null)" "0x$(stat -L -c %T /dev/null)" \
	>"$sys/bus/dax/devices/dax0.0/dev"
expect 1 '^famfs: /dev/dax0.0: in use: open by pid 4242 \(fakeholder\); close it before changing mode$' \
	"daxmode refuses a device whose node is open" -- \
	env FAMFS_SYSFS="$sys" FAMFS_PROC="$proc" "$FAMFS" daxmode /dev/dax0.0 famfs
rm "$sys/bus/dax/devices/dax0.0/dev"

# run: the preload library appended to LD_PRELOAD, the command's status
: "${PRELOAD_LIB:?path to libfamfs-direct.so}"
. "$(dirname "$0")/../sanitizers.sh"
san=$(san_runtimes "$PRELOAD_LIB")
run=(env "LD_PRELOAD=$san" "$FAMFS" run)
expect 2 'usage: famfs run' "run without a command" -- "$FAMFS" run
expect 0 "^${san:+$san }$PRELOAD_LIB\$" "run finds the library beside the build" -- \
	"${run[@]}" printenv LD_PRELOAD
expect 0 "^${san:+$san }$PRELOAD_LIB $PRELOAD_LIB\$" "run appends to LD_PRELOAD" -- \
	env LD_PRELOAD="${san:+$san }$PRELOAD_LIB" "$FAMFS" run printenv LD_PRELOAD
expect 0 '^1$' "run -v sets FAMFS_DIRECT_DEBUG" -- \
	"${run[@]}" -v printenv FAMFS_DIRECT_DEBUG
expect 0 '^-x$' "the command's options are its own" -- \
	"${run[@]}" -- printf '%s\n' -x
expect 3 '' "the command's exit status" -- "${run[@]}" sh -c 'exit 3'
expect 127 'famfs: no-such-command-here: No such file' \
	"a missing command: 127" -- "$FAMFS" run no-such-command-here
: >"$T/not-a-program"
expect 126 "famfs: $T/not-a-program: Permission denied" \
	"a command that cannot run: 126" -- "$FAMFS" run "$T/not-a-program"
expect 1 'famfs: run: libfamfs-direct.so not found' \
	"no library: one line, exit 1" -- \
	env FAMFS_DIRECT_LIBRARY=/nonexistent/lib.so "$FAMFS" run true

done_testing
