// SPDX-License-Identifier: Apache-2.0
/*
 * fsdev-through-mount: files of a famfs mount served by FUSE passthrough
 * onto fsdev_dax views, seen from an ordinary process.
 *
 *   map FILE SYSDIR        map FILE, touch every page; the driver's PMD
 *                          and PTE fault counters (SYSDIR/pmd_faults,
 *                          pte_faults) must rise by one per 2 MiB and by
 *                          0; the mapping must not be page cache (see
 *                          not_page_cache())
 *   io FILE MNT TOTAL_MIB rw|ro
 *                          rw: write then read TOTAL_MIB through FILE with
 *                          write()/read() of 1 MiB, checking the data; ro:
 *                          read TOTAL_MIB on a read-only open; then
 *                          .meta/.serving must say the daemon served none
 *                          of it
 *   poke FILE OFF TEXT     write TEXT at OFF through a mapping of FILE
 *   watch FILE OFF TEXT READY GO
 *                          map FILE, create READY, wait for GO to exist,
 *                          then poll the same mapping until TEXT is at
 *                          OFF; fail after 1 s
 *   hold FILE READY GO     map FILE and touch it, create READY, wait for
 *                          GO, touch every page again in order: print
 *                          whether a touch raised SIGBUS and at which
 *                          file offset (exit 0 either way, the guest
 *                          script decides)
 *   same FILE READY GO     open and map FILE and copy its bytes, create
 *                          READY, wait for GO: the same mapping and read()
 *                          of the same open must still give those bytes
 *                          (another host deleted FILE and filled the
 *                          device meanwhile); then unmap and close
 *   faults FILE READY GO   map FILE and copy its bytes (every page is
 *                          mapped), create READY, wait for GO, then read
 *                          every page of the same mapping: print each
 *                          page that raised SIGBUS (file offset), each
 *                          that changed, and a count line (exit 0 either
 *                          way, the guest script decides)
 *   pending FILE SIZE READY GO
 *                          create FILE and size it with ftruncate() (it
 *                          is pending: written, not committed), create
 *                          READY, wait for GO, close it and print what
 *                          close() returned ("pending: close OK", "...
 *                          EIO" or another error's text)
 *   tail FILE              FILE's size is not a page multiple: read()
 *                          gives exactly its bytes and then end of file,
 *                          and a mapping of its last page holds the same
 *                          bytes followed by zeros
 */
#include <limits.h>
#include <setjmp.h>
#include <stdbool.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include "fsdev_test.h"
#include "args.h"

static long long read_counter_at(const char *dir, const char *name)
{
	char path[512];
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f || fscanf(f, "%lld", &v) != 1)
		die(path);
	fclose(f);
	return v;
}

