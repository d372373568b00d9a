#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# The module builds with W=1 without a warning, in its production and its
# test build, and the production build has none of the test hooks (no
# debugfs, no module parameters), which only the test build carries.
# (checkpatch runs in tests/style.)
#
# usage: kmod-lint.sh
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

rc=0
"$here/deps.sh" >/dev/null || rc=$?
[ $rc = 0 ] || exit $rc

failures=0
ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

cd "$top" || exit 1

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
