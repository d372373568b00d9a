// SPDX-License-Identifier: Apache-2.0
/*
 * fsdev-multirange DEV: a device made of two physical ranges with a gap.
 * Checks info, data across the range boundary (mmap and a view), PMD
 * faults on both sides, poison offsets in the second range, and a
 * holder's FSDEV_DAX_IOC_MARK_FAILED across the boundary.
 */
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include "fsdev_test.h"

#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif

static void poison_at(int hfd, volatile char *p, uint64_t off)
{
	struct fsdev_dax_event ev;
	struct pollfd pfd = { .fd = hfd, .events = POLLIN };
	int got;

	(void)p[off];
	check(madvise((void *)(p + off), PAGE, MADV_HWPOISON) == 0,
	      "MADV_HWPOISON at %#llx", (unsigned long long)off);
	memset(&ev, 0xff, sizeof(ev));
	got = poll(&pfd, 1, 5000) == 1 && read(hfd, &ev, sizeof(ev)) == sizeof(ev);
	check(got && ev.offset == off && ev.length == PAGE,
	      "event offset %#llx (want %#llx)", (unsigned long long)ev.offset,
	      (unsigned long long)off);
}

static sigjmp_buf bus_jmp;

static void on_bus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* Whether reading *@p raises SIGBUS. */
static bool faults(volatile char *p)
{
	volatile bool bus = false;

	signal(SIGBUS, on_bus);
	if (sigsetjmp(bus_jmp, 1) == 0)
		(void)*p;
	else
		bus = true;
	signal(SIGBUS, SIG_DFL);
	return bus;
}

/*
 * Mark 8 pages failed, 4 on each side of the boundary: the device
 * offsets become physical pages of two ranges. Two of them (b - PAGE
 * and b) are known already.
 */
static void mark_across(int fd, int hfd, volatile char *p, uint64_t b)
{
	struct fsdev_dax_mark_failed req = {
		.offset = b - 4 * PAGE, .length = 8 * PAGE,
	};
	struct fsdev_dax_info info;
	uint32_t before;
	uint64_t off;
	bool all = true;

	get_info(fd, &info, NULL, 0);
	before = info.poisoned_pages;
	check(!faults(p + b - 3 * PAGE) && !faults(p + b + 3 * PAGE),
	      "pages on both sides of the boundary read before the mark");
	check(ioctl(hfd, FSDEV_DAX_IOC_MARK_FAILED, &req) == 0,
	      "mark [%#llx, +8 pages) across the boundary",
	      (unsigned long long)req.offset);
	for (off = b - 4 * PAGE; off < b + 4 * PAGE; off += PAGE)
		all = all && faults(p + off);
	check(all, "every marked page faults, both ranges");
	check(!faults(p + b - 5 * PAGE) && !faults(p + b + 4 * PAGE),
	      "the pages just outside still read");
	get_info(fd, &info, NULL, 0);
	check(info.poisoned_pages == before + 6,
	      "6 more poisoned pages (%u, was %u)", info.poisoned_pages,
	      before);
}

int main(int argc, char **argv)
{
	const char *dev = argc > 1 ? argv[1] : "/dev/dax1.0";
	struct fsdev_dax_range r[8];
	struct fsdev_dax_info info;
	struct fsdev_dax_extent ext;
	volatile char *p;
	uint64_t b, vsize, i, buf[1024];
	char path[300];
	long long pmd0, pmd1;
	int fd = open_dev(dev), hfd = open_dev(dev), vfd;

	get_info(fd, &info, r, 8);
	for (i = 0; i < info.nr_ranges && i < 8; i++)
		printf("range %llu offset %#llx phys %#llx len %#llx\n",
		       (unsigned long long)i, (unsigned long long)r[i].offset,
		       (unsigned long long)r[i].phys, (unsigned long long)r[i].len);
	check(info.nr_ranges == 2, "device has 2 ranges");
	if (info.nr_ranges != 2)
		return 1;
	check(!(info.flags & FSDEV_DAX_INFO_STATIC), "dynamic device");
	check(r[1].offset == r[0].len && r[0].len + r[1].len == info.size,
	      "range offsets are the running sum of lengths");
	check(r[1].phys != r[0].phys + r[0].len, "physical gap between ranges");
	b = r[1].offset;

	p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");

	/* PMD faults on both sides of the boundary */
	snprintf(path, sizeof(path), "/sys/bus/dax/devices/%s/fsdev/pmd_faults",
		 strrchr(dev, '/') + 1);
	pmd0 = read_counter(path);
	for (i = b - 2 * MiB; i < b + 2 * MiB; i += PAGE)
		p[i] = (char)i;
	pmd1 = read_counter(path);
	check(pmd1 - pmd0 == 2, "one PMD fault each side of the boundary (%lld)",
	      pmd1 - pmd0);

	/* a view straddling the boundary reads what the mapping wrote */
	for (i = 0; i < 2 * PAGE; i += 8)
		*(volatile uint64_t *)(p + b - PAGE + i) = pattern(b - PAGE + i, 9);
	ext = (struct fsdev_dax_extent){ .offset = b - PAGE, .len = 2 * PAGE };
	vfd = create_view(fd, &ext, 1, O_RDWR, &vsize);
	check(vfd >= 0 && vsize == 2 * PAGE, "view across the boundary");
	check(pread(vfd, buf, 2 * PAGE, 0) == 2 * PAGE, "view read");
	for (i = 0; i < 2 * PAGE / 8; i++)
		if (buf[i] != pattern(b - PAGE + 8 * i, 9))
			break;
	check(i == 2 * PAGE / 8, "view bytes match the device across ranges");
	close(vfd);

	/* poison offsets: last page of range 0, pages inside range 1 */
	check(ioctl(hfd, FSDEV_DAX_IOC_CLAIM_HOLDER) == 0, "claim holder");
	poison_at(hfd, p, b - PAGE);
	poison_at(hfd, p, b);
	poison_at(hfd, p, b + 5 * PAGE);
	poison_at(hfd, p, info.size - PAGE);
	mark_across(fd, hfd, p, b);
	close(hfd);
	munmap((void *)p, info.size);
	close(fd);
	return test_failures != 0;
}
