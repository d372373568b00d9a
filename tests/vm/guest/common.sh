# SPDX-License-Identifier: Apache-2.0
# Helpers for guest test scripts (sourced; busybox sh).
DAX=${DAX:-dax0.0}
DAXSYS=/sys/bus/dax
# test hooks of the test build of the module (debugfs, see fsdev_testing.h)
FSDEV_DEBUG=/sys/kernel/debug/fsdev_dax
failures=0

ok() { echo "ok: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect() { # expect DESCRIPTION COMMAND... : command must succeed
	_what=$1; shift
	if "$@"; then ok "$_what"; else fail "$_what"; fi
}

checks_passed() { # checks_passed PID OUTPUT WHAT: a background check's end
	wait "$1"
	_rc=$?
	cat "$2"
	expect "$3" [ $_rc = 0 ]
}

driver_of() { # current driver name of $1 (empty if unbound)
	if [ -e "$DAXSYS/devices/$1/driver" ]; then
		basename "$(readlink "$DAXSYS/devices/$1/driver")"
	fi
}

unbind() { # unbind $1 from whatever driver holds it
	_drv=$(driver_of "$1")
	[ -z "$_drv" ] || echo "$1" >"$DAXSYS/drivers/$_drv/unbind"
}

bind_to() { # bind_to DRIVER DEV: bound? (fsdev_dax binds ids in new_id only)
	unbind "$2"
	# new_id binds an unbound device at once; bind is for an id it has
	echo "$2" >"$DAXSYS/drivers/$1/new_id" 2>/dev/null
	[ "$(driver_of "$2")" = "$1" ] ||
		echo "$2" >"$DAXSYS/drivers/$1/bind" 2>/dev/null
	[ "$(driver_of "$2")" = "$1" ]
}

wait_node() { # wait for /dev/$1 to appear (devtmpfs)
	i=0
	while [ ! -c "/dev/$1" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ -c "/dev/$1" ]
}

objects() { cat $FSDEV_DEBUG/objects; }

finish() {
	if [ "$failures" = 0 ]; then echo "PASS"; exit 0; fi
	echo "$failures check(s) failed"
	exit 1
}
