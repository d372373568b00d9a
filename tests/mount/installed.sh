#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The installed library: `meson install` into a temporary DESTDIR, then
# everything from there. libfamfs.so.1 exports exactly libfamfs.sym, the
# header stands alone (C and C++) and shows no internals, pkg-config
# builds a program against it, and that program, the installed famfs
# (its `run` finding the installed preload library) and famfs_fused
# share a file's memory between a master and a client mount.
. "$(dirname "$0")/lib.sh" || exit 1
. "$(dirname "$0")/direct-lib.sh"
: "${BUILD_ROOT:?the build directory}" "${SOURCE_ROOT:?the source tree}"
: "${MESON:?path to meson}"

R=$T/root
"$MESON" install -C "$BUILD_ROOT" --destdir "$R" --no-rebuild --quiet \
	--skip-subprojects \
	>"$T/install.out" 2>&1 || fail "meson install: $(tail -n3 "$T/install.out")"

pc=$(find "$R" -name libfamfs.pc)
[ -n "$pc" ] || fail "no libfamfs.pc installed"
libdir=$(dirname "$(dirname "$pc")")
prefix=$(sed -n 's/^prefix=//p' "$pc")
inst=$R$prefix
note "installed under $inst (libdir ${libdir#"$R"})"
for f in "$inst/include/libfamfs.h" "$libdir/libfamfs.so" \
	"$libdir/libfamfs.so.1" "$libdir/famfs/libfamfs-direct.so" \
	"$inst/share/man/man3/libfamfs.3" "$inst/share/man/man3/famfs_map_open.3" \
	"$inst/share/man/man7/famfs.7" "$inst/bin/famfs"; do
	[ -e "$f" ] || fail "not installed: ${f#"$R"}"
done
[ "$(readlink "$libdir/libfamfs.so.1")" = libfamfs.so.1.0.0 ] ||
	fail "libfamfs.so.1 -> $(readlink "$libdir/libfamfs.so.1")"
[ ! -e "$inst/include/famfs.h" ] || fail "the internal header is installed"

note "exports: exactly the symbol map, all at FAMFS_1"
want=$(awk '/^global:/ { on = 1; next } /^local:/ { on = 0 }
	on { sub(/;/, ""); print $1 }' "$SOURCE_ROOT/lib/libfamfs.sym" | sort)
got=$(nm -D --defined-only "$libdir/libfamfs.so.1" |
	awk '$2 == "T" { print $3 }' | sort)
[ "$(echo "$got" | sed 's/@@FAMFS_1$//')" = "$want" ] ||
	fail "exports differ: $(diff <(echo "$want") <(echo "$got"))"
! echo "$got" | grep -v '@@FAMFS_1$' || fail "unversioned exports"
declared=$(grep -o '\bfamfs_[a-z_0-9]*(' "$inst/include/libfamfs.h" |
	tr -d '(' | sort -u)
[ "$declared" = "$want" ] ||
	fail "libfamfs.h and the exports differ: $(diff <(echo "$declared") <(echo "$want"))"

note "the header alone, in C and C++"
echo '#include <libfamfs.h>' >"$T/only.c"
cc -std=c99 -Wall -Wextra -Werror -pedantic -fsyntax-only \
	-I"$inst/include" "$T/only.c" || fail "libfamfs.h alone does not compile"
if command -v c++ >/dev/null; then
	cp "$T/only.c" "$T/only.cc"
	c++ -Wall -Werror -fsyntax-only -I"$inst/include" "$T/only.cc" ||
		fail "libfamfs.h does not compile as C++"
fi
! grep -Eq 'famfs_fs|famfs_dev|format\.h|famfs_log' "$inst/include/libfamfs.h" ||
	fail "libfamfs.h shows internals"

note "pkg-config builds a program against the install"
pkgconf() {
	PKG_CONFIG_LIBDIR="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$R" \
		pkg-config "$@"
}
flags=$(pkgconf --cflags --libs libfamfs) || fail "pkg-config libfamfs"
note "pkg-config: $flags"
san=()
[ -z "${SANITIZE:-}" ] || [ "$SANITIZE" = none ] || san=(-fsanitize="$SANITIZE")
# shellcheck disable=SC2086 # the flags are words
cc -Wall -Wextra -Werror "${san[@]}" -o "$T/client" \
	"$SOURCE_ROOT/tests/mount/direct_client.c" \
	"$SOURCE_ROOT/tests/common/args.c" -I"$SOURCE_ROOT/tests/common" \
	$flags ||
	fail "building against the installed libfamfs"
export LD_LIBRARY_PATH=$libdir	# not the build tree's (meson sets that)
libs=$(ldd "$T/client")
grep -qF "libfamfs.so.1 => $libdir/libfamfs.so.1 " <<<"$libs" ||
	fail "the program does not use the installed library: $libs"

note "the installed tools on two hosts share the file's memory"
export FAMFS_FUSED=$(find "$inst" -path "*bin/famfs_fused")
FAMFS=$inst/bin/famfs
MKFS=$(find "$inst" -path "*bin/mkfs.famfs")
PRELOAD_LIB=$libdir/famfs/libfamfs-direct.so
SAN_PRELOAD=$(san_runtimes "$PRELOAD_LIB")
RUN=(env "LD_PRELOAD=$SAN_PRELOAD")
got=$("${RUN[@]}" "$FAMFS" run printenv LD_PRELOAD)
[ "$got" = "${SAN_PRELOAD:+$SAN_PRELOAD }$(realpath "$PRELOAD_LIB")" ] ||
	fail "installed famfs run uses $got"
mkfs_dev 256M
MM=$T/master MC=$T/client-mnt
mount_master "$MM"
mount_client "$MC"
head -c 5000000 /dev/urandom >"$MM/data"
wait_visible "$MC/data" 5000000

start_client api "$T/client" api-ro "$MC/data"
[ "$(first_line api)" = "mapped 5000000" ] || fail "api: $(cat "$T/api.out")"
expect_answer api where "$DEV"
start_client pre "${RUN[@]}" "$FAMFS" run "$T/client" mmap "$MC/data"
[ "$(first_line pre)" = "mapped 5000000" ] || fail "preload: $(cat "$T/pre.err")"
expect_answer pre where "$DEV"
printf 'from-the-master' | dd of="$MM/data" bs=1 seek=65536 conv=notrunc \
	status=none
expect_answer api "wait 65536 from-the-master" ok
expect_answer pre "wait 65536 from-the-master" ok
expect_answer pre "write 131072 from-the-client" ok
expect_answer api "wait 131072 from-the-client" ok
stop_client api
stop_client pre

umount_fs "$MC"
umount_fs "$MM"
fsck_clean
echo "PASS installed"
