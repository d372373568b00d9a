// SPDX-License-Identifier: Apache-2.0
/*
 * fsop: one file-system call for the mount tests, reporting its errno by
 * name ("OK", "EPERM", ...) so that a shell test can assert it exactly.
 * Also the create loop and checker of the crash test, and mmap checks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int result(int rc)
{
	puts(rc ? strerrorname_np(rc) : "OK");
	return 0;
}

static int err_of(int rc)
{
	return rc < 0 ? errno : 0;
}

/* open + one write + close: any of the three may be refused */
static int write_at(const char *path, int flags, off_t off, const char *s)
{
	int fd = open(path, flags), rc = 0;

	if (fd < 0)
		return errno;
	if (flags & O_APPEND) {
		if (write(fd, s, strlen(s)) < 0)
			rc = errno;
	} else if (pwrite(fd, s, strlen(s), off) < 0) {
		rc = errno;
	}
	if (close(fd) && !rc)
		rc = errno;
	return rc;
}

/* Crash-test file contents: a pure function of the index. */
static size_t crash_size(unsigned long i)
{
	return 1 + (i * 7919) % 300000;
}

static uint8_t crash_byte(unsigned long i, size_t k)
{
	return (uint8_t)(k * 31 + i * 17 + (k >> 8));
}

/*
 * Create DIR/f<i> until something fails; a name goes into JOURNAL only
 * after its close() returned 0 (the promise under test).
 */
static int crash_loop(const char *dir, const char *journal)
{
	FILE *j = fopen(journal, "w");
	unsigned long i;

	if (!j || (mkdir(dir, 0755) && errno != EEXIST))
		return 1;
	setvbuf(j, NULL, _IONBF, 0);
	for (i = 0;; i++) {
		char path[4096];
		size_t n = crash_size(i);
		uint8_t *buf = malloc(n);
		int fd;

		snprintf(path, sizeof(path), "%s/f%lu", dir, i);
		for (size_t k = 0; k < n; k++)
			buf[k] = crash_byte(i, k);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || write(fd, buf, n) != (ssize_t)n) {
			free(buf);
			break;
		}
		free(buf);
		if (close(fd))
			break;
		fprintf(j, "%lu\n", i);
	}
	fclose(j);
	printf("%lu\n", i);
	return 0;
}

static int crash_verify(const char *dir, const char *journal)
{
	FILE *j = fopen(journal, "r");
	unsigned long i, count = 0;

	if (!j)
		return 1;
	while (fscanf(j, "%lu", &i) == 1) {
		char path[4096];
		size_t n = crash_size(i);
		uint8_t *buf = malloc(n + 1);
		ssize_t got;
		int fd;

		snprintf(path, sizeof(path), "%s/f%lu", dir, i);
		fd = open(path, O_RDONLY);
		got = fd < 0 ? -1 : read(fd, buf, n + 1);
		if (fd >= 0)
			close(fd);
		if (got != (ssize_t)n) {
			printf("BAD %s: size %zd, want %zu\n", path, got, n);
			return 1;
		}
		for (size_t k = 0; k < n; k++) {
			if (buf[k] != crash_byte(i, k)) {
				printf("BAD %s: byte %zu\n", path, k);
				return 1;
			}
		}
		free(buf);
		count++;
	}
	fclose(j);
	printf("OK %lu\n", count);
	return 0;
}

/* Fill a file through a shared mapping, then read it back with pread. */
static int mmap_rw(const char *path)
{
	int fd = open(path, O_RDWR), rc = 0;
	struct stat st;
	uint8_t *p, *back;

	if (fd < 0 || fstat(fd, &st))
		return errno;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	if (p == MAP_FAILED) {
		rc = errno;
		close(fd);
		return rc;
	}
	for (off_t k = 0; k < st.st_size; k++)
		p[k] = (uint8_t)(k * 13 + 7);
	if (msync(p, (size_t)st.st_size, MS_SYNC))
		rc = errno;
	munmap(p, (size_t)st.st_size);
	back = malloc((size_t)st.st_size);
	if (!rc && pread(fd, back, (size_t)st.st_size, 0) != st.st_size)
		rc = EIO;
	for (off_t k = 0; !rc && k < st.st_size; k++)
		if (back[k] != (uint8_t)(k * 13 + 7))
			rc = EILSEQ;
	free(back);
	close(fd);
	return rc;
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";
	const char *p = argc > 2 ? argv[2] : "";
	const char *a3 = argc > 3 ? argv[3] : "0";
	const char *a4 = argc > 4 ? argv[4] : "0";

	if (!strcmp(op, "mkdir"))
		return result(err_of(mkdir(p, 0755)));
	if (!strcmp(op, "creat"))
		return result(write_at(p, O_WRONLY | O_CREAT | O_EXCL, 0, ""));
	if (!strcmp(op, "unlink"))
		return result(err_of(unlink(p)));
	if (!strcmp(op, "rmdir"))
		return result(err_of(rmdir(p)));
	if (!strcmp(op, "rename"))
		return result(err_of(rename(p, a3)));
	if (!strcmp(op, "link"))
		return result(err_of(link(p, a3)));
	if (!strcmp(op, "symlink"))
		return result(err_of(symlink(a3, p)));
	if (!strcmp(op, "mkfifo"))
		return result(err_of(mkfifo(p, 0644)));
	if (!strcmp(op, "truncate"))
		return result(err_of(truncate(p, atoll(a3))));
	if (!strcmp(op, "chmod"))
		return result(err_of(chmod(p, (mode_t)strtol(a3, NULL, 8))));
	if (!strcmp(op, "chown"))
		return result(err_of(chown(p, (uid_t)atoi(a3),
					   (gid_t)atoi(a4))));
	if (!strcmp(op, "append"))
		return result(write_at(p, O_WRONLY | O_APPEND, 0, "x"));
	if (!strcmp(op, "pwrite"))
		return result(write_at(p, O_WRONLY, atoll(a3), a4));
	if (!strcmp(op, "open-trunc"))
		return result(write_at(p, O_WRONLY | O_TRUNC, 0, ""));
	if (!strcmp(op, "open-write"))
		return result(write_at(p, O_WRONLY, 0, ""));
	if (!strcmp(op, "fallocate")) {
		int fd = open(p, O_WRONLY), rc;

		if (fd < 0)
			return result(errno);
		/* the syscall itself: posix_fallocate() might write zeros */
		rc = err_of(fallocate(fd, 0, atoll(a3), atoll(a4)));
		close(fd);
		return result(rc);
	}
	if (!strcmp(op, "mmap-rw"))
		return result(mmap_rw(p));
	if (!strcmp(op, "crash-loop") && argc == 4)
		return crash_loop(p, a3);
	if (!strcmp(op, "crash-verify") && argc == 4)
		return crash_verify(p, a3);
	fprintf(stderr, "usage: fsop OP PATH [ARGS]\n");
	return 2;
}
