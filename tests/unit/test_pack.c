// SPDX-License-Identifier: Apache-2.0
/*
 * Packed units (lib/pack.c through lib/space.c): pieces never overlap
 * each other or unit extents, a packed unit is free only when all its
 * pieces are, a full device says ENOSPC, a rebuild from the recorded
 * extents gives the same allocator, poisoned pages are never handed out,
 * and random hostile extent streams are judged exactly as a brute-force
 * page model judges them. No device is needed: the allocator is what
 * replay drives.
 */
#include "raw.h"

#define KiB (1ULL << 10)
#define UNIT (2 * MiB)
#define PAGE (4 * KiB)
#define PAGES_PER_UNIT (UNIT / PAGE)

/* A 64 MiB device: data from 10 MiB, 27 units. */
static struct famfs_sb_info small_sb(uint64_t size)
{
	struct famfs_sb_info sb = {
		.version = 2,
		.device_size = size,
		.log_offset = 2 * MiB,
		.log_len = 8 * MiB,
		.alloc_unit = UNIT,
		.data_offset = 10 * MiB,
	};
	return sb;
}

static void open_alloc(struct allocator *a, uint64_t size, uint64_t page)
{
	struct famfs_sb_info sb = small_sb(size);

	if (alloc_init(a, &sb, page)) {
		printf("Bail out! alloc_init\n");
		exit(99);
	}
}

/* Check and mark, as replay does; returns the check's result. */
static int take(struct allocator *a, uint64_t off, uint64_t len,
		uint32_t owner, const char **why)
{
	int rc = space_check_free(a, off, len, why);

	if (!rc)
		rc = space_mark(a, off, len, owner);
	return rc;
}

static void test_rules(void)
{
	struct allocator a;
	struct famfs_extent e, f;
	const char *why = "";
	uint64_t unit0 = 10 * MiB;

	open_alloc(&a, 64 * MiB, PAGE);
	CHECK(pack_enabled(&a), "4 KiB pages: pieces enabled");
	CHECK_RC(space_plan(&a, 100, &e), 0, "plan 100 bytes");
	CHECK(e.len == PAGE && e.offset % PAGE == 0 && e.offset >= unit0,
	      "a one-page piece in the data area");
	CHECK_RC(take(&a, e.offset, e.len, 5, &why), 0, "take it");
	CHECK(a.npacked == 1 && a.used_units == 1 && !alloc_unit_free(&a, 5),
	      "its unit is packed and out of the unit bitmap");
	CHECK_RC(space_plan(&a, 3 * PAGE + 1, &f), 0, "plan 12 KiB + 1");
	CHECK(f.len == 4 * PAGE && f.offset == e.offset + PAGE,
	      "next fit: right after the first piece, same unit");
	CHECK_RC(take(&a, f.offset, f.len, 6, &why), 0, "take it");

	CHECK_RC(take(&a, e.offset, PAGE, 7, &why), -EEXIST,
		 "the same page again: refused");
	CHECK(!strcmp(why, "extent overlaps another file"), "why: %s", why);
	CHECK_RC(take(&a, f.offset + 3 * PAGE, 2 * PAGE, 7, &why), -EEXIST,
		 "a piece overlapping the tail of another: refused");
	CHECK_RC(take(&a, f.offset - PAGE / 2, PAGE, 7, &why), -EINVAL,
		 "a piece not page aligned: refused");
	CHECK(!strcmp(why, "extent not aligned to the page size"), "why: %s",
	      why);
	CHECK_RC(take(&a, unit0 + UNIT - PAGE, 2 * PAGE, 7, &why), -EINVAL,
		 "a piece crossing into the next unit: refused");
	CHECK(!strcmp(why, "packed piece crosses an allocation unit"),
	      "why: %s", why);
	CHECK_RC(take(&a, unit0, UNIT + PAGE, 7, &why), -EINVAL,
		 "longer than a unit but not whole units: refused");
	CHECK_RC(take(&a, unit0, 0, 7, &why), -EINVAL, "empty extent refused");
	CHECK_RC(take(&a, 4 * MiB, PAGE, 7, &why), -ERANGE,
		 "a piece in the log: refused");
	CHECK(!strcmp(why, "extent outside the data area"), "why: %s", why);
	CHECK_RC(take(&a, 64 * MiB, PAGE, 7, &why), -ERANGE,
		 "a piece past the device: refused");
	CHECK_RC(take(&a, UINT64_MAX - PAGE + 1, PAGE, 7, &why), -ERANGE,
		 "a piece at the top of the address space: refused");
	CHECK_RC(take(&a, unit0, UNIT, 7, &why), -EEXIST,
		 "a unit extent over a packed unit: refused");
	CHECK_RC(take(&a, unit0 + UNIT, 2 * UNIT, 8, &why), 0,
		 "a unit extent beside it");
	CHECK_RC(take(&a, unit0 + 2 * UNIT + PAGE, PAGE, 7, &why), -EEXIST,
		 "a piece inside a unit extent: refused");
	CHECK(!strcmp(why, "packed piece inside a unit extent"), "why: %s",
	      why);

	/* free only when every piece is */
	space_clear(&a, e.offset, e.len);
	CHECK(!alloc_unit_free(&a, 5) && a.npacked == 1,
	      "one piece left: the unit stays packed");
	CHECK(pack_owner(&a, f.offset) == 6 && pack_owner(&a, e.offset) == 0,
	      "page owners: the other file's, and free");
	space_clear(&a, f.offset, f.len);
	CHECK(alloc_unit_free(&a, 5) && a.npacked == 0 && a.packed_pages == 0,
	      "last piece gone: the unit is free again");
	CHECK(space_used_bytes(&a) == 2 * UNIT, "usage: the unit extent only");
	CHECK_RC(space_plan(&a, UNIT, &e), 0, "plan exactly one unit");
	CHECK(e.len == UNIT && e.offset % UNIT == 0,
	      "a file of one unit gets a unit extent");
	CHECK_RC(space_plan(&a, UNIT - PAGE, &e), 0, "plan a unit less a page");
	CHECK(e.len == UNIT - PAGE && e.offset % UNIT == 0,
	      "more than half a unit: a piece starting a unit of its own");
	alloc_destroy(&a);

	/* version 1: no pieces */
	open_alloc(&a, 64 * MiB, 0);
	CHECK(!pack_enabled(&a), "no page size: no pieces");
	CHECK_RC(take(&a, unit0, PAGE, 5, &why), -EINVAL,
		 "a piece on version 1: refused");
	CHECK(!strcmp(why, "extent not aligned to the allocation unit"),
	      "why: %s", why);
	CHECK_RC(space_plan(&a, 100, &e), 0, "plan 100 bytes");
	CHECK(e.len == UNIT, "version 1: a whole unit");
	alloc_destroy(&a);
}

