# SPDX-License-Identifier: Apache-2.0
#
# Per-request scheduling of one traced pass of bench/loop-cost.sh, from
# `perf script` of sched_switch, sched_wakeup and the fuse request
# tracepoints, on a machine where other FUSE daemons may run. Variables:
# conn, the FUSE connection of the mount (its device minor), and tids,
# the daemon's thread ids; the caller is the task that sends conn's
# first request. Prints one line of key=value:
#   req        requests the caller sent
#   us.OPCODE  mean microseconds from fuse_request_send to _end
#   wake       wake-ups of a daemon thread by the caller, per request
#              (0 when the daemon was still runnable and took the
#              request without sleeping)
#   other_cpu  requests answered on another CPU than the one they were
#              sent from
#   handoff    requests answered by another daemon thread than the one
#              before
#   dsw, csw   daemon and caller context switches per request
#   threads    daemon threads that answered at least one request
BEGIN {
	nd = split(tids, tl, " ")
	for (i = 1; i <= nd; i++)
		is_daemon[tl[i]] = 1
}
function val(f) {
	sub(/^[a-z_]+=/, "", f)
	return f
}
{
	comm = $1; pid = $2; cpu = $3; gsub(/[\[\]]/, "", cpu)
	t = $4; sub(/:$/, "", t)
	ev = $5
}
ev == "fuse:fuse_request_send:" && $7 == conn && (caller == "" || pid == caller) {
	caller = pid
	id = $9; op = $12; gsub(/[()]/, "", op)
	send_t[id] = t; send_cpu[id] = cpu; send_op[id] = op
	req++
	next
}
ev == "fuse:fuse_request_end:" && (id = $9) in send_t {
	op = send_op[id]
	sum[op] += (t - send_t[id]) * 1e6; n[op]++
	if (cpu != send_cpu[id])
		other++
	if (pid in is_daemon) {
		if (last != "" && pid != last)
			handoff++
		last = pid
		served[pid] = 1
	}
	delete send_t[id]
	next
}
ev == "sched:sched_wakeup:" && pid == caller {
	for (i = 6; i <= NF; i++)
		if ($i ~ /^pid=/ && val($i) in is_daemon)
			wake++
	next
}
ev == "sched:sched_switch:" {
	for (i = 6; i <= NF; i++)
		if ($i ~ /^prev_pid=/) {
			p = val($i)
			if (p in is_daemon)
				dsw++
			else if (p == caller)
				csw++
		}
}
END {
	if (!req)
		exit 1
	nt = 0
	for (p in served)
		nt++
	printf "req=%d", req
	for (op in n)
		printf " us.%s=%.1f", op, sum[op] / n[op]
	printf " wake=%.2f other_cpu=%.2f handoff=%.2f dsw=%.2f csw=%.2f threads=%d\n",
		wake / req, other / req, handoff / req, dsw / req, csw / req, nt
}
