// SPDX-License-Identifier: Apache-2.0
/*
 * fsdev-hwpoison DEV OFFSET: poison the page at device byte OFFSET with
 * madvise(MADV_HWPOISON) through a mapping of DEV, as a memory failure
 * would. With a holder (the famfs daemon) the driver hands the failure
 * to it and this process is not signalled; without one the kernel's
 * generic handling sends SIGBUS, which is reported and exits 3.
 * Exit status: 0 injected, 1 injection refused, 3 SIGBUS.
 */
#include <signal.h>
#include "fsdev_test.h"

#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	static const char msg[] = "fsdev-hwpoison: SIGBUS: no holder took it\n";

	(void)sig;
	(void)si;
	(void)uc;
	(void)!write(STDOUT_FILENO, msg, sizeof(msg) - 1);
	_exit(3);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus,
				.sa_flags = SA_SIGINFO };
	uint64_t offset, base;
	volatile char *p;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: fsdev-hwpoison DEV OFFSET\n");
		return 2;
	}
	offset = strtoull(argv[2], NULL, 0) & ~(PAGE - 1);
	/* a 2 MiB aligned window: the device maps at its alignment */
	base = offset & ~(2 * MiB - 1);
	fd = open_dev(argv[1]);
	p = mmap(NULL, 2 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, base);
	if (p == MAP_FAILED)
		die("mmap");
	sigaction(SIGBUS, &sa, NULL);
	(void)p[offset - base];	/* fault it in: madvise needs a mapped page */
	if (madvise((void *)(p + offset - base), PAGE, MADV_HWPOISON)) {
		printf("fsdev-hwpoison: madvise(MADV_HWPOISON) at %#llx: %s\n",
		       (unsigned long long)offset, strerror(errno));
		return 1;
	}
	printf("fsdev-hwpoison: poisoned device offset %#llx (%llu bytes)\n",
	       (unsigned long long)offset, PAGE);
	munmap((void *)p, 2 * MiB);
	close(fd);
	return 0;
}
