# SPDX-License-Identifier: Apache-2.0
# Guest side of bench/run-vm.sh (busybox sh, run by tests/vm/run-vm.sh
# from /tests/guest next to common.sh): bind the emulated devdax device
# to fsdev_dax, run /share/view_bw ARGS on it with its rows written to
# /share/rows.tsv, unbind. The host reads the rows; the exit status says
# whether the benchmark ran.
# shellcheck source=/dev/null # tests/vm/guest/common.sh, beside us in the guest
. ./common.sh

bind_to fsdev_dax "$DAX" || { echo "view_bw: bind to fsdev_dax failed"; exit 1; }
wait_node "$DAX" || { echo "view_bw: no /dev/$DAX after bind"; exit 1; }
/share/view_bw "$@" "/dev/$DAX" >/share/rows.tsv 2>/share/err
rc=$?
sed 's/^/  | /' /share/err
unbind "$DAX"
exit $rc
