#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The errno of every refused namespace call, pjdfstest style: one row per
# case (expected errno, call, arguments), run on a version 2 master.
# Nothing a refused call touches changes (checked after the table).
. "$(dirname "$0")/lib.sh" || exit 1

: "${HOLDER:?path to tests/mount/holder}"

mkfs_dev 256M
MM=$T/master MC=$T/client
mount_master "$MM" >/dev/null
mount_client "$MC" >/dev/null

mkdir -p "$MM/d/sub/deep" "$MM/empty" "$MM/full"
echo f >"$MM/f"
echo g >"$MM/full/g"
ln -s f "$MM/link"
long=$(printf 'n%.0s' $(seq 1 256))
target=$(printf 't%.0s' $(seq 1 4096))
mkdir -p "$T/outside"
for i in $(seq 1 30); do
	[ -e "$MC/link" ] && break
	sleep 0.1
done
before=$(cd "$MM" && find . -path ./.meta -prune -o -printf '%p %y %s %T@\n' | sort)

# run EXPECT TOOL OP ARGS...: TOOL is fsop or holder (renameat2)
run()
{
	local want=$1 tool=$2 got

	shift 2
	case $tool in
	fsop) got=$("$FSOP" "$@") ;;
	holder) got=$("$HOLDER" "$@") ;;
	esac
	[ "$got" = "$want" ] || fail "$tool $*: expected $want, got $got"
	echo "ok - $want $tool $1"
}

while read -r want tool op a b c; do
	[ -n "$want" ] && [ "${want#\#}" = "$want" ] || continue
	args=()
	for x in "$a" "$b" "$c"; do
		[ -n "$x" ] || continue
		x=${x//@TARGET/$target}
		x=${x//@LONG/$long}
		x=${x//@M/$MM}
		x=${x//@C/$MC}
		x=${x//@T/$T}
		args+=("$x")
	done
	run "$want" "$tool" "$op" "${args[@]}"
done <<'EOF'
# want       tool   call      arguments
ENOENT       fsop   unlink    @M/missing
EISDIR       fsop   unlink    @M/d
ENOTDIR      fsop   unlink    @M/f/x
ENOENT       fsop   unlink    @M/missing/x
ENAMETOOLONG fsop   unlink    @M/@LONG
ENOENT       fsop   rmdir     @M/missing
ENOTDIR      fsop   rmdir     @M/f
ENOTEMPTY    fsop   rmdir     @M/d
ENOTEMPTY    fsop   rmdir     @M/full
ENAMETOOLONG fsop   rmdir     @M/@LONG
# issue 9: every lookup of a name over 255 bytes, on master and client
ENAMETOOLONG fsop   stat      @M/@LONG
ENAMETOOLONG fsop   chmod     @M/@LONG 644
ENAMETOOLONG fsop   chown     @M/@LONG 0 0
ENAMETOOLONG fsop   mkfifo    @M/@LONG
ENAMETOOLONG fsop   mkdir     @M/@LONG
ENAMETOOLONG fsop   creat     @M/@LONG
ENAMETOOLONG fsop   stat      @C/@LONG
ENOENT       fsop   rename    @M/missing @M/x
EINVAL       fsop   rename    @M/d @M/d/sub/x
EINVAL       fsop   rename    @M/d @M/d/sub/deep/x
ENOTDIR      fsop   rename    @M/d @M/f
EISDIR       fsop   rename    @M/f @M/empty
ENOTEMPTY    fsop   rename    @M/empty @M/full
ENOTDIR      fsop   rename    @M/f/x @M/y
ENOENT       fsop   rename    @M/f @M/missing/x
EXDEV        fsop   rename    @M/f @T/outside/f
EXDEV        fsop   rename    @M/f @C/f2
ENAMETOOLONG fsop   rename    @M/f @M/@LONG
EEXIST       holder rename2   @M/f @M/link noreplace
ENOENT       holder rename2   @M/f @M/missing exchange
EINVAL       holder rename2   @M/d @M/d/sub exchange
EINVAL       holder rename2   @M/f @M/x whiteout
EEXIST       fsop   symlink   @M/f target
EEXIST       fsop   symlink   @M/d target
ENAMETOOLONG fsop   symlink   @M/x @TARGET
ENAMETOOLONG fsop   symlink   @M/@LONG target
ENOENT       fsop   symlink   @M/missing/x target
EPERM        fsop   link      @M/f @M/hard
EINVAL       holder readlink  @M/f
EROFS        fsop   unlink    @C/f
EROFS        fsop   rmdir     @C/empty
EROFS        fsop   rename    @C/f @C/f2
EROFS        fsop   symlink   @C/l2 f
EPERM        fsop   unlink    @M/.meta/.log
EPERM        fsop   rename    @M/.meta @M/meta
EOF

after=$(cd "$MM" && find . -path ./.meta -prune -o -printf '%p %y %s %T@\n' | sort)
[ "$after" = "$before" ] ||
	fail "a refused call changed the tree: $(diff <(echo "$before") <(echo "$after"))"
umount_fs "$MC"
umount_fs "$MM"
fsck_clean
echo "ok"
