// SPDX-License-Identifier: Apache-2.0
/*
 * A tree of small files for the tar -x / cp -r rows: N files spread over
 * directories of 100, sizes uniform in [MIN, MAX] bytes, contents and
 * sizes fixed by the seed so every run extracts the same data. Prints
 * the total bytes of file data.
 *
 * usage: make_tree [-m MIN] [-M MAX] [-s SEED] DIR NFILES
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"

#define FILES_PER_DIR 100

/* xorshift64: a fixed stream, the same on every machine */
static uint64_t next_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: make_tree [-m MIN] [-M MAX] [-s SEED] DIR NFILES\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t min = 100, max = 8192, state = 0x5eed, total = 0;
	static uint8_t data[1 << 20];
	char path[4200];
	int opt, nfiles;

	while ((opt = getopt(argc, argv, "m:M:s:")) != -1) {
		switch (opt) {
		case 'm':
			min = strtoull(optarg, NULL, 0);
			break;
		case 'M':
			max = strtoull(optarg, NULL, 0);
			break;
		case 's':
			state = strtoull(optarg, NULL, 0) | 1;
			break;
		default:
			usage();
		}
	}
	if (optind + 2 != argc || !min || max < min || max > sizeof(data))
		usage();
	nfiles = atoi(argv[optind + 1]);
	if (nfiles < 1)
		usage();
	for (size_t i = 0; i < sizeof(data); i += 8) {
		uint64_t r = next_random(&state);

		memcpy(data + i, &r, 8);
	}
	if (mkdir(argv[optind], 0755) && errno != EEXIST)
		bench_die(argv[optind], errno);
	for (int i = 0; i < nfiles; i++) {
		uint64_t size = min + next_random(&state) % (max - min + 1);
		uint64_t from = next_random(&state) % (sizeof(data) - size);
		int fd;

		if (i % FILES_PER_DIR == 0) {
			snprintf(path, sizeof(path), "%s/d%03d", argv[optind],
				 i / FILES_PER_DIR);
			if (mkdir(path, 0755))
				bench_die(path, errno);
		}
		snprintf(path, sizeof(path), "%s/d%03d/f%04d", argv[optind],
			 i / FILES_PER_DIR, i % FILES_PER_DIR);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			bench_die(path, errno);
		if (write(fd, data + from, size) != (ssize_t)size)
			bench_die(path, errno ? errno : EIO);
		if (close(fd))
			bench_die(path, errno);
		total += size;
	}
	printf("%llu\n", (unsigned long long)total);
	return 0;
}