static void test_full(void)
{
	struct allocator a;
	struct famfs_extent e;
	const char *why;
	uint64_t n = 0, data_pages = 27 * PAGES_PER_UNIT, hole;

	open_alloc(&a, 64 * MiB, PAGE);
	while (space_plan(&a, PAGE, &e) == 0) {
		if (take(&a, e.offset, e.len, (uint32_t)(n % 1000) + 1, &why))
			break;
		n++;
		if (n > data_pages)
			break;
	}
	CHECK(n == data_pages, "one-page files fill every page (%llu of %llu)",
	      (unsigned long long)n, (unsigned long long)data_pages);
	CHECK(a.npacked == 27 && space_used_bytes(&a) == 54 * MiB,
	      "every unit packed, usage 54 MiB");
	CHECK_RC(space_plan(&a, PAGE, &e), -ENOSPC, "full: a page is ENOSPC");
	CHECK_RC(space_plan(&a, UNIT, &e), -ENOSPC, "full: a unit is ENOSPC");
	hole = 20 * MiB + 17 * PAGE;
	space_clear(&a, hole, PAGE);
	CHECK_RC(space_plan(&a, 2 * PAGE, &e), -ENOSPC,
		 "one free page does not hold two");
	CHECK(space_plan(&a, 100, &e) == 0 && e.offset == hole,
	      "it holds one, exactly there");
	alloc_destroy(&a);
}

/* ---- a brute-force page model to judge the allocator against --------- */

#define DEV_SIZE (40 * MiB)
#define DEV_PAGES (DEV_SIZE / PAGE)
#define FIRST_DATA_PAGE (10 * MiB / PAGE)

struct model {
	uint32_t page[DEV_PAGES];	/* owner, 0 free */
	bool unit_whole[DEV_SIZE / UNIT];	/* held by a unit extent */
	uint64_t used_pages;
};

/* What famfs(5) says of [off, off+len) for a new extent. */
static bool model_accepts(const struct model *m, uint64_t off, uint64_t len)
{
	bool unit = len && off % UNIT == 0 && len % UNIT == 0;

	if (!len || off % PAGE || len % PAGE || off >= DEV_SIZE ||
	    len > DEV_SIZE - off || off < FIRST_DATA_PAGE * PAGE)
		return false;
	if (!unit && (len >= UNIT || off % UNIT + len > UNIT))
		return false;
	for (uint64_t p = off / PAGE; p < (off + len) / PAGE; p++)
		if (m->page[p])
			return false;
	/* a unit extent covers whole units: every page of them was free */
	if (unit)
		return true;
	/* a piece: not in a unit extent's unit; pieces may share a unit */
	return !m->unit_whole[off / UNIT];
}

static void model_take(struct model *m, uint64_t off, uint64_t len,
		       uint32_t owner)
{
	for (uint64_t p = off / PAGE; p < (off + len) / PAGE; p++)
		m->page[p] = owner;
	if (len % UNIT == 0 && off % UNIT == 0)
		for (uint64_t u = off / UNIT; u < (off + len) / UNIT; u++)
			m->unit_whole[u] = true;
	m->used_pages += len / PAGE;
}

static void model_free(struct model *m, uint64_t off, uint64_t len)
{
	for (uint64_t p = off / PAGE; p < (off + len) / PAGE; p++)
		m->page[p] = 0;
	if (len % UNIT == 0 && off % UNIT == 0)
		for (uint64_t u = off / UNIT; u < (off + len) / UNIT; u++)
			m->unit_whole[u] = false;
	m->used_pages -= len / PAGE;
}

/* Does the allocator say the same as the model, page by page? */
static bool same_state(const struct allocator *a, const struct model *m)
{
	for (uint64_t p = FIRST_DATA_PAGE; p < DEV_PAGES; p++) {
		uint64_t u = p * PAGE / UNIT;
		uint32_t owner = a->owner[u] == PACKED_OWNER ?
					 pack_owner(a, p * PAGE) :
					 a->owner[u];

		if (owner != m->page[p])
			return false;
	}
	return space_used_bytes(a) == m->used_pages * PAGE;
}

static uint64_t rnd_state = 88172645463325252ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* A random extent, mostly plausible, sometimes hostile. */
static void random_extent(uint64_t *off, uint64_t *len)
{
	switch (rnd() % 8) {
	case 0:	/* unit extents */
		*off = (rnd() % (DEV_SIZE / UNIT + 1)) * UNIT;
		*len = (1 + rnd() % 3) * UNIT;
		break;
	case 1:	/* anything at all */
		*off = rnd() % (DEV_SIZE + UNIT);
		*len = rnd() % (3 * UNIT);
		break;
	case 2:	/* crossing a unit boundary */
		*off = (rnd() % (DEV_SIZE / UNIT)) * UNIT - PAGE;
		*len = 2 * PAGE;
		break;
	case 3:	/* huge */
		*off = (rnd() % (DEV_SIZE / PAGE)) * PAGE;
		*len = UINT64_MAX - rnd() % 4096;
		break;
	default:	/* pieces */
		*off = (rnd() % (DEV_SIZE / PAGE)) * PAGE;
		*len = (1 + rnd() % 40) * PAGE;
		break;
	}
}

