// SPDX-License-Identifier: Apache-2.0
/* Allocator: contiguous, interleaved, full device, pending files. */
#include "raw.h"

static void test_contiguous(void)
{
	/* 64 MiB: data starts at 10 MiB, 27 units of 2 MiB */
	char *dev = make_famfs("alloc", 64 * MiB, 0);
	struct famfs_stat a, b, st;
	struct famfs_fs *fs;
	struct famfs_usage u;
	uint64_t off, contig, ino, pos;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	famfs_fs_usage(fs, &u);
	CHECK(u.total_bytes == 54 * MiB && u.free_bytes == 54 * MiB,
	      "54 MiB of data space");
	CHECK_RC(famfs_create_file(fs, 1, "a", 0644, 0, 0, 5 * MiB, NULL, &a),
		 0, "create a (5 MiB)");
	CHECK_RC(famfs_create_file(fs, 1, "b", 0644, 0, 0, 1, NULL, &b), 0,
		 "create b (1 byte)");
	CHECK(famfs_file_map(fs, a.ino, 0, &off, &contig) == 0 &&
		      off == 10 * MiB && contig == 5 * MiB,
	      "a starts at the data area, contiguous");
	CHECK(famfs_file_map(fs, b.ino, 0, &off, &contig) == 0 &&
		      off == 16 * MiB && contig == 1,
	      "b's page starts the unit after a's three");
	CHECK(b.allocated == 4096 && b.nextents == 1,
	      "b, below a unit, holds one packed page");
	CHECK_RC(famfs_file_map(fs, b.ino, 1, &off, &contig), -ENXIO,
		 "map past EOF is ENXIO");
	CHECK(famfs_owner_of(fs, 13 * MiB + 5, &ino, &pos) == 0 &&
		      ino == a.ino && pos == 3 * MiB + 5,
	      "reverse index: device offset to (file, offset)");
	CHECK_RC(famfs_owner_of(fs, 3 * MiB, &ino, &pos), -EFAULT,
		 "log area belongs to no file");
	CHECK_RC(famfs_owner_of(fs, 40 * MiB, &ino, &pos), -ENOENT,
		 "free space belongs to no file");
	famfs_fs_usage(fs, &u);
	CHECK(u.used_bytes == 6 * MiB + 4096 && u.packed_units == 1 &&
		      u.packed_bytes == 4096,
	      "6 MiB and a page used, one packed unit");
	CHECK_RC(famfs_create_file(fs, 1, "big", 0644, 0, 0, 47 * MiB, NULL,
				   &st),
		 -ENOSPC, "47 MiB does not fit in 46 MiB of free units");
	CHECK_RC(famfs_create_file(fs, 1, "rest", 0644, 0, 0, 46 * MiB, NULL,
				   &st),
		 0, "46 MiB takes every free unit");
	CHECK_RC(famfs_create_file(fs, 1, "more", 0644, 0, 0, 2 * MiB, NULL,
				   &st),
		 -ENOSPC, "no unit left: ENOSPC");
	CHECK_RC(famfs_create_file(fs, 1, "tiny", 0644, 0, 0, 100, NULL, &st),
		 0, "a small file still fits in b's packed unit");
	CHECK(famfs_file_map(fs, st.ino, 0, &off, &contig) == 0 &&
		      off == 16 * MiB + 4096,
	      "right after b's page");
	CHECK_RC(famfs_create_file(fs, 1, "empty", 0644, 0, 0, 0, NULL, &st),
		 0, "empty file needs no space even when full");
	famfs_fs_usage(fs, &u);
	CHECK(u.free_bytes == 510 * 4096, "510 free pages left");
	famfs_fs_close(fs);

	/* the allocator rebuilt from the log agrees */
	famfs_fs_open(dev, FAMFS_OPEN_RDONLY, NULL, &fs);
	famfs_fs_usage(fs, &u);
	CHECK(u.free_bytes == 510 * 4096 && u.nfiles == 5 &&
		      u.packed_units == 1 && u.packed_bytes == 2 * 4096,
	      "replayed allocator: the same pages free");
	famfs_fs_close(fs);
	unlink(dev);

	/* version 1: every file takes whole units */
	dev = make_famfs_version("alloc-v1", 64 * MiB, 0, FAMFS_FORMAT_V1);
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	CHECK_RC(famfs_create_file(fs, 1, "b", 0644, 0, 0, 1, NULL, &b), 0,
		 "version 1: create a 1-byte file");
	famfs_fs_usage(fs, &u);
	CHECK(b.allocated == 2 * MiB && u.used_bytes == 2 * MiB &&
		      u.packed_units == 0,
	      "version 1: it takes a whole unit");
	famfs_fs_close(fs);
	unlink(dev);
}