static long long meminfo_kib(const char *field)
{
	char line[256];
	size_t n = strlen(field);
	long long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		die("/proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':')
			sscanf(line + n + 1, "%lld", &v);
	fclose(f);
	return v;
}

static void *map_file(const char *path, int flags, size_t *len, int *fdp)
{
	struct stat st;
	void *p;
	int fd;

	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		die(path);
	*len = (size_t)st.st_size;
	p = mmap(NULL, *len, PROT_READ | ((flags & O_ACCMODE) == O_RDWR ?
					   PROT_WRITE : 0),
		 MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	if (fdp)
		*fdp = fd;
	else
		close(fd);
	return p;
}

/*
 * Evidence that the mapping at @p is device memory and not a page-cache
 * copy owned by the FUSE inode: its smaps counts no resident pages while
 * the whole range was touched (a page-cache mapping shows every touched
 * page in Rss). /proc/self/maps names the FUSE file either way: the
 * kernel shows the path and inode the user opened, not the view's.
 */
static void not_page_cache(void *p, size_t len)
{
	bool in_vma = false, found = false;
	unsigned long start, end;
	long long rss = -1;
	char line[512], want[32];
	FILE *f;

	snprintf(want, sizeof(want), "%lx-", (unsigned long)p);
	f = fopen("/proc/self/smaps", "r");
	if (!f)
		die("/proc/self/smaps");
	while (fgets(line, sizeof(line), f)) {
		/* a vma starts with "start-end perms offset dev inode path" */
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2) {
			in_vma = !strncmp(line, want, strlen(want));
			if (in_vma) {
				found = true;
				printf("  maps: %s", line);
				check(end - start == len, "the vma covers the file");
			}
			continue;
		}
		if (!in_vma)
			continue;
		if (sscanf(line, "Rss: %lld", &rss) == 1)
			printf("  smaps: %s", line);
		else if (!strncmp(line, "VmFlags:", 8) ||
			 !strncmp(line, "FilePmdMapped:", 14))
			printf("  smaps: %s", line);
	}
	fclose(f);
	check(found, "the mapping is in /proc/self/smaps");
	check(rss == 0, "smaps Rss of the mapping: %lld kB (page cache would be %zu kB)",
	      rss, len / 1024);
}

static int cmd_map(const char *path, const char *sysdir)
{
	long long pmd0, pte0, pmd1, pte1, cached0, cached1;
	volatile char *p;
	long long sum = 0;
	size_t len, i;

	p = map_file(path, O_RDWR, &len, NULL);
	check((uintptr_t)p % (2 * MiB) == 0, "mapping address %p is 2 MiB aligned",
	      (void *)p);
	cached0 = meminfo_kib("Cached");
	pmd0 = read_counter_at(sysdir, "pmd_faults");
	pte0 = read_counter_at(sysdir, "pte_faults");
	for (i = 0; i < len; i += PAGE)
		sum += p[i];
	for (i = 0; i < len; i += PAGE)
		p[i] = (char)(p[i] + 1);
	for (i = 0; i < len; i += PAGE)
		p[i] = (char)(p[i] - 1);
	pmd1 = read_counter_at(sysdir, "pmd_faults");
	pte1 = read_counter_at(sysdir, "pte_faults");
	cached1 = meminfo_kib("Cached");
	printf("  touched %zu MiB (sum %lld)\n", (size_t)(len / MiB), sum);
	check(pmd1 - pmd0 == (long long)(len / (2 * MiB)) && pte1 == pte0,
	      "%zu MiB through the mount: %lld PMD + %lld PTE faults (want %zu + 0)",
	      (size_t)(len / MiB), pmd1 - pmd0, pte1 - pte0,
	      (size_t)(len / (2 * MiB)));
	check(cached1 - cached0 < (long long)(len / 1024 / 8),
	      "page cache grew by %lld kB while %zu kB were touched",
	      cached1 - cached0, len / 1024);
	not_page_cache((void *)p, len);
	munmap((void *)p, len);
	return test_failures != 0;
}

/* The .meta/.serving line of @rel (a path from the mount's root). */
static bool serving_line(const char *mnt, const char *rel, char *line,
			 size_t size)
{
	char path[512], tail[512];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/.meta/.serving", mnt);
	snprintf(tail, sizeof(tail), " %s\n", rel);
	f = fopen(path, "r");
	if (!f)
		die(path);
	while (!found && fgets(line, (int)size, f)) {
		size_t n = strlen(line), t = strlen(tail);

		found = n >= t && !strcmp(line + n - t, tail);
	}
	fclose(f);
	return found;
}

/* Block @i of the write pass holds bytes of this value. */
static int pattern_of(long i)
{
	return (int)((i * 7 + 1) & 0xff);
}

static int cmd_io(const char *path, const char *mnt, long total_mib,
		  bool writes_too)
{
	char *buf = malloc(MiB), *back = malloc(MiB), line[512];
	const char *rel = path + strlen(mnt);
	long blocks, writes = writes_too ? total_mib / 2 : 0;
	long reads = total_mib - writes, i;
	bool same = true;
	struct stat st;
	int fd;

	if (!buf || !back)
		die("malloc");
	fd = open(path, (writes_too ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || st.st_size < (off_t)MiB)
		die(path);
	blocks = (long)(st.st_size / (off_t)MiB);
	/* half the traffic written, block by block round the file */
	for (i = 0; i < writes; i++) {
		memset(buf, pattern_of(i), MiB);
		if (pwrite(fd, buf, MiB, (off_t)((i % blocks) * (long)MiB)) !=
		    (ssize_t)MiB)
			die("pwrite");
	}
	/* the other half read, each block holding its last write */
	for (i = 0; i < reads; i++) {
		long b = i % blocks, last = writes - 1 - ((writes - 1 - b) % blocks);

		if (pread(fd, back, MiB, (off_t)(b * (long)MiB)) != (ssize_t)MiB)
			die("pread");
		if (writes && last >= 0 && last < writes) {
			memset(buf, pattern_of(last), MiB);
			same = same && !memcmp(buf, back, MiB);
		}
	}
	check(same, "%ld MiB written, %ld MiB read back through the mount",
	      writes, reads);
	check(serving_line(mnt, rel, line, sizeof(line)),
	      "%s listed in .meta/.serving while open", rel);
	printf("  .serving: %s", line);
	check(!strncmp(line, "passthrough - handles=1 read_requests=0 write_requests=0 ",
		       57),
	      "the daemon served no read or write request of them");
	close(fd);
	free(buf);
	free(back);
	return test_failures != 0;
}

static void flush_lines(volatile char *p, size_t len)
{
	for (size_t i = 0; i < len; i += 64)
		__builtin_ia32_clflush((const void *)(p + i));
	__builtin_ia32_mfence();
}

static int cmd_poke(const char *path, long off, const char *text)
{
	size_t len, n = strlen(text);
	volatile char *p = map_file(path, O_RDWR, &len, NULL);

	if ((size_t)off + n > len)
		die("offset past the end");
	memcpy((char *)p + off, text, n);
	flush_lines(p + off, n);
	munmap((void *)p, len);
	return 0;
}

static void wait_file(const char *path)
{
	while (access(path, F_OK))
		usleep(10000);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void touch_file(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);

	if (fd < 0)
		die(path);
	close(fd);
}

static int cmd_watch(const char *path, long off, const char *text,
		     const char *ready, const char *go)
{
	size_t len, n = strlen(text);
	volatile char *p = map_file(path, O_RDONLY, &len, NULL);
	double t0;

	if ((size_t)off + n > len)
		die("offset past the end");
	check(memcmp((const char *)p + off, text, n) != 0,
	      "the mapping does not hold the text yet");
	touch_file(ready);
	wait_file(go);
	t0 = now();
	for (;;) {
		/* read memory, not a stale line */
		flush_lines(p + off, n);
		if (!memcmp((const char *)p + off, text, n))
			break;
		if (now() - t0 > 1.0)
			break;
		usleep(1000);
	}
	check(!memcmp((const char *)p + off, text, n),
	      "the existing mapping shows the other host's in-place write after %.3f s",
	      now() - t0);
	munmap((void *)p, len);
	return test_failures != 0;
}

static sigjmp_buf bus_jump;
static char *volatile bus_addr;
static volatile int bus_code;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	bus_addr = si->si_addr;
	bus_code = si->si_code;
	siglongjmp(bus_jump, 1);
}

static int cmd_hold(const char *path, const char *ready, const char *go)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus,
				.sa_flags = SA_SIGINFO };
	volatile char *p;
	volatile long long sum = 0;
	size_t len, i;

	p = map_file(path, O_RDONLY, &len, NULL);
	for (i = 0; i < len; i += PAGE)
		sum += p[i];
	touch_file(ready);
	wait_file(go);
	sigaction(SIGBUS, &sa, NULL);
	if (sigsetjmp(bus_jump, 1)) {
		/* where: a poisoned page faults alone, not its neighbours */
		printf("hold: SIGBUS at file offset %#llx%s\n",
		       (unsigned long long)(bus_addr - (char *)p),
		       bus_code == BUS_MCEERR_AR ? " (memory failure)" : "");
		return 0;
	}
	for (i = 0; i < len; i += PAGE)
		sum += p[i];
	printf("hold: read %zu MiB without a fault (sum %lld)\n", (size_t)(len / MiB),
	       (long long)sum);
	return 0;
}

