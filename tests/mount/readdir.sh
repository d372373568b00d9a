#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Directory listings through the mount are whole: directories of 1, 100,
# 1,000 and 10,000 entries (files and directories, names of 1 to 255
# bytes) listed by ls, find and python's os.scandir, on the master and on
# a client, agree exactly with the names made and with the log (famfs ls
# -D reads the device, not the mount). Listings cross many readdir buffer
# boundaries, where a resume one entry off loses or repeats names.
. "$(dirname "$0")/lib.sh" || exit 1

command -v python3 >/dev/null || fail "python3 is not installed"
mkfs_dev 256M
MM=$T/master MC=$T/client
mount_master "$MM"
mount_client "$MC"

# names N: the N names of directory dN, one per line, sorted; every
# seventh a directory (marked with a trailing / by the lister below)
names()
{
	python3 - "$1" <<'PY'
import sys
n = int(sys.argv[1])
out = []
for i in range(n):
    # lengths cycle through 1..255 bytes so entries vary in size
    width = 1 + (i * 37) % 255
    name = (f"{i:x}-" + "abcdefghij" * 26)[:max(width, len(f"{i:x}"))]
    out.append(name + ("/" if i % 7 == 3 else ""))
print("\n".join(sorted(out)))
PY
}

make_dir()
{
	local dir=$1 list=$2

	mkdir "$dir"
	python3 - "$dir" "$list" <<'PY'
import os, sys
d, listing = sys.argv[1], sys.argv[2]
for line in open(listing):
    name = line.rstrip("\n")
    if name.endswith("/"):
        os.mkdir(os.path.join(d, name[:-1]))
    else:
        os.close(os.open(os.path.join(d, name), os.O_CREAT | os.O_WRONLY, 0o644))
PY
}

# listings DIR: "name" or "name/" per entry, sorted, by three listers
list_ls()
{
	ls -1 -a -p "$1" | grep -v -x -F -e ./ -e ../ | LC_ALL=C sort
}

list_find()
{
	find "$1" -mindepth 1 -maxdepth 1 -printf '%P%y\n' |
		sed -e 's/d$/\//' -e 's/f$//' | LC_ALL=C sort
}

list_scandir()
{
	python3 -c '
import os, sys
seen = [e.name + ("/" if e.is_dir(follow_symlinks=False) else "")
        for e in os.scandir(sys.argv[1])]
if len(seen) != len(set(seen)):
    print("duplicate entries", file=sys.stderr)
    sys.exit(1)
print("\n".join(seen))' "$1" | LC_ALL=C sort
}

list_log()
{
	"$FAMFS" ls -D "$DEV" "$1" | LC_ALL=C sort
}

for n in 1 100 1000 10000; do
	names "$n" | LC_ALL=C sort >"$T/want.$n"
	make_dir "$MM/d$n" "$T/want.$n"
	note "d$n: $(wc -l <"$T/want.$n") entries made"
done

for n in 1 100 1000 10000; do
	list_log "d$n" >"$T/log.$n"
	cmp -s "$T/want.$n" "$T/log.$n" ||
		fail "d$n: the log holds other names: $(diff "$T/want.$n" "$T/log.$n" | head -5)"
	for m in "$MM" "$MC"; do
		for lister in list_ls list_find list_scandir; do
			"$lister" "$m/d$n" >"$T/got" ||
				fail "$lister $m/d$n failed"
			cmp -s "$T/want.$n" "$T/got" ||
				fail "$lister $m/d$n: $(wc -l <"$T/got") of $n names," \
					"first difference: $(diff "$T/want.$n" "$T/got" | sed -n 2p)"
		done
	done
	note "d$n: ls, find and scandir agree with the log on master and client"
done

note "the root lists .meta and the four directories"
[ "$(list_ls "$MM" | tr '\n' ' ')" = ".meta/ d1/ d100/ d1000/ d10000/ " ] ||
	fail "root listing: $(list_ls "$MM" | tr '\n' ' ')"

umount_fs "$MC"
umount_fs "$MM"
fsck_clean
echo "PASS readdir"
