# SPDX-License-Identifier: Apache-2.0
# A file deleted on the master while another host has it mapped (run by
# run-two-hosts.sh: two guests on one backing file, both on fsdev_dax,
# files served by passthrough; marker files on the 9p share at /share).
#   master: writes and commits victim; once the client has it mapped,
#           deletes it, waits until the client's host slot pins it, fills
#           the device and checks (getmap) that no new file overlaps the
#           victim's extents; once the client has closed it, the same
#           memory is handed out again.
#   client: maps victim before the delete; after the master filled the
#           device, the same mapping and read() still give its bytes;
#           then unmaps and closes it.
# usage: delete-mapped.sh master|client
. ./common.sh
. ./famfs-common.sh
# Both hosts map device memory directly: fsdev_dax views, passthrough
# (mount_fsdev).
two_hosts_start "$1"	# sets role, dev, mnt, S, WAIT

extents() { # extents FILE: its "offset length" lines (getmap)
	famfs getmap "$1" | awk '/ offset 0x/ { print $3, $5 }'
}

overlaps() { # overlaps LIST LIST: do two extent lists (files) share a byte?
	while read -r ao al; do
		while read -r bo bl; do
			[ $(($ao < $bo + $bl && $bo < $ao + $al)) = 1 ] && return 0
		done <"$2"
	done <"$1"
	return 1
}

client_pins() { famfs hosts --json $mnt | tr -d ' \n' | grep -q '"pins":\[[0-9]'; }

fill() { # files until the device is full: 64 MiB ones, then 2 MiB ones
	mkdir -p $mnt/fill
	i=0
	for size in 64M 2M; do
		while truncate -s $size $mnt/fill/f$i 2>/dev/null; do
			i=$((i + 1))
		done
		rm -f $mnt/fill/f$i	# created, then refused its size
	done
	echo "filled the device with $i files"
	[ $i -gt 0 ]
}

none_overlaps() { # no file under $mnt/fill overlaps the victim's extents
	for f in $mnt/fill/*; do
		extents "$f" >/tmp/new
		if overlaps /tmp/held /tmp/new; then
			echo "$f overlaps the deleted victim:"
			cat /tmp/held /tmp/new
			return 1
		fi
	done
	return 0
}

reused() { # 8 MiB fit, on the victim's memory (the only memory left)
	rm -f $mnt/fill/after
	truncate -s 8M $mnt/fill/after 2>/dev/null || return 1
	extents $mnt/fill/after >/tmp/after
	overlaps /tmp/held /tmp/after
}

master() {
	signal master.started
	expect "mkfs.famfs" run_log /tmp/mkfs.out mkfs.famfs "$dev"
	mount_fsdev
	dd if=/dev/urandom of=/tmp/victim bs=1048576 count=8 2>/dev/null
	expect "victim written and committed" cp /tmp/victim $mnt/victim
	extents $mnt/victim >/tmp/held
	cat /tmp/held
	expect "victim has extents" [ -s /tmp/held ]
	(cd /tmp && sha256sum victim) >$S/victim.sums
	signal victim.ready

	await client.mapped || return
	expect "rm of the file the client has mapped" rm $mnt/victim
	# only once the client replayed the delete is its open a pin
	expect "the client's host slot pins it" wait_for 300 client_pins
	famfs hosts $mnt
	expect "fsck: its space waits for the hosts" \
		sh -c "famfs fsck $dev | grep -q 'waiting for hosts'"
	expect "fill the device" fill
	expect "no new file overlaps the deleted victim" none_overlaps
	signal filled

	await client.closed || return
	expect "its memory is handed out again once the client closed it" \
		wait_for 100 reused
	expect "rm -r the fill" rm -r $mnt/fill
	expect "famfs umount (master)" famfs umount $mnt
	expect "daemon gone (master)" daemon_gone
	expect "fsck clean" run_log /tmp/fsck.out famfs fsck "$dev"
	signal master.done
}

client() {
	await victim.ready || return
	mount_fsdev -o ro
	expect "the client sees victim" wait_for 100 [ -e $mnt/victim ]
	expect "victim served by passthrough" \
		sh -c "famfs stat $mnt/victim | grep -qx '  Served: passthrough'"
	(cd $mnt && sha256sum victim) >/tmp/victim.sums
	expect "victim holds the master's bytes" cmp /tmp/victim.sums $S/victim.sums
	fsdev-through-mount same $mnt/victim $S/client.mapped $S/filled \
		>/tmp/same.out
	same_rc=$?
	cat /tmp/same.out
	expect "the mapping and read() kept the deleted file's bytes" \
		[ $same_rc = 0 ]
	expect "victim gone on the client" [ ! -e $mnt/victim ]
	signal client.closed

	await master.done || return
	expect "famfs umount (client)" famfs umount $mnt
	expect "daemon gone (client)" daemon_gone
}

two_hosts_run
