// SPDX-License-Identifier: Apache-2.0
/*
 * fsdev-poison: memory failures reach the holder at the right offset.
 *
 *   fsdev-poison holder DEV    claim rules, MADV_HWPOISON through the
 *                              device and a view, hwpoison-inject's
 *                              corrupt-pfn, queue overflow
 *   fsdev-poison refuse DEV    a poisoned page is never mapped again
 *                              (device, views), view I/O stops at it
 *   fsdev-poison mark DEV      the holder marks a page failed
 *                              (FSDEV_DAX_IOC_MARK_FAILED): the same
 *                              refusals as a memory failure, no event;
 *                              others, bad ranges and overflow refused
 *   fsdev-poison race DEV OFFSET PAGES
 *                              each page is marked by the holder and
 *                              fails on this machine at the same time:
 *                              counted once, one event each
 *   fsdev-poison killed DEV OFFSET LENGTH
 *                              a long mark stops at a fatal signal,
 *                              keeps what it marked; marking again
 *                              completes it
 *   fsdev-poison pin DEV       hold a vmsplice pin on a device page
 *                              across an unbind (see pin())
 *   fsdev-poison unbound DEV   a holder's file that outlives an unbind:
 *                              marking is refused with ENXIO (see
 *                              unbound())
 *   fsdev-poison generic DEV OFFSET
 *                              without a holder the kernel's generic
 *                              handling signals the mapper (SIGBUS
 *                              BUS_MCEERR_AR); works under device_dax
 */
#define _GNU_SOURCE	/* vmsplice */
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include "fsdev_test.h"
#include "args.h"

#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif

static int next_event(int hfd, struct fsdev_dax_event *ev)
{
	struct pollfd pfd = { .fd = hfd, .events = POLLIN };

	if (poll(&pfd, 1, 5000) != 1)
		return -1;
	return read(hfd, ev, sizeof(*ev)) == sizeof(*ev) ? 0 : -1;
}

/* Poison the page at @addr and expect one event for device @offset. */
static void poison_and_expect(const char *what, int hfd, volatile char *addr,
			      uint64_t offset)
{
	struct fsdev_dax_event ev;
	int rc;

	(void)*addr;
	rc = madvise((void *)addr, PAGE, MADV_HWPOISON);
	check(rc == 0, "%s: madvise(MADV_HWPOISON) handled (%s)", what,
	      rc ? strerror(errno) : "0");
	memset(&ev, 0xff, sizeof(ev));
	check(next_event(hfd, &ev) == 0, "%s: holder got an event", what);
	check(ev.offset == offset && ev.length == PAGE &&
	      ev.flags == (FSDEV_DAX_EVENT_POISON | FSDEV_DAX_EVENT_ACTION_REQUIRED),
	      "%s: event offset %#llx length %llu flags %#x (want %#llx %llu %#x)",
	      what, (unsigned long long)ev.offset,
	      (unsigned long long)ev.length, ev.flags,
	      (unsigned long long)offset, PAGE,
	      FSDEV_DAX_EVENT_POISON | FSDEV_DAX_EVENT_ACTION_REQUIRED);
}

static void corrupt_pfn_and_expect(int hfd, volatile char *addr,
				   uint64_t offset)
{
	struct fsdev_dax_event ev;
	uint64_t pfn;
	FILE *f;

	(void)*addr;
	pfn = virt_to_pfn(addr);
	f = fopen("/sys/kernel/debug/hwpoison/corrupt-pfn", "w");
	if (!f)
		die("/sys/kernel/debug/hwpoison/corrupt-pfn");
	fprintf(f, "%#llx\n", (unsigned long long)pfn);
	check(fclose(f) == 0, "corrupt-pfn %#llx accepted",
	      (unsigned long long)pfn);
	memset(&ev, 0xff, sizeof(ev));
	check(next_event(hfd, &ev) == 0, "corrupt-pfn: holder got an event");
	check(ev.offset == offset &&
	      ev.length == PAGE && ev.flags == FSDEV_DAX_EVENT_POISON,
	      "corrupt-pfn: event offset %#llx flags %#x (want %#llx %#x)",
	      (unsigned long long)ev.offset, ev.flags,
	      (unsigned long long)offset, FSDEV_DAX_EVENT_POISON);
}

