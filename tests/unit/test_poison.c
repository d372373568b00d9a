// SPDX-License-Identifier: Apache-2.0
/* Poisoned ranges recorded in the log: allocation, replay, clients. */
#include "tap.h"

static uint64_t entries(struct famfs_fs *fs)
{
	struct famfs_usage u;

	famfs_fs_usage(fs, &u);
	return u.log_entries;
}

static void test_merge(void)
{
	struct famfs_extent *r = NULL;
	size_t cap = 0;
	long n = 0;

	n = famfs_ranges_merge(&r, (size_t)n, &cap, 100, 10);	/* 100-110 */
	n = famfs_ranges_merge(&r, (size_t)n, &cap, 10, 5);	/* front */
	n = famfs_ranges_merge(&r, (size_t)n, &cap, 300, 10);	/* end */
	n = famfs_ranges_merge(&r, (size_t)n, &cap, 200, 10);	/* middle */
	CHECK(n == 4 && r[0].offset == 10 && r[1].offset == 100 &&
		      r[2].offset == 200 && r[3].offset == 300,
	      "disjoint ranges kept sorted");
	n = famfs_ranges_merge(&r, (size_t)n, &cap, 110, 5);
	CHECK(n == 4 && r[1].offset == 100 && r[1].len == 15,
	      "an adjacent range extends its neighbour");
	n = famfs_ranges_merge(&r, (size_t)n, &cap, 105, 200);
	CHECK(n == 2 && r[1].offset == 100 && r[1].len == 210,
	      "one range swallows three");
	n = famfs_ranges_merge(&r, (size_t)n, &cap, 0, 1000);
	CHECK(n == 1 && r[0].offset == 0 && r[0].len == 1000,
	      "and one covers all");
	for (int i = 0; i < 40; i++)
		n = famfs_ranges_merge(&r, (size_t)n, &cap, 2000 + 10 * i, 5);
	CHECK(n == 41 && cap >= 41 && r[40].offset == 2390,
	      "the array grows");
	free(r);
}

/*
 * A poisoned range ending exactly on, one byte before or one byte after
 * the end of the unit at 12 MiB takes out exactly the units it touches
 * from unit allocation: on version 1 whole (the free count says so), on
 * version 2 only its pages (the rest serve packed files); replay agrees,
 * and every other unit is still handed out (none of them holding poison).
 */
