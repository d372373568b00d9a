// SPDX-License-Identifier: Apache-2.0
/*
 * create_burst: the system calls whose FUSE requests request-count.sh
 * counts, and nothing else (a shell redirection would add a dup and a
 * second close, so a second FLUSH, per file).
 *
 *   create_burst create DIR PREFIX COUNT BYTES
 *	COUNT times open(DIR/PREFIX<i>, O_CREAT | O_EXCL | O_WRONLY), write
 *	BYTES bytes if BYTES > 0, close; as fast as one process can.
 *   create_burst stat DIR PREFIX COUNT BYTES
 *	stat each of them by name (no directory listing, which would look
 *	them all up at once) and check it is a regular file of BYTES bytes.
 *
 * COUNT is 1 or more, BYTES 0 or more, in decimal; anything else is a
 * usage error (exit 2) naming the argument.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"

static const char usage_text[] =
	"usage: create_burst create DIR PREFIX COUNT BYTES\n"
	"       create_burst stat DIR PREFIX COUNT BYTES\n";

static int usage(void)
{
	fputs(usage_text, stderr);
	return 2;
}

static int create_all(const char *dir, const char *prefix, long count,
		      size_t bytes)
{
	char path[4096];
	char *data = calloc(1, bytes ? bytes : 1);
	long i;

	if (!data) {
		fprintf(stderr, "create_burst: BYTES %zu: cannot allocate "
			"that much\n", bytes);
		return 1;
	}
	memset(data, 'x', bytes);
	for (i = 0; i < count; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/%s%ld", dir, prefix, i);
		fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0) {
			fprintf(stderr, "create_burst: %s: %s\n", path,
				strerror(errno));
			free(data);
			return 1;
		}
		if (bytes && write(fd, data, bytes) != (ssize_t)bytes) {
			fprintf(stderr, "create_burst: %s: short write\n",
				path);
			close(fd);
			free(data);
			return 1;
		}
		if (close(fd)) {
			fprintf(stderr, "create_burst: close %s: %s\n", path,
				strerror(errno));
			free(data);
			return 1;
		}
	}
	free(data);
	return 0;
}

static int stat_all(const char *dir, const char *prefix, long count,
		    long long bytes)
{
	char path[4096];
	struct stat st;
	long i;

	for (i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "%s/%s%ld", dir, prefix, i);
		if (stat(path, &st)) {
			fprintf(stderr, "create_burst: %s: %s\n", path,
				strerror(errno));
			return 1;
		}
		if (!S_ISREG(st.st_mode) || st.st_size != bytes) {
			fprintf(stderr,
				"create_burst: %s: mode %o size %lld, expected a file of %lld bytes\n",
				path, st.st_mode, (long long)st.st_size,
				bytes);
			return 1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	long count, bytes;

	if (argc != 6)
		return usage();
	if (strcmp(argv[1], "create") && strcmp(argv[1], "stat")) {
		fprintf(stderr, "create_burst: operation '%s': not create or "
			"stat\n", argv[1]);
		return usage();
	}
	count = number_arg("COUNT", argv[4], 1, LONG_MAX, usage_text);
	bytes = number_arg("BYTES", argv[5], 0, LONG_MAX, usage_text);
	if (!strcmp(argv[1], "create"))
		return create_all(argv[2], argv[3], count, (size_t)bytes);
	return stat_all(argv[2], argv[3], count, bytes);
}
