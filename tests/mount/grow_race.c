// SPDX-License-Identifier: Apache-2.0
/*
 * grow_race DIR FILES PASSES: writes racing a new file's move out of
 * packed space. A pass writes the first three MiB of a file into the
 * master's page cache with one pwrite(2), and fsync(2) writes them back
 * as three one-MiB WRITE requests the daemon serves at once: the first
 * puts the file in a piece, a later one moves the file to whole units,
 * copying its bytes, while the first may still be copying into the
 * piece. Every byte is then read back past the page cache (O_DIRECT);
 * the file is truncated to nothing for the next pass, which starts it in
 * a piece again. Even files are made as fio makes them (created and
 * closed empty, so logged empty, then reopened), odd files are created
 * open. A one-page file made first shares its unit with the pieces that
 * follow it, so their move to units is a copy (a piece alone at the start
 * of a unit is taken over in place). A pass whose bytes differ, or a
 * call that fails, makes the exit status non-zero.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"

#define MIB (1024 * 1024)
#define LEN (3 * MIB)

static void die(const char *path)
{
	perror(path);
	exit(2);
}

static void fill(uint8_t *buf, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + 1;

	for (size_t k = 0; k < LEN; k += 8) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(buf + k, &x, 8);
	}
}

/* A file of one page, so that the next piece does not start its unit. */
static void make_anchor(const char *dir)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/anchor", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0 || write(fd, "anchor\n", 7) != 7 || close(fd))
		die(path);
}

static int open_new(const char *path, unsigned int file)
{
	int fd;

	if (file % 2)
		return open(path, O_RDWR | O_CREAT | O_EXCL, 0644);
	/* created and closed empty: committed to the log as it is */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0 || close(fd))
		die(path);
	return open(path, O_RDWR);
}

/* The first MiB of @got that differs from @want, or -1. */
static int first_bad_mib(const uint8_t *got, const uint8_t *want)
{
	for (int i = 0; i < LEN / MIB; i++)
		if (memcmp(got + (size_t)i * MIB, want + (size_t)i * MIB, MIB))
			return i;
	return -1;
}

/* Write, write back and read back one file PASSES times; wrong passes. */
static unsigned int one_file(const char *dir, unsigned int file,
			     unsigned int passes, uint8_t *buf, uint8_t *got)
{
	unsigned int bad = 0;
	char path[4096];
	int fd, direct;

	snprintf(path, sizeof(path), "%s/race.%u", dir, file);
	fd = open_new(path, file);
	if (fd < 0)
		die(path);
	direct = open(path, O_RDONLY | O_DIRECT);
	if (direct < 0)
		die(path);
	for (unsigned int p = 0; p < passes; p++) {
		int mib;

		if (p && ftruncate(fd, 0))
			die(path);
		fill(buf, (uint64_t)file * passes + p);
		if (pwrite(fd, buf, LEN, 0) != LEN || fsync(fd))
			die(path);
		if (pread(direct, got, LEN, 0) != LEN)
			die(path);
		mib = first_bad_mib(got, buf);
		if (mib >= 0) {
			printf("%s pass %u: MiB %d reads back other bytes than were written\n",
			       path, p, mib);
			bad++;
		}
	}
	if (close(fd))
		die(path);
	/* and as committed */
	if (pread(direct, got, LEN, 0) != LEN)
		die(path);
	if (first_bad_mib(got, buf) >= 0) {
		printf("%s: other bytes after close\n", path);
		bad++;
	}
	if (close(direct) || unlink(path))
		die(path);
	return bad;
}

/*
 * fio's way with a new file, many times: created and closed empty, then
 * at once reopened and written. The release of the first open (which
 * commits the file empty) races the second open; the writes must land.
 */
static unsigned int reopen_files(const char *dir, unsigned int count,
				 uint8_t *buf, uint8_t *got)
{
	unsigned int bad = 0;
	char path[4096];

	for (unsigned int i = 0; i < count; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/reopen.%u", dir, i);
		fd = open_new(path, 0);
		if (fd < 0)
			die(path);
		fill(buf, i);
		if (pwrite(fd, buf, 8192, 0) != 8192 || close(fd))
			die(path);
		fd = open(path, O_RDONLY | O_DIRECT);
		if (fd < 0 || pread(fd, got, 8192, 0) != 8192 || close(fd))
			die(path);
		if (memcmp(got, buf, 8192)) {
			printf("%s: other bytes than were written\n", path);
			bad++;
		}
		if (unlink(path))
			die(path);
	}
	return bad;
}

static const char usage_text[] = "usage: grow_race DIR FILES PASSES\n";

int main(int argc, char **argv)
{
	unsigned int files, passes, bad = 0;
	uint8_t *buf, *got;

	if (argc != 4) {
		fputs(usage_text, stderr);
		return 2;
	}
	/* at most 10000 each: 4 * FILES * PASSES reopened files count */
	files = (unsigned int)number_arg("FILES", argv[2], 1, 10000,
					 usage_text);
	passes = (unsigned int)number_arg("PASSES", argv[3], 1, 10000,
					  usage_text);
	/* O_DIRECT reads want aligned buffers */
	if (posix_memalign((void **)&buf, 4096, LEN) ||
	    posix_memalign((void **)&got, 4096, LEN)) {
		fprintf(stderr, "grow_race: out of memory\n");
		return 2;
	}
	make_anchor(argv[1]);
	for (unsigned int f = 0; f < files; f++)
		bad += one_file(argv[1], f, passes, buf, got);
	printf("%u of %u passes read back wrong bytes\n", bad,
	       files * (passes + 1));
	bad += reopen_files(argv[1], 4 * files * passes, buf, got);
	free(buf);
	free(got);
	return bad ? 1 : 0;
}
