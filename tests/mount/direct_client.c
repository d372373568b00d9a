// SPDX-License-Identifier: Apache-2.0
/*
 * direct_client: one mapping of a file, driven line by line from stdin,
 * for the direct-mapping tests. It uses only the installed API
 * (libfamfs.h), so the install test builds it against an installed
 * libfamfs with pkg-config.
 *
 * usage: direct_client HOW FILE [SIZE]
 * (SIZE in decimal; anything else is a usage error, exit 2)
 *   api        famfs_map_open(FILE, FAMFS_MAP_RDWR)
 *   api-ro     famfs_map_open(FILE, FAMFS_MAP_RDONLY)
 *   api-fd     open(FILE, O_RDWR), famfs_map_fd(), close()
 *   mmap       open(FILE, O_RDWR), mmap(MAP_SHARED) of it all, close()
 *   mmap-ro    the same read-only
 *   private    the same with MAP_PRIVATE
 *   wronly     open(FILE, O_WRONLY), mmap(PROT_WRITE, MAP_SHARED)
 *   new        create FILE, write SIZE bytes, mmap it while still open
 *   range      mmap(MAP_SHARED) of FILE from byte SIZE (a page multiple)
 *              to its end; offsets in commands are the mapping's
 *   remap      checks of munmap, mremap and fork on a mapping (TAP)
 * Prints "mapped SIZE" or "error ENAME" first, then answers each command:
 *   wait OFF TEXT   until the mapping shows TEXT at OFF (5 s): ok/timeout
 *   write OFF TEXT  store TEXT at OFF and flush it: ok
 *   show OFF LEN    the bytes, '.' for unprintable ones
 *   where           what backs the mapping (/proc/self/maps path)
 *   fork OFF TEXT   a child waits for TEXT at OFF: ok/timeout
 *   same PATH       compare the whole mapping with PATH's bytes:
 *                   same / differs at OFF / ERROR
 *   unmap           unmap it: ok
 * In the api modes, wait invalidates the CPU caches before each look.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* mremap, strerrorname_np: built alone too */
#endif
#include <errno.h>
#include <fcntl.h>
#include <libfamfs.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "args.h"

#define WAIT_MS 5000

static uint8_t *base;
static size_t size;
static struct famfs_map *map;
static bool api;

static void say_errno(int err)
{
	printf("error %s\n", strerrorname_np(err));
}

/* What /proc/self/maps says backs @addr ("-" for anonymous memory). */
static void backing_of(const void *addr, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[4352];

	snprintf(out, len, "none");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;
		int n = 0;

		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &lo, &hi, &n) < 2)
			continue;
		if ((uintptr_t)addr < lo || (uintptr_t)addr >= hi)
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(out, len, "%s", n && line[n] ? line + n : "-");
		break;
	}
	fclose(f);
}

static bool shows(size_t off, const char *text)
{
	size_t len = strlen(text);

	if (off > size || len > size - off)
		return false;
	if (api)
		famfs_invalidate(base + off, len);
	return !memcmp(base + off, text, len);
}

static bool wait_for(size_t off, const char *text)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };

	for (int ms = 0; ms < WAIT_MS; ms += 10) {
		if (shows(off, text))
			return true;
		nanosleep(&pause, NULL);
	}
	return shows(off, text);
}