static void test_interleaved(void)
{
	char *dev = make_famfs("ilv", 138 * MiB, 0); /* 64 data units */
	struct famfs_interleave il = { .nstrips = 4, .nbuckets = 4,
				       .chunk_size = 2 * MiB };
	struct famfs_extent ext[4];
	struct famfs_stat st;
	struct famfs_fs *fs;
	uint64_t off, contig, ino, pos;
	bool distinct = true;
	int n;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	CHECK_RC(famfs_create_file(fs, 1, "s", 0644, 0, 0, 16 * MiB, &il, &st),
		 0, "interleaved 16 MiB over 4 strips");
	n = famfs_get_extents(fs, st.ino, ext, 4, &il);
	CHECK(n == 4 && il.nstrips == 4, "four strips recorded");
	for (int i = 0; i < n; i++) {
		distinct &= ext[i].len == 4 * MiB;
		distinct &= (ext[i].offset - 10 * MiB) / (32 * MiB) ==
			    (uint64_t)i;
	}
	CHECK(distinct, "equal strips, one per bucket");
	/* chunk k lives in strip k % 4, row k / 4 */
	CHECK(famfs_file_map(fs, st.ino, 5 * 2 * MiB + 7, &off, &contig) == 0 &&
		      off == ext[1].offset + 2 * MiB + 7 &&
		      contig == 2 * MiB - 7,
	      "chunk 5 maps to strip 1, second row");
	CHECK(famfs_owner_of(fs, off, &ino, &pos) == 0 && ino == st.ino &&
		      pos == 5 * 2 * MiB + 7,
	      "reverse index inverts the interleave");
	il.chunk_size = 3 * MiB;
	CHECK_RC(famfs_create_file(fs, 1, "bad", 0644, 0, 0, 8 * MiB, &il,
				   &st),
		 -EINVAL, "chunk not a multiple of 2 MiB refused");
	il = (struct famfs_interleave){ 8, 4, 2 * MiB };
	CHECK_RC(famfs_create_file(fs, 1, "bad", 0644, 0, 0, 8 * MiB, &il,
				   &st),
		 -EINVAL, "more strips than buckets refused");
	il = (struct famfs_interleave){ 2, 2, 2 * MiB };
	CHECK_RC(famfs_create_file(fs, 1, "huge", 0644, 0, 0, 100 * MiB, &il,
				   &st),
		 -ENOSPC, "strips larger than a bucket: ENOSPC");

	/* the public reservation API */
	struct famfs_extent r;
	CHECK_RC(famfs_alloc_contiguous(fs, 3 * MiB, &r), 0,
		 "reserve 3 MiB");
	CHECK(r.len == 4 * MiB && r.offset % (2 * MiB) == 0,
	      "reservation rounds up to units");
	CHECK_RC(famfs_owner_of(fs, r.offset, &ino, &pos), -ENOENT,
		 "reserved space has no owner file");
	famfs_alloc_release(fs, &r, 1);
	famfs_fs_close(fs);
	unlink(dev);
}

