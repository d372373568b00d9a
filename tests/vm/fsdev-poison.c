// SPDX-License-Identifier: Apache-2.0
/*
 * fsdev-poison: memory failures reach the holder at the right offset.
 *
 *   fsdev-poison holder DEV    claim rules, MADV_HWPOISON through the
 *                              device and a view, hwpoison-inject's
 *                              corrupt-pfn, queue overflow
 *   fsdev-poison generic DEV OFFSET
 *                              without a holder the kernel's generic
 *                              handling signals the mapper (SIGBUS
 *                              BUS_MCEERR_AR); works under device_dax
 */
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include "fsdev_test.h"

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

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "holder"))
		return holder(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "generic"))
		return generic(argv[2], strtoull(argv[3], NULL, 0));
	fprintf(stderr, "usage: fsdev-poison holder DEV | generic DEV OFFSET\n");
	return 2;
}