static void test_unit_boundaries(uint32_t version)
{
	static const struct {
		const char *what;
		uint64_t end;		/* the range is [12 MiB + 4 KiB, end) */
		uint64_t units;		/* units it takes out */
		uint64_t pages;		/* pages it touches */
	} cases[] = {
		{ "ends on the unit boundary", 14 * MiB, 1, 511 },
		{ "ends one byte before it", 14 * MiB - 1, 1, 511 },
		{ "ends one byte after it", 14 * MiB + 1, 2, 512 },
		{ "starts on a boundary, ends on the next", 0, 1, 512 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		/* 64 MiB: 27 data units, at 10, 12, ... 62 MiB */
		char *dev = make_famfs_version("edge", 64 * MiB, 0, version);
		uint64_t start = 12 * MiB + 4096, end = cases[i].end;
		uint64_t v1_free = (27 - cases[i].units) * 2 * MiB;
		uint64_t v2_free = 54 * MiB - cases[i].pages * 4096;
		uint64_t want_free = version == FAMFS_FORMAT_V1 ? v1_free :
								  v2_free;
		struct famfs_fs *fs, *again;
		struct famfs_stat st;
		struct famfs_usage u;
		uint64_t off, contig;
		int made = 0, touching = 0;
		char name[16];

		if (!end) {
			start = 12 * MiB;
			end = 14 * MiB;
		}
		be_master();
		famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
		CHECK_RC(famfs_mark_bad(fs, start, end - start), 0,
			 "%s: recorded", cases[i].what);
		famfs_fs_usage(fs, &u);
		CHECK(u.free_bytes == want_free,
		      "v%u %s: %" PRIu64 " unit(s) or %" PRIu64 " pages taken "
		      "out (free %" PRIu64 " KiB, want %" PRIu64 ")", version,
		      cases[i].what, cases[i].units, cases[i].pages,
		      (uint64_t)(u.free_bytes >> 10),
		      (uint64_t)(want_free >> 10));
		/* poisoned pages are no file's pieces */
		CHECK(u.packed_bytes == 0, "v%u %s: no packed bytes (%" PRIu64
		      ")", version, cases[i].what, u.packed_bytes);
		famfs_fs_open(dev, FAMFS_OPEN_RDONLY, NULL, &again);
		famfs_fs_usage(again, &u);
		CHECK(u.free_bytes == want_free && u.packed_bytes == 0,
		      "%s: replay agrees", cases[i].what);
		famfs_fs_close(again);
		for (;;) {
			snprintf(name, sizeof(name), "f%d", made);
			if (famfs_create_file(fs, 1, name, 0644, 0, 0, 2 * MiB,
					      NULL, &st))
				break;
			made++;
			if (famfs_file_map(fs, st.ino, 0, &off, &contig) ||
			    famfs_bad_overlaps(fs, off, 2 * MiB))
				touching++;
		}
		CHECK(made == (int)(27 - cases[i].units) && touching == 0,
		      "%s: the other %d units are allocated, none poisoned "
		      "(%d touching)", cases[i].what, made, touching);
		famfs_fs_close(fs);
		unlink(dev);
	}
}

/*
 * Hundreds of small poisoned ranges, two or three to a page, some
 * straddling two pages, over two free units and across the boundary
 * between them: exactly the pages they touch are taken out, on the
 * master and in replay.
 */
static void test_many_ranges(void)
{
	char *dev = make_famfs("many", 64 * MiB, 0);
	static bool touched[1024];	/* pages from 12 MiB */
	uint64_t base = 12 * MiB, pages = 0, free0;
	struct famfs_fs *fs, *again;
	struct famfs_usage u;
	int rc = 0;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	famfs_fs_usage(fs, &u);
	free0 = u.free_bytes;
	for (uint64_t k = 0; k < 1300 && !rc; k++) {
		/* every tenth straddles a page boundary */
		uint64_t off = k % 10 ? base + k * 3000 + k % 7 :
				      base + (k * 3000 / 4096 + 1) * 4096 - 4;
		uint64_t len = 8 + k % 5;

		rc = famfs_mark_bad(fs, off, len);
		for (uint64_t p = (off - base) / 4096;
		     p <= (off + len - 1 - base) / 4096; p++)
			touched[p] = true;
	}
	for (size_t p = 0; p < ARRAY_SIZE(touched); p++)
		pages += touched[p];
	famfs_fs_usage(fs, &u);
	CHECK(!rc && pages > 900 && free0 - u.free_bytes == pages * 4096,
	      "1300 ranges over two units: the %" PRIu64 " pages they touch "
	      "are out (%" PRIu64 " KiB out)", pages,
	      (uint64_t)((free0 - u.free_bytes) >> 10));
	famfs_fs_open(dev, FAMFS_OPEN_RDONLY, NULL, &again);
	famfs_fs_usage(again, &u);
	CHECK(free0 - u.free_bytes == pages * 4096,
	      "replay takes out the same pages");
	famfs_fs_close(again);
	famfs_fs_close(fs);
	unlink(dev);
}

/* Count a replay's error lines (a refused entry is one). */
static void count_line(void *ctx, enum famfs_severity sev, const char *msg)
{
	(void)msg;
	if (sev == FAMFS_ERROR)
		(*(int *)ctx)++;
}

/*
 * Memory of a file being written is marked poisoned before it is
 * committed. Replay refuses a file entry whose new space holds known
 * poison, so the master must not log one: the commit fails with EIO and
 * says why, and nothing the log holds is refused by a later replay. A
 * reopened file's poisoned old (logged) space does not stop its growth.
 */
static void test_poisoned_while_pending(void)
{
	static const struct {
		const char *what;
		uint64_t size;		/* written before the poison */
		bool reopened;		/* committed empty, then refilled */
		bool in_new;		/* the poison is in the new space */
	} cases[] = {
		{ "packed piece", 20000, false, true },
		{ "unit extent", 3 * MiB, false, true },
		{ "reopened, poison in its new space", 3 * MiB, true, true },
		{ "reopened, poison in its logged space", 3 * MiB, true, false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *dev = make_famfs("pend", 64 * MiB, 0);
		struct famfs_report rep = { count_line, NULL, 0, 0 };
		uint64_t off, contig, ino;
		struct famfs_fs *fs, *again;
		struct famfs_stat st;
		const char *why;
		int errors = 0, rc;

		rep.ctx = &errors;
		be_master();
		famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
		famfs_pending_create(fs, 1, "w", 0644, 0, 0, &st);
		ino = st.ino;
		if (!cases[i].in_new) {
			/* committed with 2 MiB, poisoned, grown to 3 MiB */
			famfs_pending_resize(fs, ino, 2 * MiB);
			famfs_pending_commit(fs, ino);
			famfs_file_map(fs, ino, 0, &off, &contig);
			famfs_mark_bad(fs, off + 100, 8);
			famfs_pending_reopen(fs, ino);
			famfs_pending_resize(fs, ino, cases[i].size);
			CHECK(famfs_pending_commit(fs, ino) == 0 &&
				      !famfs_commit_refusal(fs),
			      "%s: its growth is committed", cases[i].what);
		} else {
			if (cases[i].reopened) {
				famfs_pending_commit(fs, ino);
				famfs_pending_reopen(fs, ino);
			}
			famfs_pending_resize(fs, ino, cases[i].size);
			famfs_file_map(fs, ino, cases[i].size - 1, &off,
				       &contig);
			CHECK_RC(famfs_mark_bad(fs, off / 4096 * 4096 + 100, 8),
				 0, "%s: its last page marked poisoned",
				 cases[i].what);
			rc = famfs_pending_commit(fs, ino);
			why = famfs_commit_refusal(fs);
			why = why ? why : "nothing";
			CHECK(rc == -EIO && strstr(why, "poisoned"),
			      "%s: commit fails with EIO (%d) and says why (%s)",
			      cases[i].what, rc, why);
			famfs_pending_abandon(fs, ino);
		}
		famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &rep, &again);
		CHECK(errors == 0 && again->log_refused == 0,
		      "%s: replay refuses nothing the master logged (%d errors)",
		      cases[i].what, errors);
		famfs_fs_close(again);
		famfs_fs_close(fs);
		unlink(dev);
	}
}

int main(void)
{
	test_merge();
	test_poisoned_while_pending();
	test_many_ranges();
	test_unit_boundaries(FAMFS_FORMAT_V1);
	test_unit_boundaries(FAMFS_FORMAT_V2);
	/* 64 MiB: data units at 10, 12, ... 62 MiB */
	char *dev = make_famfs("bad", 64 * MiB, 0);
	struct famfs_fs *fs, *client, *again;
	struct famfs_extent ext[4], got;
	struct famfs_stat st;
	struct famfs_usage u0, u1;
	uint64_t ino, pos;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	CHECK_RC(famfs_create_file(fs, 1, "a", 0644, 0, 0, 2 * MiB, NULL, &st),
		 0, "file a at the first data unit");
	be_client();
	famfs_fs_open(dev, FAMFS_OPEN_RDONLY, NULL, &client);
	be_master();

	CHECK(!famfs_bad_overlaps(fs, 0, 64 * MiB), "no poison yet");
	famfs_fs_usage(fs, &u0);
	/* one page in free space (the unit at 12 MiB), one inside a */
	CHECK_RC(famfs_mark_bad(fs, 12 * MiB + 8192, 4096), 0,
		 "poison in free space recorded");
	CHECK_RC(famfs_mark_bad(fs, 10 * MiB + 4096, 4096), 0,
		 "poison inside a file recorded");
	CHECK(entries(fs) == 3, "two log entries appended");
	CHECK_RC(famfs_mark_bad(fs, 12 * MiB + 8192, 4096), 0,
		 "the same poison again");
	CHECK(entries(fs) == 3, "a known range appends nothing");
	famfs_fs_usage(fs, &u1);
	CHECK(u1.used_bytes == u0.used_bytes + 4096 && u1.packed_units == 1 &&
		      u1.packed_bytes == 0,
	      "the poisoned page of the free unit is taken out, not the unit");
	CHECK(famfs_owner_of(fs, 10 * MiB + 4096, &ino, &pos) == 0 &&
		      ino == st.ino && pos == 4096,
	      "the file keeps its poisoned unit (reads refuse it)");
	CHECK(famfs_bad_overlaps(fs, 12 * MiB + 8000, 200) &&
		      !famfs_bad_overlaps(fs, 12 * MiB, 8192),
	      "overlap is byte exact");
	CHECK_RC(famfs_create_file(fs, 1, "b", 0644, 0, 0, 4 * MiB, NULL, &st),
		 0, "a new file");
	CHECK(famfs_file_map(fs, st.ino, 0, &ino, &pos) == 0 &&
		      ino == 14 * MiB,
	      "is never placed on the poisoned unit");
	CHECK_RC(famfs_mark_bad(fs, 63 * MiB, 2 * MiB), -ERANGE,
		 "range past the device refused");
	CHECK_RC(famfs_mark_bad(client, 20 * MiB, 4096), -EROFS,
		 "a client cannot record poison");

	CHECK_RC(famfs_fs_refresh(client, NULL, false, NULL, NULL), 3,
		 "client replays the poison and the new file");
	CHECK(famfs_bad_ranges(client, ext, 4) == 2 &&
		      ext[0].offset == 10 * MiB + 4096 &&
		      ext[1].offset == 12 * MiB + 8192,
	      "client knows both ranges, sorted");
	famfs_fs_close(client);

	/* adjacent ranges merge */
	CHECK_RC(famfs_mark_bad(fs, 12 * MiB + 12288, 4096), 0,
		 "adjacent poison");
	CHECK(famfs_bad_ranges(fs, &got, 1) == 2 && got.len == 4096,
	      "still two ranges");
	CHECK(famfs_bad_ranges(fs, ext, 4) == 2 &&
		      ext[1].offset == 12 * MiB + 8192 && ext[1].len == 8192,
	      "merged into one of 8 KiB");
	famfs_fs_close(fs);

	famfs_fs_open(dev, FAMFS_OPEN_RDONLY, NULL, &again);
	CHECK(famfs_bad_ranges(again, ext, 4) == 2 && ext[1].len == 8192,
	      "poison survives a remount");
	famfs_fs_close(again);
	{
		struct famfs_fsck_result res;
		struct famfs_report rep = { 0 };
		struct famfs_dev *d;

		famfs_dev_open(dev, FAMFS_DEV_RDONLY, &d);
		CHECK_RC(famfs_fsck(d, &rep, &res), 0,
			 "fsck clean with poison recorded");
		CHECK(res.bad_ranges == 2 && res.bad_bytes == 12288,
		      "fsck counts the poisoned ranges");
		famfs_dev_close(d);
	}
	unlink(dev);
	return tap_done();
}
