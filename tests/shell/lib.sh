# SPDX-License-Identifier: Apache-2.0
# Shared helpers for the shell tests: TAP output, expectations, cleanup.
# Each test sources this with MKFS and FAMFS set to the built binaries.

set -u
. "$(dirname "${BASH_SOURCE[0]}")/../tap.sh"

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

# Flip one byte of FILE at OFFSET (xor 0x55).
flip_byte() {
	local file=$1 off=$2 b
	b=$(od -An -tu1 -j "$off" -N1 "$file" | tr -d ' ')
	printf "$(printf '\\%03o' $(( (b ^ 0x55) & 255 )))" |
		dd of="$file" bs=1 seek="$off" conv=notrunc status=none
}
