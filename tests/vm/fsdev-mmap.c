// SPDX-License-Identifier: Apache-2.0
/*
 * fsdev-mmap: data round trips through the device node and through views.
 *
 *   fsdev-mmap stamp DEV TAG    write a tagged pattern through mmap of DEV
 *   fsdev-mmap verify DEV TAG   check it (works under device_dax too, so
 *                               offsets can be checked across drivers)
 *   fsdev-mmap views DEV        views: read/write/mmap against the device
 *   fsdev-mmap hold DEV         map device and view, claim holder, print
 *                               "ready", wait for a line on stdin (the
 *                               script unbinds meanwhile), then check that
 *                               everything fails cleanly
 */
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/wait.h>
#include "fsdev_test.h"
#include "args.h"

static uint64_t dev_size(const char *dev)
{
	char path[256];
	long long v;

	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/size",
		 strrchr(dev, '/') + 1);
	v = read_counter(path);
	if (v <= 0) {
		printf("FAIL: no size in %s\n", path);
		exit(1);
	}
	return v;
}

static volatile uint64_t *map_dev(int fd, uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		die("mmap device");
	return p;
}

/* Offsets spread over the device: first, unaligned, middle, last words. */
static void offsets(uint64_t size, uint64_t *off)
{
	off[0] = 0;
	off[1] = 2 * MiB + 8;
	off[2] = (size / 2) & ~(PAGE - 1);
	off[3] = size - 8;
}

static int stamp(const char *dev, uint64_t tag, int verify)
{
	uint64_t size = dev_size(dev), off[4];
	volatile uint64_t *p;
	int fd = open_dev(dev), i;

	p = map_dev(fd, size);
	offsets(size, off);
	for (i = 0; i < 4; i++) {
		volatile uint64_t *w = &p[off[i] / 8];

		if (!verify) {
			*w = pattern(off[i], tag);
			continue;
		}
		check(*w == pattern(off[i], tag),
		      "%s offset %#llx holds the stamped value", dev,
		      (unsigned long long)off[i]);
	}
	munmap((void *)p, size);
	close(fd);
	return test_failures != 0;
}

static void fill(void *buf, size_t len, uint64_t off, uint64_t tag)
{
	uint64_t *w = buf;
	size_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = pattern(off + 8 * i, tag);
}

static int same(const volatile uint64_t *a, uint64_t off, size_t len,
		uint64_t tag)
{
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (a[i] != pattern(off + 8 * i, tag))
			return 0;
	return 1;
}

/* A view given a file size: the extents' sum less part of a page. */
static void sized_view(int fd, const volatile uint64_t *p)
{
	const struct fsdev_dax_extent ext[] = {
		{ .offset = 40 * MiB, .len = 2 * MiB },
		{ .offset = 50 * MiB, .len = 2 * PAGE },
	};
	const uint64_t size = 2 * MiB + PAGE + 100;
	struct fsdev_dax_view_create req = {
		.extents_ptr = (uintptr_t)ext,
		.nr_extents = 2,
		.open_flags = O_RDWR | O_CLOEXEC,
	};
	volatile char *v;
	char buf[256];
	int vfd;

	req.size = 2 * MiB + PAGE;	/* drops a whole page: refused */
	check(ioctl(fd, FSDEV_DAX_IOC_CREATE_VIEW, &req) < 0 && errno == EINVAL,
	      "a size that leaves a whole extent page out is refused");
	req.size = 2 * MiB + 2 * PAGE + 1;
	check(ioctl(fd, FSDEV_DAX_IOC_CREATE_VIEW, &req) < 0 && errno == EINVAL,
	      "a size past the extents is refused");
	req.size = size;
	vfd = ioctl(fd, FSDEV_DAX_IOC_CREATE_VIEW, &req);
	if (vfd < 0)
		die("view with a file size");
	check(req.size == size && lseek(vfd, 0, SEEK_END) == (off_t)size,
	      "the view's size is the file size asked for (%llu)",
	      (unsigned long long)req.size);
	check(pread(vfd, buf, sizeof(buf), size - 50) == 50 &&
	      !memcmp(buf, (const char *)&p[50 * MiB / 8] + PAGE + 50, 50),
	      "read() stops at the file size");
	check(pwrite(vfd, buf, 8, size) < 0 && errno == ENOSPC,
	      "write() at the file size is ENOSPC");
	check(pwrite(vfd, buf, 100, size - 50) == 50,
	      "write() across the file size is cut at it");
	v = mmap(NULL, 2 * MiB + 2 * PAGE, PROT_READ, MAP_SHARED, vfd, 0);
	check(v != MAP_FAILED && v[2 * MiB + 2 * PAGE - 1] ==
	      ((const char *)&p[50 * MiB / 8])[2 * PAGE - 1],
	      "the mapping covers the last page whole");
	if (v != MAP_FAILED)
		munmap((void *)v, 2 * MiB + 2 * PAGE);
	close(vfd);
}

