#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Every file `meson install` puts in place belongs to a Debian package (a
# debian/*.install line names it), and every line names something: the
# package build (dh_missing, dh_install) stops otherwise, and only the vm
# suite builds the packages (vm-packages), so a new man page or helper
# would break `make deb` unseen until CI. The build's directories are
# mapped to the ones debian/rules configures: prefix /usr, helpers in
# /usr/sbin, udev rules and units under /usr/lib.
. "$(dirname "$0")/lib.sh" || exit 1
: "${BUILD_ROOT:?the build directory}" "${MESON:?meson}"
top=$(cd "$(dirname "$0")/../.." && pwd)
[ -n "$FAMFS_FUSED" ] ||
	skip_all "built without famfs_fused, which the famfs package holds"

root=$T/root
if ! "$MESON" install -C "$BUILD_ROOT" --destdir "$root" --no-rebuild \
	--skip-subprojects --quiet >"$T/install.out" 2>&1; then
	not_ok "meson install"
	sed "s/^/#   /" "$T/install.out"
	done_testing
	exit 1
fi
prefix=$("$MESON" introspect --buildoptions "$BUILD_ROOT" | python3 -c \
	'import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
version=$(sed -n '1s/^famfs (\([^)]*\)).*/\1/p' "$top/debian/changelog")

# One line per verdict: "ok|not ok<TAB>description".
python3 - "$root" "$prefix" "$top" "$multiarch" "$version" >"$T/verdicts" <<'EOF'
import fnmatch, glob, os, sys

root, prefix, top, multiarch, version = sys.argv[1:]

def debian_path(path):
    """Where debian/rules' configuration installs what this build put at path."""
    if path.startswith(prefix + "/"):
        return "usr/" + path[len(prefix) + 1:]
    parent, name = os.path.split(path)
    if parent.endswith("/rules.d"):
        return "usr/lib/udev/rules.d/" + name
    if parent.endswith("/systemd/system"):
        return "usr/lib/systemd/system/" + name
    if parent in ("/sbin", "/usr/sbin"):
        return "usr/sbin/" + name
    return None

installed = []
for dirpath, dirs, files in os.walk(root):
    for name in files + [d for d in dirs if os.path.islink(os.path.join(dirpath, d))]:
        installed.append(os.path.join(dirpath, name)[len(root):])

# (package, pattern): installed-tree patterns; source-tree ones checked apart
patterns, sources = [], []
for install in sorted(glob.glob(os.path.join(top, "debian", "*.install"))):
    package = os.path.basename(install)[:-len(".install")]
    for line in open(install):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        names = words[:-1] if len(words) > 1 else words
        for name in names:
            name = name.replace("${DEB_HOST_MULTIARCH}", multiarch)
            name = name.replace("${env:FSDEV_DAX_VERSION}", version)
            (patterns if name.startswith("usr/") else sources).append((package, name))

def claims(pattern, path):
    return fnmatch.fnmatchcase(path, pattern) or path.startswith(pattern + "/")

matched = {p: 0 for p in patterns}
for path in sorted(installed):
    mapped = debian_path(path)
    owners = [p for p in patterns if mapped and claims(p[1], mapped)]
    for p in owners:
        matched[p] += 1
    if owners:
        print("ok\t%s: in %s" % (path, ", ".join(sorted({p[0] for p in owners}))))
    else:
        print("not ok\t%s (%s): in no debian/*.install" % (path, mapped or "no Debian place"))
for (package, pattern), n in matched.items():
    print("%s\tdebian/%s.install: %s names %d installed file(s)"
          % ("ok" if n else "not ok", package, pattern, n))
for package, pattern in sources:
    n = len(glob.glob(os.path.join(top, pattern)))
    print("%s\tdebian/%s.install: %s names %d file(s) of the tree"
          % ("ok" if n else "not ok", package, pattern, n))
EOF
check "installed files found" -- test -s "$T/verdicts"
while IFS=$'\t' read -r verdict what; do
	if [ "$verdict" = ok ]; then
		ok "$what"
	else
		not_ok "$what"
	fi
done <"$T/verdicts"
done_testing
