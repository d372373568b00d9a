// SPDX-License-Identifier: Apache-2.0
/*
 * fsdev-pmd DEV: PMD (2 MiB) versus PTE faults on the device and views,
 * and a PMD mapped writable and dirty by a write fault only.
 *
 * Two independent counts are checked for each mapping: the driver's
 * fault counters in sysfs, and the process's minor faults (getrusage),
 * which count one fault per PMD but one per 4 KiB page otherwise.
 */
#include <sys/resource.h>
#include "fsdev_test.h"

static char sysdir[256];

struct counts {
	long long pte, pmd, pmd_write, minflt;
};

static void sample(struct counts *c)
{
	char path[300];
	struct rusage ru;

	snprintf(path, sizeof(path), "%s/pte_faults", sysdir);
	c->pte = read_counter(path);
	snprintf(path, sizeof(path), "%s/pmd_faults", sysdir);
	c->pmd = read_counter(path);
	snprintf(path, sizeof(path), "%s/pmd_write_faults", sysdir);
	c->pmd_write = read_counter(path);
	getrusage(RUSAGE_SELF, &ru);
	c->minflt = ru.ru_minflt;
}

/* Touch every page of [p, p + len) and check the fault deltas. */
static void touch_and_check(const char *what, volatile char *p, size_t len,
			    long long want_pmd, long long want_pte)
{
	struct counts a, b;
	long long sum = 0, faults;
	size_t i;

	sample(&a);
	for (i = 0; i < len; i += PAGE)
		sum += p[i];
	for (i = 0; i < len; i += PAGE)
		p[i] = (char)sum;
	sample(&b);
	faults = b.minflt - a.minflt;
	check(b.pmd - a.pmd == want_pmd && b.pte - a.pte == want_pte,
	      "%s: %lld PMD + %lld PTE faults (want %lld + %lld)", what,
	      b.pmd - a.pmd, b.pte - a.pte, want_pmd, want_pte);
	/* a few faults of the test itself (stack, sysfs reads) are allowed */
	check(faults >= want_pmd + want_pte && faults <= want_pmd + want_pte + 8,
	      "%s: %lld minor faults seen by the process", what, faults);
}

/* Is the page at @addr soft-dirty (/proc/self/pagemap bit 55)? */
static int soft_dirty(const volatile void *addr)
{
	uint64_t entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0 || pread(fd, &entry, 8, ((uintptr_t)addr / PAGE) * 8) != 8)
		die("/proc/self/pagemap");
	close(fd);
	return !!(entry & (1ULL << 55));
}

/*
 * A PMD is made writable, and dirty, by a write fault only. While
 * soft-dirty tracking watches the process (clear_refs 4 write-protects
 * its mappings), a read maps the block clean and read-only, and the
 * first write faults again to make it writable, and soft-dirty.
 */
static void read_fault_maps_clean(int fd)
{
	struct counts a, b, c;
	volatile char *p;
	int fd_refs;

	p = mmap(NULL, 8 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 32 * MiB);
	if (p == MAP_FAILED)
		die("mmap");
	fd_refs = open("/proc/self/clear_refs", O_WRONLY);
	if (fd_refs < 0 || write(fd_refs, "4", 1) != 1)
		die("/proc/self/clear_refs");
	close(fd_refs);

	sample(&a);
	(void)p[2 * MiB];
	sample(&b);
	check(b.pmd - a.pmd == 1 && !soft_dirty(p + 2 * MiB),
	      "a read fault maps one PMD, not dirty (soft-dirty %d)",
	      soft_dirty(p + 2 * MiB));
	p[2 * MiB + 100] = 1;
	sample(&c);
	check(c.pmd_write - b.pmd_write == 1 && c.pmd == b.pmd &&
	      soft_dirty(p + 2 * MiB),
	      "the first write faults again to make it writable and dirty (%lld write faults)",
	      c.pmd_write - b.pmd_write);
	munmap((void *)p, 8 * MiB);
}

int main(int argc, char **argv)
{
	const struct fsdev_dax_extent aligned[] = {
		{ .offset = 10 * MiB, .len = 2 * MiB },
		{ .offset = 4 * MiB, .len = 2 * MiB },
	};
	const struct fsdev_dax_extent unaligned = {
		.offset = 10 * MiB + PAGE, .len = 2 * MiB,
	};
	const char *dev = argc > 1 ? argv[1] : "/dev/dax0.0";
	volatile char *p, *r;
	uint64_t vsize;
	uintptr_t addr;
	int fd, vfd;

	snprintf(sysdir, sizeof(sysdir), "/sys/bus/dax/devices/%s/fsdev",
		 strrchr(dev, '/') + 1);
	fd = open_dev(dev);

	/* kernel-chosen address for offset 0: 2 MiB aligned, all PMDs */
	p = mmap(NULL, 8 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	check((uintptr_t)p % (2 * MiB) == 0, "mapping address %p is 2 MiB aligned",
	      (void *)p);
	touch_and_check("aligned 4 MiB", p, 4 * MiB, 2, 0);
	munmap((void *)p, 8 * MiB);

	/* offset 4 KiB: only the fully covered 2 MiB block gets a PMD */
	p = mmap(NULL, 4 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);
	if (p == MAP_FAILED)
		die("mmap at offset 4096");
	touch_and_check("offset 4 KiB, 4 MiB", p, 4 * MiB, 1, 512);
	munmap((void *)p, 4 * MiB);

	/* virtual address not congruent with the offset: PTEs only */
	r = mmap(NULL, 8 * MiB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		die("reserve");
	addr = (((uintptr_t)r + 2 * MiB - 1) & ~(2 * MiB - 1)) + PAGE;
	p = mmap((void *)addr, 2 * MiB, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap fixed");
	touch_and_check("misaligned address", p, 2 * MiB, 0, 512);
	munmap((void *)r, 8 * MiB);

	read_fault_maps_clean(fd);

	/* views: aligned extents give PMDs, an unaligned one cannot */
	vfd = create_view(fd, aligned, 2, O_RDWR, &vsize);
	if (vfd < 0)
		die("create view");
	p = mmap(NULL, vsize, PROT_READ | PROT_WRITE, MAP_SHARED, vfd, 0);
	if (p == MAP_FAILED)
		die("mmap view");
	touch_and_check("view of aligned extents", p, vsize, 2, 0);
	munmap((void *)p, vsize);
	close(vfd);

	vfd = create_view(fd, &unaligned, 1, O_RDWR, &vsize);
	if (vfd < 0)
		die("create view");
	p = mmap(NULL, vsize, PROT_READ | PROT_WRITE, MAP_SHARED, vfd, 0);
	if (p == MAP_FAILED)
		die("mmap view");
	touch_and_check("view of an unaligned extent", p, vsize, 0, 512);
	munmap((void *)p, vsize);
	close(vfd);

	close(fd);
	return test_failures != 0;
}
