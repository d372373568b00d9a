#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The C lines written since this check arrived (or since a branch left
# FORMAT_BASE, e.g. FORMAT_BASE=main) follow the kernel coding style as
# the kernel's checkpatch.pl checks it, on the diff only: nobody's
# untouched lines are judged and no file is mass-reformatted. Advice
# about kernel-only APIs (strscpy, __printf, u64, negative errnos as exit
# codes, ...) does not apply to userspace and is not asked for; kmod/ is
# checked whole, with every rule, by checkpatch.sh. .clang-format formats
# new code this way: git clang-format main.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1

skip() { echo "1..0 # SKIP $*"; exit 0; }
git rev-parse --git-dir >/dev/null 2>&1 || skip "not a git work tree"
base=${FORMAT_BASE:-$(git log --diff-filter=A --format=%H -1 -- tests/style/changed.sh)}
# a branch behind FORMAT_BASE: only its own lines, from where it forked
[ -z "${FORMAT_BASE:-}" ] || base=$(git merge-base "$FORMAT_BASE" HEAD) ||
	skip "no common ancestor with $FORMAT_BASE"
[ -n "$base" ] || skip "this check is not committed yet"
why=$(mktemp)
cp=$("$(dirname "$0")/checkpatch-path.sh" 2>"$why") || skip "$(cat "$why")"
rm -f "$why"

userspace_only="SPLIT_STRING,VOLATILE,EMBEDDED_FUNCTION_NAME,STRCPY,STRLCPY,\
STRNCPY,PREFER_DEFINED_ATTRIBUTE_MACRO,USE_NEGATIVE_ERRNO,\
STATIC_CONST_CHAR_ARRAY,ENOSYS,AVOID_EXTERNS,PREFER_KERNEL_TYPES,\
NEW_TYPEDEFS,SPDX_LICENSE_TAG,FILE_PATH_CHANGES,COMPLEX_MACRO,\
MACRO_ARG_UNUSED,TRAILING_SEMICOLON,PREFER_PRINTF,PREFER_SCANF,\
CONSIDER_KSTRTO,SSCANF_TO_KSTRTO,BIT_MACRO,PREFER_FALLTHROUGH,\
MISSING_SIGN_OFF,COMMIT_MESSAGE,GERRIT_CHANGE_ID,EMAIL_SUBJECT"
echo "# C lines changed since ${base:0:12}: $(git log -1 --format=%s "$base" | cut -c1-60)"
out=$(git diff "$base" -- '*.c' '*.h' ':!kmod' |
	perl "$cp" --no-tree --no-signoff --quiet --show-types \
		--ignore "$userspace_only" - 2>&1)
if [ -z "$out" ]; then
	echo "ok 1 - changed C lines follow the kernel coding style"
else
	echo "not ok 1 - changed C lines do not follow the kernel coding style"
	sed 's/^/# /' <<<"$out" | head -n 200
fi
echo "1..1"
[ -z "$out" ]
