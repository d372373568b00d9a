// SPDX-License-Identifier: Apache-2.0
/*
 * Direct mappings without a daemon: a file's layout (famfs_file_layout,
 * as FAMFS_IOC_LAYOUT hands it out), mapping file ranges from the device
 * (direct_map: placement, alignment, refusals), and the address-range
 * bookkeeping of the preload library (ranges.c).
 */
#include <sys/mman.h>

#include "direct.h"
#include "ranges.h"
#include "tap.h"

#define PAGE 4096ULL

/* The whole layout of @ino, read in pieces of @max runs. */
static int layout_all(struct famfs_fs *fs, uint64_t ino, uint32_t max,
		      struct direct_layout *l, const char *dev)
{
	struct famfs_extent piece[64];
	struct famfs_layout info;
	uint64_t pos = 0;
	uint32_t have = 0;
	int n;

	memset(l, 0, sizeof(*l));
	do {
		n = famfs_file_layout(fs, ino, pos, piece, max, &info);
		if (n <= 0)
			return n < 0 ? n : -EIO;
		if (!l->runs)
			l->runs = calloc(info.total_runs, sizeof(*l->runs));
		for (int i = 0; i < n; i++) {
			if (have == info.total_runs)
				return -EIO;
			l->runs[have++] = piece[i];
			pos += piece[i].len;
		}
	} while (pos < info.mapped);
	l->nruns = have;
	l->size = info.size;
	l->mapped = info.mapped;
	if (famfs_crc32c(0, l->runs, have * sizeof(*l->runs)) != info.crc)
		return -EBADMSG;
	memcpy(l->fs_uuid, famfs_fs_sb(fs)->fs_uuid, 16);
	l->device = strdup(dev);
	return 0;
}

/* Every run is where famfs_file_map() says the file's bytes are. */
static bool layout_agrees(struct famfs_fs *fs, uint64_t ino,
			  const struct direct_layout *l)
{
	uint64_t pos = 0;

	for (uint32_t i = 0; i < l->nruns; i++) {
		for (uint64_t k = 0; k < l->runs[i].len && pos + k < l->size;
		     k += PAGE) {
			uint64_t dev_off, contig;

			if (famfs_file_map(fs, ino, pos + k, &dev_off, &contig) ||
			    dev_off != l->runs[i].offset + k)
				return false;
		}
		pos += l->runs[i].len;
	}
	return pos == l->mapped && pos >= l->size;
}

static void fill(struct famfs_fs *fs, uint64_t ino, uint64_t size)
{
	for (uint64_t pos = 0; pos < size; pos += 8) {
		uint64_t dev_off, contig, v = pos * 0x9e3779b97f4a7c15ULL;

		famfs_file_map(fs, ino, pos, &dev_off, &contig);
		memcpy(famfs_fs_ptr(fs, dev_off), &v, 8);
	}
}

static bool mapping_matches(const uint8_t *p, uint64_t from, uint64_t len)
{
	for (uint64_t pos = from; pos < from + len; pos += 8) {
		uint64_t v = pos * 0x9e3779b97f4a7c15ULL;

		if (memcmp(p + (pos - from), &v, 8))
			return false;
	}
	return true;
}

/* A contiguous 5 MB file and a 12 MiB file in two strips of 2 MiB chunks. */
static void make_files(struct famfs_fs *fs, struct famfs_stat *plain,
		       struct famfs_stat *striped)
{
	struct famfs_interleave il = { .nstrips = 2, .nbuckets = 2,
				       .chunk_size = 2 * MiB };

	famfs_create_file(fs, 1, "plain", 0644, 0, 0, 5000000, NULL, plain);
	famfs_create_file(fs, 1, "striped", 0644, 0, 0, 12 * MiB, &il,
			  striped);
}

