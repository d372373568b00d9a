#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# fetch-fuse3.sh DEST: unpack the fuse3 (libfuse >= 3.17) source package of
# Debian's next release into DEST, for meson to build as a static subproject
# when the system's libfuse is older (Debian 12 ships 3.14).
#
# The archive is the one this machine already uses: the deb-src line for the
# next suite is derived from the machine's own apt sources (one-line
# sources.list files and deb822 .sources files), so no host name is written
# here. apt runs on a private sources list, list directory and cache; the
# system's apt state is not touched. Needs apt-get and dpkg-source (dpkg-dev).
set -euo pipefail

# fetch-fuse3.sh --print-source: only print the deb-src line it would use.
# (APT_ETC and OS_RELEASE point elsewhere than /etc/apt, /etc/os-release
# for the test of the derivation.)
min_version=3.17
apt_etc=${APT_ETC:-/etc/apt}
os_release=${OS_RELEASE:-/etc/os-release}

say() { echo "fetch-fuse3: $*" >&2; }

dest=${1:?usage: fetch-fuse3.sh DEST | --print-source}
if [ "$dest" != --print-source ]; then
	[ -f "$dest/meson.build" ] && exit 0
	# Two meson setups (build, build-asan) may configure at once.
	mkdir -p "$(dirname "$dest")"
	exec 8>"$dest.lock"
	flock 8
	[ -f "$dest/meson.build" ] && exit 0
fi

# The release after this machine's: the suite carrying fuse3 >= 3.17.
VERSION_CODENAME=$(. "$os_release" && echo "${VERSION_CODENAME:-}")
case "$VERSION_CODENAME" in
bookworm) next=trixie ;;
*)
	say "no next Debian suite known after '${VERSION_CODENAME:-?}'; install libfuse3-dev >= $min_version"
	exit 1 ;;
esac

# Print "URI<TAB>signed-by-path" of every apt source that serves
# $VERSION_CODENAME itself (not -updates/-security), in apt's reading order.
list_sources() {
	local f
	for f in "$apt_etc"/sources.list "$apt_etc"/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		# deb [opt=val ...] URI SUITE COMPONENT...
		awk -v suite="$VERSION_CODENAME" '
			{ sub(/#.*/, "") }
			$1 != "deb" && $1 != "deb-src" { next }
			{
				signed = ""; i = 2
				if ($2 ~ /^\[/) {
					for (; i <= NF; i++) {
						if ($i ~ /^\[?signed-by=/) {
							s = $i; sub(/^\[?signed-by=/, "", s)
							sub(/\]$/, "", s); signed = s
						}
						if ($i ~ /\]$/) { i++; break }
					}
				}
				if ($(i + 1) == suite && $i !~ /^cdrom:/)
					print $i "\t" signed
			}' "$f"
	done
	for f in "$apt_etc"/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		# stanzas of "Field: value" lines separated by blank lines;
		# continuation lines (inline keys) start with a space
		awk -v suite="$VERSION_CODENAME" '
			function flush() {
				if (types ~ /(^| )deb(-src)?( |$)/ && enabled != "no" &&
				    (" " suites " ") ~ (" " suite " ")) {
					split(uris, u, " ")
					if (u[1] !~ /^cdrom:/)
						print u[1] "\t" (signed ~ /^\// ? signed : "")
				}
				types = uris = suites = signed = ""; enabled = "yes"
			}
			BEGIN { enabled = "yes" }
			/^#/ { next }
			/^[ \t]*$/ { flush(); next }
			/^[ \t]/ { next }
			{
				field = tolower($1); sub(/:$/, "", field)
				value = $0; sub(/^[^:]*:[ \t]*/, "", value)
				if (field == "types") types = value
				else if (field == "uris") uris = value
				else if (field == "suites") suites = value
				else if (field == "signed-by") signed = value
				else if (field == "enabled") enabled = tolower(value)
			}
			END { flush() }' "$f"
	done
}

source_line=$(list_sources | head -n 1)
if [ -z "$source_line" ]; then
	say "no apt source for '$VERSION_CODENAME' in $apt_etc/sources.list{,.d}: cannot derive the '$next' archive"
	exit 1
fi
uri=${source_line%%$'\t'*}
signed=${source_line#*$'\t'}
deb_src="deb-src ${signed:+[signed-by=$signed] }$uri $next main"
if [ "$dest" = --print-source ]; then
	echo "$deb_src"
	exit 0
fi

work=$(mktemp -d "$dest.tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" \
	"$work/parts" "$work/src"
echo "$deb_src" >"$work/sources.list"
apt_opts=(-q -o "Dir::Etc::SourceList=$work/sources.list"
	-o "Dir::Etc::SourceParts=$work/parts"
	-o "Dir::State::Lists=$work/lists"
	-o "Dir::Cache=$work/cache"
	-o "Debug::NoLocking=1")
# as root, apt downloads as _apt, which cannot enter a private mktemp dir
[ "$(id -u)" = 0 ] && apt_opts+=(-o "APT::Sandbox::User=root")

say "fetching Debian $next's fuse3 source package (system libfuse < $min_version)"
if ! apt-get "${apt_opts[@]}" update >"$work/log" 2>&1; then
	cat "$work/log" >&2
	say "apt-get update of '$next' sources failed"
	exit 1
fi
if ! (cd "$work/src" && apt-get "${apt_opts[@]}" source fuse3) \
	>>"$work/log" 2>&1; then
	cat "$work/log" >&2
	say "apt-get source fuse3 failed (is dpkg-dev installed?)"
	exit 1
fi

tree=$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'fuse3-*')
version=${tree##*/fuse3-}
if [ ! -f "$tree/meson.build" ] ||
	! dpkg --compare-versions "$version" ge "$min_version"; then
	say "'$next' has fuse3 '$version', need >= $min_version"
	exit 1
fi
rm -rf "$dest"
mv "$tree" "$dest"
say "libfuse $version unpacked in $dest"