struct taken {
	uint64_t off, len;
};

/*
 * A stream of records, like a log written by a hostile or broken master:
 * each extent is judged by the allocator and by the model; accepted
 * extents are taken, and some are given back later (delete, reclaim).
 * Then the allocator is rebuilt from the accepted extents alone, in log
 * order, and must come out the same.
 */
static void test_fuzz(void)
{
	static struct model m;
	static struct taken live[20000], log[20000];
	struct allocator a, rebuilt;
	unsigned long disagree = 0, accepted = 0, freed = 0, state_bad = 0;
	size_t nlive = 0, nlog = 0;
	const char *why;

	open_alloc(&a, DEV_SIZE, PAGE);
	for (int i = 0; i < 20000; i++) {
		uint64_t off, len;
		bool want;
		int rc;

		if (nlive && rnd() % 7 == 0) {
			size_t k = rnd() % nlive;

			space_clear(&a, live[k].off, live[k].len);
			model_free(&m, live[k].off, live[k].len);
			live[k] = live[--nlive];
			freed++;
			continue;
		}
		random_extent(&off, &len);
		want = model_accepts(&m, off, len);
		rc = take(&a, off, len, (uint32_t)i + 1, &why);
		if ((rc == 0) != want) {
			if (disagree++ < 5)
				printf("# %s: off %llu len %llu (%s)\n",
				       want ? "refused" : "accepted",
				       (unsigned long long)off,
				       (unsigned long long)len,
				       rc ? why : "ok");
			continue;
		}
		if (rc)
			continue;
		model_take(&m, off, len, (uint32_t)i + 1);
		live[nlive++] = (struct taken){ off, len };
		accepted++;
		if (i % 97 == 0 && !same_state(&a, &m))
			state_bad++;
	}
	CHECK(!disagree, "20000 random extents judged as famfs(5) says "
	      "(%lu accepted, %lu given back, %lu disagreements)",
	      accepted, freed, disagree);
	CHECK(!state_bad && same_state(&a, &m),
	      "page owners and usage equal the model throughout");
	CHECK(accepted > 1000 && freed > 1000,
	      "the stream exercised both (%lu taken, %lu freed)", accepted,
	      freed);

	/* the log of what is still live, replayed into a fresh allocator */
	for (size_t k = 0; k < nlive; k++)
		log[nlog++] = live[k];
	open_alloc(&rebuilt, DEV_SIZE, PAGE);
	{
		unsigned long refused = 0;

		for (size_t k = 0; k < nlog; k++) {
			uint32_t owner = a.owner[log[k].off / UNIT] ==
							 PACKED_OWNER ?
						 pack_owner(&a, log[k].off) :
						 a.owner[log[k].off / UNIT];

			if (take(&rebuilt, log[k].off, log[k].len, owner, &why))
				refused++;
		}
		CHECK(!refused && same_state(&rebuilt, &m) &&
			      rebuilt.npacked == a.npacked &&
			      rebuilt.used_units == a.used_units,
		      "rebuilt from the %zu live extents: the same allocator",
		      nlog);
	}
	alloc_destroy(&rebuilt);
	alloc_destroy(&a);
}

/* Poison: free poisoned pages are never handed out, whatever freed them. */
static void test_poison(void)
{
	struct famfs_extent bad[2] = {
		{ 12 * MiB + 5 * PAGE, PAGE },	/* in the second data unit */
		{ 16 * MiB, 3 * PAGE },		/* at the start of the fourth */
	};
	struct famfs_fs fs;
	struct famfs_extent e;
	const char *why;
	bool hit = false;
	int n = 0;

	memset(&fs, 0, sizeof(fs));
	open_alloc(&fs.alloc, 64 * MiB, PAGE);
	CHECK_RC(take(&fs.alloc, 16 * MiB, UNIT, 9, &why), 0,
		 "a file holds the fourth unit");
	fs.bad = bad;
	fs.nbad = 2;
	CHECK_RC(space_take_bad(&fs, bad[0].offset, bad[0].len), 0,
		 "poison in a free unit");
	CHECK_RC(space_take_bad(&fs, bad[1].offset, bad[1].len), 0,
		 "poison in a file's unit");
	CHECK(fs.alloc.npacked == 1 && space_bad_bytes(&fs.alloc) == PAGE,
	      "the free unit is packed around one bad page, nothing else held");
	while (space_plan(&fs.alloc, PAGE, &e) == 0 &&
	       !take(&fs.alloc, e.offset, e.len, 100, &why) && n++ < 20000)
		hit |= e.offset == bad[0].offset;
	CHECK(!hit, "filling the device never hands out the poisoned page");
	CHECK(space_used_bytes(&fs.alloc) == 54 * MiB,
	      "and every other page was handed out");

	/* the file holding poison goes: its unit is free but the bad pages */
	space_release(&fs, 16 * MiB, UNIT);
	CHECK(space_bad_bytes(&fs.alloc) == 4 * PAGE &&
		      pack_owner(&fs.alloc, 16 * MiB) == BAD_OWNER &&
		      pack_owner(&fs.alloc, 16 * MiB + 3 * PAGE) == 0,
	      "a released unit keeps its three bad pages out, the rest free");
	CHECK_RC(space_plan(&fs.alloc, UNIT - 3 * PAGE, &e), 0,
		 "the rest holds a piece");
	CHECK(e.offset == 16 * MiB + 3 * PAGE, "right after the bad pages");

	/* a piece holding poison, given back */
	space_release(&fs, bad[0].offset, PAGE);
	CHECK(pack_owner(&fs.alloc, bad[0].offset) == BAD_OWNER,
	      "a bad page in a released piece stays out");
	alloc_destroy(&fs.alloc);

	/* version 1: a free unit with poison is held whole */
	memset(&fs, 0, sizeof(fs));
	open_alloc(&fs.alloc, 64 * MiB, 0);
	fs.bad = bad;
	fs.nbad = 1;
	space_take_bad(&fs, bad[0].offset, bad[0].len);
	CHECK(!alloc_unit_free(&fs.alloc, 6) &&
		      space_bad_bytes(&fs.alloc) == UNIT,
	      "version 1: the whole unit is held out");
	alloc_destroy(&fs.alloc);
}