static int cmd_faults(const char *path, const char *ready, const char *go)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus,
				.sa_flags = SA_SIGINFO };
	size_t len, pages;
	volatile size_t i, faulted = 0, changed = 0;
	volatile char *p;
	char *copy, page[PAGE];
	int fd;

	p = map_file(path, O_RDONLY, &len, &fd);
	copy = malloc(len);
	if (!copy)
		die("malloc");
	memcpy(copy, (const char *)p, len);
	touch_file(ready);
	wait_file(go);
	sigaction(SIGBUS, &sa, NULL);
	pages = (len + PAGE - 1) / PAGE;
	for (i = 0; i < pages; i++) {
		size_t n;

		if (sigsetjmp(bus_jump, 1)) {
			printf("faults: SIGBUS at file offset %#llx%s\n",
			       (unsigned long long)(bus_addr - (char *)p),
			       bus_code == BUS_MCEERR_AR ?
			       " (memory failure)" : "");
			faulted++;
			continue;
		}
		n = len - i * PAGE < PAGE ? len - i * PAGE : PAGE;
		memcpy(page, (const char *)p + i * PAGE, n);
		if (memcmp(page, copy + i * PAGE, n)) {
			printf("faults: page at file offset %#llx changed\n",
			       (unsigned long long)(i * PAGE));
			changed++;
		}
	}
	printf("faults: %zu pages, %zu faulted, %zu changed\n", pages,
	       (size_t)faulted, (size_t)changed);
	munmap((void *)p, len);
	close(fd);
	free(copy);
	return 0;
}

static int cmd_pending(const char *path, long size, const char *ready,
		       const char *go)
{
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);

	if (fd < 0)
		die(path);
	if (ftruncate(fd, size))
		die("ftruncate");
	touch_file(ready);
	wait_file(go);
	/* the commit happens here: its refusal is close()'s error */
	if (close(fd))
		printf("pending: close %s\n",
		       errno == EIO ? "EIO" : strerror(errno));
	else
		printf("pending: close OK\n");
	return 0;
}