static void test_pending(void)
{
	/* written against version 1's rules: a file is filled once */
	char *dev = make_famfs_version("pend", 64 * MiB, 0, 1);
	struct famfs_fs *fs, *client;
	struct famfs_stat st, cst;
	struct famfs_usage u;
	uint64_t off, contig;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	CHECK_RC(famfs_pending_create(fs, 1, "p", 0644, 0, 0, &st), 0,
		 "pending create");
	CHECK(st.state == FAMFS_NODE_PENDING && st.size == 0,
	      "pending, empty");
	CHECK_RC(famfs_pending_create(fs, 1, "p", 0644, 0, 0, NULL), -EEXIST,
		 "name taken by a pending file");
	CHECK_RC(famfs_pending_create(fs, 1, ".meta", 0644, 0, 0, NULL),
		 -EINVAL, ".meta is reserved at the root");
	CHECK_RC(famfs_pending_prepare_write(fs, st.ino, 0, 1 * MiB), 0,
		 "write 1 MiB");
	CHECK_RC(famfs_pending_prepare_write(fs, st.ino, 1 * MiB, 2 * MiB), 0,
		 "write 2 MiB more");
	famfs_getattr(fs, st.ino, &st);
	CHECK(st.size == 3 * MiB && st.allocated == 4 * MiB &&
		      st.nextents == 1,
	      "grows in units, one extent for a sequential writer");
	CHECK_RC(famfs_pending_prepare_write(fs, st.ino, 0, 4096), 0,
		 "rewrite inside the file needs nothing");
	famfs_getattr(fs, st.ino, &st);
	CHECK(st.size == 3 * MiB, "and does not change the size");

	/* clients never see pending files */
	be_client();
	famfs_fs_open(dev, FAMFS_OPEN_RDONLY, NULL, &client);
	CHECK_RC(famfs_resolve(client, "p", &cst), -ENOENT,
		 "pending file invisible to a client");
	be_master();

	CHECK_RC(famfs_pending_resize(fs, st.ino, 5 * MiB), 0,
		 "ftruncate up to 5 MiB");
	{
		uint8_t *p;
		bool zero = true;

		famfs_file_map(fs, st.ino, 3 * MiB, &off, &contig);
		p = famfs_fs_ptr(fs, off);
		for (uint64_t i = 0; i < contig && i < 2 * MiB; i++)
			zero &= p[i] == 0;
		CHECK(zero, "grown range reads as zeros");
	}
	CHECK_RC(famfs_pending_resize(fs, st.ino, 1 * MiB), 0,
		 "truncate down before commit");
	famfs_getattr(fs, st.ino, &st);
	CHECK(st.allocated == 2 * MiB, "whole units past the end returned");
	CHECK_RC(famfs_pending_commit(fs, st.ino), 0, "commit");
	CHECK_RC(famfs_pending_resize(fs, st.ino, 8 * MiB), -EPERM,
		 "committed size is fixed (grow)");
	CHECK_RC(famfs_pending_resize(fs, st.ino, 0), -EPERM,
		 "committed size is fixed (shrink)");
	CHECK_RC(famfs_pending_prepare_write(fs, st.ino, 1 * MiB - 10, 20),
		 -EPERM, "write past the end of a committed file refused");
	CHECK_RC(famfs_pending_prepare_write(fs, st.ino, 0, 1 * MiB), 0,
		 "write inside a committed file allowed");
	CHECK_RC(famfs_fs_refresh(client, NULL, false, NULL, NULL), 1,
		 "client replays the commit");
	CHECK(famfs_resolve(client, "p", &cst) == 0 && cst.size == 1 * MiB,
	      "client sees the committed size");

	/* abandon gives the space back */
	famfs_fs_usage(fs, &u);
	uint64_t used = u.used_bytes;
	famfs_pending_create(fs, 1, "q", 0644, 0, 0, &st);
	famfs_pending_resize(fs, st.ino, 9 * MiB);
	CHECK_RC(famfs_pending_abandon(fs, st.ino), 0, "abandon");
	famfs_fs_usage(fs, &u);
	CHECK(u.used_bytes == used, "abandoned space is free again");
	CHECK_RC(famfs_resolve(fs, "q", &st), -ENOENT, "abandoned name gone");
	CHECK_RC(famfs_pending_create(fs, 1, "q", 0644, 0, 0, &st), 0,
		 "name reusable after abandon");
	CHECK_RC(famfs_pending_resize(fs, st.ino, 100 * MiB), -ENOSPC,
		 "growth beyond the free space: ENOSPC");
	famfs_getattr(fs, st.ino, &st);
	CHECK(st.size == 0 && st.allocated == 0,
	      "failed growth leaves the file as it was");

	/* a file committed empty may be given its contents once */
	{
		uint64_t before;

		famfs_pending_create(fs, 1, "e", 0644, 0, 0, &st);
		CHECK_RC(famfs_pending_commit(fs, st.ino), 0,
			 "commit an empty file");
		famfs_fs_usage(fs, &u);
		before = u.log_entries;
		CHECK_RC(famfs_pending_reopen(fs, st.ino), 0,
			 "reopen the committed empty file");
		CHECK_RC(famfs_pending_commit(fs, st.ino), 0,
			 "commit it still empty");
		famfs_fs_usage(fs, &u);
		CHECK(u.log_entries == before, "which logs nothing new");
		famfs_pending_reopen(fs, st.ino);
		famfs_pending_resize(fs, st.ino, 3 * MiB);
		CHECK_RC(famfs_pending_abandon(fs, st.ino), 0,
			 "abandon the refill");
		CHECK(famfs_resolve(fs, "e", &cst) == 0 && cst.size == 0 &&
			      cst.state == FAMFS_NODE_COMMITTED,
		      "the empty file stays, as logged");
		famfs_pending_reopen(fs, st.ino);
		CHECK_RC(famfs_pending_prepare_write(fs, st.ino, 0, 3 * MiB), 0,
			 "write 3 MiB into it");
		CHECK_RC(famfs_pending_commit(fs, st.ino), 0, "commit the fill");
		CHECK_RC(famfs_pending_reopen(fs, st.ino), -EOPNOTSUPP,
			 "only once: on version 1 a file with contents is fixed");
		CHECK_RC(famfs_fs_refresh(client, NULL, false, NULL, NULL), 2,
			 "client replays the empty file and its fill");
		CHECK(famfs_resolve(client, "e", &cst) == 0 &&
			      cst.size == 3 * MiB && cst.nextents == 1,
		      "client sees the contents");
	}

	/* interleaved pending file */
	struct famfs_interleave il = { 2, 2, 2 * MiB };
	famfs_pending_create(fs, 1, "i", 0644, 0, 0, &st);
	CHECK_RC(famfs_pending_set_interleave(fs, st.ino, &il), 0,
		 "interleave an empty pending file");
	CHECK_RC(famfs_pending_resize(fs, st.ino, 7 * MiB), 0,
		 "size it");
	famfs_getattr(fs, st.ino, &st);
	CHECK(st.nextents == 2 && st.allocated == 8 * MiB,
	      "two strips of 4 MiB");
	CHECK_RC(famfs_pending_resize(fs, st.ino, 9 * MiB), -EFBIG,
		 "interleaved file cannot grow past its strips");
	CHECK_RC(famfs_pending_commit(fs, st.ino), 0, "commit interleaved");
	famfs_pending_create(fs, 1, "i0", 0644, 0, 0, &st);
	famfs_pending_set_interleave(fs, st.ino, &il);
	CHECK_RC(famfs_pending_commit(fs, st.ino), 0,
		 "commit an interleaved file that never got space");
	famfs_fs_close(fs);
	famfs_fs_close(client);

	{
		struct famfs_report rep = { 0 };

		famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &rep, &fs);
		CHECK(rep.nerrors == 0, "log of pending commits replays cleanly");
	}
	CHECK(famfs_resolve(fs, "e", &st) == 0 && st.size == 3 * MiB,
	      "the filled file replays with its contents");
	CHECK(famfs_resolve(fs, "i", &st) == 0 && st.interleave.nstrips == 2 &&
		      st.size == 7 * MiB,
	      "interleave survives replay");
	CHECK_RC(famfs_resolve(fs, "q", &st), -ENOENT,
		 "uncommitted pending file lost at close, as after a crash");
	CHECK(famfs_resolve(fs, "i0", &st) == 0 && st.size == 0 &&
		      !st.interleave.nstrips,
	      "spaceless interleaved file replays as an empty plain file");
	famfs_fs_close(fs);
	unlink(dev);
}

