# SPDX-License-Identifier: Apache-2.0
#
# Turns the benchmark programs' lines (see bench.h) into results.md or
# results.json:  awk -f report.awk -v format=md|json [-v only=N] HEADER ROWS
# HEADER holds "key<TAB>value" lines describing the run; "header<TAB>key
# <TAB>value" lines among the ROWS add to it (bench/run-vm.sh's VM run).
# only=N renders section N alone (bench/run-vm.sh's fragment).
# Section 9 (bench/floor.sh: "floor" rows, "fheader" lines) comes after
# the rest: format=floor-md renders it alone, and format=json adds it as
# "floor"; format=floor-json is that object alone.
# Hand-written text (measured apart, or the reading of a run) lives in
# bench/notes/NN-NAME.md, never in results.md itself, so that a new run
# keeps it: -v notes="NAME..." (those file names, in order) and the
# environment's BENCH_NOTES (their folder). format=md prints each file
# verbatim after a blank line: NN-top-*.md under the heading of section
# NN (1-7), before its table; other NN-*.md after section NN's text;
# sections 8 and on follow the rest in order, section 9 being the
# floor's, and a section made of notes alone has its heading in its file.
BEGIN {
	FS = "\t"
	title[1] = "1. mmap bandwidth: famfs file vs raw device memory"
	title[2] = "2. read()/write() through the FUSE mount vs tmpfs"
	title[3] = "3. page faults through a direct mapping"
	title[4] = "4. metadata"
	title[5] = "5. scaling"
	title[6] = "6. In a VM: fsdev_dax views, and files through the mount by passthrough"
	title[7] = "7. Small files: tar -x, cp -r and the space they take"
	title[9] = "9. The FUSE floor: famfs against a do-nothing FUSE daemon and tmpfs"
	nsect = 7
	nnotes = split(notes, note_name, " ")
	notes_dir = ENVIRON["BENCH_NOTES"]
}

# print_notes(S, TOP): the notes of section S, those under its heading
# (TOP) or those after its generated text
function print_notes(s, top,   i, p, l, r) {
	p = sprintf("%02d-", s)
	for (i = 1; i <= nnotes; i++) {
		if (substr(note_name[i], 1, 3) != p)
			continue
		if ((substr(note_name[i], 4, 4) == "top-") != top)
			continue
		print ""
		while ((r = (getline l < (notes_dir "/" note_name[i]))) > 0)
			print l
		if (r < 0) {
			printf "report.awk: cannot read %s/%s\n", notes_dir,
			       note_name[i] > "/dev/stderr"
			exit 1
		}
		close(notes_dir "/" note_name[i])
	}
}

# the highest section number among the notes
function last_noted(   i, m) {
	m = 0
	for (i = 1; i <= nnotes; i++)
		if (substr(note_name[i], 1, 2) + 0 > m)
			m = substr(note_name[i], 1, 2) + 0
	return m
}

function section(id) {
	if (id ~ /^floor(\.|$)/) return 9
	if (id ~ /^mmap\./) return 1
	if (id ~ /^(rw|rwdio|fio)(\.|$)/) return 2
	if (id ~ /^faults/) return 3
	if (id ~ /^(meta|log\.replay\.rate)/) return 4
	if (id ~ /^vm(\.|$)/) return 6
	if (id ~ /^small(\.|$)/) return 7
	return 5
}

# Numbers as a reader wants them: no exponent, sensible digits.
function num(v) {
	if (v == "-") return "—"
	v += 0
	if (v >= 100 || v <= -100) return sprintf("%.0f", v)
	if (v >= 10) return sprintf("%.1f", v)
	if (v >= 1) return sprintf("%.2f", v)
	return sprintf("%.3g", v)
}

# "ratio>=0.98" etc. against the ratio or the famfs median
function verdict(goal, value, ratio,   op, x, v) {
	if (goal == "-") return "info"
	match(goal, /(>=|<=|==)/)
	op = substr(goal, RSTART, RLENGTH)
	x = substr(goal, RSTART + RLENGTH) + 0
	v = substr(goal, 1, RSTART - 1) == "ratio" ? ratio : value
	if (v == "-") return "n/a"
	v += 0
	if (op == ">=") return v >= x ? "yes" : "**no**"
	if (op == "<=") return v <= x ? "yes" : "**no**"
	return (v - x <= 0.05 * x && x - v <= 0.05 * x) ? "yes" : "**no**"
}

