# SPDX-License-Identifier: Apache-2.0
# Shared helpers for the shell tests: TAP output, expectations, cleanup.
# Each test sources this with MKFS and FAMFS set to the built binaries.

set -u
tap_n=0
tap_failed=0

# Every device a test makes is /dev/shm/famfs-sh-PID-NAME; shm_path runs
# in a command substitution (a subshell), so cleanup goes by that prefix.
cleanup() {
	rm -f /dev/shm/famfs-sh-$$-*
}
trap cleanup EXIT

# A fresh /dev/shm path unique to this test run.
shm_path() {
	local p="/dev/shm/famfs-sh-$$-$1"
	rm -f "$p"
	echo "$p"
}

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}

# expect STATUS PATTERN DESCRIPTION -- COMMAND...
# Runs COMMAND; passes when its exit status is STATUS and its combined
# output matches the extended regex PATTERN ('' matches anything).
expect() {
	local want=$1 pattern=$2 desc=$3 out rc
	shift 4
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ] && { [ -z "$pattern" ] ||
		grep -Eq -- "$pattern" <<<"$out"; }; then
		ok "$desc"
	else
		not_ok "$desc"
		echo "# command: $*"
		echo "# exit $rc (want $want), output:"
		sed 's/^/#   /' <<<"$out"
	fi
}

# Flip one byte of FILE at OFFSET (xor 0x55).
flip_byte() {
	local file=$1 off=$2 b
	b=$(od -An -tu1 -j "$off" -N1 "$file" | tr -d ' ')
	printf "$(printf '\\%03o' $(( (b ^ 0x55) & 255 )))" |
		dd of="$file" bs=1 seek="$off" conv=notrunc status=none
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