static int views(const char *dev)
{
	const struct fsdev_dax_extent ext[] = {
		{ .offset = 6 * MiB, .len = 2 * MiB },
		{ .offset = 3 * MiB + PAGE, .len = PAGE },
		{ .offset = 20 * MiB, .len = 4 * MiB },
	};
	struct fsdev_dax_extent bad;
	uint64_t vsize, size = dev_size(dev), voff;
	volatile uint64_t *p, *v;
	char *buf = malloc(4 * MiB);
	int fd = open_dev(dev), vfd, ro;
	unsigned int i;

	p = map_dev(fd, size);
	vfd = create_view(fd, ext, 3, O_RDWR, &vsize);
	if (vfd < 0)
		die("create view");
	check(vsize == 6 * MiB + PAGE, "view size %llu is the extent sum",
	      (unsigned long long)vsize);
	check(lseek(vfd, 0, SEEK_END) == (off_t)vsize, "view lseek(END)");

	/* write through the view, read through the device mapping */
	voff = 0;
	for (i = 0; i < 3; i++) {
		fill(buf, ext[i].len, ext[i].offset, 1);
		check(pwrite(vfd, buf, ext[i].len, voff) == (ssize_t)ext[i].len,
		      "pwrite extent %u into the view", i);
		check(same(&p[ext[i].offset / 8], ext[i].offset, ext[i].len, 1),
		      "device mapping sees extent %u written via the view", i);
		voff += ext[i].len;
	}

	/* write through the device, read through the view */
	voff = 0;
	for (i = 0; i < 3; i++) {
		uint64_t j;

		for (j = 0; j < ext[i].len / 8; j++)
			p[ext[i].offset / 8 + j] = pattern(ext[i].offset + 8 * j, 2);
		memset(buf, 0, ext[i].len);
		check(pread(vfd, buf, ext[i].len, voff) == (ssize_t)ext[i].len &&
		      same((uint64_t *)buf, ext[i].offset, ext[i].len, 2),
		      "view read() sees extent %u written via the device", i);
		voff += ext[i].len;
	}

	/* a read across extent boundaries, and reads at/after the end */
	check(pread(vfd, buf, 8, 2 * MiB - 4) == 8 &&
	      !memcmp(buf, (char *)&p[(8 * MiB - 4) / 8] + 4, 4) &&
	      !memcmp(buf + 4, (char *)&p[(3 * MiB + PAGE) / 8], 4),
	      "view read across an extent boundary");
	check(pread(vfd, buf, 8, vsize) == 0, "view read at the end is EOF");
	check(pwrite(vfd, buf, 8, vsize) < 0 && errno == ENOSPC,
	      "view write at the end is ENOSPC");

	/* mmap of the view */
	v = mmap(NULL, vsize, PROT_READ | PROT_WRITE, MAP_SHARED, vfd, 0);
	if (v == MAP_FAILED)
		die("mmap view");
	voff = 0;
	for (i = 0; i < 3; i++) {
		check(same(&v[voff / 8], ext[i].offset, ext[i].len, 2),
		      "view mapping shows extent %u", i);
		v[voff / 8] = 0x5a5a5a5a;
		check(p[ext[i].offset / 8] == 0x5a5a5a5a,
		      "store via the view mapping lands at device offset %#llx",
		      (unsigned long long)ext[i].offset);
		voff += ext[i].len;
	}
	munmap((void *)v, vsize);

	/* a private mapping reads the device; its stores stay private */
	v = mmap(NULL, vsize, PROT_READ | PROT_WRITE, MAP_PRIVATE, vfd, 0);
	if (v == MAP_FAILED)
		die("private mmap view");
	check(v[1] == p[ext[0].offset / 8 + 1],
	      "private view mapping reads the device");
	v[2] = 0x3c3c3c3c;
	check(v[2] == 0x3c3c3c3c && p[ext[0].offset / 8 + 2] != 0x3c3c3c3c,
	      "a store to a private view mapping stays private");
	munmap((void *)v, vsize);
	close(vfd);

	/* bad extent lists */
	bad = (struct fsdev_dax_extent){ .offset = PAGE / 2, .len = PAGE };
	check(create_view(fd, &bad, 1, O_RDWR, NULL) < 0 && errno == EINVAL,
	      "unaligned extent refused");
	bad = (struct fsdev_dax_extent){ .offset = size - PAGE, .len = 2 * PAGE };
	check(create_view(fd, &bad, 1, O_RDWR, NULL) < 0 && errno == EINVAL,
	      "extent past the end refused");
	bad = (struct fsdev_dax_extent){ .offset = 0, .len = 0 };
	check(create_view(fd, &bad, 1, O_RDWR, NULL) < 0 && errno == EINVAL,
	      "empty extent refused");
	bad = (struct fsdev_dax_extent){ .offset = ~0ULL & ~(PAGE - 1), .len = 2 * PAGE };
	check(create_view(fd, &bad, 1, O_RDWR, NULL) < 0 && errno == EINVAL,
	      "overflowing extent refused");
	check(create_view(fd, ext, 0, O_RDWR, NULL) < 0 && errno == EINVAL,
	      "no extents refused");

	/* read-only views */
	ro = create_view(fd, ext, 1, O_RDONLY, NULL);
	check(ro >= 0, "read-only view created");
	check(pwrite(ro, buf, 8, 0) < 0 && errno == EBADF,
	      "read-only view refuses write()");
	check(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) ==
	      MAP_FAILED && errno == EACCES,
	      "read-only view refuses a writable mapping");
	close(ro);

	sized_view(fd, p);

	check(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED,
	      "private device mapping refused");
	munmap((void *)p, size);
	close(fd);
	free(buf);
	return test_failures != 0;
}

