# SPDX-License-Identifier: Apache-2.0
# Poison the master records reaches a client's mapping made before it
# (run by run-two-hosts.sh: two guests on one backing file, both on
# fsdev_dax, files served by passthrough; marker files on /share).
#   master: writes P; once the client has P mapped, a page of P fails on
#           the master (MADV_HWPOISON through its device: its daemon, the
#           holder, records the range in the log).
#   client: maps P through its passthrough view and reads all of it;
#           after catching up with the log its daemon has fsdev_dax mark
#           the page failed (the client's kernel never saw the failure):
#           the OLD mapping then gets SIGBUS at that page only and reads
#           every other page unchanged; a new read of the page, served by
#           the daemon, fails with EIO, the rest of P reads intact.
# usage: poison-client.sh master|client
. ./common.sh
. ./famfs-common.sh
two_hosts_start "$1"	# sets role, dev, mnt, S, WAIT
sysfs=$DAXSYS/devices/$DAX/fsdev
fpos=$((0x205000))	# the poisoned page's file offset: 2 MiB + 20 KiB
page=$((fpos / 4096))

poison_line() { printf "%#x 0x1000 /P %#x" "$(cat $S/poff)" $fpos; }

master() {
	signal master.started
	expect "mkfs.famfs" run_log /tmp/mkfs.out mkfs.famfs "$dev"
	mount_fsdev
	expect "the master's daemon is the holder" [ "$(cat $sysfs/holder)" = 1 ]
	expect "creat P" famfs creat -s 4M -S 44 $mnt/P
	expect "copy of P for the client" cp $mnt/P $S/P.ref
	famfs getmap $mnt/P | tee /tmp/getmap.out
	ext=$(sed -n 's/^ *0: offset \(0x[0-9a-f]*\) *length \(0x[0-9a-f]*\)$/\1 \2/p' /tmp/getmap.out)
	expect "P has one 4 MiB extent" [ "$(printf %d "${ext#* }")" = 4194304 ]
	printf "%d\n" $((${ext% *} + fpos)) >$S/poff
	signal p.ready

	await client.mapped || return
	expect "poison P's page at device offset $(printf %#x "$(cat $S/poff)")" \
		fsdev-hwpoison "$dev" "$(cat $S/poff)"
	expect "the master's .meta/.poison lists it" \
		wait_for 50 grep -qxF "$(poison_line)" $mnt/.meta/.poison
	signal poisoned

	await client.done || return
	expect "famfs umount (master)" famfs umount $mnt
	expect "daemon gone (master)" daemon_gone
	signal master.done
}

client() {
	syslogd -n -O /tmp/messages &
	expect "syslogd up" wait_for 50 [ -S /dev/log ]
	await p.ready || return
	mount_fsdev -o ro
	expect "the client sees P" wait_for 100 [ -e $mnt/P ]
	expect "P served by passthrough" \
		sh -c "famfs stat $mnt/P | grep -qx '  Served: passthrough'"
	expect "no page poisoned on the client yet" \
		[ "$(cat $sysfs/poisoned_pages)" = 0 ]
	fsdev-through-mount faults $mnt/P $S/client.mapped /tmp/go \
		>/tmp/faults.out &
	faults_pid=$!
	await client.mapped || return
	await poisoned || return

	expect "the client caught up: its .meta/.poison lists the page" \
		wait_for 100 grep -qxF "$(poison_line)" $mnt/.meta/.poison
	expect "the client's fsdev_dax was told: 1 poisoned page" \
		[ "$(cat $sysfs/poisoned_pages)" = 1 ]
	touch /tmp/go
	wait $faults_pid
	sed 's/^/  | /' /tmp/faults.out
	expect "the old mapping: SIGBUS at the poisoned page" \
		grep -qxF "$(printf "faults: SIGBUS at file offset %#x (memory failure)" $fpos)" \
		/tmp/faults.out
	expect "and only there: every other page reads unchanged" \
		grep -qxF "faults: 1024 pages, 1 faulted, 0 changed" /tmp/faults.out

	# a new open (the mapping's open released first: no node to share)
	expect "the old open of P is released" wait_for 50 \
		sh -c "! grep -q ' /P\$' $mnt/.meta/.serving"
	exec 3<$mnt/P
	sed 's/^/  .serving: /' $mnt/.meta/.serving
	expect "a new open of P is served by the daemon" \
		grep -q '^daemon .* read_requests=0 write_requests=0 /P$' \
		$mnt/.meta/.serving
	expect "a new read of the page: EIO" \
		fails_with_eio dd if=$mnt/P of=/tmp/page bs=4096 skip=$page count=1
	expect "the daemon served that read" \
		grep -q '^daemon .* read_requests=[1-9][0-9]* write_requests=0 /P$' \
		$mnt/.meta/.serving
	exec 3<&-
	same_blocks() { # same_blocks SKIP COUNT: 4 KiB blocks of P as the master wrote them
		dd if=$mnt/P of=/tmp/part bs=4096 skip="$1" count="$2" 2>/dev/null &&
		dd if=$S/P.ref of=/tmp/part.ref bs=4096 skip="$1" count="$2" 2>/dev/null &&
		[ "$(stat -c %s /tmp/part)" = $(($2 * 4096)) ] &&
		cmp /tmp/part /tmp/part.ref
	}
	expect "P before the page reads intact" same_blocks 0 $page
	expect "P after the page reads intact" \
		same_blocks $((page + 1)) $((1024 - page - 1))
	grep famfs_fused /tmp/messages | sed 's/^/  | /'
	expect "no warning that the poison stays readable" \
		sh -c "! grep -q 'stays readable' /tmp/messages"
	signal client.done

	await master.done || return
	expect "famfs umount (client)" famfs umount $mnt
	expect "daemon gone (client)" daemon_gone
}

two_hosts_run
