#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# scripts/fetch-fuse3.sh derives the deb-src line of Debian's next suite
# from the machine's apt sources: one-line and deb822 files, options,
# disabled stanzas, other suites and cdrom entries.
# usage: fuse3-source.sh FETCH_SCRIPT
FETCH=$1
. "$(dirname "$0")/lib.sh" || exit 1

etc=$(mktemp -d)
trap 'rm -rf "$etc"; cleanup' EXIT
mkdir -p "$etc/sources.list.d"
printf 'VERSION_CODENAME=bookworm\n' >"$etc/os-release"
export APT_ETC=$etc OS_RELEASE=$etc/os-release

derive() { "$FETCH" --print-source; }

: >"$etc/sources.list"
expect 1 "no apt source for 'bookworm'" "no sources: refused with a reason" -- derive

cat >"$etc/sources.list" <<'EOF'
# deb http://commented.example/debian bookworm main
deb cdrom:[Debian 12]/ bookworm main
deb http://security.example/debian-security bookworm-security main
deb [arch=amd64 signed-by=/k/one.gpg] http://one.example/debian bookworm main contrib
EOF
expect 0 '^deb-src \[signed-by=/k/one.gpg\] http://one.example/debian trixie main$' \
	"one-line: options, other suites, comments and cdrom skipped" -- derive

cat >"$etc/sources.list" <<'EOF'
deb http://plain.example/debian bookworm main
EOF
expect 0 '^deb-src http://plain.example/debian trixie main$' \
	"one-line without options" -- derive

: >"$etc/sources.list"
cat >"$etc/sources.list.d/debian.sources" <<'EOF'
Types: deb
URIs: http://off.example/debian
Suites: bookworm
Components: main
Enabled: no

# a comment line
Types: deb deb-src
URIs: http://two.example/debian http://three.example/debian
Suites: bookworm-updates bookworm
Components: main
Signed-By: /k/two.gpg

Types: deb
URIs: http://sec.example/debian-security
Suites: bookworm-security
Components: main
EOF
expect 0 '^deb-src \[signed-by=/k/two.gpg\] http://two.example/debian trixie main$' \
	"deb822: disabled stanza skipped, first URI, Signed-By kept" -- derive

cat >"$etc/sources.list.d/debian.sources" <<'EOF'
Types: deb
URIs: http://inline.example/debian
Suites: bookworm
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mQINBGPL0BUBEADmW5NdOOHwPIJlgPu6JDcKw/NZJPR8lsD9K7UgrF6s9H
 -----END PGP PUBLIC KEY BLOCK-----
EOF
expect 0 '^deb-src http://inline.example/debian trixie main$' \
	"deb822: an inline key is left to apt's keyrings" -- derive

printf 'VERSION_CODENAME=sid\n' >"$etc/os-release"
expect 1 "no next Debian suite known after 'sid'" "unknown release refused" -- derive

done_testing