/*
 * A log may poison the whole device (one entry, or a hostile one): each
 * free unit is then held whole, with no page table (512 passes of 512
 * pages each made a mount of such a log take minutes; a page table is
 * 2 KiB per unit), and a packed unit's free pages are marked in one pass
 * over its page table, its file's pages staying the file's.
 */
static unsigned int pack_mark_calls, pack_mark_free_calls;
int __real_pack_mark(struct allocator *a, uint64_t off, uint64_t len,
		     uint32_t owner);
int __wrap_pack_mark(struct allocator *a, uint64_t off, uint64_t len,
		     uint32_t owner)
{
	pack_mark_calls++;
	return __real_pack_mark(a, off, len, owner);
}

int __real_pack_mark_free(struct allocator *a, uint64_t off, uint64_t len,
			  uint32_t owner);
int __wrap_pack_mark_free(struct allocator *a, uint64_t off, uint64_t len,
			  uint32_t owner)
{
	pack_mark_free_calls++;
	return __real_pack_mark_free(a, off, len, owner);
}

static void test_poison_everything(void)
{
	struct famfs_extent all = { 10 * MiB, 54 * MiB };
	struct famfs_fs fs;
	struct famfs_extent e;
	const char *why;

	memset(&fs, 0, sizeof(fs));
	open_alloc(&fs.alloc, 64 * MiB, PAGE);
	CHECK_RC(take(&fs.alloc, 12 * MiB, UNIT, 7, &why), 0,
		 "a file holds the second data unit");
	CHECK_RC(take(&fs.alloc, 14 * MiB + 8 * PAGE, 2 * PAGE, 8, &why), 0,
		 "another holds two pages in the middle of the third");
	fs.bad = &all;
	fs.nbad = 1;
	pack_mark_calls = pack_mark_free_calls = 0;
	CHECK_RC(space_take_bad(&fs, all.offset, all.len), 0,
		 "poison the whole data area");
	CHECK(pack_mark_calls == 0 && pack_mark_free_calls == 1 &&
		      fs.alloc.npacked == 1 && fs.alloc.bad_units == 25,
	      "25 free units held whole (%" PRIu64 "), no page marked (%u), "
	      "one pass over the packed one (%u)", fs.alloc.bad_units,
	      pack_mark_calls, pack_mark_free_calls);
	CHECK(space_bad_bytes(&fs.alloc) == 52 * MiB - 2 * PAGE,
	      "every free page is held out, nothing else");
	CHECK(pack_owner(&fs.alloc, 14 * MiB + 8 * PAGE) == 8 &&
		      pack_owner(&fs.alloc, 14 * MiB + 9 * PAGE) == 8 &&
		      pack_owner(&fs.alloc, 14 * MiB + 7 * PAGE) == BAD_OWNER &&
		      pack_owner(&fs.alloc, 14 * MiB + 10 * PAGE) == BAD_OWNER,
	      "the piece's pages stay its own, its neighbours are poisoned");
	CHECK_RC(space_plan(&fs.alloc, PAGE, &e), -ENOSPC,
		 "not one page is left to hand out");
	/* a second entry poisoning it all (a log may hold thousands) */
	CHECK_RC(space_take_bad(&fs, all.offset, all.len), 0,
		 "poison the whole data area again");
	CHECK(space_bad_bytes(&fs.alloc) == 52 * MiB - 2 * PAGE &&
		      pack_owner(&fs.alloc, 14 * MiB + 8 * PAGE) == 8,
	      "nothing changes the second time");
	alloc_destroy(&fs.alloc);
}

/* ---- pending files in packed space ------------------------------------ */

/* Fill file bytes [pos, pos+len) with a pattern of @seed, as a write does. */
static void fill(struct famfs_fs *fs, uint64_t ino, uint64_t pos,
		 uint64_t len, uint8_t seed)
{
	while (len) {
		uint64_t off, contig;
		uint8_t *p;

		if (famfs_file_map(fs, ino, pos, &off, &contig))
			return;
		if (contig > len)
			contig = len;
		p = famfs_fs_ptr(fs, off);
		for (uint64_t i = 0; i < contig; i++)
			p[i] = (uint8_t)(seed + (pos + i) * 7);
		pos += contig;
		len -= contig;
	}
}

static bool holds(struct famfs_fs *fs, uint64_t ino, uint64_t pos,
		  uint64_t len, uint8_t seed)
{
	while (len) {
		uint64_t off, contig;
		uint8_t *p;

		if (famfs_file_map(fs, ino, pos, &off, &contig))
			return false;
		if (contig > len)
			contig = len;
		p = famfs_fs_ptr(fs, off);
		for (uint64_t i = 0; i < contig; i++)
			if (p[i] != (uint8_t)(seed + (pos + i) * 7))
				return false;
		pos += contig;
		len -= contig;
	}
	return true;
}

static struct famfs_extent first_extent_of(struct famfs_fs *fs, uint64_t ino)
{
	struct famfs_extent e[8] = { 0 };

