#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The systemd units and the udev rule as `meson install` puts them (into
# a temporary DESTDIR): every program a unit runs is one this install
# provides, at the path the unit names (an optional '-' command may be
# the system's), so famfs-daxmode@.service works from any --prefix.
. "$(dirname "$0")/lib.sh" || exit 1
: "${BUILD_ROOT:?the build directory}" "${MESON:?meson}"

root=$T/root
if ! "$MESON" install -C "$BUILD_ROOT" --destdir "$root" --no-rebuild \
	--skip-subprojects --quiet >"$T/install.out" 2>&1; then
	not_ok "meson install"
	sed 's/^/#   /' "$T/install.out"
	done_testing
	exit 1
fi
prefix=$("$MESON" introspect --buildoptions "$BUILD_ROOT" | python3 -c \
	'import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')

mapfile -t units < <(find "$root" -path '*/systemd/system/*' -type f)
check "a unit is installed (${#units[@]})" -- test "${#units[@]}" -ge 1
check "the udev rule is installed" -- \
	bash -c "find '$root' -path '*/rules.d/60-famfs.rules' | grep -q ."
for u in "${units[@]}"; do
	name=${u#"$root"}
	while read -r cmd; do
		optional=0
		while [[ $cmd == [-@+!]* ]]; do
			[[ $cmd == -* ]] && optional=1
			cmd=${cmd:1}
		done
		if [[ $cmd == "$prefix"/* ]]; then
			check "$name runs $cmd, installed" -- test -x "$root$cmd"
		else
			check "$name runs $cmd (outside $prefix): optional" -- \
				test "$optional" = 1
		fi
	done < <(sed -nE 's/^Exec[A-Za-z]*=([^ ]+).*/\1/p' "$u")
done
done_testing
