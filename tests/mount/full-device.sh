#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# On a full device, creat and cp onto a file that exists say why they
# refuse (it exists, with another size), not "no room"; an existing file
# of the very size is reused (a restarted run), full device or not.
. "$(dirname "$0")/lib.sh" || exit 1

M=$T/master
mkfs_dev 64M
mount_master "$M"
"$FAMFS" creat -s 2M "$M/existing" >/dev/null || fail "creat"
# fill what is left (a device this small has 54 MiB of data space)
"$FAMFS" creat -s 52M "$M/fill" >/dev/null || fail "fill"
[ "$(stat -f -c %a "$M")" = 0 ] || fail "the device is not full: $(df "$M")"
printf 'hello\n' >"$T/src"

# expect_refusal WHAT PATTERN COMMAND...: fails, saying PATTERN, no "no room"
expect_refusal()
{
	local what=$1 pattern=$2 out

	shift 2
	out=$("$@" 2>&1) && fail "$what succeeded on a full device"
	grep -q "no room" <<<"$out" && fail "$what: said no room: $out"
	grep -Eq "$pattern" <<<"$out" || fail "$what: no reason: $out"
	note "$what: $out"
}

expect_refusal "creat of another size" "exists with a different size" \
	"$FAMFS" creat -s 4M "$M/existing"
expect_refusal "cp onto it" "exists with a different size" \
	"$FAMFS" cp "$T/src" "$M/existing"
expect_refusal "creat onto a directory" "exists and is not a regular file" \
	"$FAMFS" creat -s 4M "$M/"
"$FAMFS" creat -s 2M "$M/existing" >/dev/null ||
	fail "creat of the same size (a restart) refused on a full device"
umount_fs "$M"
note "ok"