/* The first offset where @a and @b differ, or @len. */
static size_t first_difference(const volatile char *a, const char *b,
			       size_t len)
{
	size_t i;

	for (i = 0; i < len && a[i] == b[i]; i++)
		;
	return i;
}

static int cmd_same(const char *path, const char *ready, const char *go)
{
	size_t len, at;
	volatile char *p;
	char *copy, *again;
	int fd;

	p = map_file(path, O_RDONLY, &len, &fd);
	copy = malloc(len);
	again = malloc(len);
	if (!copy || !again)
		die("malloc");
	memcpy(copy, (const char *)p, len);
	touch_file(ready);
	wait_file(go);
	flush_lines(p, len);	/* the device's bytes, not a stale line */
	at = first_difference(p, copy, len);
	check(at == len, "the mapping still holds the file's %zu bytes "
	      "(first change at %zu)", len, at);
	check(pread(fd, again, len, 0) == (ssize_t)len,
	      "read() of the open file");
	at = first_difference(again, copy, len);
	check(at == len, "read() still gives the file's bytes (first change "
	      "at %zu)", at);
	munmap((void *)p, len);
	close(fd);
	free(copy);
	free(again);
	return test_failures != 0;
}

static int cmd_tail(const char *path)
{
	char buf[2 * PAGE];
	const char *p;
	uint64_t size, last, i;
	struct stat st;
	bool zeros = true;
	ssize_t got;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		die(path);
	size = (uint64_t)st.st_size;
	last = size / PAGE * PAGE;
	check(size % PAGE != 0, "%s: %llu bytes, not whole pages", path,
	      (unsigned long long)size);
	got = pread(fd, buf, sizeof(buf), (off_t)last);
	check(got == (ssize_t)(size - last),
	      "read() of the last page gives %zd bytes (want %llu)", got,
	      (unsigned long long)(size - last));
	check(pread(fd, buf + PAGE, 1, (off_t)size) == 0,
	      "read() at the size: end of file");
	p = mmap(NULL, last + PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	check(got > 0 && !memcmp(p + last, buf, (size_t)got),
	      "the mapping holds the same last bytes");
	for (i = size; i < last + PAGE; i++)
		zeros = zeros && !p[i];
	check(zeros, "the mapping reads zeros past the end (%llu bytes)",
	      (unsigned long long)(last + PAGE - size));
	munmap((void *)p, last + PAGE);
	close(fd);
	return test_failures != 0;
}

static const char usage_text[] =
	"usage: see the top of fsdev-through-mount.c\n";

/* a byte offset or size argument, whole (args.h) */
static long bytes_arg(const char *what, const char *arg)
{
	return hex_arg(what, arg, 0, LONG_MAX, usage_text);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "map"))
		return cmd_map(argv[2], argv[3]);
	if (argc == 6 && !strcmp(argv[1], "io")) {
		/* 1 TiB: far more than any guest has */
		long mib = number_arg("TOTAL_MIB", argv[4], 1, 1L << 20,
				      usage_text);

		if (strcmp(argv[5], "rw") && strcmp(argv[5], "ro")) {
			fprintf(stderr, "fsdev-through-mount: '%s': not rw "
				"or ro\n", argv[5]);
			fputs(usage_text, stderr);
			return 2;
		}
		return cmd_io(argv[2], argv[3], mib, !strcmp(argv[5], "rw"));
	}
	if (argc == 5 && !strcmp(argv[1], "poke"))
		return cmd_poke(argv[2], bytes_arg("OFF", argv[3]), argv[4]);
	if (argc == 7 && !strcmp(argv[1], "watch"))
		return cmd_watch(argv[2], bytes_arg("OFF", argv[3]), argv[4],
				 argv[5], argv[6]);
	if (argc == 5 && !strcmp(argv[1], "hold"))
		return cmd_hold(argv[2], argv[3], argv[4]);
	if (argc == 5 && !strcmp(argv[1], "same"))
		return cmd_same(argv[2], argv[3], argv[4]);
	if (argc == 5 && !strcmp(argv[1], "faults"))
		return cmd_faults(argv[2], argv[3], argv[4]);
	if (argc == 6 && !strcmp(argv[1], "pending"))
		return cmd_pending(argv[2], bytes_arg("SIZE", argv[3]),
				   argv[4], argv[5]);
	if (argc == 3 && !strcmp(argv[1], "tail"))
		return cmd_tail(argv[2]);
	fputs(usage_text, stderr);
	return 2;
}