	famfs_get_extents(fs, ino, e, 8, NULL);
	return e[0];
}

/*
 * Open a fresh (version 1) device and give its empty allocator 4 KiB
 * pages, as a version 2 mount has: nothing is allocated yet, so this is
 * the allocator a version 2 open would build.
 */
static struct famfs_fs *open_paged(const char *dev)
{
	struct famfs_fs *fs;

	be_master();
	if (famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs)) {
		printf("Bail out! open %s\n", dev);
		exit(99);
	}
	alloc_destroy(&fs->alloc);
	if (alloc_init(&fs->alloc, &fs->sb, PAGE)) {
		printf("Bail out! alloc_init\n");
		exit(99);
	}
	return fs;
}

static void test_pending(void)
{
	char *dev = make_famfs("pack-pend", 64 * MiB, 0);
	struct famfs_fs *fs = open_paged(dev);
	struct famfs_stat p, q, big, st;
	struct famfs_extent e, before;
	struct famfs_usage u;
	uint64_t off, contig;
	bool zero = true;

	famfs_pending_create(fs, 1, "p", 0644, 0, 0, &p);
	CHECK_RC(famfs_pending_prepare_write(fs, p.ino, 0, 100), 0,
		 "write 100 bytes to a new file");
	famfs_getattr(fs, p.ino, &st);
	e = first_extent_of(fs, p.ino);
	CHECK(st.nextents == 1 && st.allocated == PAGE && e.len == PAGE,
	      "it starts with a one-page piece");
	fill(fs, p.ino, 0, 100, 1);
	CHECK_RC(famfs_pending_prepare_write(fs, p.ino, 100, 5000), 0,
		 "write 5000 more");
	fill(fs, p.ino, 100, 5000, 1);
	CHECK(first_extent_of(fs, p.ino).offset == e.offset &&
		      first_extent_of(fs, p.ino).len == 2 * PAGE,
	      "the piece grew in place to two pages");

	famfs_pending_create(fs, 1, "q", 0644, 0, 0, &q);
	famfs_pending_prepare_write(fs, q.ino, 0, 3 * PAGE);
	fill(fs, q.ino, 0, 3 * PAGE, 2);
	CHECK(first_extent_of(fs, q.ino).offset == e.offset + 2 * PAGE,
	      "another file's piece follows it");
	CHECK_RC(famfs_pending_prepare_write(fs, p.ino, 5100, 10000), 0,
		 "p grows past the next piece");
	fill(fs, p.ino, 5100, 10000, 1);
	before = first_extent_of(fs, p.ino);
	CHECK(before.offset != e.offset && before.len >= 4 * PAGE &&
		      before.len < UNIT,
	      "p moved to a larger piece");
	CHECK(holds(fs, p.ino, 0, 15100, 1) && holds(fs, q.ino, 0, 3 * PAGE, 2),
	      "both files' bytes intact after the move");

	CHECK_RC(famfs_pending_prepare_write(fs, p.ino, 15100, 3 * MiB), 0,
		 "p grows past a unit");
	fill(fs, p.ino, 15100, 3 * MiB, 1);
	famfs_getattr(fs, p.ino, &st);
	e = first_extent_of(fs, p.ino);
	CHECK(e.offset % UNIT == 0 && e.len % UNIT == 0 &&
		      st.allocated == 2 * UNIT,
	      "it left packed space for whole units");
	CHECK(holds(fs, p.ino, 0, 15100 + 3 * MiB, 1),
	      "with every byte it had");
	CHECK_RC(famfs_pending_resize(fs, p.ino, 10000), 0,
		 "truncate p to 10000 bytes");
	CHECK_RC(famfs_pending_commit(fs, p.ino), 0, "commit p");
	famfs_getattr(fs, p.ino, &st);
	CHECK(st.nextents == 1 && st.allocated == 3 * PAGE &&
		      first_extent_of(fs, p.ino).offset == e.offset,
	      "committed below a unit: a 3-page piece where its first unit was");
	CHECK(holds(fs, p.ino, 0, 10000, 1), "its bytes stayed put");
	famfs_file_map(fs, p.ino, 9999, &off, &contig);
	for (uint64_t i = off + 1; i < off - off % PAGE + PAGE; i++)
		zero &= ((uint8_t *)famfs_fs_ptr(fs, 0))[i] == 0;
	CHECK(zero, "the rest of its last page reads as zeros");
	CHECK_RC(famfs_pending_commit(fs, q.ino), 0, "commit q");
	famfs_getattr(fs, q.ino, &st);
	CHECK(st.allocated == 3 * PAGE, "q keeps its three pages");
	famfs_fs_usage(fs, &u);
	CHECK(u.used_bytes == 6 * PAGE && u.packed_bytes == 6 * PAGE &&
		      u.packed_units == 2,
	      "usage: 24 KiB in two packed units");

	/* a large piece starts its own unit, and leaves it without a copy */
	famfs_pending_create(fs, 1, "big", 0644, 0, 0, &big);
	famfs_pending_prepare_write(fs, big.ino, 0, 1536 * KiB);
	e = first_extent_of(fs, big.ino);
	CHECK(e.offset % UNIT == 0 && e.len == 1536 * KiB,
	      "1.5 MiB: a piece at the start of a free unit");
	fill(fs, big.ino, 0, 1536 * KiB, 3);
	famfs_pending_prepare_write(fs, big.ino, 1536 * KiB, 1 * MiB);
	fill(fs, big.ino, 1536 * KiB, 1 * MiB, 3);
	CHECK(first_extent_of(fs, big.ino).offset == e.offset &&
		      holds(fs, big.ino, 0, 2560 * KiB, 3),
	      "growing past the unit keeps that unit as its first extent");
	CHECK_RC(famfs_pending_abandon(fs, big.ino), 0, "abandon it");
	famfs_pending_create(fs, 1, "tiny", 0644, 0, 0, &st);
	famfs_pending_prepare_write(fs, st.ino, 0, 1);
	CHECK_RC(famfs_pending_abandon(fs, st.ino), 0, "abandon a tiny one");
	/* ... but not while another file's piece lies in that unit */
	famfs_pending_create(fs, 1, "big2", 0644, 0, 0, &big);
	famfs_pending_prepare_write(fs, big.ino, 0, 1536 * KiB);
	e = first_extent_of(fs, big.ino);
	fill(fs, big.ino, 0, 1536 * KiB, 5);
	famfs_pending_create(fs, 1, "small", 0644, 0, 0, &st);
	famfs_pending_prepare_write(fs, st.ino, 0, 2 * PAGE);
	fill(fs, st.ino, 0, 2 * PAGE, 6);
	CHECK(e.offset % UNIT == 0 &&
		      first_extent_of(fs, st.ino).offset / UNIT ==
			      e.offset / UNIT,
	      "a small file's piece shares the 1.5 MiB piece's unit");
	famfs_pending_prepare_write(fs, big.ino, 1536 * KiB, 1 * MiB);
	fill(fs, big.ino, 1536 * KiB, 1 * MiB, 5);
	CHECK(first_extent_of(fs, big.ino).offset != e.offset &&
		      holds(fs, big.ino, 0, 2560 * KiB, 5) &&
		      holds(fs, st.ino, 0, 2 * PAGE, 6),
	      "growing past the unit, it moves: both files' bytes intact");
	CHECK(famfs_pending_abandon(fs, big.ino) == 0 &&
		      famfs_pending_abandon(fs, st.ino) == 0,
	      "abandon both");
	famfs_fs_usage(fs, &u);
	CHECK(u.used_bytes == 6 * PAGE && u.packed_units == 2,
	      "abandoned files give everything back");

	/* an empty commit holds nothing */
	famfs_pending_create(fs, 1, "e", 0644, 0, 0, &st);
	famfs_pending_prepare_write(fs, st.ino, 0, 5000);
	famfs_pending_resize(fs, st.ino, 0);
	CHECK_RC(famfs_pending_commit(fs, st.ino), 0, "commit truncated to 0");
	famfs_getattr(fs, st.ino, &st);
	CHECK(st.nextents == 0 && st.allocated == 0, "no extents at all");
	/* found by fuzz_replay: nothing ever written, no extent array at all */
	famfs_pending_create(fs, 1, "never-written", 0644, 0, 0, &st);
	CHECK_RC(famfs_pending_commit(fs, st.ino), 0,
		 "commit a file nothing was written to");
	famfs_getattr(fs, st.ino, &st);
	CHECK(st.size == 0 && st.nextents == 0 && st.allocated == 0,
	      "it is empty and holds nothing");
	CHECK_RC(famfs_pending_reopen(fs, st.ino), 0, "reopen it");
	CHECK_RC(famfs_pending_commit(fs, st.ino), 0, "commit it empty again");

	/* a file created whole below a unit gets one piece */
	CHECK_RC(famfs_create_file(fs, 1, "c", 0644, 0, 0, 6000, NULL, &st), 0,
		 "create a 6000-byte file in one step");
	CHECK(st.nextents == 1 && st.allocated == 2 * PAGE,
	      "one piece of two pages");
	famfs_fs_close(fs);
	unlink(dev);
}

