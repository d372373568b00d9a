// SPDX-License-Identifier: Apache-2.0
/*
 * mount_bw: in a guest whose device is bound to fsdev_dax and mounted by
 * famfs (files served by FUSE passthrough onto views), a file through the
 * mount against a raw view of the same extents made by this program:
 *   - mmap sequential read and write, 2 MiB blocks: whole-file passes,
 *     alternated ABBA, ratio = median of the per-repetition ratios;
 *   - read() and write() of 1 MiB blocks: single calls alternated ABBA
 *     (mount, view, view, mount, ... at the same file offset), ratio =
 *     median of the per-pair ratios. A call takes tens of ms under TCG,
 *     the host's scheduling noise comes in bursts of about that length,
 *     and pairs of adjacent calls see the same burst where 16 MiB passes
 *     a second apart do not;
 *   - read() and write() of 4 KiB blocks, against a tmpfs file;
 *   - page faults per 2 MiB touched through the mount (getrusage and the
 *     driver's PMD/PTE counters), against the raw view.
 * Each mount-vs-view row is followed by a control row: the same method
 * with a second raw view of the same extents in place of the mount
 * (A/A), whose distance from 1.0 is what the method yields with no
 * difference at all. Output: bench.h's rows.
 *
 * usage: mount_bw [-r REPS] [-p PAIRS] [-f FAULT_REPS] [-i]
 *                 FILE DEVICE EXTENTS TMPFS_FILE
 *   EXTENTS: FILE's extents as OFFSET+LEN,... (bytes, 0x allowed), in
 *   file order, as `famfs getmap` lists them.
 *   -i: the guest runs under qemu -icount (its clock counts executed
 *   instructions, so host load does not reach the figures): only the
 *   read()/write() 1 MiB rows and their controls, ids *.icount.*
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
#define MAX_PAIRS 1024
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

/* One copy of @block bytes at @pos. */
static void copy(const struct side *s, enum copy_op op, uint64_t block,
		 uint64_t pos)
{
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

/* One timed pass of @op in @block pieces over @len bytes; MB/s. */
static double pass(const struct side *s, enum copy_op op, uint64_t block,
		   uint64_t len)
{
	double t0 = vm_now();

	for (uint64_t pos = 0; pos < len; pos += block)
		copy(s, op, block, pos);
	return (double)len / (vm_now() - t0) / 1e6;
}

/* MB/s of one measurement: a single call at @pos, or a pass over @len. */
static double measure(const struct side *s, enum copy_op op, uint64_t block,
		      bool calls, uint64_t pos, uint64_t len)
{
	double t0;

	if (!calls)
		return pass(s, op, block, len);
	t0 = vm_now();
	copy(s, op, block, pos);
	return (double)block / (vm_now() - t0) / 1e6;
}

/* The rows: the file through the mount against a raw view, or tmpfs. */
static const struct row_spec {
	const char *what, *size, *text, *goal;
	enum copy_op op;
	uint64_t block;
	bool calls;		/* single calls alternated, not passes */
} rows[] = {
	{ "mmap.seq.read", "2M", "mmap seq read", "ratio>=0.98", MMAP_READ, PMD_SIZE_B, false },
	{ "mmap.seq.write", "2M", "mmap seq write", "ratio>=0.98", MMAP_WRITE, PMD_SIZE_B, false },
	{ "rw.read", "1M", "read()", "ratio>=0.95", READ, MIB, true },
	{ "rw.write", "1M", "write()", "ratio>=0.95", WRITE, MIB, true },
	/* small requests: against tmpfs in the same guest */
	{ "rw.read", "4K", "read()", "ratio>=0.5", READ, PAGE_B, false },
	{ "rw.write", "4K", "write()", "ratio>=0.5", WRITE, PAGE_B, false },
};

/* How one row is measured, and how its line reads. */
struct method {
	int reps;		/* passes per side */
	int pairs;		/* with calls: call pairs */
	uint64_t len;		/* bytes per pass; calls sweep them */
	const char *id, *label, *b_name, *goal, *note;
};

/*
 * Side @a against side @b, alternated ABBA: whole passes, or with
 * @calls single calls at the same offset; MB/s of each side and the
 * median of the paired ratios.
 */
static void compare(const struct side *a, const struct side *b,
		    enum copy_op op, uint64_t block, bool calls,
		    const struct method *m)
{
	static double va[MAX_PAIRS], vb[MAX_PAIRS], q[MAX_PAIRS];
	int n = calls ? m->pairs : m->reps;

	/* warm both: faults are rows of their own */
	measure(a, op, block, calls, 0, m->len);
	measure(b, op, block, calls, 0, m->len);
	for (int i = 0; i < n; i++) {
		bool a_first = i % 2 == 0;	/* ABBA */
		uint64_t pos = (uint64_t)i * block % m->len;

		if (a_first)
			va[i] = measure(a, op, block, calls, pos, m->len);
		vb[i] = measure(b, op, block, calls, pos, m->len);
		if (!a_first)
			va[i] = measure(a, op, block, calls, pos, m->len);
		q[i] = va[i] / vb[i];
	}
	vm_row(m->id, m->label, "MB/s", vm_stat_of(va, n), m->b_name,
	       vm_stat_of(vb, n), vm_stat_of(q, n).med, m->goal, m->note);
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
		"usage: mount_bw [-r REPS] [-p PAIRS] [-f FAULT_REPS] [-i] FILE DEVICE EXTENTS TMPFS_FILE\n");
	exit(2);
}