/* Say whether the mapping holds exactly the bytes of the file at @path. */
static void compare_with(const char *path)
{
	FILE *f = fopen(path, "re");
	size_t off = 0, got;
	uint8_t chunk[65536];

	if (!f) {
		printf("%s\n", strerror(errno));
		return;
	}
	if (api)
		famfs_invalidate(base, size);
	while (off < size && (got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (got > size - off)
			got = size - off;
		for (size_t i = 0; i < got; i++) {
			if (base[off + i] != chunk[i]) {
				printf("differs at %zu\n", off + i);
				fclose(f);
				return;
			}
		}
		off += got;
	}
	fclose(f);
	if (off != size)
		printf("differs at %zu (the file is shorter)\n", off);
	else
		puts("same");
}

static int map_file(const char *how, const char *path, size_t new_size)
{
	int flags = O_RDWR, prot = PROT_READ | PROT_WRITE;
	int type = MAP_SHARED, fd, rc;
	off_t from = 0;
	struct stat st;

	if (!strncmp(how, "api", 3)) {
		api = true;
		if (!strcmp(how, "api-fd")) {
			fd = open(path, O_RDWR);
			if (fd < 0)
				return errno;
			rc = famfs_map_fd(fd, FAMFS_MAP_RDWR, &map);
			close(fd);
		} else {
			rc = famfs_map_open(path, strcmp(how, "api-ro") ?
					    FAMFS_MAP_RDWR : FAMFS_MAP_RDONLY,
					    &map);
		}
		if (rc)
			return -rc;
		base = famfs_map_addr(map);
		size = famfs_map_size(map);
		return 0;
	}
	if (!strcmp(how, "mmap-ro")) {
		flags = O_RDONLY;
		prot = PROT_READ;
	} else if (!strcmp(how, "private")) {
		type = MAP_PRIVATE;
	} else if (!strcmp(how, "wronly")) {
		flags = O_WRONLY;
		prot = PROT_WRITE;
	} else if (!strcmp(how, "new")) {
		flags = O_RDWR | O_CREAT | O_EXCL;
	} else if (!strcmp(how, "range")) {
		from = (off_t)new_size;
		new_size = 0;
	} else if (strcmp(how, "mmap") && strcmp(how, "remap")) {
		return EINVAL;
	}
	fd = open(path, flags, 0644);
	if (fd < 0)
		return errno;
	if (new_size) {
		char *buf = calloc(1, new_size);

		rc = buf && write(fd, buf, new_size) == (ssize_t)new_size ?
			     0 : EIO;
		free(buf);
		if (rc) {
			close(fd);
			return rc;
		}
	}
	if (fstat(fd, &st)) {
		close(fd);
		return errno;
	}
	if (from > st.st_size) {
		close(fd);
		return EINVAL;
	}
	size = (size_t)(st.st_size - from);
	base = mmap(NULL, size, prot, type, fd, from);
	rc = base == MAP_FAILED ? errno : 0;
	/* "new" keeps its file open: it stays pending on the master */
	if (strcmp(how, "new"))
		close(fd);
	return rc;
}

/* ---- remap: munmap, mremap and fork on a mapping of the file ---------- */

static int tap_n, tap_bad;

static void check(bool ok, const char *what)
{
	printf("%s %d - %s\n", ok ? "ok" : "not ok", ++tap_n, what);
	tap_bad += !ok;
}

/* The file's bytes at @off as @fd reads them, against the mapping @p. */
static bool same_as_file(int fd, const uint8_t *p, size_t off, size_t len)
{
	uint8_t *buf = malloc(len);
	bool same;

	same = buf && pread(fd, buf, len, (off_t)off) == (ssize_t)len &&
	       !memcmp(buf, p, len);
	free(buf);
	return same;
}

static bool backed_by_device(const void *p, const char *device)
{
	char backing[4352];

	backing_of(p, backing, sizeof(backing));
	return !strcmp(backing, device);
}

/* Does any mapping of this process come from @path? */
static bool maps_mention(const char *path)
{
	char real[4096], line[4352];
	bool found = false;
	FILE *f;

	if (!realpath(path, real) || !(f = fopen("/proc/self/maps", "re")))
		return true;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		found = strstr(line, real) &&
			!strcmp(strstr(line, real), real);
	}
	fclose(f);
	return found;
}