/*
 * A memory failure nobody consumed is reported to the holder; a failed
 * copy of the record to the reader must leave it queued.
 */
static void event_survives_a_failed_read(int hfd, volatile char *p,
					 uint64_t offset)
{
	struct fsdev_dax_event ev;
	void *bad;
	int rc, err;

	bad = mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (bad == MAP_FAILED)
		die("mmap PROT_NONE");
	(void)p[offset];
	if (madvise((void *)(p + offset), PAGE, MADV_HWPOISON))
		die("madvise(MADV_HWPOISON)");
	rc = read(hfd, bad, sizeof(ev));
	err = errno;
	check(rc < 0 && err == EFAULT,
	      "read() of an event into an unwritable buffer fails (%s)",
	      rc < 0 ? strerror(err) : "read");
	memset(&ev, 0, sizeof(ev));
	check(next_event(hfd, &ev) == 0 && ev.offset == offset &&
	      ev.size == sizeof(ev),
	      "the event is still there for the next read (offset %#llx)",
	      (unsigned long long)ev.offset);
	munmap(bad, PAGE);
}

static int holder(const char *dev)
{
	const struct fsdev_dax_extent ext[] = {
		{ .offset = 12 * MiB, .len = 2 * MiB },
		{ .offset = 30 * MiB, .len = 2 * MiB },
	};
	struct fsdev_dax_info info;
	struct fsdev_dax_event ev[80];
	volatile char *p, *v;
	uint64_t size, vsize;
	int fd = open_dev(dev), hfd = open_dev(dev), vfd, i, n;
	ssize_t got;

	get_info(fd, &info, NULL, 0);
	size = info.size;
	check(read(hfd, ev, sizeof(ev)) < 0 && errno == EINVAL,
	      "read() before claiming is EINVAL");
	check(ioctl(hfd, FSDEV_DAX_IOC_CLAIM_HOLDER) == 0, "claim holder");
	check(ioctl(fd, FSDEV_DAX_IOC_CLAIM_HOLDER) < 0 && errno == EBUSY,
	      "second holder refused with EBUSY");
	check(ioctl(fd, FSDEV_DAX_IOC_RELEASE_HOLDER) < 0 && errno == EINVAL,
	      "release by a non-holder refused");
	get_info(fd, &info, NULL, 0);
	check(info.flags & FSDEV_DAX_INFO_HOLDER, "info reports the holder");

	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	poison_and_expect("device mapping", hfd, p + 5 * MiB + 3 * PAGE,
			  5 * MiB + 3 * PAGE);
	poison_and_expect("last page", hfd, p + size - PAGE, size - PAGE);

	vfd = create_view(fd, ext, 2, O_RDWR, &vsize);
	if (vfd < 0)
		die("create view");
	v = mmap(NULL, vsize, PROT_READ | PROT_WRITE, MAP_SHARED, vfd, 0);
	if (v == MAP_FAILED)
		die("mmap view");
	/* the event names the device offset, not the view offset */
	poison_and_expect("view mapping", hfd, v + 2 * MiB + 5 * PAGE,
			  30 * MiB + 5 * PAGE);

	corrupt_pfn_and_expect(hfd, p + 40 * MiB + PAGE, 40 * MiB + PAGE);

	event_survives_a_failed_read(hfd, p, 44 * MiB + 2 * PAGE);

	/* more failures than the queue holds: an OVERFLOW record follows */
	for (i = 0; i < 70; i++)
		madvise((void *)(p + 64 * MiB + i * PAGE), PAGE, MADV_HWPOISON);
	got = read(hfd, ev, sizeof(ev));
	n = got / (ssize_t)sizeof(ev[0]);
	check(n == 65 && ev[0].offset == 64 * MiB &&
	      ev[63].offset == 64 * MiB + 63 * PAGE &&
	      ev[64].flags == FSDEV_DAX_EVENT_OVERFLOW,
	      "queue returns its 64 oldest events in order, then OVERFLOW (%d)",
	      n);

	/* explicit release, then claims by other fds */
	check(ioctl(hfd, FSDEV_DAX_IOC_RELEASE_HOLDER) == 0, "release holder");
	close(hfd);
	hfd = open_dev(dev);
	check(ioctl(hfd, FSDEV_DAX_IOC_CLAIM_HOLDER) == 0,
	      "another fd can claim after release");
	close(hfd);	/* the last close of a holder releases the claim */
	hfd = open_dev(dev);
	check(ioctl(hfd, FSDEV_DAX_IOC_CLAIM_HOLDER) == 0,
	      "claim again after the holder closed its fd");
	close(hfd);
	close(fd);
	munmap((void *)v, vsize);
	munmap((void *)p, size);
	close(vfd);
	return test_failures != 0;
}

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	_exit(si->si_code == BUS_MCEERR_AR ? 42 : 43);
}