static bool overlaps_extent(const struct famfs_extent *a,
			    const struct famfs_extent *b)
{
	return a->offset < b->offset + b->len && b->offset < a->offset + a->len;
}

/*
 * Holes of two units between files placed by the log (at 14 and 20 MiB):
 * a three-unit request must skip both holes, whose last unit would be
 * another file's, and two-unit requests fill the holes exactly.
 */
static void test_holes(void)
{
	char *dev = make_famfs("holes", 64 * MiB, 0);
	struct famfs_extent at14 = { 14 * MiB, 2 * MiB };
	struct famfs_extent at20 = { 20 * MiB, 2 * MiB };
	struct famfs_log_record r = { .type = FAMFS_LOG_FILE, .mode = 0100644,
				      .size = 2 * MiB, .nextents = 1 };
	struct famfs_extent got;
	struct famfs_fs *fs;
	int runs = 0, overlaps = 0;

	r.path = "a";
	r.extents = &at14;
	raw_append(dev, &r, 1);
	r.path = "b";
	r.extents = &at20;
	raw_append(dev, &r, 2);
	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	CHECK(famfs_alloc_contiguous(fs, 6 * MiB, &got) == 0 &&
		      got.offset == 22 * MiB && got.len == 6 * MiB,
	      "three units: first fit after both files (got %" PRIu64
	      " MiB)", (uint64_t)(got.offset / MiB));
	famfs_alloc_release(fs, &got, 1);
	/* 25 free units: runs of two fit the two holes and 10 times after */
	for (;;) {
		if (famfs_alloc_contiguous(fs, 4 * MiB, &got))
			break;
		runs++;
		if (overlaps_extent(&got, &at14) || overlaps_extent(&got, &at20))
			overlaps++;
	}
	CHECK(runs == 12 && overlaps == 0,
	      "two-unit runs: 12 handed out, none over a file (%d, %d bad)",
	      runs, overlaps);
	famfs_fs_close(fs);
	unlink(dev);
}