/*
 * A reopened file reaching a unit takes its piece's unit over when the
 * log gives it nothing there (logged empty, as fio makes its files), and
 * is copied to a new unit when its logged pages are there (other hosts
 * still read them); either way another host replays the new contents.
 */
static void test_reopened(void)
{
	char *dev = make_famfs("pack-reopen", 64 * MiB, 0);
	struct famfs_extent piece, after;
	struct famfs_fs *fs, *client;
	struct famfs_stat e, s, st;
	bool ok;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	famfs_pending_create(fs, 1, "empty", 0644, 0, 0, &e);
	CHECK_RC(famfs_pending_commit(fs, e.ino), 0, "commit a file empty");
	CHECK_RC(famfs_pending_reopen(fs, e.ino), 0, "reopen it");
	famfs_pending_prepare_write(fs, e.ino, 0, 1536 * KiB);
	fill(fs, e.ino, 0, 1536 * KiB, 4);
	piece = first_extent_of(fs, e.ino);
	CHECK_RC(famfs_pending_prepare_write(fs, e.ino, 1536 * KiB, MiB), 0,
		 "write it past a unit");
	fill(fs, e.ino, 1536 * KiB, MiB, 4);
	after = first_extent_of(fs, e.ino);
	CHECK(piece.offset % UNIT == 0 && after.offset == piece.offset &&
		      after.len % UNIT == 0 && holds(fs, e.ino, 0, 2560 * KiB, 4),
	      "logged empty: its piece's unit became its first unit, no copy");
	CHECK_RC(famfs_pending_commit(fs, e.ino), 0, "commit its contents");

	famfs_pending_create(fs, 1, "small", 0644, 0, 0, &s);
	famfs_pending_prepare_write(fs, s.ino, 0, 1536 * KiB);
	fill(fs, s.ino, 0, 1536 * KiB, 5);
	CHECK_RC(famfs_pending_commit(fs, s.ino), 0, "commit a 1.5 MiB file");
	piece = first_extent_of(fs, s.ino);
	CHECK_RC(famfs_pending_reopen(fs, s.ino), 0, "reopen it");
	CHECK_RC(famfs_pending_prepare_write(fs, s.ino, 1536 * KiB, MiB), 0,
		 "write it past a unit");
	fill(fs, s.ino, 1536 * KiB, MiB, 5);
	after = first_extent_of(fs, s.ino);
	CHECK(piece.offset % UNIT == 0 && after.offset != piece.offset &&
		      holds(fs, s.ino, 0, 2560 * KiB, 5),
	      "logged pages in the unit: copied to another unit, bytes intact");
	CHECK_RC(famfs_pending_commit(fs, s.ino), 0, "commit its contents");
	famfs_fs_close(fs);

	be_client();
	famfs_fs_open(dev, FAMFS_OPEN_RDONLY, NULL, &client);
	ok = famfs_resolve(client, "empty", &st) == 0 &&
	     st.size == 2560 * KiB && holds(client, st.ino, 0, st.size, 4);
	ok &= famfs_resolve(client, "small", &st) == 0 &&
	      st.size == 2560 * KiB && holds(client, st.ino, 0, st.size, 5);
	CHECK(ok, "another host replays both files' new contents");
	famfs_fs_close(client);
	unlink(dev);
}