static int generic(const char *dev, uint64_t offset)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };
	uint64_t base = offset & ~(2 * MiB - 1);
	int status, fd;
	pid_t pid;

	pid = fork();
	if (pid == 0) {
		volatile char *p;

		fd = open_dev(dev);
		p = mmap(NULL, 2 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 base);
		if (p == MAP_FAILED)
			_exit(3);
		sigaction(SIGBUS, &sa, NULL);
		(void)p[offset - base];
		madvise((void *)(p + offset - base), PAGE, MADV_HWPOISON);
		(void)p[offset - base];
		_exit(0);
	}
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 42,
	      "no holder: the mapper gets SIGBUS BUS_MCEERR_AR (status %#x)",
	      status);
	return test_failures != 0;
}

static sigjmp_buf bus_jmp;
static volatile siginfo_t bus_info;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	bus_info = *si;
	siglongjmp(bus_jmp, 1);
}

/* Read *@p: 0 if it reads, else the SIGBUS si_code (si_addr must be p). */
static int bus_code(volatile char *p)
{
	struct sigaction sa = { .sa_sigaction = on_bus, .sa_flags = SA_SIGINFO };
	int code = 0;

	sigaction(SIGBUS, &sa, NULL);
	if (sigsetjmp(bus_jmp, 1) == 0)
		(void)*p;
	else
		code = bus_info.si_addr == (void *)p ? bus_info.si_code : -1;
	signal(SIGBUS, SIG_DFL);
	return code;
}

/* The whole device mapped through @fd, and a view of @ext (2 MiB) mapped. */
static int map_device_and_view(int fd, uint64_t size,
			       const struct fsdev_dax_extent *ext,
			       volatile char **p, volatile char **v)
{
	int vfd;

	*p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	vfd = create_view(fd, ext, 1, O_RDWR, NULL);
	if (*p == MAP_FAILED || vfd < 0)
		die("map device and view");
	*v = mmap(NULL, 2 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, vfd, 0);
	if (*v == MAP_FAILED)
		die("mmap view");
	return vfd;
}

static void unmap_device_and_view(volatile char *p, uint64_t size,
				  volatile char *v, int vfd)
{
	munmap((void *)v, 2 * MiB);
	munmap((void *)p, size);
	close(vfd);
}

/*
 * A poisoned page is never mapped again, through the device or a view,
 * and view read()/write() stop at it. The page is poisoned through the
 * device mapping while the view's mapping of it is live: that mapping
 * must be zapped too.
 */