/* A raw view of @ext made through @dev_fd, mapped whole; its size. */
static uint64_t raw_view(int dev_fd, struct fsdev_dax_extent *ext,
			 uint32_t nr_extents, struct side *s)
{
	struct fsdev_dax_view_create vc;

	memset(&vc, 0, sizeof(vc));
	vc.extents_ptr = (uintptr_t)ext;
	vc.nr_extents = nr_extents;
	vc.open_flags = O_RDWR | O_CLOEXEC;	/* the write rows write through it */
	s->fd = ioctl(dev_fd, FSDEV_DAX_IOC_CREATE_VIEW, &vc);
	if (s->fd < 0)
		die("FSDEV_DAX_IOC_CREATE_VIEW");
	s->map = NULL;
	return vc.size;
}

static void map_side(struct side *s)
{
	s->map = mmap(NULL, file_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      s->fd, 0);
	if (s->map == MAP_FAILED)
		die("mmap");
}

int main(int argc, char **argv)
{
	struct fsdev_dax_extent ext[MAX_EXTENTS];
	struct side mount, view, control, tmpfs;
	int reps = 9, pairs = 64, freps = 5, opt, dev_fd;
	bool icount = false;
	uint32_t nr_extents;
	const char *dev;
	struct stat st;
	char note[160], calls_note[256];

	while ((opt = getopt(argc, argv, "r:p:f:i")) != -1) {
		switch (opt) {
		case 'r':
			reps = atoi(optarg);
			break;
		case 'p':
			pairs = atoi(optarg);
			break;
		case 'f':
			freps = atoi(optarg);
			break;
		case 'i':
			icount = true;
			break;
		default:
			usage();
		}
	}
	if (optind + 4 != argc || reps < 1 || reps > MAX_REPS || freps < 1 ||
	    freps > MAX_REPS || pairs < 1 || pairs > MAX_PAIRS)
		usage();
	dev = argv[optind + 1];
	snprintf(sysdir, sizeof(sysdir), "/sys/bus/dax/devices/%s/fsdev",
		 strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev);

	mount.fd = open(argv[optind], O_RDWR | O_CLOEXEC);
	if (mount.fd < 0 || fstat(mount.fd, &st))
		die(argv[optind]);
	mount.map = NULL;
	file_size = (uint64_t)st.st_size;
	if (!file_size || file_size % PMD_SIZE_B || file_size < SMALL_BYTES) {
		errno = EINVAL;
		die("the file must be whole 2 MiB units, at least 16 MiB");
	}

	dev_fd = open(dev, O_RDWR | O_CLOEXEC);
	if (dev_fd < 0)
		die(dev);
	nr_extents = parse_extents(argv[optind + 2], ext);
	if (raw_view(dev_fd, ext, nr_extents, &view) != file_size ||
	    raw_view(dev_fd, ext, nr_extents, &control) != file_size) {
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
	if (!icount)
		vm_fault_rows(sysdir, "vm.mount.faults", "through the mount: ",
			      "raw view mmap", touch, &mount.fd, &view.fd,
			      file_size, freps,
			      "fresh mappings of the whole file");

	map_side(&mount);
	map_side(&view);
	map_side(&control);
	snprintf(note, sizeof(note), "%llu MiB file, %u extent(s), client mount; own raw view",
		 (unsigned long long)(file_size >> 20), nr_extents);
	snprintf(calls_note, sizeof(calls_note),
		 "%d call pairs over 16 MiB%s; %s", pairs,
		 icount ? ", qemu -icount guest (clock = instructions)" : "",
		 note);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		const struct row_spec *r = &rows[i];
		bool small = r->block == PAGE_B;
		bool mapped = r->op == MMAP_READ || r->op == MMAP_WRITE;
		const char *clock = icount ? ", instruction clock" : "";
		char id[96], label[160], control_id[96], control_label[160];
		struct method m = {
			.reps = reps,
			.pairs = pairs,
			/*
			 * read()/write() copy at tens of MB/s under TCG:
			 * whole-file passes of them would outlast the
			 * guest's time limit
			 */
			.len = mapped ? file_size : SMALL_BYTES,
			.id = id,
			.label = label,
			.b_name = small ? "tmpfs" : "raw view",
			.goal = r->goal,
			.note = small ? "16 MiB per pass; tmpfs file in the same guest" :
				r->calls ? calls_note : note,
		};

		if (icount && !r->calls)
			continue;
		snprintf(id, sizeof(id), "vm.mount.%s%s.%s",
			 icount ? "icount." : "", r->what, r->size);
		snprintf(label, sizeof(label),
			 "through the mount: %s, %s blocks (TCG%s)", r->text,
			 r->size, clock);
		compare(&mount, small ? &tmpfs : &view, r->op, r->block,
			r->calls, &m);
		if (small)
			continue;
		/* A/A: a second raw view in the mount's place */
		snprintf(control_id, sizeof(control_id),
			 "vm.mount.%scontrol.%s.%s", icount ? "icount." : "",
			 r->what, r->size);
		snprintf(control_label, sizeof(control_label),
			 "control: 2nd raw view %s, %s blocks (TCG%s)",
			 r->text, r->size, clock);
		m.id = control_id;
		m.label = control_label;
		m.goal = "-";
		m.note = "A/A: two raw views of the file's extents, measured as the row above";
		compare(&control, &view, r->op, r->block, r->calls, &m);
	}
	munmap(mount.map, file_size);
	munmap(view.map, file_size);
	munmap(control.map, file_size);
	close(tmpfs.fd);
	close(control.fd);
	close(view.fd);
	close(dev_fd);
	close(mount.fd);
	free(buf);
	return 0;
}