function goal_text(goal,   t) {
	if (goal == "-") return "—"
	t = goal
	sub(/^ratio/, "ratio ", t)
	sub(/^value/, "", t)
	sub(/>=/, "≥ ", t)
	sub(/<=/, "≤ ", t)
	sub(/==/, "= ", t)
	return t
}

function jstr(s) {
	gsub(/\\/, "\\\\", s)
	gsub(/"/, "\\\"", s)
	return "\"" s "\""
}

function jnum(v) { return v == "-" ? "null" : sprintf("%.6g", v + 0) }

# (not FNR == NR: the header file may be empty)
FILENAME == ARGV[1] { hkey[++nh] = $1; hval[nh] = $2; next }

$1 == "header" { hkey[++nh] = $2; hval[nh] = $3; next }

$1 == "fheader" { fkey[++nfh] = $2; fval[nfh] = $3; next }

$1 == "floor" || ($1 == "skip" && section($2) == 9) { fline[++nf] = $0; next }

($1 == "row" || $1 == "skip") && (!only || section($2) == only) {
	line[++n] = $0
}

END {
	if (format == "floor-md") floor_md()
	else if (format == "floor-json") floor_json("")
	else if (format == "json") json()
	else md()
}

# What TCG does to the VM figures, printed under section 6's table.
function vm_note() {
	print ""
	print "The guest runs under qemu TCG (binary translation; the host's"
	print "/dev/kvm is a PVM variant a stock kernel cannot run under), so"
	print "**absolute MB/s in this section are the emulator's, not memory's:"
	print "meaningless as hardware figures** (64K copies being slower than 2M"
	print "ones reflects which instructions glibc's memcpy picks, as TCG"
	print "emulates them). The ratios are the result: view and raw passes run"
	print "the same copy loop over the same extents in one guest, alternated"
	print "ABBA, so only the mapping differs. The control rows run the same"
	print "method with a second raw mapping in place of the view (A/A): how"
	print "far they stray from 1.0 is the spread the emulator and a shared"
	print "host leave, and a view ratio means something only beyond it. In"
	print "every full run made while this section was written, the view's"
	print "ratio at 2M blocks (1.04–1.19) exceeded the 2M controls' (0.98–1.05);"
	print "the cause is not established (the emulator's software TLB sees"
	print "the view's extents at consecutive addresses, the raw ones 250 MiB"
	print "apart) and nothing like it is expected on hardware. TCG"
	print "fills its software TLB per 4 KiB page even under a 2 MiB guest"
	print "mapping, so the TLB-reach gain of PMDs does not show here (both"
	print "sides have PMDs alike). Fault counts are exact: they are the guest"
	print "kernel's own faults, which TCG does not change. The raw side is"
	print "the device node under fsdev_dax itself: device_dax cannot be bound"
	print "at the same time for an alternated comparison."
	print ""
	print "The \"through the mount\" rows (bench/vm/mount_bw.c) open a 256 MiB"
	print "file of a famfs mount on the same device, served by FUSE passthrough"
	print "onto a view, and compare it with a raw view of the file's extents"
	print "made by the benchmark itself (and, for 4K read()/write(), with a"
	print "tmpfs file in the same guest). mmap rows alternate whole-file"
	print "passes ABBA; the 1M read()/write() rows alternate single calls at"
	print "the same offset (mount, view, view, mount, ...) and take the median"
	print "of the per-pair ratios, because one such call lasts tens of ms"
	print "under TCG, about as long as the bursts of the shared host's load."
	print "Each mount row is followed by its A/A control (a second raw view"
	print "in the mount's place, measured the same way). The mount side pays"
	print "FUSE's passthrough layer (fuse_file_read_iter, the backing file's"
	print "read_iter: one call into the view per read(), traced with ftrace),"
	print "not a trip to the daemon; the same TCG caveat applies to their"
	print "absolute MB/s. The \"instruction clock\" rows repeat the 1M"
	print "read()/write() rows in a second guest run under qemu -icount,"
	print "where guest time is the count of executed instructions: the host's"
	print "load cannot move them, so they show what the passthrough layer"
	print "itself costs in instructions (memory and cache effects are not"
	print "modelled by TCG in either mode). A 1 MiB read() executes about"
	print "10^6 guest instructions there (the copy is a rep movsb that TCG"
	print "counts byte by byte), so MB/s in those rows are not comparable"
	print "with the wall-clock rows'."
}