static int refuse(const char *dev)
{
	const uint64_t base = 80 * MiB, bad = base + 5 * PAGE;
	const struct fsdev_dax_extent ext = { .offset = base, .len = 2 * MiB };
	struct fsdev_dax_info info;
	struct fsdev_dax_event ev;
	volatile char *p, *v, *again;
	uint32_t poisoned;
	char buf[3 * PAGE];
	int fd = open_dev(dev), hfd = open_dev(dev), vfd, code;
	ssize_t n;

	if (ioctl(hfd, FSDEV_DAX_IOC_CLAIM_HOLDER))
		die("claim holder");
	get_info(fd, &info, NULL, 0);
	poisoned = info.poisoned_pages;
	vfd = map_device_and_view(fd, info.size, &ext, &p, &v);
	check(!bus_code(p + bad) && !bus_code(v + 5 * PAGE),
	      "the page reads through the device and the view before");

	check(madvise((void *)(p + bad), PAGE, MADV_HWPOISON) == 0,
	      "memory failure handled for device offset %#llx",
	      (unsigned long long)bad);
	check(next_event(hfd, &ev) == 0 && ev.offset == bad,
	      "the holder is told, as information");

	code = bus_code(p + bad);
	check(code == BUS_MCEERR_AR,
	      "touching it again through the device: SIGBUS BUS_MCEERR_AR at its address (si_code %d)",
	      code);
	code = bus_code(v + 5 * PAGE);
	check(code == BUS_MCEERR_AR,
	      "through the view's existing mapping too (si_code %d)", code);
	again = mmap(NULL, 2 * MiB, PROT_READ, MAP_SHARED, vfd, 0);
	code = again == MAP_FAILED ? -2 : bus_code(again + 5 * PAGE);
	check(code == BUS_MCEERR_AR, "and through a new mapping (si_code %d)",
	      code);
	if (again != MAP_FAILED)
		munmap((void *)again, 2 * MiB);
	check(!bus_code(p + bad - PAGE) && !bus_code(p + bad + PAGE) &&
	      !bus_code(v + 4 * PAGE) && !bus_code(v + 6 * PAGE),
	      "the pages around it still read");

	n = pread(vfd, buf, sizeof(buf), 3 * PAGE);
	check(n == 2 * PAGE, "a view read() stops before the bad page (%zd)", n);
	n = pread(vfd, buf, PAGE, 5 * PAGE);
	check(n < 0 && errno == EIO, "a read() of it fails with EIO");
	n = pwrite(vfd, buf, PAGE, 5 * PAGE);
	check(n < 0 && errno == EIO, "a write() to it fails with EIO");
	get_info(fd, &info, NULL, 0);
	check(info.poisoned_pages == poisoned + 1,
	      "GET_INFO counts it (%u poisoned pages)", info.poisoned_pages);

	unmap_device_and_view(p, info.size, v, vfd);
	close(hfd);
	close(fd);
	return test_failures != 0;
}

static int mark_failed(int fd, uint64_t offset, uint64_t length,
		       uint64_t flags)
{
	struct fsdev_dax_mark_failed req = {
		.offset = offset, .length = length, .flags = flags,
	};

	return ioctl(fd, FSDEV_DAX_IOC_MARK_FAILED, &req) ? errno : 0;
}

static uint32_t poisoned_pages(int fd)
{
	struct fsdev_dax_info info;

	get_info(fd, &info, NULL, 0);
	return info.poisoned_pages;
}

/*
 * Pages another host saw fail: the holder marks them and they are
 * refused exactly like a memory failure of this machine, through the
 * live mappings of the device and of a view, and nowhere else. Nobody
 * else may mark, and a bad range marks nothing.
 */
