#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# tests/sanitizer-logs.sh, which make check-asan and check-valgrind run
# after their suites: an ASan, UBSan or valgrind error logged by a program
# built in BUILD (a daemon no test saw) fails, one of a program not built
# there (under `famfs run`) and warnings do not, and it waits for BUILD's
# daemons to exit first, also under valgrind.
# usage: san-logs.sh SANITIZER_LOGS_SCRIPT
CHECK=$1
. "$(dirname "$0")/lib.sh" || exit 1

t=$(mktemp -d)
trap 'rm -rf "$t"; cleanup' EXIT
build=$t/build logs=$t/logs
mkdir -p "$build/fuse" "$build/cli" "$logs"
cp "$(type -P sleep)" "$build/fuse/famfs_fused"
cp "$(type -P true)" "$build/cli/famfs"

leak='==famfs_fused==41==ERROR: LeakSanitizer: detected memory leaks'
ub='fuse/ops.c:10:5: runtime error: signed integer overflow'
warn='==create_burst==42==WARNING: AddressSanitizer failed to allocate'

expect 0 '' "an empty log directory passes" -- "$CHECK" "$logs" "$build"
echo "$warn" >"$logs/asan.create_burst.42"
expect 0 '' "a warning passes" -- "$CHECK" "$logs" "$build"
echo "$leak" >"$logs/asan.sh.43"
expect 0 'asan.sh.43 \(not built here: not judged\)' \
	"an error of a program not built here is shown, not judged" -- \
	"$CHECK" "$logs" "$build"
echo "$leak" >"$logs/asan.famfs_fused.41"
expect 1 '1 process\(es\) built here reported errors' \
	"a leak in a daemon fails the run" -- "$CHECK" "$logs" "$build"
rm "$logs/asan.famfs_fused.41"
echo "$ub" >"$logs/ubsan.famfs.44"
expect 1 'runtime error: signed integer overflow' \
	"undefined behaviour in a built program fails the run" -- \
	"$CHECK" "$logs" "$build"
rm "$logs/ubsan.famfs.44"
# tests/valgrind.sh's logs: warnings alone, then an error between markers
cat >"$logs/vg.famfs_fused.45" <<'EOF2'
==45== Warning: set address range perms: large range [0x4e5f000, 0x24e5f000)
EOF2
expect 0 '' "a valgrind warning passes" -- "$CHECK" "$logs" "$build"
cat >>"$logs/vg.famfs_fused.45" <<'EOF2'
==45== VALGRIND-ERROR-BEGIN
==45== 384 bytes in 3 blocks are definitely lost in loss record 1 of 2
==45== VALGRIND-ERROR-END
EOF2
expect 1 'vg.famfs_fused.45' "a leak valgrind found in a daemon fails the run" \
	-- "$CHECK" "$logs" "$build"
rm "$logs/vg.famfs_fused.45"
expect 2 'usage' "no arguments: usage" -- "$CHECK"
expect 2 'usage' "a missing log directory: usage" -- \
	"$CHECK" "$t/none" "$build"

# a daemon still exiting writes its report last: the check waits for it
"$build/fuse/famfs_fused" 2 &
daemon=$!
"$CHECK" "$logs" "$build" 2>/dev/null
if kill -0 "$daemon" 2>/dev/null; then
	not_ok "the check waits for the build's daemons to exit"
else
	ok "the check waits for the build's daemons to exit"
fi
wait "$daemon"
# under valgrind: its command line, the daemon's path after a blank
bash -c 'sleep 2; :' "$build/fuse/famfs_fused" -- DEV MNT &
daemon=$!
"$CHECK" "$logs" "$build" 2>/dev/null
if kill -0 "$daemon" 2>/dev/null; then
	not_ok "the check waits for the build's daemons under valgrind"
else
	ok "the check waits for the build's daemons under valgrind"
fi
wait "$daemon"

done_testing
