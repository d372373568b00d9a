#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Two "hosts" on one memory: boot two qemu (TCG) guests at the same time on
# one shared NVDIMM backing file, each running GUEST_SCRIPT with its role
# (master, then client) as argument. The master formats the namespace as
# devdax with `-M mem` (struct pages in guest RAM, so neither guest writes
# page metadata into the shared memory); the client is started once the
# master's script runs (so the namespace exists) and never runs ndctl. The
# guests talk through a 9p share at /share (marker files). Both guests are
# always powered off; the backing file and the share are removed.
#
# usage: run-two-hosts.sh [--build-dir DIR] [--timeout SEC] [--mem-size SIZE]
#                         [--vm-opts "RUN-VM OPTIONS"] GUEST_SCRIPT
# (--vm-opts: more run-vm.sh options for both guests, split at spaces)
# exit: 0 when both guests pass, else the master's failure, else the client's.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build_dir=""
timeout=240
mem_size=1G
vm_opts=""

while [ $# -gt 0 ]; do
	case $1 in
	--build-dir) build_dir=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--mem-size) mem_size=$2; shift 2 ;;
	--vm-opts) vm_opts=$2; shift 2 ;;
	-*) echo "run-two-hosts: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# = 1 ] || { echo "usage: run-two-hosts.sh [options] GUEST_SCRIPT" >&2; exit 2; }
script=$1

# Install what is missing, or skip (77) when we cannot. The master's
# run-vm.sh builds the shared artefacts before the client starts.
rc=0
"$here/deps.sh" >/dev/null || rc=$?
[ $rc = 0 ] || exit $rc

work=$(mktemp -d /tmp/famfs-vm2.XXXXXX)
share=$work/share
mem=/dev/shm/famfs-vm2-$$.img
pid_a=""
pid_b=""
stop() { # stop PID: end one run-vm.sh (its own trap kills its qemu)
	if [ -n "$1" ] && kill -0 "$1" 2>/dev/null; then
		kill -TERM "$1" 2>/dev/null || true
		wait "$1" 2>/dev/null || true
	fi
}
cleanup() {
	stop "$pid_a"
	stop "$pid_b"
	rm -f "$mem"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$share"
truncate -s "$mem_size" "$mem"

opts="--timeout $timeout --mem-size $mem_size --mem-file $mem --share $share"
[ -n "$build_dir" ] && opts="$opts --build-dir $build_dir"
opts="$opts $vm_opts"
start=$(date +%s)

# shellcheck disable=SC2086
"$here/run-vm.sh" $opts --ndctl-args "-M mem" "$script" master \
	>"$work/master.log" 2>&1 &
pid_a=$!

# The client boots once the master's namespace exists (its script began).
while [ ! -e "$share/master.started" ]; do
	if ! kill -0 "$pid_a" 2>/dev/null ||
	   [ $(($(date +%s) - start)) -ge "$timeout" ]; then
		break
	fi
	sleep 0.2
done
if [ -e "$share/master.started" ]; then
	echo "run-two-hosts: master up after $(($(date +%s) - start))s, booting the client" >&2
	# shellcheck disable=SC2086
	"$here/run-vm.sh" $opts --no-ndctl "$script" client \
		>"$work/client.log" 2>&1 &
	pid_b=$!
else
	echo "run-two-hosts: the master never started its script" >&2
fi

rc_a=0
wait "$pid_a" || rc_a=$?
pid_a=""
rc_b=0
if [ -n "$pid_b" ]; then
	wait "$pid_b" || rc_b=$?
	pid_b=""
else
	rc_b=1
fi

for role in master client; do
	[ -r "$work/$role.log" ] || continue
	echo "===== $role ====="
	sed "s/^/[$role] /" "$work/$role.log"
done
echo "run-two-hosts: master rc=$rc_a, client rc=$rc_b in $(($(date +%s) - start))s" >&2
[ $rc_a = 0 ] || exit $rc_a
exit $rc_b