static int mark(const char *dev)
{
	const uint64_t base = 140 * MiB, bad = base + 7 * PAGE;
	const struct fsdev_dax_extent ext = { .offset = base, .len = 2 * MiB };
	struct pollfd pfd;
	struct fsdev_dax_info info;
	volatile char *p, *v;
	uint32_t before;
	char buf[PAGE];
	int fd = open_dev(dev), hfd = open_dev(dev), vfd, rc;

	get_info(fd, &info, NULL, 0);
	before = info.poisoned_pages;
	rc = mark_failed(hfd, bad, PAGE, 0);
	check(rc == EPERM, "before any claim: EPERM (%s)", strerror(rc));
	if (ioctl(hfd, FSDEV_DAX_IOC_CLAIM_HOLDER))
		die("claim holder");
	rc = mark_failed(fd, bad, PAGE, 0);
	check(rc == EPERM, "another file of the device, not the holder: EPERM (%s)",
	      strerror(rc));

	vfd = map_device_and_view(fd, info.size, &ext, &p, &v);
	check(!bus_code(p + bad) && !bus_code(v + 7 * PAGE),
	      "the page reads through the device and the view before");

	rc = mark_failed(hfd, bad + 512, PAGE, 0);
	check(rc == EINVAL, "offset not page aligned: EINVAL (%s)", strerror(rc));
	rc = mark_failed(hfd, bad, 512, 0);
	check(rc == EINVAL, "length not page aligned: EINVAL (%s)", strerror(rc));
	rc = mark_failed(hfd, bad, 0, 0);
	check(rc == EINVAL, "zero length: EINVAL (%s)", strerror(rc));
	rc = mark_failed(hfd, bad, PAGE, 1);
	check(rc == EINVAL, "unknown flags: EINVAL (%s)", strerror(rc));
	rc = mark_failed(hfd, info.size - PAGE, 2 * PAGE, 0);
	check(rc == ERANGE, "past the end of the device: ERANGE (%s)",
	      strerror(rc));
	rc = mark_failed(hfd, info.size, PAGE, 0);
	check(rc == ERANGE, "at the end of the device: ERANGE (%s)",
	      strerror(rc));
	rc = mark_failed(hfd, PAGE, -PAGE, 0);
	check(rc == EOVERFLOW, "offset + length wraps to 0: EOVERFLOW (%s)",
	      strerror(rc));
	rc = mark_failed(hfd, -PAGE, 2 * PAGE, 0);
	check(rc == EOVERFLOW, "offset + length wraps past 0: EOVERFLOW (%s)",
	      strerror(rc));
	check(poisoned_pages(fd) == before && !bus_code(p + bad) &&
	      !bus_code(v + 7 * PAGE),
	      "refused requests marked nothing (%u poisoned pages)",
	      poisoned_pages(fd));

	rc = mark_failed(hfd, bad, PAGE, 0);
	check(rc == 0, "the holder marks device offset %#llx failed (%s)",
	      (unsigned long long)bad, strerror(rc));
	rc = bus_code(v + 7 * PAGE);
	check(rc == BUS_MCEERR_AR,
	      "the view's existing mapping: SIGBUS BUS_MCEERR_AR at its address (si_code %d)",
	      rc);
	rc = bus_code(p + bad);
	check(rc == BUS_MCEERR_AR,
	      "the device's existing mapping too (si_code %d)", rc);
	check(!bus_code(p + bad - PAGE) && !bus_code(p + bad + PAGE) &&
	      !bus_code(v + 6 * PAGE) && !bus_code(v + 8 * PAGE) &&
	      !bus_code(v) && !bus_code(v + 2 * MiB - PAGE),
	      "the pages around it still read");
	check(pread(vfd, buf, PAGE, 7 * PAGE) < 0 && errno == EIO,
	      "a view read() of it fails with EIO");
	check(poisoned_pages(fd) == before + 1, "GET_INFO counts it (%u, was %u)",
	      poisoned_pages(fd), before);
	pfd.fd = hfd;
	pfd.events = POLLIN;
	check(poll(&pfd, 1, 0) == 0, "no event for the holder: it knows");

	rc = mark_failed(hfd, bad, PAGE, 0);
	check(rc == 0 && poisoned_pages(fd) == before + 1,
	      "marking it again: 0, still counted once (%s, %u)", strerror(rc),
	      poisoned_pages(fd));
	rc = mark_failed(hfd, bad, 2 * PAGE, 0);
	check(rc == 0 && poisoned_pages(fd) == before + 2,
	      "a range over it and the next page adds the next page (%s, %u)",
	      strerror(rc), poisoned_pages(fd));
	rc = bus_code(v + 8 * PAGE);
	check(rc == BUS_MCEERR_AR, "which is refused now (si_code %d)", rc);

	check(ioctl(hfd, FSDEV_DAX_IOC_RELEASE_HOLDER) == 0, "release holder");
	rc = mark_failed(hfd, base, PAGE, 0);
	check(rc == EPERM, "after the release: EPERM (%s)", strerror(rc));
	unmap_device_and_view(p, info.size, v, vfd);
	close(hfd);
	close(fd);
	return test_failures != 0;
}

/* Whether every marked page of [@base, @base + @len) faults through @fd. */
static int ends_refused(int fd, uint64_t base, uint64_t len)
{
	volatile char *p;
	int ok;

	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, base);
	if (p == MAP_FAILED)
		die("mmap the marked range");
	ok = bus_code(p) == BUS_MCEERR_AR &&
	     bus_code(p + len / 2) == BUS_MCEERR_AR &&
	     bus_code(p + len - PAGE) == BUS_MCEERR_AR;
	munmap((void *)p, len);
	return ok;
}

/* Device @offset's page frame, from the ranges GET_INFO reports to root. */
static uint64_t offset_to_pfn(int fd, uint64_t offset)
{
	struct fsdev_dax_range ranges[16];
	struct fsdev_dax_info info;
	unsigned int i;

	get_info(fd, &info, ranges, 16);
	for (i = 0; i < info.nr_ranges && i < 16; i++)
		if (offset >= ranges[i].offset &&
		    offset - ranges[i].offset < ranges[i].len && ranges[i].phys)
			return (ranges[i].phys + offset - ranges[i].offset) / PAGE;
	return 0;
}

