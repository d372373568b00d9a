// SPDX-License-Identifier: Apache-2.0
/*
 * mount_bw: in a guest whose device is bound to fsdev_dax and mounted by
 * famfs (files served by FUSE passthrough onto views), a file through the
 * mount against a raw view of the same extents made by this program:
 *   - mmap sequential read and write, 2 MiB blocks;
 *   - read() and write() of 1 MiB blocks (16 MiB per pass: TCG copies slowly);
 *   - read() and write() of 4 KiB blocks, against a tmpfs file;
 *   - page faults per 2 MiB touched through the mount (getrusage and the
 *     driver's PMD/PTE counters), against the raw view.
 * The two sides of a row are measured alternately (ABBA), and the ratio
 * is the median of the per-repetition ratios. Output: bench.h's rows.
 *
 * usage: mount_bw [-r REPS] [-f FAULT_REPS] FILE DEVICE EXTENTS TMPFS_FILE
 *   EXTENTS: FILE's extents as OFFSET+LEN,... (bytes, 0x allowed), in
 *   file order, as `famfs getmap` lists them.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/fsdev_dax.h>
#include "vm_bench.h"

#define MAX_EXTENTS 256
#define MAX_REPS 32
#define SMALL_BYTES (16 * MIB)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))	/* covered by each 4 KiB pass */

static char sysdir[256];	/* /sys/bus/dax/devices/daxX.Y/fsdev */
static uint64_t file_size;
static uint8_t *buf;		/* 2 MiB, the user side of every copy */

static void die(const char *what)
{
	vm_die("mount_bw", what);
}

/* One side of a comparison: an fd and, for mmap rows, its mapping. */
struct side {
	int fd;
	uint8_t *map;
};

enum copy_op { MMAP_READ, MMAP_WRITE, READ, WRITE };

/* One timed pass of @op in @block pieces over @len bytes; MB/s. */
static double pass(const struct side *s, enum copy_op op, uint64_t block,
		   uint64_t len)
{
	double t0 = vm_now();

	for (uint64_t pos = 0; pos < len; pos += block) {
		switch (op) {
		case MMAP_READ:
			memcpy(buf, s->map + pos, block);
			break;
		case MMAP_WRITE:
			memcpy(s->map + pos, buf, block);
			break;
		case READ:
			if (pread(s->fd, buf, block, (off_t)pos) != (ssize_t)block)
				die("pread");
			break;
		case WRITE:
			if (pwrite(s->fd, buf, block, (off_t)pos) != (ssize_t)block)
				die("pwrite");
			break;
		}
		/* keep the compiler from dropping copies nobody reads */
		__asm__ __volatile__("" : : : "memory");
	}
	return (double)len / (vm_now() - t0) / 1e6;
}

/* The rows: the file through the mount against a raw view, or tmpfs. */
static const struct row_spec {
	const char *what, *size, *text, *goal;
	enum copy_op op;
	uint64_t block;
} rows[] = {
	{ "mmap.seq.read", "2M", "mmap seq read", "ratio>=0.98", MMAP_READ, PMD_SIZE_B },
	{ "mmap.seq.write", "2M", "mmap seq write", "ratio>=0.98", MMAP_WRITE, PMD_SIZE_B },
	{ "rw.read", "1M", "read()", "ratio>=0.95", READ, MIB },
	{ "rw.write", "1M", "write()", "ratio>=0.95", WRITE, MIB },
	/* small requests: against tmpfs in the same guest */
	{ "rw.read", "4K", "read()", "ratio>=0.5", READ, PAGE_B },
	{ "rw.write", "4K", "write()", "ratio>=0.5", WRITE, PAGE_B },
};

static void compare(const char *id, const char *label, const struct side *a,
		    const char *b_name, const struct side *b, enum copy_op op,
		    uint64_t block, uint64_t len, int reps, const char *goal,
		    const char *note)
{
	double va[MAX_REPS], vb[MAX_REPS], q[MAX_REPS];

	pass(a, op, block, len);	/* warm both: faults are rows of their own */
	pass(b, op, block, len);
	for (int i = 0; i < reps; i++) {
		bool a_first = i % 2 == 0;	/* ABBA */

		if (a_first)
			va[i] = pass(a, op, block, len);
		vb[i] = pass(b, op, block, len);
		if (!a_first)
			va[i] = pass(a, op, block, len);
		q[i] = va[i] / vb[i];
	}
	vm_row(id, label, "MB/s", vm_stat_of(va, reps), b_name,
	       vm_stat_of(vb, reps), vm_stat_of(q, reps).med, goal, note);
}

/* A side of the fault rows: @arg points at its fd. */
static void touch(void *arg, bool write)
{
	uint8_t *p = mmap(NULL, file_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			  *(int *)arg, 0);

	if (p == MAP_FAILED)
		die("mmap");
	for (uint64_t off = 0; off < file_size; off += PAGE_B) {
		volatile uint8_t *b = p + off;

		if (write)
			*b = (uint8_t)off;
		else
			(void)*b;
	}
	munmap(p, file_size);
}