/*
 * The search skips a word of 64 used units at once: the unit right after
 * such a word must still be found (320 MiB: units 5..159 are data).
 */
static void test_full_words(void)
{
	char *dev = make_famfs("words", 320 * MiB, 0);
	struct famfs_extent got, unit10 = { 10 * 2 * MiB, 2 * MiB };
	struct famfs_extent unit128 = { 128 * 2 * MiB, 2 * MiB };
	struct famfs_fs *fs;
	int n = 0;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	/* bounded: an allocator handing out used units never says ENOSPC */
	while (n < 1000 && famfs_alloc_contiguous(fs, 2 * MiB, &got) == 0)
		n++;
	CHECK(n == 155, "155 data units handed out one by one (%d)", n);
	famfs_alloc_release(fs, &unit128, 1);
	famfs_alloc_release(fs, &unit10, 1);
	CHECK(famfs_alloc_contiguous(fs, 2 * MiB, &got) == 0 &&
		      got.offset == unit10.offset,
	      "the lower free unit first");
	/* from unit 11 the search crosses units 64..127, all used */
	CHECK(famfs_alloc_contiguous(fs, 2 * MiB, &got) == 0 &&
		      got.offset == unit128.offset,
	      "then unit 128, right after a word of used units");
	famfs_fs_close(fs);
	unlink(dev);
}

/* Fill every free unit with a pattern: an earlier file's bytes. */
static void dirty_free_units(struct famfs_fs *fs, uint64_t dev_size)
{
	uint64_t ino, pos;

	for (uint64_t off = 0; off < dev_size; off += 2 * MiB)
		if (famfs_owner_of(fs, off, &ino, &pos) == -ENOENT)
			memset(famfs_fs_ptr(fs, off), 0xa5, 2 * MiB);
}

/* Do file bytes [from, to) of @ino read as zeros on the device? */
static bool reads_zero(struct famfs_fs *fs, uint64_t ino, uint64_t from,
		       uint64_t to)
{
	while (from < to) {
		uint64_t off, contig;
		const uint8_t *p;

		if (famfs_file_map(fs, ino, from, &off, &contig))
			return false;
		p = famfs_fs_ptr(fs, off);
		for (uint64_t i = 0; i < contig && from + i < to; i++)
			if (p[i])
				return false;
		from += contig;
	}
	return true;
}

/*
 * Memory a file is given may hold what an earlier file wrote there: a
 * file created with a size, and a pending file grown by ftruncate(),
 * read as zeros where nothing was written.
 */
static void test_zeroed(void)
{
	char *dev = make_famfs("zeroed", 64 * MiB, 0);
	struct famfs_fs *fs;
	struct famfs_stat st;
	uint64_t off, contig;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	dirty_free_units(fs, 64 * MiB);
	CHECK_RC(famfs_create_file(fs, 1, "z", 0644, 0, 0, 3 * MiB, NULL, &st),
		 0, "create a 3 MiB file over dirty memory");
	CHECK(reads_zero(fs, st.ino, 0, 3 * MiB), "it reads as zeros");

	dirty_free_units(fs, 64 * MiB);
	CHECK_RC(famfs_pending_create(fs, FAMFS_ROOT_INO, "p", 0644, 0, 0,
				      &st),
		 0, "a pending file");
	CHECK_RC(famfs_pending_resize(fs, st.ino, 1 * MiB), 0,
		 "ftruncate to 1 MiB");
	CHECK(reads_zero(fs, st.ino, 0, 1 * MiB), "it reads as zeros");
	/* its unit past the end: what the memory held before */
	famfs_file_map(fs, st.ino, 0, &off, &contig);
	memset(famfs_fs_ptr(fs, off + 1 * MiB), 0xa5, 1 * MiB);
	dirty_free_units(fs, 64 * MiB);
	CHECK_RC(famfs_pending_resize(fs, st.ino, 5 * MiB), 0,
		 "ftruncate up to 5 MiB");
	CHECK(reads_zero(fs, st.ino, 1 * MiB, 5 * MiB),
	      "the grown range reads as zeros, in its old unit and new ones");
	famfs_fs_close(fs);
	unlink(dev);
}

int main(void)
{
	test_contiguous();
	test_holes();
	test_full_words();
	test_zeroed();
	test_interleaved();
	test_pending();
	return tap_done();
}
