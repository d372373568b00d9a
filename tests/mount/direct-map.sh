#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Direct mappings on two simulated hosts (master and client mounts of one
# /dev/shm device): a client program under the preload library (famfs
# run), the libfamfs API and an unmodified python3 map a committed file;
# the master rewrites bytes in place (write() through its mount, stores
# through its own direct mapping) and every existing client mapping shows
# them without a reopen. The file stays open through the mount while
# mapped. Fallbacks behave like plain mmap: a pending file, a write-only
# descriptor, MAP_PRIVATE, a device the user cannot open, a file outside
# famfs. munmap, mremap and fork on a direct mapping.
. "$(dirname "$0")/lib.sh" || exit 1
. "$(dirname "$0")/direct-lib.sh"

mkfs_dev 512M
MM=$T/master MC=$T/client
mount_master "$MM"
mount_client "$MC"

SIZE=$((3 * 1024 * 1024 + 12345))
head -c "$SIZE" /dev/urandom >"$MM/shared"
wait_visible "$MC/shared" "$SIZE"

# rewrite OFF TEXT: the master writes through its mount, in place
rewrite()
{
	printf '%s' "$2" | dd of="$MM/shared" bs=1 seek="$1" conv=notrunc \
		status=none || fail "write() through the master's mount"
}

note "preload: a client program maps the file; the master rewrites it"
start_client pre "${RUN[@]}" "$FAMFS" run "$DIRECT_CLIENT" mmap "$MC/shared"
[ "$(first_line pre)" = "mapped $SIZE" ] || fail "mmap under famfs run: $(cat "$T/pre.out")"
expect_answer pre where "$DEV"
[ "$(maps_flags_of "${CLIENT_PID[pre]}" "$MC/shared")" = ---p ] ||
	fail "no hold on $MC/shared while mapped: $(grep -F "$T" "/proc/${CLIENT_PID[pre]}/maps")"
rewrite 4096 written-through-the-mount
expect_answer pre "wait 4096 written-through-the-mount" ok

note "a range from inside the file"
start_client range "${RUN[@]}" "$FAMFS" run "$DIRECT_CLIENT" range "$MC/shared" \
	$((1024 * 1024 + 4096))
[ "$(first_line range)" = "mapped $((SIZE - 1024 * 1024 - 4096))" ] ||
	fail "range: $(cat "$T/range.out") $(cat "$T/range.err")"
expect_answer range where "$DEV"
rewrite $((2 * 1024 * 1024 + 100)) into-the-range
expect_answer range "wait $((1024 * 1024 - 4096 + 100)) into-the-range" ok
stop_client range

note "the master's own direct mapping (libfamfs API)"
start_client master_api "$DIRECT_CLIENT" api "$MM/shared"
[ "$(first_line master_api)" = "mapped $SIZE" ] || fail "famfs_map_open on the master: $(cat "$T/master_api.out")"
expect_answer master_api where "$DEV"
expect_answer master_api "write 8192 stored-by-the-master" ok
expect_answer pre "wait 8192 stored-by-the-master" ok
expect_answer pre "write 12288 stored-by-the-client" ok
expect_answer master_api "wait 12288 stored-by-the-client" ok
[ "$(dd if="$MM/shared" bs=1 skip=12288 count=20 status=none)" = \
  stored-by-the-client ] || fail "read() on the master misses the client's store"
expect_answer pre "fork 8192 stored-by-the-master" ok

note "the API on the client (invalidate before each look)"
start_client client_api "$DIRECT_CLIENT" api-ro "$MC/shared"
[ "$(first_line client_api)" = "mapped $SIZE" ] || fail "famfs_map_open on the client: $(cat "$T/client_api.out")"
expect_answer client_api where "$DEV"
rewrite 16384 seen-by-the-api
expect_answer client_api "wait 16384 seen-by-the-api" ok
expect_answer master_api "write 20480 api-to-api" ok
expect_answer client_api "wait 20480 api-to-api" ok
start_client client_fd "$DIRECT_CLIENT" api-fd "$MC/shared"
[ "$(first_line client_fd)" = "mapped $SIZE" ] || fail "famfs_map_fd: $(cat "$T/client_fd.out")"
expect_answer client_fd "wait 20480 api-to-api" ok
stop_client client_fd