/* Where the two sides of race() meet, in memory both share. */
struct race_gate {
	int go;		/* the round both may start */
	int done;	/* the last round the failing side finished */
	int errors;	/* its failed writes */
	uint64_t span[2];	/* its last write's start and end (ns) */
};

/* Rounds per sweep of the mark's delay, from 0 to twice a write's time. */
#define RACE_SWEEP 16

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

/* Wait until *@at reaches @round, at most 60 s; 0 when it did. */
static int wait_round(int *at, int round)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (__atomic_load_n(at, __ATOMIC_ACQUIRE) < round) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec > 60)
			return -1;
	}
	return 0;
}

/*
 * The failing side: corrupt-pfn for each page as soon as its round
 * opens (the file is opened and the line made before).
 */
static void fail_pages(struct race_gate *gate, uint64_t pfn, int pages)
{
	char line[32];
	int i, fd, n;

	for (i = 1; i <= pages; i++) {
		fd = open("/sys/kernel/debug/hwpoison/corrupt-pfn", O_WRONLY);
		n = snprintf(line, sizeof(line), "%#llx\n",
			     (unsigned long long)(pfn + i - 1));
		if (wait_round(&gate->go, i))
			_exit(3);
		gate->span[0] = now_ns();
		if (fd < 0 || write(fd, line, n) != n)
			__atomic_add_fetch(&gate->errors, 1, __ATOMIC_RELAXED);
		gate->span[1] = now_ns();
		if (fd >= 0)
			close(fd);
		__atomic_store_n(&gate->done, i, __ATOMIC_RELEASE);
	}
	_exit(0);
}

/*
 * A page the holder marks while this machine reports it failed, both at
 * once, @pages times, from two CPUs: one page each round, the mark
 * delayed by 0 to twice the time the last failure took, in RACE_SWEEP
 * steps. Whichever comes first remembers the page, the other finds it
 * known. Each page must count once,
 * and the holder must get the machine's event for it either way (a
 * failure of this machine is news to the holder, a mark is not).
 */