/*
 * A client holds deleted files' pieces until it sees every host done with
 * them, which it learns later than the master does: the master may free
 * the pieces' unit and give it whole to a new file while the client still
 * holds them. The client must take that file (session 3: it refused it,
 * "extent overlaps another file", and never showed it).
 */
static void test_held_unit_reused(void)
{
	char *dev = make_famfs("pack-held", 64 * MiB, 0);
	struct famfs_fs *m, *c;
	struct famfs_stat st, big;
	struct famfs_extent piece;
	struct famfs_usage u;
	char name[16];
	bool ok = true;

	be_master();
	if (famfs_fs_open(dev, FAMFS_OPEN_RDWR | FAMFS_OPEN_HOST, NULL, &m)) {
		printf("Bail out! open %s as the master\n", dev);
		exit(99);
	}
	for (int k = 0; k < 3; k++) {
		snprintf(name, sizeof(name), "s%d", k);
		famfs_pending_create(m, 1, name, 0644, 0, 0, &st);
		famfs_pending_prepare_write(m, st.ino, 0, 16 * KiB);
		fill(m, st.ino, 0, 16 * KiB, (uint8_t)k);
		ok &= famfs_pending_commit(m, st.ino) == 0;
	}
	piece = first_extent_of(m, st.ino);
	be_client();
	if (famfs_fs_open(dev, FAMFS_OPEN_RDWR | FAMFS_OPEN_HOST, NULL, &c)) {
		printf("Bail out! open %s as a client\n", dev);
		exit(99);
	}
	for (int k = 0; k < 3; k++) {
		snprintf(name, sizeof(name), "s%d", k);
		ok &= famfs_unlink(m, 1, name, false) == 0;
	}
	ok &= famfs_fs_refresh(c, NULL, false, NULL, NULL) == 3;
	famfs_fs_usage(c, &u);
	CHECK(ok && piece.len < UNIT && u.held_bytes == 3 * 16 * KiB,
	      "three pieces deleted: the client holds them (the master's slot "
	      "is behind)");
	CHECK(famfs_reclaim(m) == 3 * 16 * KiB,
	      "the master frees them: the client replayed the deletes");
	famfs_pending_create(m, 1, "big", 0644, 0, 0, &big);
	famfs_pending_prepare_write(m, big.ino, 0, UNIT + 512 * KiB);
	fill(m, big.ino, 0, UNIT + 512 * KiB, 9);
	CHECK_RC(famfs_pending_commit(m, big.ino), 0, "commit a 2.5 MiB file");
	CHECK(first_extent_of(m, big.ino).offset ==
		      piece.offset / UNIT * UNIT,
	      "the master gave it the pieces' unit whole");

	CHECK_RC(famfs_fs_refresh(c, NULL, false, NULL, NULL), 1,
		 "the client replays the new file");
	famfs_fs_usage(c, &u);
	CHECK(famfs_resolve(c, "big", &st) == 0 &&
		      st.size == UNIT + 512 * KiB &&
		      holds(c, st.ino, 0, st.size, 9) && !c->log_refused &&
		      u.held_bytes == 0,
	      "and shows it, bytes intact; its holds on the unit are over");
	famfs_fs_close(c);
	famfs_fs_close(m);
	unlink(dev);
}

/* ---- real logs ------------------------------------------------------ */

/*
 * A log written by a broken or hostile master: 600 file entries with
 * random extents (pieces, unit extents, junk; some overlapping earlier
 * files or each other, some with sizes beyond their extents), appended
 * with valid CRCs. Replay must keep exactly the entries famfs(5) allows,
 * judged in order by the page model, with exactly their extents; usage
 * and fsck must agree, and a second replay must build the same.
 */
