#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The guest's test programs take their numbers whole (tests/common/args.c,
# as the mount tests' programs do): a bad one is a usage error naming it
# (exit 2) that does nothing, never a number taken in part ("12x" as 12),
# as 0 ("x", atoi's answer), in another base ("010" as 8) or after a
# blank or a sign (" 12", "+12", "-0": strtol() takes those). Offsets and
# tags are decimal or 0x hex. Runs on the host: each program refuses its
# arguments before it opens anything, so no guest and no device are
# needed. The programs are built as run-vm.sh builds them (helpers.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/famfs-helper-args.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail()
{
	echo "FAIL: $*" >&2
	exit 1
}

if ! echo 'int main(void) { return 0; }' |
	gcc -static -x c -o "$T/static" - 2>/dev/null; then
	echo "SKIP: gcc cannot link a static program here (libc6-dev)"
	exit 77
fi
"$here/helpers.sh" "$T/bin" fsdev-mmap fsdev-hwpoison fsdev-overtake \
	fsdev-poison fsdev-ptmap fsdev-through-mount ||
	fail "building the guest programs"
B=$T/bin

# refused WHAT PROGRAM ARGS...: PROGRAM exits 2 and names WHAT
refused()
{
	local what=$1 rc=0

	shift
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = 2 ] || fail "$(basename "$1") ${*:2}: exit $rc, not 2"
	grep -qF -- "$what" "$T/err" ||
		fail "$(basename "$1") ${*:2}: no '$what' in: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "$(basename "$1") ${*:2}: $(cat "$T/out")"
}

D=$T/no-device
F=$T/file
head -c 4096 /dev/zero >"$F"
refused "TAG '12x'" "$B/fsdev-mmap" stamp "$D" 12x
refused "TAG '0x12g'" "$B/fsdev-mmap" verify "$D" 0x12g
refused "TAG '010'" "$B/fsdev-mmap" stamp "$D" 010
refused "OFFSET '4096x'" "$B/fsdev-hwpoison" "$D" 4096x
refused "OFFSET '-1'" "$B/fsdev-hwpoison" --map-read "$F" -1
# strtol() itself skips blanks and takes a sign: args.c does not
refused "TAG ' 12'" "$B/fsdev-mmap" stamp "$D" " 12"
refused "TAG '+12'" "$B/fsdev-mmap" verify "$D" +12
refused "OFFSET '-0'" "$B/fsdev-hwpoison" --map-read "$F" -0
refused "OFFSET '+4096'" "$B/fsdev-hwpoison" "$D" +4096
refused "PAGES ' 128'" "$B/fsdev-poison" race "$D" 4096 " 128"
refused "OFF '	100'" "$B/fsdev-through-mount" poke "$F" "	100" text
refused "TOTAL_MIB '+256'" "$B/fsdev-through-mount" io "$F" "$T" +256 rw
refused "OFFSET '0x'" "$B/fsdev-overtake" "$D" "$T" 0x
refused "PAGES '0'" "$B/fsdev-poison" race "$D" 4096 0
refused "PAGES '128x'" "$B/fsdev-poison" race "$D" 4096 128x
refused "LENGTH '1M'" "$B/fsdev-poison" killed "$D" 4096 1M
refused "OFFSET ''" "$B/fsdev-poison" generic "$D" ''
refused "DEVOFF '0x1000g'" "$B/fsdev-ptmap" "$F" "$D" 0x1000g
refused "TOTAL_MIB '256x'" "$B/fsdev-through-mount" io "$F" "$T" 256x rw
refused "TOTAL_MIB '0'" "$B/fsdev-through-mount" io "$F" "$T" 0 ro
refused "'rx': not rw or ro" "$B/fsdev-through-mount" io "$F" "$T" 256 rx
refused "OFF '3e6'" "$B/fsdev-through-mount" poke "$F" 3e6 text
refused "OFF 'x'" "$B/fsdev-through-mount" watch "$F" x text "$T/r" "$T/g"
refused "SIZE '4M'" "$B/fsdev-through-mount" pending "$T/p" 4M "$T/r" "$T/g"
for f in r g p; do
	[ ! -e "$T/$f" ] || fail "a refused call made $T/$f"
done
cmp -s "$F" <(head -c 4096 /dev/zero) || fail "a refused call changed $F"

# and good ones are taken as they were meant: decimal, and 0x hex
"$B/fsdev-through-mount" poke "$F" 100 ab >"$T/out" 2>&1 ||
	fail "poke at 100: $(cat "$T/out")"
"$B/fsdev-through-mount" poke "$F" 0x100 cd >"$T/out" 2>&1 ||
	fail "poke at 0x100: $(cat "$T/out")"
got=$(od -An -c -j 100 -N 2 "$F" | tr -d ' ')$(od -An -c -j 256 -N 2 "$F" |
						tr -d ' ')
[ "$got" = abcd ] || fail "poke wrote '$got' at 100 and 0x100, not abcd"
echo "PASS: helper-args"
