#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# kmod/ and its uapi header pass the kernel's checkpatch.pl: no errors,
# no warnings, each file as a whole (--strict would ask the uapi header
# for BIT()).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cp=$("$(dirname "$0")/checkpatch-path.sh" 2>"${TMPDIR:-/tmp}/checkpatch.why.$$") || {
	echo "1..0 # SKIP $(cat "${TMPDIR:-/tmp}/checkpatch.why.$$")"
	rm -f "${TMPDIR:-/tmp}/checkpatch.why.$$"
	exit 0
}
rm -f "${TMPDIR:-/tmp}/checkpatch.why.$$"

n=0 failed=0
for f in "$top"/kmod/*.c "$top"/kmod/*.h "$top"/include/uapi/linux/*.h; do
	n=$((n + 1))
	rel=${f#"$top"/}
	out=$(perl "$cp" --no-tree --quiet --show-types -f "$f" 2>&1)
	if [ -z "$out" ]; then
		echo "ok $n - checkpatch $rel"
	else
		echo "not ok $n - checkpatch $rel"
		sed 's/^/# /' <<<"$out"
		failed=1
	fi
done
echo "1..$n"
exit $failed
