// SPDX-License-Identifier: Apache-2.0
/*
 * view_bw: in a guest whose /dev/daxX.Y is bound to fsdev_dax, compare a
 * per-file view mapping (FSDEV_DAX_IOC_CREATE_VIEW) with a raw mmap of the
 * device node over the same physical extents:
 *   - mmap bandwidth (sequential read and write at several strides),
 *     view and raw passes alternated ABBA, median of the repetitions;
 *   - page faults per 2 MiB touched, from getrusage() and from the
 *     driver's pmd_faults / pte_faults counters in sysfs.
 *
 * Both sides are driven by the same copy loop through the same extent
 * table (the view's extents are consecutive in its mapping, the raw
 * extents sit at their device offsets), so the only difference measured
 * is the mapping itself.
 *
 * Built with gcc -static by bench/run-vm.sh and run in the busybox guest,
 * so it depends on nothing but libc and the driver's uapi header. Output
 * is bench/bench.h's line protocol (row/skip lines on stdout).
 *
 * usage: view_bw [-n EXTENTS] [-e EXTENT_SIZE_MIB] [-b STRIDES_KIB]
 *                [-r REPS] [-f FAULT_REPS] DEVICE
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <linux/fsdev_dax.h>

#include "vm_bench.h"

#define MAX_EXTENTS 64
#define MAX_STRIDES 8

/* A mapping seen through the extent table: extent k starts at seg[k]. */
struct side {
	uint8_t *seg[MAX_EXTENTS];
};

static int next;		/* number of extents */
static uint64_t ext_size;	/* bytes per extent (all equal) */
static char sysdir[256];	/* /sys/bus/dax/devices/daxX.Y/fsdev */

static void die(const char *what)
{
	vm_die("view_bw", what);
}

/* One timed pass over the blocks in @order; returns MB/s. */
static double pass(const struct side *s, const uint64_t *order,
		   uint64_t nblocks, uint64_t stride, bool write, uint8_t *buf)
{
	double t0 = vm_now();

	for (uint64_t i = 0; i < nblocks; i++) {
		uint64_t pos = order[i] * stride;
		uint8_t *p = s->seg[pos / ext_size] + pos % ext_size;

		if (write)
			memcpy(p, buf, stride);
		else
			memcpy(buf, p, stride);
		/* keep the compiler from dropping copies nobody reads */
		__asm__ __volatile__("" : : : "memory");
	}
	return nblocks * stride / (vm_now() - t0) / 1e6;
}

/*
 * @view against @raw, alternated. With @control, @view is a second raw
 * mapping of the device: the A/A figure shows what the method itself
 * yields under the emulator (noise, or a bias tied to the addresses).
 */
static void bandwidth(const struct side *view, const struct side *raw,
		      uint64_t stride, bool write, int reps, uint8_t *buf,
		      bool control)
{
	uint64_t nblocks = next * ext_size / stride;
	uint64_t *order = malloc(nblocks * sizeof(*order));
	double *v = calloc(reps, sizeof(double));
	double *r = calloc(reps, sizeof(double));
	double *q = calloc(reps, sizeof(double));
	char id[64], label[128];
	struct stat3 sv, sr, sq;

	if (!order || !v || !r || !q)
		die("out of memory");
	for (uint64_t i = 0; i < nblocks; i++)
		order[i] = i;
	/* first touches (faults) are measured separately: warm both */
	pass(view, order, nblocks, stride, write, buf);
	pass(raw, order, nblocks, stride, write, buf);
	for (int i = 0; i < reps; i++) {
		bool view_first = i % 2 == 0;	/* ABBA */

		if (view_first)
			v[i] = pass(view, order, nblocks, stride, write, buf);
		r[i] = pass(raw, order, nblocks, stride, write, buf);
		if (!view_first)
			v[i] = pass(view, order, nblocks, stride, write, buf);
		q[i] = v[i] / r[i];
	}
	sv = vm_stat_of(v, reps);
	sr = vm_stat_of(r, reps);
	sq = vm_stat_of(q, reps);
	snprintf(id, sizeof(id), "vm.%s.seq.%s.%llu%c",
		 control ? "control" : "mmap", write ? "write" : "read",
		 (unsigned long long)(stride >= MIB ? stride >> 20 :
						      stride >> 10),
		 stride >= MIB ? 'M' : 'K');
	snprintf(label, sizeof(label), "%s mmap seq %s, %s blocks (TCG)",
		 control ? "control: 2nd raw" : "view",
		 write ? "write" : "read", strrchr(id, '.') + 1);
	if (control)
		vm_row(id, label, "MB/s", sv, "raw /dev/dax mmap", sr, sq.med,
		    "-", "A/A: two raw mappings of the device, alternated");
	else
		vm_row(id, label, "MB/s", sv, "raw /dev/dax mmap", sr, sq.med,
		    "ratio>=0.98",
		    "same extents; fsdev_dax view vs device node");
	free(order);
	free(v);
	free(r);
	free(q);
}

static void *map(int fd, uint64_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		die("mmap");
	return p;
}

/* Sides over fresh mappings, so that every touch starts without PMDs. */
static void map_sides(int dfd, uint64_t dev_size, int vfd,
		      const struct fsdev_dax_extent *ext, struct side *view,
		      struct side *raw, uint8_t **vbase, uint8_t **rbase)
{
	*vbase = map(vfd, next * ext_size);
	*rbase = map(dfd, dev_size);
	for (int k = 0; k < next; k++) {
		view->seg[k] = *vbase + k * ext_size;
		raw->seg[k] = *rbase + ext[k].offset;
	}
}

/* A side of the fault rows: the view, or the device node at the extents. */
struct fault_side {
	int fd;
	uint64_t map_len;
	const struct fsdev_dax_extent *ext;	/* NULL: the view */
};