static void test_fuzzed_log(void)
{
	static struct model m;
	static bool accepted[600];
	static struct famfs_extent ext[600][3];
	static uint32_t next[600];
	char *dev = make_famfs("pack-fuzz", DEV_SIZE, 0);
	unsigned long want_refused = 0, mismatch = 0;
	struct famfs_fsck_result res;
	struct famfs_stat st;
	struct famfs_fs *fs;
	struct famfs_usage u;
	struct captured cap;
	uint64_t kept_pages = 0;
	char name[32];

	memset(&m, 0, sizeof(m));
	for (uint32_t i = 0; i < 600; i++) {
		struct famfs_log_record r = { 0 };
		struct model trial = m;
		uint64_t total = 0;
		bool ok = true;

		next[i] = rnd() % 4 ? 1 : 2 + (uint32_t)(rnd() % 2);
		for (uint32_t k = 0; k < next[i]; k++) {
			random_extent(&ext[i][k].offset, &ext[i][k].len);
			if (ok && model_accepts(&trial, ext[i][k].offset,
						ext[i][k].len)) {
				model_take(&trial, ext[i][k].offset,
					   ext[i][k].len, i + 2);
				total += ext[i][k].len;
			} else {
				ok = false;
			}
		}
		snprintf(name, sizeof(name), "f%u", i);
		r.type = FAMFS_LOG_FILE;
		r.path = name;
		r.mode = S_IFREG | 0644;
		r.nextents = next[i];
		r.extents = ext[i];
		/* now and then a size beyond the extents */
		r.size = ok && rnd() % 10 == 0 ? total + 1 :
			 ok && total ? rnd() % total + 1 : 0;
		ok = ok && r.size <= total;
		accepted[i] = ok;
		if (ok) {
			m = trial;
			kept_pages += total / PAGE;
		} else {
			want_refused++;
		}
		raw_append(dev, &r, i + 1);
	}
	be_master();
	for (int pass = 0; pass < 2; pass++) {
		famfs_fs_open(dev, FAMFS_OPEN_RDONLY, NULL, &fs);
		for (uint32_t i = 0; i < 600; i++) {
			struct famfs_extent got[3];
			bool here;

			snprintf(name, sizeof(name), "f%u", i);
			here = famfs_resolve(fs, name, &st) == 0;
			if (here != accepted[i]) {
				if (mismatch++ < 5)
					printf("# f%u: %s by replay\n", i,
					       here ? "kept" : "refused");
				continue;
			}
			if (here && (famfs_get_extents(fs, st.ino, got, 3,
						       NULL) != (int)next[i] ||
				     memcmp(got, ext[i], next[i] * sizeof(*got))))
				mismatch++;
		}
		famfs_fs_usage(fs, &u);
		CHECK(!mismatch && u.used_bytes == kept_pages * PAGE,
		      "replay %d of a fuzzed log keeps exactly the %lu valid "
		      "of 600 files, with their extents and %llu pages", pass,
		      600 - want_refused, (unsigned long long)kept_pages);
		famfs_fs_close(fs);
	}
	CHECK(want_refused > 60 && want_refused < 540,
	      "the log mixes both (%lu refused)", want_refused);
	CHECK(raw_fsck(dev, &cap, &res) == FAMFS_FSCK_ERRORS &&
		      res.nerrors == want_refused &&
		      res.data_used == kept_pages * PAGE,
	      "fsck reports each refused entry (%lu) and the same usage",
	      res.nerrors);
	unlink(dev);
}

/*
 * Files made the way the daemon makes them (pending, grown, shrunk,
 * abandoned, committed) and whole: a fresh open rebuilds the same
 * pieces, units and usage from the log, and fsck finds it clean.
 */
static void test_rebuild(void)
{
	char *dev = make_famfs("pack-rebuild", 64 * MiB, 0);
	static struct famfs_extent before[400][8];
	static int nbefore[400];
	struct famfs_fsck_result res;
	struct famfs_usage u1, u2;
	struct famfs_stat st;
	struct famfs_fs *fs;
	struct captured cap;
	unsigned long differ = 0;
	char name[32];
	int made = 0;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	for (int i = 0; i < 400; i++) {
		uint64_t size = rnd() % 8 == 0 ? rnd() % (5 * MiB) :
						 1 + rnd() % (64 * KiB);

		snprintf(name, sizeof(name), "r%d", i);
		if (i % 5 == 0) {
			if (famfs_create_file(fs, 1, name, 0644, 0, 0, size,
					      NULL, &st) == 0)
				made++;
			continue;
		}
		if (famfs_pending_create(fs, 1, name, 0644, 0, 0, &st))
			continue;
		/* written in steps, as writes arrive */
		for (uint64_t at = 0; at < size;) {
			uint64_t step = 1 + rnd() % (256 * KiB);

			if (famfs_pending_prepare_write(fs, st.ino, at, step))
				break;
			at += step;
		}
		if (rnd() % 4 == 0)
			famfs_pending_resize(fs, st.ino, rnd() % (size + 1));
		if (rnd() % 10 == 0)
			famfs_pending_abandon(fs, st.ino);
		else if (famfs_pending_commit(fs, st.ino) == 0)
			made++;
	}
	for (int i = 0; i < 400; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		nbefore[i] = famfs_resolve(fs, name, &st) ? -1 :
			     famfs_get_extents(fs, st.ino, before[i], 8, NULL);
	}
	famfs_fs_usage(fs, &u1);
	famfs_fs_close(fs);
	famfs_fs_open(dev, FAMFS_OPEN_RDONLY, NULL, &fs);
	for (int i = 0; i < 400; i++) {
		struct famfs_extent after[8];
		int n;

		snprintf(name, sizeof(name), "r%d", i);
		n = famfs_resolve(fs, name, &st) ? -1 :
		    famfs_get_extents(fs, st.ino, after, 8, NULL);
		if (n != nbefore[i] ||
		    (n > 0 && memcmp(after, before[i],
				     (size_t)(n < 8 ? n : 8) * sizeof(*after))))
			differ++;
	}
	famfs_fs_usage(fs, &u2);
	CHECK(made > 250 && !differ && u1.used_bytes == u2.used_bytes &&
		      u1.packed_units == u2.packed_units &&
		      u1.packed_bytes == u2.packed_bytes && u2.packed_units,
	      "%d files rebuilt from the log with the same extents, %llu "
	      "packed units and usage", made,
	      (unsigned long long)u2.packed_units);
	famfs_fs_close(fs);
	CHECK(raw_fsck(dev, &cap, &res) == 0 && res.packed_units &&
		      res.packed_bytes == u2.packed_bytes,
	      "fsck: clean, the same packed space");
	unlink(dev);
}

int main(void)
{
	test_rules();
	test_full();
	test_fuzz();
	test_poison();
	test_poison_everything();
	test_pending();
	test_reopened();
	test_held_unit_reused();
	test_fuzzed_log();
	test_rebuild();
	return tap_done();
}
