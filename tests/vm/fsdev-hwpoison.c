// SPDX-License-Identifier: Apache-2.0
/*
 * fsdev-hwpoison DEV OFFSET
 *	poison the page at device byte OFFSET with madvise(MADV_HWPOISON)
 *	through a mapping of DEV, as a memory failure would. With a holder
 *	(the famfs daemon) the driver hands the failure to it and this
 *	process is not signalled; without one the kernel's generic handling
 *	sends SIGBUS. Exit status: 0 injected, 1 refused, 3 SIGBUS.
 * fsdev-hwpoison --map-read FILE OFFSET
 *	read the byte at OFFSET through a shared mapping of FILE.
 *	Exit status: 0 read, 3 SIGBUS.
 * fsdev-hwpoison --hold DEV
 *	claim DEV's holder and keep it until killed (prints "holding").
 */
#include <limits.h>
#include <signal.h>
#include "fsdev_test.h"
#include "args.h"

#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	static const char msg[] = "fsdev-hwpoison: SIGBUS\n";

	(void)sig;
	(void)si;
	(void)uc;
	(void)!write(STDOUT_FILENO, msg, sizeof(msg) - 1);
	_exit(3);
}

static const struct sigaction sa = { .sa_sigaction = on_sigbus,
				     .sa_flags = SA_SIGINFO };

static int map_read(const char *path, uint64_t offset)
{
	uint64_t base = offset & ~(PAGE - 1);
	volatile char *p;
	char c;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die(path);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, base);
	if (p == MAP_FAILED)
		die("mmap");
	sigaction(SIGBUS, &sa, NULL);
	c = p[offset - base];
	printf("fsdev-hwpoison: read %#x at %#llx through a mapping\n",
	       (unsigned char)c, (unsigned long long)offset);
	return 0;
}

static __attribute__((noreturn)) void hold(const char *dev)
{
	int fd = open_dev(dev);

	if (ioctl(fd, FSDEV_DAX_IOC_CLAIM_HOLDER))
		die("FSDEV_DAX_IOC_CLAIM_HOLDER");
	printf("holding\n");
	fflush(stdout);
	for (;;)
		pause();
}

static const char usage_text[] =
	"usage: fsdev-hwpoison DEV OFFSET | --map-read FILE OFFSET | "
	"--hold DEV\n";

int main(int argc, char **argv)
{
	uint64_t offset, base;
	volatile char *p;
	int fd;

	if (argc == 3 && !strcmp(argv[1], "--hold"))
		hold(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "--map-read"))
		return map_read(argv[2], hex_arg("OFFSET", argv[3], 0,
						 LONG_MAX, usage_text));
	if (argc != 3) {
		fputs(usage_text, stderr);
		return 2;
	}
	offset = hex_arg("OFFSET", argv[2], 0, LONG_MAX, usage_text);
	offset &= ~(PAGE - 1);
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