static void test_layout(void)
{
	const char *dev = make_famfs("layout", 64 * MiB, 0);
	struct famfs_stat plain, striped, dir, pending;
	struct famfs_extent runs[8];
	struct famfs_layout info, again;
	struct direct_layout l;
	struct famfs_fs *fs;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	make_files(fs, &plain, &striped);
	famfs_mkdir(fs, 1, "dir", 0755, 0, 0, &dir);
	famfs_pending_create(fs, 1, "pending", 0644, 0, 0, &pending);

	CHECK_RC(famfs_file_layout(fs, plain.ino, 0, runs, 8, &info), 1,
		 "a contiguous file is one run");
	CHECK(info.size == 5000000 && info.mapped == 6 * MiB &&
		      info.total_runs == 1 &&
		      info.state == FAMFS_NODE_COMMITTED,
	      "size, allocation, count and state described");
	CHECK_RC(layout_all(fs, plain.ino, 8, &l, dev), 0,
		 "plain layout read whole");
	CHECK(layout_agrees(fs, plain.ino, &l),
	      "plain layout agrees with famfs_file_map");
	direct_layout_free(&l);

	CHECK_RC(famfs_file_layout(fs, striped.ino, 0, runs, 8, &info), 6,
		 "12 MiB in two strips of 2 MiB chunks: six runs");
	CHECK_RC(layout_all(fs, striped.ino, 4, &l, dev), 0,
		 "interleaved layout read in pieces of four runs");
	CHECK(l.nruns == 6 && layout_agrees(fs, striped.ino, &l),
	      "interleaved layout agrees with famfs_file_map");
	direct_layout_free(&l);
	CHECK_RC(famfs_file_layout(fs, striped.ino, 3 * MiB, runs, 8, &again),
		 5, "from the middle of a run: the run is cut there");
	CHECK(runs[0].len == MiB && again.crc == info.crc &&
		      again.total_runs == info.total_runs,
	      "cut run is the rest of it; the whole-list CRC is unchanged");
	CHECK_RC(famfs_file_layout(fs, striped.ino, 12 * MiB, runs, 8, &again),
		 -EINVAL, "a position past the allocation is refused");
	CHECK_RC(famfs_file_layout(fs, dir.ino, 0, runs, 8, &again), -EISDIR,
		 "a directory has no layout");
	CHECK_RC(famfs_file_layout(fs, 9999, 0, runs, 8, &again), -ENOENT,
		 "a missing inode has none either");
	famfs_pending_resize(fs, pending.ino, 100);
	famfs_file_layout(fs, pending.ino, 0, runs, 8, &again);
	CHECK(again.state == FAMFS_NODE_PENDING,
	      "a pending file's layout says so (the daemon refuses it)");
	famfs_fs_close(fs);
	unlink(dev);
}