/* "OFF+LEN,OFF+LEN,..." into @ext; returns the count. */
static uint32_t parse_extents(const char *text, struct fsdev_dax_extent *ext)
{
	uint32_t n = 0;
	char *end;

	while (*text && n < MAX_EXTENTS) {
		ext[n].offset = strtoull(text, &end, 0);
		if (*end != '+')
			break;
		ext[n].len = strtoull(end + 1, &end, 0);
		n++;
		if (*end != ',')
			break;
		text = end + 1;
	}
	if (!n || *end) {
		errno = EINVAL;
		die("extents (OFFSET+LEN,...)");
	}
	return n;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mount_bw [-r REPS] [-f FAULT_REPS] FILE DEVICE EXTENTS TMPFS_FILE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct fsdev_dax_extent ext[MAX_EXTENTS];
	struct fsdev_dax_view_create vc;
	struct side mount, view, tmpfs;
	int reps = 9, freps = 5, opt, dev_fd;
	const char *dev;
	struct stat st;
	char note[160], small_note[192];

	while ((opt = getopt(argc, argv, "r:f:")) != -1) {
		switch (opt) {
		case 'r':
			reps = atoi(optarg);
			break;
		case 'f':
			freps = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind + 4 != argc || reps < 1 || reps > MAX_REPS || freps < 1 ||
	    freps > MAX_REPS)
		usage();
	dev = argv[optind + 1];
	snprintf(sysdir, sizeof(sysdir), "/sys/bus/dax/devices/%s/fsdev",
		 strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev);

	mount.fd = open(argv[optind], O_RDWR | O_CLOEXEC);
	if (mount.fd < 0 || fstat(mount.fd, &st))
		die(argv[optind]);
	file_size = (uint64_t)st.st_size;
	if (!file_size || file_size % PMD_SIZE_B || file_size < SMALL_BYTES) {
		errno = EINVAL;
		die("the file must be whole 2 MiB units, at least 16 MiB");
	}

	dev_fd = open(dev, O_RDWR | O_CLOEXEC);
	if (dev_fd < 0)
		die(dev);
	memset(&vc, 0, sizeof(vc));
	vc.extents_ptr = (uintptr_t)ext;
	vc.nr_extents = parse_extents(argv[optind + 2], ext);
	vc.open_flags = O_RDWR | O_CLOEXEC;	/* the write rows write through it */
	view.fd = ioctl(dev_fd, FSDEV_DAX_IOC_CREATE_VIEW, &vc);
	if (view.fd < 0)
		die("FSDEV_DAX_IOC_CREATE_VIEW");
	if (vc.size != file_size) {
		errno = EINVAL;
		die("the extents do not add up to the file's size");
	}

	tmpfs.fd = open(argv[optind + 3], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC,
			0600);
	if (tmpfs.fd < 0 || ftruncate(tmpfs.fd, (off_t)SMALL_BYTES))
		die(argv[optind + 3]);
	tmpfs.map = NULL;

	buf = aligned_alloc(PMD_SIZE_B, PMD_SIZE_B);
	if (!buf)
		die("out of memory");
	memset(buf, 0x5a, PMD_SIZE_B);
	/* written once, so that reads of the tmpfs file read pages */
	for (uint64_t pos = 0; pos < SMALL_BYTES; pos += PMD_SIZE_B)
		if (pwrite(tmpfs.fd, buf, PMD_SIZE_B, (off_t)pos) !=
		    (ssize_t)PMD_SIZE_B)
			die("tmpfs write");

	/* faults first: the bandwidth passes leave PMDs behind */
	vm_fault_rows(sysdir, "vm.mount.faults", "through the mount: ",
		      "raw view mmap", touch, &mount.fd, &view.fd, file_size,
		      freps, "fresh mappings of the whole file");

	mount.map = mmap(NULL, file_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 mount.fd, 0);
	view.map = mmap(NULL, file_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			view.fd, 0);
	if (mount.map == MAP_FAILED || view.map == MAP_FAILED)
		die("mmap");
	snprintf(note, sizeof(note), "%llu MiB file, %u extent(s), client mount; own raw view",
		 (unsigned long long)(file_size >> 20), vc.nr_extents);
	snprintf(small_note, sizeof(small_note), "16 MiB per pass; %s", note);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		const struct row_spec *r = &rows[i];
		bool small = r->block == PAGE_B;
		/*
		 * read()/write() copy at tens of MB/s under TCG: whole-file
		 * passes of them would outlast the guest's time limit
		 */
		bool mapped = r->op == MMAP_READ || r->op == MMAP_WRITE;
		char id[64], label[128];

		snprintf(id, sizeof(id), "vm.mount.%s.%s", r->what, r->size);
		snprintf(label, sizeof(label),
			 "through the mount: %s, %s blocks (TCG)", r->text,
			 r->size);
		compare(id, label, &mount, small ? "tmpfs" : "raw view",
			small ? &tmpfs : &view, r->op, r->block,
			mapped ? file_size : SMALL_BYTES, reps, r->goal,
			small ? "16 MiB per pass; tmpfs file in the same guest" :
			mapped ? note : small_note);
	}
	munmap(mount.map, file_size);
	munmap(view.map, file_size);
	close(tmpfs.fd);
	close(view.fd);
	close(dev_fd);
	close(mount.fd);
	free(buf);
	return 0;
}
