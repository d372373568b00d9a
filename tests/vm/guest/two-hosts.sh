# SPDX-License-Identifier: Apache-2.0
# Two hosts, one memory (run by run-two-hosts.sh, both guests alive at
# once on the same backing file; marker files on the 9p share at /share).
#   master: mkfs.famfs, mount, write files (phase 1); write more while the
#           client is mounted (phase 2); read back what the client wrote
#           into an existing file.
#   client: mount the same /dev/dax0.0 as another system UUID, see phase 1
#           with identical sha256, EROFS on every namespace mutation, see
#           phase 2 within a few seconds without any command, write into
#           the shared mailbox file.
# Phase 3, both hosts on fsdev_dax (famfs daxmode), files served by FUSE
# passthrough onto views:
#   master: a committed file F, and W still being written (pending); then
#           rewrites bytes of F in place through its own mapping; then
#           closes W (commit).
#   client: mounts -o ro (read-only views); does not see pending W; maps
#           F through its mount, and that same mapping shows the master's
#           rewrite within 1 s (no reopen); sees W once committed, opens it
#           by passthrough with the master's bytes; cannot write.
# usage: two-hosts.sh master|client
. ./common.sh
. ./famfs-common.sh
two_hosts_start "$1"	# sets role, dev, mnt, S, WAIT
ndctl list -N >/tmp/ns.json 2>&1
cat /tmp/ns.json
expect "devdax namespace with struct pages in RAM (-M mem)" \
	sh -c 'grep -q "\"mode\":\"devdax\"" /tmp/ns.json && grep -q "\"map\":\"mem\"" /tmp/ns.json'

master() {
	signal master.started
	expect "mkfs.famfs" run_log /tmp/mkfs.out mkfs.famfs "$dev"
	expect "master role recorded" grep -q "master: *$FAMFS_UUID_A" /tmp/mkfs.out
	expect "famfs mount (master)" famfs mount "$dev" $mnt
	make_payload /tmp/src
	expect "mkdir -p" mkdir -p $mnt/a/b/c $mnt/d
	expect "cp" cp /tmp/src/random.bin $mnt/a/b/c/random.bin
	expect "dd" dd if=/tmp/src/odd.bin of=$mnt/d/odd.bin bs=65536 2>/dev/null
	expect "cp -r" cp -r /tmp/src/tree $mnt/tree
	expect "mailbox" dd if=/dev/zero of=$mnt/mailbox bs=1048576 count=2 2>/dev/null
	expect "contents right on the master" check_payload /tmp/src $mnt
	# Expected sums come from the source files, not from the mount.
	(cd /tmp/src && sha256sum random.bin odd.bin tree/4.txt tree/x/1.txt \
		tree/x/2.bin tree/y/3.bin) |
		sed 's#  random.bin#  ./a/b/c/random.bin#; s#  odd.bin#  ./d/odd.bin#;
		     s#  tree/#  ./tree/#' >/tmp/expect.sums
	dd if=/dev/zero bs=1048576 count=2 2>/dev/null | sha256sum |
		sed 's#  -#  ./mailbox#' >>/tmp/expect.sums
	sort -k2 /tmp/expect.sums >$S/phase1.sums
	signal phase1.done

	await client.phase1 || return
	# Phase 2: new entries while the client is mounted and idle.
	dd if=/dev/urandom of=/tmp/late.bin bs=4096 count=700 2>/dev/null
	expect "mkdir while the client is mounted" mkdir $mnt/late
	expect "write while the client is mounted" cp /tmp/late.bin $mnt/late/late.bin
	(cd /tmp && sha256sum late.bin) | sed 's#  late.bin#  ./late/late.bin#' >$S/phase2.sums
	signal phase2.done

	await client.done || return
	expect "master reads the client's write into the mailbox" \
		cmp $mnt/mailbox $S/mailbox.expect
	expect "famfs umount (master)" famfs umount $mnt
	expect "daemon gone" daemon_gone
	expect "fsck clean after both hosts" run_log /tmp/fsck.out famfs fsck "$dev"
	expect "fsck: 8 files" grep -q "files: *8$" /tmp/fsck.out
	master_passthrough
	signal master.done
}