function md(   s, i, f, ratio, met, famfs, cmp, missed, nmissed) {
	if (!only) {
		print "# famfs benchmark results"
		print ""
		print "Generated by `bench/run.sh` (`make bench`). Each figure is the median of"
		print "the repetitions, with [min–max]; ratio = famfs / comparator, taken as"
		print "the median of per-repetition ratios where the two were measured"
		print "alternately. Speeds in MB/s are 10^6 bytes per second."
		print ""
	} else {
		printf "## %s\n\n", title[only]
	}
	for (i = 1; i <= nh; i++)
		printf "- %s: %s\n", hkey[i], hval[i]
	for (s = 1; s <= nsect; s++) {
		if (only && s != only) continue
		if (!only || nh) print ""
		if (!only) {
			printf "## %s\n", title[s]
			print_notes(s, 1)
			print ""
		}
		print "| metric | famfs | comparator | ratio | goal | met? |"
		print "|---|---|---|---|---|---|"
		for (i = 1; i <= n; i++) {
			split(line[i], f, "\t")
			if (section(f[2]) != s) continue
			if (f[1] == "row")
				nrows[s]++
			if (f[1] == "skip") {
				printf "| %s | skipped: %s | — | — | — | skipped |\n",
				       f[3], f[4]
				continue
			}
			ratio = f[12]
			if (ratio == "-" && f[9] != "-" && f[9] + 0 > 0)
				ratio = f[5] / f[9]
			met = verdict(f[13], f[5], ratio)
			famfs = sprintf("%s [%s–%s] %s", num(f[5]), num(f[6]),
					num(f[7]), f[4])
			cmp = f[8] == "-" ? "—" : sprintf("%s: %s [%s–%s]", f[8],
					num(f[9]), num(f[10]), num(f[11]))
			printf "| %s | %s | %s | %s | %s | %s |\n", f[3], famfs,
			       cmp, ratio == "-" ? "—" : sprintf("%.3f", ratio),
			       goal_text(f[13]), met
			# one line per distinct note, naming its first row
			if (f[14] != "-" && !((s, f[14]) in seen)) {
				seen[s, f[14]] = 1
				note[s] = note[s] sprintf("- %s: %s\n", f[3], f[14])
			}
			if (met == "**no**")
				missed[++nmissed] = f[3]
		}
		if (s == 6 && nrows[6])
			vm_note()
		if (!only)
			print_notes(s, 0)
	}
	if (only)
		return
	print ""
	print "## About these measurements"
	print ""
	print "- mmap: both sides are the same device bytes; libfamfs resolves the"
	print "  file's extents once and the copies then run on plain pointers, so"
	print "  ratios a few percent either side of 1.0 are the noise of a shared"
	print "  machine (passes alternate ABBA; the ratio is the median of pairs)."
	print "- Page faults: a device file on a tmpfs without huge pages (the"
	print "  default /dev/shm) can only be mapped with 4 KiB pages: 512 write"
	print "  faults per 2 MiB, and 32 read faults (fault-around maps 16 pages"
	print "  per fault). The same file on a huge=always tmpfs takes 1 fault per"
	print "  2 MiB, which is what devdax PMD faults give (section 6 measures"
	print "  the kmod's faults on /dev/dax in a guest)."
	print "- Through the mount: the default mount serves data through the page"
	print "  cache; the direct_io rows mount the same device with -o direct_io."
	print "  An empty file created through the mount is committed when its"
	print "  last open is released, just after close() (so that fio-style"
	print "  create, close, reopen works); create rates count until close()"
	print "  returns."
	print "- Log: entries for 2 MiB files are appended as valid records without"
	print "  zeroing the 200 GB they describe (the device file is sparse)."
	printf "\n## Goals missed in this run\n\n"
	if (!nmissed) print "None."
	for (i = 1; i <= nmissed; i++)
		printf "- %s\n", missed[i]
	printf "\n## Notes per row\n\n"
	for (s = 1; s <= nsect; s++)
		printf "%s", note[s]
	# 8 on: measured apart, the floor (9), ...
	for (s = nsect + 1; s <= 9 || s <= last_noted(); s++) {
		if (s == 9)
			floor_md()
		print_notes(s, 0)
	}
}