static void test_direct_map(void)
{
	const char *dev = make_famfs("direct", 64 * MiB, 0);
	struct direct_request req = {
		.prot = PROT_READ | PROT_WRITE,
		.map_type = MAP_SHARED,
		.device_rdwr = true,
		.where = DIRECT_ANYWHERE,
	};
	struct famfs_stat plain, striped, small;
	struct direct_layout l;
	struct famfs_fs *fs;
	uint64_t len, dev_off, contig;
	uint8_t *p, *q;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	make_files(fs, &plain, &striped);
	/* written and committed as the daemon does: packed (version 2) */
	famfs_pending_create(fs, 1, "small", 0644, 0, 0, &small);
	famfs_pending_resize(fs, small.ino, 5000);
	famfs_pending_commit(fs, small.ino);
	fill(fs, plain.ino, 5000000);
	fill(fs, striped.ino, 12 * MiB);
	fill(fs, small.ino, 5000);

	layout_all(fs, plain.ino, 8, &l, dev);
	req.length = l.size;
	CHECK_RC(direct_map(&l, &req, (void **)&p, &len), 0,
		 "map a whole file");
	CHECK(len == (5000000 + PAGE - 1) / PAGE * PAGE,
	      "mapped length is the size in whole pages (%llu)",
	      (unsigned long long)len);
	famfs_file_map(fs, plain.ino, 0, &dev_off, &contig);
	CHECK((uintptr_t)p % (2 * MiB) == dev_off % (2 * MiB),
	      "address and device offset agree modulo 2 MiB");
	CHECK(mapping_matches(p, 0, 5000000 / 8 * 8),
	      "the mapping shows the file's bytes");
	p[100] ^= 0xff;
	CHECK(((uint8_t *)famfs_fs_ptr(fs, dev_off))[100] == p[100],
	      "a store through the mapping is in device memory");
	p[100] ^= 0xff;
	munmap(p, len);

	req.offset = 2 * MiB + 3 * PAGE;
	req.length = 10 * PAGE + 1;
	CHECK_RC(direct_map(&l, &req, (void **)&p, &len), 0,
		 "map a range from inside the file");
	CHECK(len == 11 * PAGE && mapping_matches(p, req.offset, len),
	      "the range shows the file's bytes at its offset");
	munmap(p, len);
	req.offset = 4 * MiB;
	req.length = 1000000;
	CHECK_RC(direct_map(&l, &req, (void **)&p, &len), -ENXIO,
		 "a range past the file's last page is refused");
	req.offset = 100;
	req.length = PAGE;
	CHECK_RC(direct_map(&l, &req, (void **)&p, &len), -EINVAL,
		 "an offset not on a page is refused");

	/* fixed placement: replace a mapping, or only fill a free range */
	q = mmap(NULL, 8 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	req.offset = 0;
	req.length = 4 * PAGE;
	req.where = DIRECT_FIXED_NOREPLACE;
	req.addr = q;
	CHECK_RC(direct_map(&l, &req, (void **)&p, &len), -EEXIST,
		 "NOREPLACE over a mapping: EEXIST");
	req.where = DIRECT_FIXED;
	CHECK_RC(direct_map(&l, &req, (void **)&p, &len), 0,
		 "FIXED over a mapping replaces it");
	CHECK(p == q && mapping_matches(p, 0, len),
	      "at the address asked for, with the file's bytes");
	munmap(q, 8 * PAGE);
	req.where = DIRECT_ANYWHERE;

	/* the device is checked: same filesystem, runs inside it */
	l.fs_uuid[0] ^= 1;
	req.length = PAGE;
	CHECK_RC(direct_map(&l, &req, (void **)&p, &len), -ENODEV,
		 "a device with another filesystem UUID is refused");
	l.fs_uuid[0] ^= 1;
	l.runs[0].offset = 62 * MiB;
	CHECK_RC(direct_map(&l, &req, (void **)&p, &len), -ENODEV,
		 "runs past the device's end are refused");
	direct_layout_free(&l);

	layout_all(fs, striped.ino, 8, &l, dev);
	req.length = l.size;
	CHECK_RC(direct_map(&l, &req, (void **)&p, &len), 0,
		 "map an interleaved file");
	CHECK(len == 12 * MiB && mapping_matches(p, 0, len),
	      "its chunks lie back to back in file order");
	munmap(p, len);
	req.device_rdwr = false;
	CHECK_RC(direct_map(&l, &req, (void **)&p, &len), -EACCES,
		 "PROT_WRITE on a device opened read-only fails");
	req.prot = PROT_READ;
	CHECK_RC(direct_map(&l, &req, (void **)&p, &len), 0,
		 "read-only mapping of a read-only device");
	munmap(p, len);
	direct_layout_free(&l);

	/*
	 * A small file: a packed piece of two pages where version 2 packs
	 * (else its unit); either way two pages are mapped, congruent to
	 * where they are on the device.
	 */
	famfs_getattr(fs, small.ino, &small);
	layout_all(fs, small.ino, 8, &l, dev);
	CHECK(l.nruns == 1 && l.mapped == small.allocated,
	      "a 5000-byte file: one run over its %llu allocated bytes",
	      (unsigned long long)small.allocated);
	req.length = l.size;
	CHECK_RC(direct_map(&l, &req, (void **)&p, &len), 0,
		 "map a packed small file");
	CHECK(len == 2 * PAGE && mapping_matches(p, 0, 5000 / 8 * 8) &&
		      (uintptr_t)p % (2 * MiB) == l.runs[0].offset % (2 * MiB),
	      "its two pages, at an address congruent to the piece");
	munmap(p, len);
	free(l.device);
	l.device = strdup("/dev/shm/famfs-unit-no-such-device");
	CHECK_RC(direct_map(&l, &req, (void **)&p, &len), -ENOENT,
		 "a device that cannot be opened: open's errno");
	direct_layout_free(&l);
	famfs_fs_close(fs);
	unlink(dev);
}

static void test_hold(void)
{
	const char *dev = make_device("hold", 2 * MiB);
	struct direct_hold h;
	int fd = open(dev, O_RDONLY), pipe_fds[2];

	CHECK_RC(direct_hold(fd, &h), 0, "hold a regular file");
	CHECK(h.addr && h.fd < 0, "by a mapping of it, no descriptor");
	close(fd);
	CHECK(h.addr && *(volatile int *)&h.fd == -1 &&
		      mprotect(h.addr, PAGE, PROT_NONE) == 0,
	      "the hold outlives the descriptor");
	direct_release(&h);
	CHECK(!h.addr && h.fd == -1, "released");
	if (pipe(pipe_fds))
		exit(99);
	CHECK_RC(direct_hold(pipe_fds[0], &h), 0,
		 "hold a file that cannot be mapped");
	CHECK(!h.addr && h.fd >= 0 && fcntl(h.fd, F_GETFD) == FD_CLOEXEC,
	      "by a close-on-exec duplicate of its descriptor");
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	direct_release(&h);
	CHECK(h.fd == -1, "released");
	unlink(dev);
}

static bool range_is(const struct range_set *s, size_t i, uintptr_t start,
		     uintptr_t end, uint64_t off)
{
	return i < s->count && s->r[i].start == start && s->r[i].end == end &&
	       s->r[i].file_off == off;
}

static void test_ranges(void)
{
	struct range_set s = { 0 };
	struct mapped_range *m;

	ranges_add(&s, 0x10000, 0x20000, 0x5000);
	CHECK(ranges_cut(&s, 0x30000, 0x40000) == 0 && s.count == 1,
	      "a cut elsewhere changes nothing");
	CHECK(ranges_cut(&s, 0x14000, 0x16000) == 0x2000 && s.count == 2 &&
		      range_is(&s, 0, 0x10000, 0x14000, 0x5000) &&
		      range_is(&s, 1, 0x16000, 0x20000, 0xb000),
	      "a hole splits a range, the tail keeps its file offset");
	CHECK(ranges_cut(&s, 0x8000, 0x11000) == 0x1000 &&
		      range_is(&s, 0, 0x11000, 0x14000, 0x6000),
	      "a cut over the head moves start and file offset");
	CHECK(ranges_cut(&s, 0x1f000, 0x30000) == 0x1000 &&
		      range_is(&s, 1, 0x16000, 0x1f000, 0xb000),
	      "a cut over the tail moves the end");
	m = ranges_find(&s, 0x17000, 0x18000);
	CHECK(m && m->start == 0x16000, "find the range holding a span");
	CHECK(!ranges_find(&s, 0x13000, 0x17000),
	      "a span across a hole is in no range");
	CHECK(ranges_cut(&s, 0, 0x100000) == 0x3000 + 0x9000 && s.count == 0,
	      "a cut over everything empties the set");
	ranges_free(&s);
}

int main(void)
{
	test_layout();
	test_direct_map();
	test_hold();
	test_ranges();
	return tap_done();
}