static sigjmp_buf fault_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(fault_jmp, 1);
}

/* 1 if reading *p raises SIGBUS. */
static int faults(volatile uint64_t *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	int hit = 0;

	sigaction(SIGBUS, &sa, NULL);
	if (sigsetjmp(fault_jmp, 1) == 0)
		(void)*p;
	else
		hit = 1;
	signal(SIGBUS, SIG_DFL);
	return hit;
}

static int hold(const char *dev)
{
	const struct fsdev_dax_extent ext = { .offset = 4 * MiB, .len = 2 * MiB };
	struct fsdev_dax_event ev[4];
	uint64_t size = dev_size(dev), vsize;
	volatile uint64_t *p, *v;
	struct pollfd pfd;
	char line[16];
	int fd = open_dev(dev), vfd;
	ssize_t n;

	p = map_dev(fd, size);
	vfd = create_view(fd, &ext, 1, O_RDWR, &vsize);
	if (vfd < 0)
		die("create view");
	v = mmap(NULL, vsize, PROT_READ | PROT_WRITE, MAP_SHARED, vfd, 0);
	if (v == MAP_FAILED)
		die("mmap view");
	if (ioctl(fd, FSDEV_DAX_IOC_CLAIM_HOLDER))
		die("claim holder");
	check(!faults(p) && !faults(&p[size / 16]) && !faults(v),
	      "device and view mappings readable while bound");

	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		die("waiting for the unbind");

	check(faults(p) && faults(&p[size / 16]), "device mapping SIGBUS after unbind");
	check(faults(v), "view mapping SIGBUS after unbind");
	check(pread(vfd, line, 8, 0) < 0 && errno == ENXIO,
	      "view read() fails with ENXIO after unbind");
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	check(poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLHUP),
	      "holder poll() reports hang-up");
	n = read(fd, ev, sizeof(ev));
	check(n == sizeof(ev[0]) && (ev[0].flags & FSDEV_DAX_EVENT_REMOVED) &&
	      ev[0].offset == 0 && ev[0].length == size,
	      "holder reads one REMOVED event covering the device");
	check(read(fd, ev, sizeof(ev)) == 0, "then end-of-file");
	check(ioctl(fd, FSDEV_DAX_IOC_CLAIM_HOLDER) < 0,
	      "a new claim on the removed device fails");
	check(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, vfd, 0) == MAP_FAILED &&
	      errno == ENXIO, "new view mapping after unbind is ENXIO");
	munmap((void *)v, vsize);
	munmap((void *)p, size);
	close(vfd);
	/* releasing the holder after removal must not warn (dmesg checked) */
	close(fd);
	return test_failures != 0;
}

static const char usage_text[] =
	"usage: fsdev-mmap stamp|verify DEV TAG | views DEV | hold DEV\n";

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "stamp"))
		return stamp(argv[2], hex_arg("TAG", argv[3], 0, LONG_MAX,
					      usage_text), 0);
	if (argc == 4 && !strcmp(argv[1], "verify"))
		return stamp(argv[2], hex_arg("TAG", argv[3], 0, LONG_MAX,
					      usage_text), 1);
	if (argc == 3 && !strcmp(argv[1], "views"))
		return views(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "hold"))
		return hold(argv[2]);
	fputs(usage_text, stderr);
	return 2;
}