static int remap_checks(const char *path, const char *device)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t pages = size / (size_t)page, half = pages / 2 * (size_t)page;
	int fd = open(path, O_RDONLY);
	uint8_t *q, *r;
	pid_t child;
	int status;

	if (fd < 0 || pages < 8) {
		check(false, "file opened, at least 8 pages");
		return 1;
	}
	check(backed_by_device(base, device), "the mapping is the device");
	check(same_as_file(fd, base, 0, size), "it shows the file");

	/* a hole in the middle: both sides stay */
	check(!munmap(base + 2 * page, (size_t)page), "munmap of one page");
	check(backed_by_device(base, device) &&
		      backed_by_device(base + 3 * page, device) &&
		      same_as_file(fd, base + 3 * page, 3 * (size_t)page,
				   size - 3 * (size_t)page),
	      "the pages after the hole still map the file");

	/* shrink the tail part, then grow it back (in place or moved) */
	q = base + 3 * page;
	r = mremap(q, size - 3 * (size_t)page, (size_t)page, 0);
	check(r == q && same_as_file(fd, r, 3 * (size_t)page, (size_t)page),
	      "mremap shrinks in place");
	r = mremap(q, (size_t)page, half, MREMAP_MAYMOVE);
	check(r != MAP_FAILED && backed_by_device(r, device) &&
		      same_as_file(fd, r, 3 * (size_t)page, half),
	      "mremap grows it back with the file's next bytes");
	if (r != MAP_FAILED)
		q = r;
	errno = 0;
	r = mremap(q, half, size, MREMAP_MAYMOVE);
	check(r == MAP_FAILED && errno == ENOMEM,
	      "growing past the file's end is ENOMEM");

	/* move to a place of our choosing */
	r = mmap(NULL, half, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	r = mremap(q, half, half, MREMAP_MAYMOVE | MREMAP_FIXED, r);
	check(r != MAP_FAILED && backed_by_device(r, device) &&
		      same_as_file(fd, r, 3 * (size_t)page, half),
	      "mremap to a fixed address maps the same file bytes there");
	if (r != MAP_FAILED)
		q = r;

	/* a forked child shares the mapping */
	child = fork();
	if (child == 0)
		_exit(same_as_file(fd, base, 0, 2 * (size_t)page) &&
		      backed_by_device(base, device) ? 0 : 1);
	check(child > 0 && waitpid(child, &status, 0) == child &&
		      WIFEXITED(status) && !WEXITSTATUS(status),
	      "a forked child sees the mapping");

	/* MAP_FIXED over part of it replaces that part */
	r = mmap(base, (size_t)page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
		 MAP_FIXED, -1, 0);
	check(r == base && !backed_by_device(base, device) &&
		      backed_by_device(base + page, device),
	      "MAP_FIXED anonymous memory replaces one page of it");
	check(maps_mention(path), "the file is held open while mapped");

	/* mremap(old_len 0): a second mapping of the same file bytes */
	r = mremap(q, 0, 2 * (size_t)page, MREMAP_MAYMOVE);
	check(r != MAP_FAILED && r != q && backed_by_device(r, device) &&
		      same_as_file(fd, r, 3 * (size_t)page, 2 * (size_t)page),
	      "mremap(old_len 0) maps the same file bytes a second time");
	errno = 0;
	check(mremap(q, 0, size, MREMAP_MAYMOVE) == MAP_FAILED &&
		      errno == ENOMEM,
	      "a second mapping past the file's end is ENOMEM");
	check(!munmap(base, 2 * (size_t)page) && !munmap(q, half),
	      "munmap of the rest");
	check(r == MAP_FAILED || maps_mention(path),
	      "the second mapping alone keeps the file held");
	check(r != MAP_FAILED && !munmap(r, 2 * (size_t)page),
	      "munmap of the second mapping");
	check(!maps_mention(path), "after the last munmap the file is let go");
	close(fd);
	printf("1..%d\n", tap_n);
	return tap_bad ? 1 : 0;
}

static void run_commands(const char *how)
{
	char line[4096], text[4096], backing[4352];
	size_t off, len;
	pid_t child;
	int status;

	while (fgets(line, sizeof(line), stdin)) {
		if (sscanf(line, "wait %zu %4095s", &off, text) == 2) {
			puts(wait_for(off, text) ? "ok" : "timeout");
		} else if (sscanf(line, "write %zu %4095s", &off, text) == 2) {
			len = strlen(text);
			if (off > size || len > size - off) {
				puts("out of range");
				continue;
			}
			memcpy(base + off, text, len);
			famfs_flush(base + off, len);
			puts("ok");
		} else if (sscanf(line, "show %zu %zu", &off, &len) == 2) {
			for (size_t i = off; i < off + len && i < size; i++)
				putchar(base[i] >= 32 && base[i] < 127 ?
						base[i] : '.');
			putchar('\n');
		} else if (!strncmp(line, "where", 5)) {
			backing_of(base, backing, sizeof(backing));
			puts(backing);
		} else if (sscanf(line, "fork %zu %4095s", &off, text) == 2) {
			fflush(stdout);
			child = fork();
			if (child == 0)
				_exit(wait_for(off, text) ? 0 : 1);
			puts(child > 0 && waitpid(child, &status, 0) == child &&
					     WIFEXITED(status) &&
					     !WEXITSTATUS(status) ?
				     "ok" : "timeout");
		} else if (sscanf(line, "same %4095s", text) == 1) {
			compare_with(text);
		} else if (!strncmp(line, "unmap", 5)) {
			if (api)
				famfs_map_close(map);
			else
				munmap(base, size);
			map = NULL;
			base = NULL;
			puts("ok");
		} else {
			puts("unknown command");
		}
		fflush(stdout);
	}
	(void)how;
}

static const char usage_text[] =
	"usage: direct_client HOW FILE [SIZE|DEVICE]\n";

int main(int argc, char **argv)
{
	size_t new_size = 0;
	int err;

	if (argc < 3) {
		fputs(usage_text, stderr);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* remap's third argument is the device, not a size */
	if (argc > 3 && strcmp(argv[1], "remap"))
		new_size = (size_t)number_arg("SIZE", argv[3], 0, LONG_MAX,
					      usage_text);
	err = map_file(argv[1], argv[2], new_size);
	if (err) {
		say_errno(err);
		return 1;
	}
	printf("mapped %zu\n", size);
	if (!strcmp(argv[1], "remap"))
		return remap_checks(argv[2], argc > 3 ? argv[3] : "");
	run_commands(argv[1]);
	if (api)
		famfs_map_close(map);
	return 0;
}
