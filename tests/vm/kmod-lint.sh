#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# The module's source is checkpatch clean (--strict) and builds with W=1
# without a warning; the production build has none of the test hooks
# (no debugfs, no module parameters), which only the test build carries.
# checkpatch.pl comes from linux-source-6.12, as the module's private
# dax headers do (tests/vm/deps.sh installs it; never copied in here).
#
# usage: kmod-lint.sh
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${FSDEV_CACHE:-/var/cache/famfs-vm}

rc=0
"$here/deps.sh" >/dev/null || rc=$?
[ $rc = 0 ] || exit $rc

failures=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# checkpatch.pl and the data files it reads, from the source tarball
src_ver=$(dpkg-query -W -f '${Version}' linux-source-6.12)
scripts=$cache/checkpatch/$src_ver
if [ ! -r "$scripts/checkpatch.pl" ]; then
	mkdir -p "$cache"
	exec 9>"$cache/.lock"
	flock 9
	if [ ! -r "$scripts/checkpatch.pl" ]; then
		tmp=$(mktemp -d "$cache/extract.XXXXXX")
		tar -xJf /usr/src/linux-source-6.12.tar.xz -C "$tmp" \
			linux-source-6.12/scripts/checkpatch.pl \
			linux-source-6.12/scripts/spelling.txt \
			linux-source-6.12/scripts/const_structs.checkpatch
		mkdir -p "$scripts"
		mv "$tmp"/linux-source-6.12/scripts/* "$scripts"/
		rm -rf "$tmp"
	fi
	flock -u 9
fi

cd "$top" || exit 1
for f in kmod/*.c kmod/*.h include/uapi/linux/fsdev_dax.h; do
	if out=$(perl "$scripts/checkpatch.pl" --no-tree --strict --terse \
		--show-types -f "$f" 2>&1); then
		ok "checkpatch --strict $f"
	else
		echo "$out"
		fail "checkpatch --strict $f"
	fi
done

# Both builds, W=1 with warnings as errors (build.sh's flags).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if "$top/kmod/build.sh" "$work/production" >"$work/log" 2>&1; then
	ok "production build, W=1, no warning"
else
	cat "$work/log"
	fail "production build, W=1"
fi
if "$top/kmod/build.sh" --testing "$work/testing" >"$work/log" 2>&1; then
	ok "test build, W=1, no warning"
else
	cat "$work/log"
	fail "test build, W=1"
fi

ko=$work/production/fsdev_dax.ko
if [ -r "$ko" ]; then
	params=$(modinfo -F parm "$ko")
	if [ -z "$params" ]; then
		ok "production module has no parameters"
	else
		fail "production module has parameters: $params"
	fi
	hooks=$(nm "$ko" | grep -E 'debugfs|fsdev_testing|fail_probe|objects' || true)
	if [ -z "$hooks" ]; then
		ok "production module has no test hooks"
	else
		fail "production module has test hooks: $hooks"
	fi
	if nm "$work/testing/fsdev_dax.ko" | grep -q fsdev_fail_probe_at; then
		ok "the test build has them"
	else
		fail "the test build lacks its hooks"
	fi
fi
[ $failures = 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo PASS
