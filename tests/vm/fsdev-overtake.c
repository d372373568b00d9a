// SPDX-License-Identifier: Apache-2.0
/*
 * fsdev-overtake DEV DEBUGFS OFFSET
 *	the holder is released while a memory-failure notifier that has
 *	already read it is running (the test module's notify_stall_ms hook
 *	in DEBUGFS holds the notifier there). The notifier must call the
 *	holder it read, without reading the slot again (which the release
 *	has emptied by then), and the release must not return before the
 *	notifier is done with the holder (the holder's memory is freed
 *	right after): when close() of the holder returns, the notifier
 *	must be past the hook (notify_stalled 0; the hook goes on for 1 s
 *	after it sees the release, so a release that does not wait returns
 *	long before). A child process poisons the page at device OFFSET (it
 *	must not share the holder's file, or closing it would not release
 *	anything).
 */
#include <limits.h>
#include <sys/wait.h>
#include <time.h>
#include "fsdev_test.h"
#include "args.h"

#ifndef MADV_HWPOISON
#define MADV_HWPOISON 100
#endif

static const char *debugfs;

static void write_knob(const char *name, const char *value)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", debugfs, name);
	f = fopen(path, "w");
	if (!f || fputs(value, f) < 0 || fclose(f))
		die(path);
}

static long long knob(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", debugfs, name);
	return read_counter(path);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The child: wait for the go byte, poison the page, exit 0 if handled. */
static __attribute__((noreturn)) void poisoner(const char *dev,
					       uint64_t offset, int go)
{
	volatile char *p;
	char c;
	int fd = open_dev(dev);

	p = mmap(NULL, offset + PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 0);
	if (p == MAP_FAILED)
		die("mmap device");
	(void)p[offset];
	if (read(go, &c, 1) != 1)
		die("wait for go");
	_exit(madvise((void *)(p + offset), PAGE, MADV_HWPOISON) ? 1 : 0);
}

int main(int argc, char **argv)
{
	static const char usage_text[] =
		"usage: fsdev-overtake DEV DEBUGFS OFFSET\n";
	long long overtaken, still;
	double t0, took;
	int go[2], hfd, status;
	uint64_t offset;
	pid_t child;

	if (argc != 4) {
		fputs(usage_text, stderr);
		return 2;
	}
	offset = hex_arg("OFFSET", argv[3], 0, LONG_MAX, usage_text);
	debugfs = argv[2];
	if (pipe(go))
		die("pipe");
	child = fork();
	if (child < 0)
		die("fork");
	if (!child) {
		close(go[1]);
		poisoner(argv[1], offset, go[0]);
	}
	close(go[0]);

	hfd = open_dev(argv[1]);
	check(ioctl(hfd, FSDEV_DAX_IOC_CLAIM_HOLDER) == 0, "claim holder");
	overtaken = knob("notify_overtaken");
	/* long enough for a loaded host; the wait ends at the release */
	write_knob("notify_stall_ms", "10000");
	if (write(go[1], "g", 1) != 1)
		die("go");
	t0 = now_ms();
	while (knob("notify_stalled") != 1 && now_ms() - t0 < 10000)
		usleep(1000);
	check(knob("notify_stalled") == 1,
	      "the notifier has read the holder and waits");

	t0 = now_ms();
	close(hfd);
	still = knob("notify_stalled");
	took = now_ms() - t0;
	check(still == 0,
	      "releasing the holder waits for the notifier using it (%s, close took %.0f ms)",
	      still ? "returned while it still ran" : "it was done", took);

	if (waitpid(child, &status, 0) != child)
		die("waitpid");
	write_knob("notify_stall_ms", "0");
	check(knob("notify_overtaken") == overtaken + 1,
	      "the release happened while the notifier waited");
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the notifier finished with the holder it read: the failure is handled (status %#x)",
	      status);
	return test_failures != 0;
}
