#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# .meta/.superblock, .log, .poison and .serving show names, owners and
# extents of every file, those inside 0700 directories too: only root and
# the user who mounted may read them, whether the kernel checks
# permissions (default_permissions) or the daemon does. .status names no
# file and stays readable by all.
. "$(dirname "$0")/lib.sh" || exit 1

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root to act as another user"; exit 77; }
other=$(id -u nobody 2>/dev/null) && [ "$other" != 0 ] ||
	{ echo "SKIP: no unprivileged user nobody"; exit 77; }
as_other() { setpriv --reuid="$other" --regid="$other" --clear-groups -- "$@"; }
chmod 755 "$T"

mkfs_dev 256M
for opts in "" "-o no_default_permissions"; do
	MM=$T/master$RANDOM
	# shellcheck disable=SC2086
	start_daemon "$MM" "$MASTER_UUID" $opts
	mkdir -m 700 "$MM/private"
	printf 'x\n' >"$MM/private/secret-name"
	note "options '$opts'"
	for f in .superblock .log .poison .serving; do
		if as_other cat "$MM/.meta/$f" >/dev/null 2>"$T/err"; then
			fail "another user read .meta/$f"
		fi
		grep -q "Permission denied" "$T/err" ||
			fail ".meta/$f: $(cat "$T/err")"
		cat "$MM/.meta/$f" >/dev/null || fail "root cannot read .meta/$f"
	done
	as_other cat "$MM/.meta/.status" >/dev/null ||
		fail "another user cannot read .meta/.status"
	as_other ls "$MM/.meta" >/dev/null || fail "another user cannot list .meta"
	grep -aq secret-name "$MM/.meta/.log" || fail "root's .log lacks the entry"
	fusermount_u "$MM"
	wait
	"$MKFS" -f "$DEV" >/dev/null
done
note "ok"