note "python3's mmap module, unmodified, under famfs run"
cat >"$T/client.py" <<'EOF'
import mmap, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
m = mmap.mmap(fd, 0, mmap.MAP_SHARED)
os.close(fd)
print("mapped", len(m), flush=True)
for line in sys.stdin:
    cmd = line.split()
    if cmd[0] == "wait":
        off, want = int(cmd[1]), cmd[2].encode()
        for _ in range(500):
            if m[off:off + len(want)] == want:
                break
            time.sleep(0.01)
        print("ok" if m[off:off + len(want)] == want else "timeout",
              flush=True)
EOF
start_client py "${RUN[@]}" $(uninstrumented_env) "$FAMFS" run python3 \
	"$T/client.py" "$MC/shared"
[ "$(first_line py)" = "mapped $SIZE" ] || fail "python3: $(cat "$T/py.err")"
grep -q " $DEV\$" "/proc/${CLIENT_PID[py]}/maps" ||
	fail "python3's mapping is not the device"
rewrite 24576 seen-by-python
expect_answer py "wait 24576 seen-by-python" ok
expect_answer master_api "write 28672 python-sees-stores-too" ok
expect_answer py "wait 28672 python-sees-stores-too" ok
stop_client py
stop_client client_api
stop_client master_api

note "small files (packed at page granularity where the format allows)"
head -c 5000 /dev/urandom >"$MM/small"
printf 'tiny' >"$MM/tiny"
wait_visible "$MC/small" 5000
wait_visible "$MC/tiny" 4
start_client small_pre "${RUN[@]}" "$FAMFS" run "$DIRECT_CLIENT" mmap "$MC/small"
[ "$(first_line small_pre)" = "mapped 5000" ] || fail "small: $(cat "$T/small_pre.err")"
expect_answer small_pre where "$DEV"
start_client tiny_api "$DIRECT_CLIENT" api-ro "$MC/tiny"
[ "$(first_line tiny_api)" = "mapped 4" ] || fail "tiny: $(cat "$T/tiny_api.out")"
expect_answer tiny_api "show 0 4" tiny
printf 'TINY' | dd of="$MM/tiny" conv=notrunc status=none
expect_answer tiny_api "wait 0 TINY" ok
printf 'piece' | dd of="$MM/small" bs=1 seek=4990 conv=notrunc status=none
expect_answer small_pre "wait 4990 piece" ok
expect_answer small_pre "write 100 from-the-client" ok
[ "$(dd if="$MM/small" bs=1 skip=100 count=15 status=none)" = from-the-client ] ||
	fail "the master does not read the client's store in a small file"
stop_client tiny_api
stop_client small_pre

note "while mapped the file stays open through the mount"
"$FAMFS" umount "$MC" 2>"$T/umount.err" &&
	fail "the client mount unmounted under a direct mapping"
grep -q busy "$T/umount.err" || fail "umount: $(cat "$T/umount.err")"
expect_answer pre unmap ok
"$FAMFS" umount "$MC" || fail "umount after the last unmap"
stop_client pre
mount_client "$MC"
wait_visible "$MC/shared" "$SIZE"

note "munmap, mremap, fork on a direct mapping"
"${RUN[@]}" "$FAMFS" run "$DIRECT_CLIENT" remap "$MC/shared" "$DEV" \
	>"$T/remap.out" 2>&1 ||
	fail "remap checks: $(cat "$T/remap.out")"
sed 's/^/# /' "$T/remap.out"

# fallback CASE FILE PLAIN_WHERE [ARGS]: the client under famfs run -v
# answers as without the library, and its mapping is not the device
fallback()
{
	local how=$1 file=$2 where=$3 with without

	shift 3
	start_client "fb_$how" "${RUN[@]}" FAMFS_DIRECT_DEBUG=1 "$FAMFS" run \
		"$DIRECT_CLIENT" "$how" "$file" "$@"
	with=$(cat "$T/fb_$how.out")
	[ -z "$where" ] || with+=" $(ask "fb_$how" where)"
	stop_client "fb_$how" any
	start_client "plain_$how" "$DIRECT_CLIENT" "$how" "${file%1}2" "$@"
	without=$(cat "$T/plain_$how.out")
	[ -z "$where" ] || without+=" $(ask "plain_$how" where)"
	stop_client "plain_$how" any
	# each run has its own file: compare with the names taken out
	[ "${with//$file/FILE}" = "${without//${file%1}2/FILE}" ] ||
		fail "$how: with the library '$with', without '$without'"
	[ -z "$where" ] || [ "${with##* }" = "$where" ] ||
		fail "$how: mapping backed by ${with##* }, want $where"
	note "$how: $with; $(head -n1 "$T/fb_$how.err")"
}