function json(   i, f, ratio, sep, met) {
	print "{"
	print "  \"run\": {"
	for (i = 1; i <= nh; i++)
		printf "    %s: %s%s\n", jstr(hkey[i]), jstr(hval[i]),
		       i < nh ? "," : ""
	print "  },"
	print "  \"rows\": ["
	for (i = 1; i <= n; i++) {
		split(line[i], f, "\t")
		sep = i < n ? "," : ""
		if (f[1] == "skip") {
			printf "    {\"id\": %s, \"metric\": %s, \"section\": %d, \"skipped\": %s}%s\n",
			       jstr(f[2]), jstr(f[3]), section(f[2]), jstr(f[4]), sep
			continue
		}
		ratio = f[12]
		if (ratio == "-" && f[9] != "-" && f[9] + 0 > 0)
			ratio = f[5] / f[9]
		printf "    {\"id\": %s, \"metric\": %s, \"section\": %d, \"unit\": %s,\n",
		       jstr(f[2]), jstr(f[3]), section(f[2]), jstr(f[4])
		printf "     \"famfs\": {\"median\": %s, \"min\": %s, \"max\": %s},\n",
		       jnum(f[5]), jnum(f[6]), jnum(f[7])
		if (f[8] == "-")
			printf "     \"comparator\": null,\n"
		else
			printf "     \"comparator\": {\"name\": %s, \"median\": %s, \"min\": %s, \"max\": %s},\n",
			       jstr(f[8]), jnum(f[9]), jnum(f[10]), jnum(f[11])
		met = verdict(f[13], f[5], ratio)
		if (met == "**no**")
			met = "no"
		printf "     \"ratio\": %s, \"goal\": %s, \"met\": %s, \"note\": %s}%s\n",
		       jnum(ratio), f[13] == "-" ? "null" : jstr(f[13]),
		       jstr(met), f[14] == "-" ? "null" : jstr(f[14]), sep
	}
	print "  ],"
	printf "  \"floor\": "
	if (nf)
		floor_json("  ")
	else
		print "null"
	print "}"
}

# What a floor row says about its goal (a ratio to tmpfs): whether any
# daemon could meet it here (famfs itself counts where it beats the
# floor), and what famfs_fused's own work costs.
function floor_verdict(goal, famfs, famfs_max, fl, fl_min, fl_max, famfs_floor,
		       g, v) {
	g = substr(goal, index(goal, "=") + 1) + 0
	if (famfs >= g)
		return "met"
	if (fl_max < g && famfs_max < g)
		v = "**goal above the floor**: no daemon reaches it here"
	else if (fl < g)
		v = "goal at the edge of the floor's spread: out of reach in practice"
	else if (fl_min < g)
		v = "floor at the goal (within its spread)"
	else
		v = "**floor above the goal**: daemon work remains"
	if (famfs_floor < 0.95)
		return v sprintf("; famfs at %.2f of the floor", famfs_floor)
	return v sprintf("; famfs at the floor (%.2f)", famfs_floor)
}

function ratio_text(med, lo, hi) {
	return sprintf("%.3f [%.3f–%.3f]", med, lo, hi)
}

