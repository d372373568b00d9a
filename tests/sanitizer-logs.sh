#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Usage: tests/sanitizer-logs.sh DIR BUILD
# The last look of make check-asan and make check-valgrind: every process
# of their suites wrote its reports to DIR, in files PREFIX.PROGRAM.PID
# (ASan/UBSan: log_path and log_exe_name=1 in ASAN_OPTIONS and
# UBSAN_OPTIONS; valgrind: tests/valgrind.sh's --log-file, with each error
# between VALGRIND-ERROR-BEGIN/END markers). The daemons `famfs mount`
# starts have /dev/null for stderr, so what a checker found in one (a
# leak at its exit, an error while it unmounted) reached no test; here an
# error of any program built in BUILD fails the run. Programs not built
# with the sanitizers (printenv, sh, python3 under `famfs run`, which
# preloads the runtimes) are listed, not judged: they leak as they
# please. Warnings (tool-args' refused huge allocations, valgrind's
# "large range" notes) are not errors.
# Daemons of BUILD still exiting after their tests' lazy unmounts are
# waited for (up to 60 s) first; under valgrind their command line starts
# with valgrind's, the daemon's path after a blank.
set -u

if [ $# != 2 ] || [ ! -d "$1" ] || [ ! -d "$2" ]; then
	echo "usage: $0 DIR BUILD (DIR: the log_path directory)" >&2
	exit 2
fi
dir=$1 build=$(realpath "$2")
daemon=$build/fuse/famfs_fused

for _ in $(seq 600); do
	pgrep -f "(^| )$daemon " >/dev/null || break
	sleep 0.1
done
pgrep -a -f "(^| )$daemon " | sed 's/^/sanitizer-logs: still running: /' >&2

declare -A ours=()
while read -r name; do
	ours[$name]=1
done < <(find "$build" -type f -perm -u+x ! -name '*.so*' -printf '%f\n')

errors=0
while read -r f; do
	# PREFIX.PROGRAM.PID
	prog=${f##*/}
	prog=${prog#*.}
	prog=${prog%.*}
	if [ -n "${ours[$prog]:-}" ]; then
		echo "== $f"
		errors=$((errors + 1))
	else
		echo "== $f (not built here: not judged)"
	fi
	cat "$f"
done < <(grep -l -E \
	'ERROR: [A-Za-z]+Sanitizer|runtime error|VALGRIND-ERROR-BEGIN' \
	"$dir"/* 2>/dev/null) >&2
[ "$errors" = 0 ] && exit 0
echo "sanitizer-logs: $errors process(es) built here reported errors" \
	"(above; some, such as a daemon, no test could see)" >&2
exit 1
