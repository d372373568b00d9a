#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The mount tests' own programs take their numbers whole (args.c): a bad
# one is a usage error naming it (exit 2) that does nothing, never a
# number taken in part ("8K" as 8), as 0 ("x"), as another base
# ("0x2000") or after a blank or a sign (" 12", "+600", "-0": strtol()
# takes those). No mount: only the programs' refusals.
. "$(dirname "$0")/lib.sh" || exit 1
: "${GROW_RACE:?}" "${MARK_BAD:?}" "${DIRECT_CLIENT:?}" "${HOLDER:?}"
: "${CREATE_BURST:?}"

# refused WHAT PROGRAM ARGS...: PROGRAM exits 2 and names WHAT
refused()
{
	local what=$1 rc=0

	shift
	"$@" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" = 2 ] || fail "$(basename "$1") ${*:2}: exit $rc, not 2"
	grep -q "$what" "$T/err" ||
		fail "$(basename "$1") ${*:2}: no '$what' in: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "$(basename "$1") ${*:2}: $(cat "$T/out")"
}

F=$T/file
printf 12345 >"$F"
chmod 644 "$F"
refused "LENGTH '12x'" "$FSOP" truncate "$F" 12x
refused "LENGTH ''" "$FSOP" truncate "$F"
refused "MODE '648'" "$FSOP" chmod "$F" 648
refused "GID '-1'" "$FSOP" chown "$F" 0 -1
# strtol() itself skips blanks and takes a sign: args.c does not
refused "LENGTH ' 12'" "$FSOP" truncate "$F" " 12"
refused "LENGTH '	3'" "$FSOP" truncate "$F" "	3"
refused "MODE '+600'" "$FSOP" chmod "$F" +600
refused "UID '+0'" "$FSOP" chown "$F" +0 0
refused "GID '-0'" "$FSOP" chown "$F" 0 -0
refused "OFFSET '0x10'" "$FSOP" pwrite "$F" 0x10 J
refused "LENGTH '4K'" "$FSOP" fallocate "$F" 0 4K
[ "$(stat -c %s.%a "$F")" = 5.644 ] || fail "fsop changed $F"
refused "LENGTH '1M'" "$FSOP" fork-write "$T/fw" 1M parent-last 7
refused "FIRST '0'" "$FSOP" write-twice "$T/wt" 10 0
refused "LENGTH '5x'" "$FSOP" held-close "$T/hc" 5x dup 5 true
refused "SEED '-5'" "$FSOP" held-dup "$T/hd" 100 flushed -5 true
refused "SEED 'x'" "$FSOP" fill "$T/fill" 100 x
refused usage "$FSOP" fill "$T/fill" 100 7 paus
refused "LENGTH '1M'" "$FSOP" pattern 7 1M
mkdir "$T/gr"
refused "FILES '10x'" "$GROW_RACE" "$T/gr" 10x 10
refused "PASSES '0'" "$GROW_RACE" "$T/gr" 10 0
refused "OFFSET '0x2000'" "$MARK_BAD" "$T/no-device" f 0x2000 4096
refused "LEN '-1'" "$MARK_BAD" "$T/no-device" f 8192 -1
refused "PASSES ' 10'" "$GROW_RACE" "$T/gr" 10 " 10"
refused "SIZE '8K'" "$DIRECT_CLIENT" new "$T/dc" 8K
refused "FLAGS '1'" "$HOLDER" rename2 "$F" "$T/renamed" 1
[ "$(ls "$T/gr")" = "" ] || fail "grow_race made $(ls "$T/gr")"
for f in fw wt hc hd fill dc renamed; do
	[ ! -e "$T/$f" ] || fail "a refused call made $T/$f"
done

# a size it cannot allocate: one line naming it, exit 1
rc=0
ASAN_OPTIONS="${ASAN_OPTIONS:-}:allocator_may_return_null=1" \
	"$CREATE_BURST" create "$T" cb 1 9223372036854775807 2>"$T/err" ||
	rc=$?
[ "$rc" = 1 ] && grep -q "BYTES 9223372036854775807" "$T/err" ||
	fail "create_burst of too many bytes: exit $rc, $(cat "$T/err")"