note "fallbacks: like plain mmap"
fallback new "$MM/pending1" "$MM/pending1" 8192
grep -q "plain mmap: .*busy" "$T/fb_new.err" ||
	fail "pending file: no debug line saying why: $(cat "$T/fb_new.err")"
cp "$MC/shared" "$T/outside1"
cp "$MC/shared" "$T/outside2"
fallback mmap "$T/outside1" "$T/outside1"
[ ! -s "$T/fb_mmap.err" ] || fail "a file outside famfs got a debug line"
ln -s "$MC/shared" "$T/private1"
ln -s "$MC/shared" "$T/private2"
fallback private "$T/private1" "$MC/shared"
ln -s "$MC/shared" "$T/wronly1"
ln -s "$MC/shared" "$T/wronly2"
fallback wronly "$T/wronly1" ""
grep -q "error EACCES" "$T/fb_wronly.out" ||
	fail "write-only: $(cat "$T/fb_wronly.out")"

note "a device the user cannot open: plain mmap; one it can: direct"
USER_ID=$(id -u nobody 2>/dev/null || true)
if [ "$(id -u)" != 0 ] || [ -z "$USER_ID" ]; then
	note "skipped: needs root and the user nobody"
elif ! setpriv --reuid=nobody --regid=nogroup --clear-groups \
	test -x "$DIRECT_CLIENT" -a -r "$PRELOAD_LIB"; then
	note "skipped: nobody cannot reach the build tree"
else
	chmod 0711 "$T"
	chmod 0600 "$DEV"
	as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	start_client nobody "${as_nobody[@]}" "${RUN[@]}" FAMFS_DIRECT_DEBUG=1 \
		"$FAMFS" run "$DIRECT_CLIENT" mmap-ro "$MC/shared"
	expect_answer nobody where "$MC/shared"
	expect_answer nobody "wait 4096 written-through-the-mount" ok
	stop_client nobody
	grep -q "plain mmap: .*Permission denied" "$T/nobody.err" ||
		fail "unreadable device: $(cat "$T/nobody.err")"
	chmod 0644 "$DEV"
	start_client nobody2 "${as_nobody[@]}" "${RUN[@]}" "$FAMFS" run \
		"$DIRECT_CLIENT" mmap-ro "$MC/shared"
	expect_answer nobody2 where "$DEV"
	rewrite 32768 nobody-sees-it
	expect_answer nobody2 "wait 32768 nobody-sees-it" ok
	stop_client nobody2
	chmod 0600 "$DEV"
fi

note "poisoned memory: the API refuses, the preload library falls back"
umount_fs "$MC"
umount_fs "$MM"
"$MARK_BAD" "$DEV" shared 8192 4096 >/dev/null || fail "mark_bad"
mount_master "$MM"
mount_client "$MC"
start_client poisoned "$DIRECT_CLIENT" api-ro "$MC/shared"
[ "$(first_line poisoned)" = "error EHWPOISON" ] ||
	fail "API on a poisoned file: $(cat "$T/poisoned.out")"
stop_client poisoned any
start_client poisoned_pre "${RUN[@]}" FAMFS_DIRECT_DEBUG=1 "$FAMFS" run \
	"$DIRECT_CLIENT" mmap-ro "$MC/shared"
[ "$(first_line poisoned_pre)" = "mapped $SIZE" ] ||
	fail "preload on a poisoned file: $(cat "$T/poisoned_pre.out")"
expect_answer poisoned_pre where "$MC/shared"
stop_client poisoned_pre
grep -q "plain mmap: some of its memory is poisoned" "$T/poisoned_pre.err" ||
	fail "poisoned file: $(cat "$T/poisoned_pre.err")"

umount_fs "$MC"
umount_fs "$MM"
echo "PASS direct-map"