master_passthrough() {
	mount_fsdev
	expect "creat F (8 MiB)" famfs creat -s 8M -S 5 $mnt/F
	dd if=/dev/urandom of=/tmp/W bs=1M count=2 2>/dev/null
	(cd /tmp && sha256sum W) | sed 's#  W#  ./W#' >$S/W.sums
	exec 8>$mnt/W
	# from a child: the opener's own flush would commit W (file.c)
	(cat /tmp/W >&8)
	expect "W pending on the master" sh -c "! famfs stat $mnt/W"
	signal map.ready

	await client.mapped || return
	expect "rewrite F in place through the master's mapping" \
		fsdev-through-mount poke $mnt/F 3000000 rewritten-by-the-master
	signal poked
	await client.saw || return
	exec 8>&-	# commits W
	expect "W committed" famfs stat $mnt/W
	signal W.committed
	await client.done2 || return
	expect "famfs umount (master, fsdev_dax)" famfs umount $mnt
	expect "daemon gone (fsdev_dax)" daemon_gone
}

client() {
	await phase1.done || return
	expect "fsck from the client" run_log /tmp/fsck.out famfs fsck "$dev"
	expect "superblock names the master, not us" \
		grep -q "master: *$FAMFS_UUID_A" /tmp/fsck.out
	expect "famfs mount (client)" famfs mount "$dev" $mnt
	sums $mnt >/tmp/seen.sums
	cat /tmp/seen.sums
	expect "client sees phase 1 with identical sha256" cmp /tmp/seen.sums $S/phase1.sums
	expect_fail "mkdir on the client" mkdir $mnt/nope
	expect "mkdir fails with EROFS" grep -q "Read-only file system" /tmp/last.err
	expect_fail "create on the client" touch $mnt/nope.txt
	expect "create fails with EROFS" grep -q "Read-only file system" /tmp/last.err
	expect_fail "cp into a client dir" cp /tmp/seen.sums $mnt/d/copy
	expect "nothing created on the client" [ ! -e $mnt/nope -a ! -e $mnt/nope.txt -a ! -e $mnt/d/copy ]
	# The client may write inside an existing file.
	dd if=/dev/urandom of=/tmp/mail bs=4096 count=512 2>/dev/null
	expect "client writes into the mailbox" \
		dd if=/tmp/mail of=$mnt/mailbox bs=65536 conv=notrunc 2>/dev/null
	expect "client reads its write back" cmp /tmp/mail $mnt/mailbox
	cp /tmp/mail $S/mailbox.expect
	signal client.phase1

	await phase2.done || return
	# No logplay: the daemon must catch up by itself within a few seconds.
	t0=$(date +%s)
	if wait_for 100 [ -e $mnt/late/late.bin ]; then
		ok "client sees the master's new file after $(($(date +%s) - t0))s"
	else
		fail "client does not see late/late.bin after 10s"
		expect "famfs logplay" famfs logplay $mnt
	fi
	(cd $mnt && sha256sum ./late/late.bin) >/tmp/late.sums
	expect "late file identical" cmp /tmp/late.sums $S/phase2.sums
	expect "famfs logplay (nothing left)" run_log /tmp/logplay.out famfs logplay $mnt
	expect "famfs umount (client)" famfs umount $mnt
	expect "daemon gone" daemon_gone
	signal client.done
	client_passthrough
}

client_passthrough() {
	await map.ready || return
	mount_fsdev -o ro
	expect "F served by passthrough" \
		sh -c "famfs stat $mnt/F | grep -qx '  Served: passthrough'"
	expect "F verifies on the client" famfs verify -f $mnt/F -S 5
	expect "pending W not seen by the client" [ ! -e $mnt/W ]
	# the mapping exists before the master writes: no reopen after
	fsdev-through-mount watch $mnt/F 3000000 rewritten-by-the-master \
		$S/client.mapped $S/poked >/tmp/watch.out
	watch_rc=$?
	cat /tmp/watch.out
	expect "the client's existing mapping shows the rewrite within 1 s" \
		[ $watch_rc = 0 ]
	signal client.saw
	await W.committed || return
	t0=$(date +%s)
	if wait_for 100 [ -e $mnt/W ]; then
		ok "client sees W committed after $(($(date +%s) - t0))s"
	else
		fail "client does not see W after 10s"
	fi
	exec 7<$mnt/W
	expect "W opens by passthrough on the client (read-only view)" \
		sh -c "grep -q '^passthrough - .* /W\$' $mnt/.meta/.serving"
	exec 7<&-
	(cd $mnt && sha256sum ./W) >/tmp/W.sums
	expect "W holds the master's bytes" cmp /tmp/W.sums $S/W.sums
	expect_fail "the read-only client cannot write F" \
		sh -c "printf x | dd of=$mnt/F conv=notrunc"
	expect "famfs umount (client, fsdev_dax)" famfs umount $mnt
	expect "daemon gone (client, fsdev_dax)" daemon_gone
	signal client.done2
}

two_hosts_run
