#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A client keeps the pieces of files deleted on the master held until it
# sees every host done with them, which it learns up to a heartbeat
# later than the master does; meanwhile the master may free their packed
# unit and give it whole to a new file. The client must take that file:
# it used to refuse the entry ("extent overlaps another file"), and the
# file never appeared on it.
. "$(dirname "$0")/lib.sh" || exit 1

MM=$T/master MC=$T/client
mkfs_dev 256M
mount_master "$MM"
mount_client "$MC"

# wait_for LIMIT_S TEST...: poll every 10 ms until TEST holds
wait_for()
{
	local limit=$1 i

	shift
	for ((i = 0; i < limit * 100; i++)); do
		"$@" && return 0
		sleep 0.01
	done
	return 1
}

exists() { [ -e "$1" ]; }
free_is() { [ "$(stat -f -c %f "$1")" = "$2" ]; }
same_bytes() { cmp -s "$1" "$2"; }

ROUNDS=8
note "$ROUNDS rounds: small files, deleted; once the master frees their" \
	"unit, a 2.5 MiB file takes it"
for r in $(seq "$ROUNDS"); do
	before=$(stat -f -c %f "$MM")
	for i in $(seq 6); do
		head -c $((i * 3000)) /dev/urandom >"$MM/small-$r-$i"
	done
	wait_for 5 exists "$MC/small-$r-6" ||
		fail "round $r: the client does not show small-$r-6"
	rm "$MM"/small-"$r"-*
	# the master frees the pieces once the client replayed the deletes
	wait_for 5 free_is "$MM" "$before" ||
		fail "round $r: the master never freed the deleted pieces"
	head -c $((2560 * 1024)) /dev/urandom >"$T/big-$r"
	cp "$T/big-$r" "$MM/big-$r"
done

note "the client shows every new file, bytes intact, and refused nothing"
for r in $(seq "$ROUNDS"); do
	wait_for 2 same_bytes "$T/big-$r" "$MC/big-$r" ||
		fail "big-$r: not on the client within 2 s of its commit" \
			"($(grep -o '"replay_errors":[0-9]*' "$MC/.meta/.status"))"
done
grep -q '"replay_errors":0,' "$MC/.meta/.status" ||
	fail "the client refused log entries:" \
		"$(grep -o '"replay_errors":[0-9]*' "$MC/.meta/.status")"
fsck_clean