static int race(const char *dev, uint64_t offset, int pages)
{
	int fd = open_dev(dev), hfd = open_dev(dev), i, rc, status;
	int miscounted = 0, bad_marks = 0, bad_events = 0, lost = 0;
	int overlapped = 0;
	uint64_t start, end, write_ns = 0;
	uint32_t before = poisoned_pages(fd), count = before;
	uint64_t pfn = offset_to_pfn(fd, offset);
	struct fsdev_dax_event ev;
	struct race_gate *gate;
	cpu_set_t cpu;
	pid_t pid;

	if (!pfn)
		die("no page frame for the offset (GET_INFO ranges)");
	gate = mmap(NULL, sizeof(*gate), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (gate == MAP_FAILED || ioctl(hfd, FSDEV_DAX_IOC_CLAIM_HOLDER) ||
	    fcntl(hfd, F_SETFL, O_NONBLOCK))
		die("shared gate, claim holder");
	memset(gate, 0, sizeof(*gate));
	pid = fork();
	if (pid == 0) {
		CPU_ZERO(&cpu);
		CPU_SET(1, &cpu);
		sched_setaffinity(0, sizeof(cpu), &cpu);
		fail_pages(gate, pfn, pages);
	}
	if (pid < 0)
		die("fork");
	CPU_ZERO(&cpu);
	CPU_SET(0, &cpu);
	sched_setaffinity(0, sizeof(cpu), &cpu);
	for (i = 1; i <= pages; i++) {
		int events = 0;

		start = now_ns() + write_ns * 2 * (i % RACE_SWEEP) / RACE_SWEEP;
		__atomic_store_n(&gate->go, i, __ATOMIC_RELEASE);
		while (now_ns() < start)
			;
		start = now_ns();
		rc = mark_failed(hfd, offset + (i - 1) * PAGE, PAGE, 0);
		end = now_ns();
		bad_marks += rc != 0;
		if (wait_round(&gate->done, i)) {
			lost = 1;
			break;
		}
		overlapped += start < gate->span[1] && gate->span[0] < end;
		write_ns = gate->span[1] - gate->span[0];
		count = poisoned_pages(fd);
		miscounted += count != before + i;
		while (read(hfd, &ev, sizeof(ev)) == sizeof(ev))
			events += ev.offset == offset + (i - 1) * PAGE &&
				  ev.length == PAGE &&
				  ev.flags == FSDEV_DAX_EVENT_POISON;
		bad_events += events != 1;
	}
	waitpid(pid, &status, 0);
	check(!lost && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	      !gate->errors,
	      "%d pages failed through corrupt-pfn while marked (%d failed writes, status %#x)",
	      pages, gate->errors, status);
	/* how often the two requests really ran at once: information only */
	printf("race: the two overlapped in time in %d of %d rounds (a failure took %llu us)\n",
	       overlapped, pages, (unsigned long long)write_ns / 1000);
	check(!bad_marks, "every mark returned 0 (%d did not)", bad_marks);
	check(!miscounted && count == before + pages,
	      "each page counted once (%d rounds miscounted; %u poisoned pages, was %u)",
	      miscounted, count, before);
	check(!bad_events,
	      "the holder got exactly one event per page, for the machine's failure (%d rounds not)",
	      bad_events);
	check(ends_refused(fd, offset, pages * PAGE),
	      "the raced pages are refused");
	munmap(gate, sizeof(*gate));
	close(hfd);
	close(fd);
	return test_failures != 0;
}

/*
 * A mark of a large range is done in bounded steps and stops at a fatal
 * signal: a child, the holder, marks [@base, @base + @len) in one request
 * and is killed once the driver counts the first pages. It must die
 * without marking the rest; the pages it marked stay marked, and the
 * next holder's mark of the same range completes it. Parent and child
 * share one CPU, so the parent's polls preempt the child's request
 * (between its steps) rather than run beside it, and the parent's
 * real-time priority (the child's is reset at fork) makes that happen at
 * the first step after it wakes.
 */
static int killed(const char *dev, uint64_t base, uint64_t len)
{
	const uint32_t pages = len / PAGE;
	uint32_t before, at_kill, after;
	int fd = open_dev(dev), ready[2], status, rc;
	struct sched_param rt = { .sched_priority = 1 };
	cpu_set_t one;
	pid_t pid;
	char c;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	if (sched_setaffinity(0, sizeof(one), &one) || pipe(ready))
		die("one CPU, pipe");
	/*
	 * From the start: the child's "ready" then hands the CPU back at
	 * once. Without real-time scheduling (not allowed) it only takes
	 * longer for the parent to see the first pages.
	 */
	sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &rt);
	before = poisoned_pages(fd);
	pid = fork();
	if (pid == 0) {
		int hfd = open_dev(dev);

		if (ioctl(hfd, FSDEV_DAX_IOC_CLAIM_HOLDER))
			_exit(3);
		if (write(ready[1], "r", 1) != 1)
			_exit(3);
		_exit(mark_failed(hfd, base, len, 0) ? 1 : 0);
	}
	if (pid < 0 || read(ready[0], &c, 1) != 1)
		die("fork the holder");
	do {
		usleep(200);
		at_kill = poisoned_pages(fd);
	} while (at_kill == before && waitpid(pid, &status, WNOHANG) == 0);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	after = poisoned_pages(fd);
	check(at_kill > before && at_kill < before + pages,
	      "the child was killed while its mark ran (%u of %u pages marked)",
	      at_kill - before, pages);
	check(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	      "it died of the signal, inside the request (status %#x)", status);
	check(after < before + pages,
	      "its request stopped: %u of %u pages marked, the rest not",
	      after - before, pages);

	if (ioctl(fd, FSDEV_DAX_IOC_CLAIM_HOLDER))
		die("claim the holder after the child");
	rc = mark_failed(fd, base, len, 0);
	check(rc == 0 && poisoned_pages(fd) == before + pages,
	      "the next holder marks the same range: done, each page counted once (%s, %u of %u)",
	      strerror(rc), poisoned_pages(fd) - before, pages);
	check(ends_refused(fd, base, len),
	      "the range's first, middle and last pages are refused");
	close(fd);
	return test_failures != 0;
}

/*
 * A holder whose device is unbound while its file stays open: claims,
 * prints "ready", waits for a line on stdin (the script unbinds
 * meanwhile), then marks. The driver's state outlives the binding only
 * for these files; a mark must be refused with ENXIO, by the holder and
 * by any other file, and must change nothing (700 MiB: no page there
 * failed before).
 */