function floor_md(   i, f, notes) {
	printf "\n## %s\n\n", title[9]
	for (i = 1; i <= nfh; i++)
		printf "- %s: %s\n", fkey[i], fval[i]
	print ""
	print "Issue 13's speed rows on three targets measured in one run: tmpfs,"
	print "a `bench/fuse_floor` mount and a famfs master mount (a fresh device"
	print "in /dev/shm). fuse_floor is a FUSE daemon that does the least a"
	print "daemon can per request (an in-memory table of names, file bytes in"
	print "one anonymous mapping, reads answered with an iovec into it, writes"
	print "copied in) but that the kernel sees as it sees famfs_fused on a"
	print "master mount: the same libfuse, INIT capabilities (writeback cache"
	print "on page-cache mounts, 1 MiB requests, no atomic O_TRUNC), 1 MiB"
	print "read_ahead_kb, mount options (default_permissions, allow_other),"
	print "86400 s entry, negative-entry and attribute timeouts, open flags"
	print "(no keep_cache; direct_io on direct_io mounts) and a multi-threaded"
	print "loop with a /dev/fuse clone per thread. floor/tmpfs is therefore"
	print "what the kernel's FUSE round trips and wake-ups leave to any daemon"
	print "on this machine; a goal above it cannot be met by daemon work."
	print "famfs/floor is what famfs_fused's own work costs on top. Each"
	print "program run compares one FUSE mount with tmpfs, alternated by the"
	print "program; famfs and floor runs alternate between rounds, and each"
	print "ratio is the median of the per-round ratios [min–max]."
	print ""
	print "| metric | famfs | floor | tmpfs | famfs/tmpfs | floor/tmpfs | famfs/floor | goal | verdict |"
	print "|---|---|---|---|---|---|---|---|---|"
	for (i = 1; i <= nf; i++) {
		split(fline[i], f, "\t")
		if (f[1] == "skip") {
			printf "| %s | skipped: %s | — | — | — | — | — | — | skipped |\n",
			       f[3], f[4]
			continue
		}
		printf "| %s | %s %s | %s | %s | %s | %s | %s | %s | %s |\n",
		       f[3], num(f[5]), f[4], num(f[6]), num(f[7]),
		       ratio_text(f[8], f[9], f[10]),
		       ratio_text(f[11], f[12], f[13]),
		       ratio_text(f[14], f[15], f[16]), goal_text(f[17]),
		       floor_verdict(f[17], f[8], f[10], f[11], f[12], f[13], f[14])
		if (f[18] != "-" && !(f[18] in seen_note)) {
			seen_note[f[18]] = 1
			notes = notes sprintf("- %s: %s\n", f[3], f[18])
		}
	}
	if (notes != "")
		printf "\nNotes per row:\n\n%s", notes
}

function floor_json(indent,   i, f, sep, v) {
	print "{"
	printf "%s  \"run\": {", indent
	for (i = 1; i <= nfh; i++)
		printf "%s%s: %s", (i > 1 ? ", " : ""), jstr(fkey[i]),
		       jstr(fval[i])
	print "},"
	printf "%s  \"rows\": [\n", indent
	for (i = 1; i <= nf; i++) {
		split(fline[i], f, "\t")
		sep = i < nf ? "," : ""
		if (f[1] == "skip") {
			printf "%s    {\"id\": %s, \"metric\": %s, \"skipped\": %s}%s\n",
			       indent, jstr(f[2]), jstr(f[3]), jstr(f[4]), sep
			continue
		}
		v = floor_verdict(f[17], f[8], f[10], f[11], f[12], f[13], f[14])
		gsub(/\*/, "", v)
		printf "%s    {\"id\": %s, \"metric\": %s, \"unit\": %s, \"famfs\": %s, \"floor\": %s, \"tmpfs\": %s,\n",
		       indent, jstr(f[2]), jstr(f[3]), jstr(f[4]), jnum(f[5]),
		       jnum(f[6]), jnum(f[7])
		printf "%s     \"famfs_tmpfs\": [%s, %s, %s], \"floor_tmpfs\": [%s, %s, %s], \"famfs_floor\": [%s, %s, %s],\n",
		       indent, jnum(f[8]), jnum(f[9]), jnum(f[10]), jnum(f[11]),
		       jnum(f[12]), jnum(f[13]), jnum(f[14]), jnum(f[15]),
		       jnum(f[16])
		printf "%s     \"goal\": %s, \"verdict\": %s, \"note\": %s}%s\n",
		       indent, jstr(f[17]), jstr(v), f[18] == "-" ? "null" : jstr(f[18]), sep
	}
	printf "%s  ]\n%s}\n", indent, indent
}
