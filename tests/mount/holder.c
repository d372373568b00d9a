// SPDX-License-Identifier: Apache-2.0
/*
 * holder: keep a file open (and mapped) the way an application on some
 * host does, while the test deletes or replaces it elsewhere, and check
 * that it keeps reading the bytes it had.
 *
 *   holder FILE            open, map, take a snapshot, print "ready";
 *                          then, each time a line arrives on stdin,
 *                          read the whole file again through read()
 *                          (past the page cache) and through the
 *                          mapping, and print "same" or "changed at N";
 *                          at end of input exit 0.
 *   holder rename2 FROM TO FLAGS   renameat2(2); FLAGS noreplace,
 *                          exchange, whiteout or 0 (anything else is a
 *                          usage error, exit 2); prints the errno name.
 *   holder readlink PATH   prints the target, or the errno name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int errno_result(int rc)
{
	puts(rc ? strerrorname_np(errno) : "OK");
	return 0;
}

/* Read all of @fd from the device, not from the page cache. */
static int read_all(int fd, unsigned char *buf, size_t len)
{
	size_t done = 0;

	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	while (done < len) {
		ssize_t n = pread(fd, buf + done, len - done, (off_t)done);

		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

static int hold(const char *path)
{
	unsigned char *snap, *now, *map;
	char line[64];
	struct stat st;
	size_t len;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		printf("error %s\n", strerrorname_np(errno));
		return 1;
	}
	len = (size_t)st.st_size;
	snap = malloc(len + 1);
	now = malloc(len + 1);
	map = len ? mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0) : NULL;
	if (!snap || !now || map == MAP_FAILED || read_all(fd, snap, len)) {
		printf("error setup\n");
		return 1;
	}
	printf("ready %zu\n", len);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		int rc = read_all(fd, now, len);
		size_t i;

		if (rc) {
			printf("error %s\n", strerrorname_np(-rc));
		} else {
			for (i = 0; i < len && now[i] == snap[i] &&
				    map[i] == snap[i];
			     i++)
				;
			if (i == len)
				printf("same\n");
			else
				printf("changed at %zu\n", i);
		}
		fflush(stdout);
	}
	/* freed, so LeakSanitizer (make check-asan) has nothing to report */
	if (len)
		munmap(map, len);
	free(snap);
	free(now);
	close(fd);
	return 0;
}

/* Prints why @flags is refused (when given), then the usage: exit 2 */
static int usage(const char *flags)
{
	if (flags)
		fprintf(stderr, "holder: FLAGS '%s': not noreplace, exchange, "
			"whiteout or 0\n", flags);
	fprintf(stderr, "usage: holder FILE | rename2 FROM TO FLAGS | "
		"readlink PATH\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc == 2)
		return hold(argv[1]);
	if (argc == 5 && !strcmp(argv[1], "rename2")) {
		unsigned int flags = 0;

		if (!strcmp(argv[4], "noreplace"))
			flags = RENAME_NOREPLACE;
		else if (!strcmp(argv[4], "exchange"))
			flags = RENAME_EXCHANGE;
		else if (!strcmp(argv[4], "whiteout"))
			flags = RENAME_WHITEOUT;
		else if (strcmp(argv[4], "0"))
			return usage(argv[4]);
		return errno_result(renameat2(AT_FDCWD, argv[2], AT_FDCWD,
					      argv[3], flags));
	}
	if (argc == 3 && !strcmp(argv[1], "readlink")) {
		static char target[8192];
		ssize_t n = readlink(argv[2], target, sizeof(target) - 1);

		if (n < 0)
			return errno_result(-1);
		target[n] = '\0';
		puts(target);
		return 0;
	}
	return usage(NULL);
}
