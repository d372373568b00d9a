#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Usage: VALGRIND_LOGS=DIR tests/valgrind.sh TEST-COMMAND...
# make check-valgrind's wrapper (meson test --wrap) for its mount and cli
# tests: runs TEST-COMMAND with FAMFS, MKFS, FAMFS_FUSED and DIRECT_CLIENT
# (the paths meson gives the tests) replaced by scripts that run those
# programs under memcheck. So the daemons `famfs mount` starts run under
# it too, and a program under `famfs run` (direct_client) runs with the
# preload library under it. The daemons have /dev/null for stderr, so
# every process writes its report to DIR/vg.PROGRAM.PID, with each error
# between markers; tests/sanitizer-logs.sh DIR BUILD judges them after
# the suites, as for make check-asan. --error-exitcode makes a CLI
# command with an error fail where the test checks its status as well.
set -eu

if [ $# = 0 ] || [ ! -d "${VALGRIND_LOGS:-}" ]; then
	echo "usage: VALGRIND_LOGS=DIR $0 TEST-COMMAND..." >&2
	exit 2
fi
logs=$(realpath "$VALGRIND_LOGS")
bin=$(mktemp -d /tmp/famfs-valgrind.XXXXXX)
chmod 755 "$bin"	# tests run some commands as nobody
trap 'rm -rf "$bin"' EXIT

for var in FAMFS MKFS FAMFS_FUSED DIRECT_CLIENT; do
	prog=${!var:-}
	[ -n "$prog" ] || continue
	name=$(basename "$prog")
	# exec: the program keeps this pid (tests signal and pgrep it)
	cat >"$bin/$name" <<-EOF
	#!/bin/sh
	exec valgrind --tool=memcheck --quiet --error-exitcode=86 \\
		--leak-check=full --show-leak-kinds=definite,indirect \\
		--errors-for-leak-kinds=definite,indirect \\
		--error-markers=VALGRIND-ERROR-BEGIN,VALGRIND-ERROR-END \\
		--log-file='$logs/vg.$name.%p' \\
		'$prog' "\$@"
	EOF
	chmod +x "$bin/$name"
	export "$var=$bin/$name"
done
# not exec: the trap removes the scripts (a daemon exec'd valgrind long
# before its test ends)
"$@"