static int unbound(const char *dev)
{
	int fd = open_dev(dev), hfd = open_dev(dev), rc;
	struct fsdev_dax_event ev;
	uint32_t before;
	char line[16];
	ssize_t n;

	if (ioctl(hfd, FSDEV_DAX_IOC_CLAIM_HOLDER))
		die("claim holder");
	before = poisoned_pages(fd);
	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		die("waiting for the unbind");

	memset(&ev, 0, sizeof(ev));
	n = read(hfd, &ev, sizeof(ev));
	check(n == sizeof(ev) && ev.flags == FSDEV_DAX_EVENT_REMOVED,
	      "the holder was told the device went away (flags %#x)", ev.flags);
	rc = mark_failed(hfd, 700 * MiB, PAGE, 0);
	check(rc == ENXIO, "the holder's mark after the unbind: ENXIO (%s)",
	      strerror(rc));
	rc = mark_failed(fd, 700 * MiB, PAGE, 0);
	check(rc == ENXIO, "another file's: ENXIO too (%s)", strerror(rc));
	rc = mark_failed(hfd, 0, 1ULL << 40, 0);
	check(rc == ENXIO, "a range past the end: ENXIO first (%s)",
	      strerror(rc));
	check(poisoned_pages(fd) == before,
	      "nothing was marked (%u poisoned pages, was %u)",
	      poisoned_pages(fd), before);
	close(hfd);
	close(fd);
	return test_failures != 0;
}

/*
 * Hold a pin on a device page across an unbind: vmsplice() a page of a
 * device mapping into a pipe, print "ready", wait for a line on stdin
 * (the script asks for the unbind meanwhile and checks it waits), then
 * drain the pipe, which must still hold the bytes, and exit.
 */
static int pin(const char *dev)
{
	const uint64_t offset = 30 * MiB;
	struct iovec iov;
	uint64_t got[PAGE / 8], i;
	volatile uint64_t *p;
	int fd = open_dev(dev), pipefd[2], ok = 1;
	char line[16];

	p = mmap(NULL, 32 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED || pipe(pipefd))
		die("map device, pipe");
	for (i = 0; i < PAGE / 8; i++)
		p[offset / 8 + i] = pattern(offset + 8 * i, 0x99);
	iov.iov_base = (void *)&p[offset / 8];
	iov.iov_len = PAGE;
	if (vmsplice(pipefd[1], &iov, 1, 0) != (ssize_t)PAGE)
		die("vmsplice");
	munmap((void *)p, 32 * MiB);
	close(fd);
	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		die("waiting for the unbind");
	if (read(pipefd[0], got, PAGE) != (ssize_t)PAGE)
		die("drain the pipe");
	for (i = 0; i < PAGE / 8; i++)
		ok &= got[i] == pattern(offset + 8 * i, 0x99);
	check(ok, "the pinned page still held its bytes when the pin was dropped");
	close(pipefd[0]);
	close(pipefd[1]);
	return test_failures != 0;
}

static const char usage_text[] =
	"usage: fsdev-poison holder|refuse|mark|pin|unbound DEV\n"
	"       fsdev-poison generic DEV OFFSET\n"
	"       fsdev-poison race DEV OFFSET PAGES\n"
	"       fsdev-poison killed DEV OFFSET LENGTH\n";

/* a device offset or length argument, whole (args.h) */
static uint64_t offset_arg(const char *what, const char *arg)
{
	return hex_arg(what, arg, 0, LONG_MAX, usage_text);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "refuse"))
		return refuse(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "mark"))
		return mark(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "pin"))
		return pin(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "unbound"))
		return unbound(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "race"))
		return race(argv[2], offset_arg("OFFSET", argv[3]),
			    (int)number_arg("PAGES", argv[4], 1, INT_MAX,
					    usage_text));
	if (argc == 5 && !strcmp(argv[1], "killed"))
		return killed(argv[2], offset_arg("OFFSET", argv[3]),
			      offset_arg("LENGTH", argv[4]));
	if (argc == 3 && !strcmp(argv[1], "holder"))
		return holder(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "generic"))
		return generic(argv[2], offset_arg("OFFSET", argv[3]));
	fputs(usage_text, stderr);
	return 2;
}