static void touch(void *arg, bool write)
{
	const struct fault_side *fs = arg;
	uint8_t *base = map(fs->fd, fs->map_len);

	for (int k = 0; k < next; k++) {
		uint8_t *seg = base + (fs->ext ? fs->ext[k].offset :
					k * ext_size);

		for (uint64_t off = 0; off < ext_size; off += PAGE_B) {
			volatile uint8_t *p = seg + off;

			if (write)
				*p = (uint8_t)off;
			else
				(void)*p;
		}
	}
	munmap(base, fs->map_len);
}

static void fault_rows(int dfd, uint64_t dev_size, int vfd,
		       const struct fsdev_dax_extent *ext, int reps)
{
	struct fault_side view = { vfd, next * ext_size, NULL };
	struct fault_side raw = { dfd, dev_size, ext };
	char note[128];

	snprintf(note, sizeof(note), "%d x %llu MiB extents, fresh mappings",
		 next, (unsigned long long)(ext_size >> 20));
	vm_fault_rows(sysdir, "vm.faults", "", "raw /dev/dax mmap", touch,
		      &view, &raw, next * ext_size, reps, note);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: view_bw [-n EXTENTS] [-e EXTENT_SIZE_MIB] "
		"[-b STRIDES_KIB] [-r REPS] [-f FAULT_REPS] DEVICE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct fsdev_dax_extent ext[MAX_EXTENTS];
	struct fsdev_dax_view_create req;
	struct fsdev_dax_info info;
	uint64_t strides[MAX_STRIDES], slot;
	const char *dev, *slist = "2048,64";
	int nstrides = 0, reps = 9, freps = 5, opt, dfd, vfd;
	struct side view, raw, raw2;
	uint8_t *vb, *rb, *rb2, *buf;

	next = 4;
	ext_size = 8 * MIB;
	while ((opt = getopt(argc, argv, "n:e:b:r:f:")) != -1) {
		switch (opt) {
		case 'n':
			next = atoi(optarg);
			break;
		case 'e':
			ext_size = strtoull(optarg, NULL, 10) * MIB;
			break;
		case 'b':
			slist = optarg;
			break;
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
	if (optind + 1 != argc || next < 1 || next > MAX_EXTENTS ||
	    !ext_size || ext_size % PMD_SIZE_B || reps < 1 || freps < 1 ||
	    freps > VM_MAX_FAULT_REPS)
		usage();
	for (char *s = (char *)slist; *s && nstrides < MAX_STRIDES; ) {
		strides[nstrides] = strtoull(s, &s, 10) << 10;
		if (!strides[nstrides] || strides[nstrides] > PMD_SIZE_B ||
		    ext_size % strides[nstrides])
			usage();
		nstrides++;
		s += *s == ',';
	}
	dev = argv[optind];
	snprintf(sysdir, sizeof(sysdir), "/sys/bus/dax/devices/%s/fsdev",
		 strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev);

	dfd = open(dev, O_RDWR | O_CLOEXEC);
	if (dfd < 0)
		die(dev);
	memset(&info, 0, sizeof(info));
	info.struct_size = sizeof(info);
	if (ioctl(dfd, FSDEV_DAX_IOC_GET_INFO, &info))
		die("FSDEV_DAX_IOC_GET_INFO (is the device bound to fsdev_dax?)");

	/*
	 * Scatter the extents over the device, in the reverse of device
	 * order and each in the middle of its own slot (2 MiB aligned): a
	 * view is worth measuring only when its extents are neither one
	 * contiguous run nor in device order.
	 */
	slot = (info.size / next) & ~(PMD_SIZE_B - 1);
	if (slot < ext_size) {
		errno = ENOSPC;
		die("device too small for the extents");
	}
	for (int k = 0; k < next; k++) {
		ext[k].offset = (next - 1 - k) * slot +
				((slot - ext_size) / 2 & ~(PMD_SIZE_B - 1));
		ext[k].len = ext_size;
	}
	for (int k = 0; k < next; k++)
		fprintf(stderr, "view_bw: extent %d at device offset %llu MiB\n",
			k, (unsigned long long)(ext[k].offset >> 20));

	memset(&req, 0, sizeof(req));
	req.extents_ptr = (uintptr_t)ext;
	req.nr_extents = next;
	req.open_flags = O_RDWR | O_CLOEXEC;
	vfd = ioctl(dfd, FSDEV_DAX_IOC_CREATE_VIEW, &req);
	if (vfd < 0)
		die("FSDEV_DAX_IOC_CREATE_VIEW");
	if (req.size != next * ext_size) {
		errno = EINVAL;
		die("view size is not the sum of the extents");
	}

	/* faults first: the bandwidth passes would leave PMDs behind */
	fault_rows(dfd, info.size, vfd, ext, freps);

	buf = aligned_alloc(PMD_SIZE_B, PMD_SIZE_B);
	if (!buf)
		die("out of memory");
	memset(buf, 0x5a, PMD_SIZE_B);
	map_sides(dfd, info.size, vfd, ext, &view, &raw, &vb, &rb);
	rb2 = map(dfd, info.size);
	for (int k = 0; k < next; k++)
		raw2.seg[k] = rb2 + ext[k].offset;
	for (int w = 0; w <= 1; w++)
		for (int s = 0; s < nstrides; s++) {
			bandwidth(&view, &raw, strides[s], w, reps, buf,
				  false);
			bandwidth(&raw2, &raw, strides[s], w, reps, buf,
				  true);
		}
	munmap(vb, next * ext_size);
	munmap(rb, info.size);
	munmap(rb2, info.size);
	free(buf);
	close(vfd);
	close(dfd);
	return 0;
}
