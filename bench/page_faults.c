// SPDX-License-Identifier: Apache-2.0
/*
 * Page faults taken when touching a 2 MiB-aligned famfs file through a
 * direct mapping of its extent: minor faults (getrusage) divided by the
 * number of 2 MiB units. 1.0 means every unit was mapped by one PMD
 * fault; 512 means the backing memory only offers 4 KiB pages (a tmpfs
 * device without huge pages, for instance).
 *
 * The extent is mapped from the device file at a 2 MiB-aligned virtual
 * address with MADV_HUGEPAGE, which is what a DAX mapping would get.
 *
 * With -f FILE (a file made through a famfs mount of DEVICE) the mapping
 * is instead an mmap(2) of FILE, as a program makes it: under `famfs run`
 * (-m direct) the preload library's direct mapping, without it
 * (-m pagecache) the kernel's page cache, for contrast; major faults
 * (reads from the daemon) are counted too.
 *
 * usage: page_faults [-s SIZE] [-r REPS] [-l LABEL] [-i ID]
 *                    [-f FILE -m direct|pagecache] DEVICE
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench.h"
#include "famfs.h"

#define UNIT FAMFS_ALLOC_UNIT

static long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static long all_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt + ru.ru_majflt;
}

/* Map @len device bytes from @off at a 2 MiB-aligned address. */
static uint8_t *map_aligned(int fd, uint64_t off, uint64_t len)
{
	uint8_t *area, *aligned;
	void *p;

	area = mmap(NULL, len + UNIT, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (area == MAP_FAILED)
		bench_die("mmap reserve", errno);
	aligned = (uint8_t *)(((uintptr_t)area + UNIT - 1) & ~(UNIT - 1));
	p = mmap(aligned, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 fd, off);
	if (p == MAP_FAILED)
		bench_die("mmap of the device", errno);
	/* trim the reservation around the real mapping */
	if (aligned > area)
		munmap(area, aligned - area);
	munmap(aligned + len, area + len + UNIT - (aligned + len));
	madvise(aligned, len, MADV_HUGEPAGE);
	return aligned;
}

/* Faults per 2 MiB unit for one touch of every 4 KiB page. */
static double touch_faults(int fd, uint64_t off, uint64_t len, int write)
{
	uint8_t *p = map_aligned(fd, off, len);
	long before, after;

	before = minor_faults();
	for (uint64_t i = 0; i < len; i += 4096) {
		if (write)
			((volatile uint8_t *)p)[i] = (uint8_t)i;
		else
			(void)((volatile uint8_t *)p)[i];
	}
	after = minor_faults();
	munmap(p, len);
	return (double)(after - before) / (len / UNIT);
}

/* The same through an mmap(2) of a file in the mount. */
static double touch_file_faults(const char *path, const char *device,
				bool direct, uint64_t len, int write)
{
	uint8_t *p = bench_map_shared(path, 0, len);
	long before, after;

	/* the row must be about the mapping it names */
	bench_check_direct(p, device, direct);
	before = all_faults();
	for (uint64_t i = 0; i < len; i += 4096) {
		if (write)
			((volatile uint8_t *)p)[i] = (uint8_t)i;
		else
			(void)((volatile uint8_t *)p)[i];
	}
	after = all_faults();
	munmap(p, len);
	return (double)(after - before) / (len / UNIT);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: page_faults [-s SIZE] [-r REPS] [-l LABEL] [-i ID]\n"
		"                   [-f FILE -m direct|pagecache] DEVICE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *label = "device", *id = "faults";
	uint64_t size = 64ULL << 20, off, contig;
	int reps = 5, opt, rc, fd;
	struct famfs_fs *fs;
	struct famfs_stat st;
	char row_id[96], row_label[160], note[96];

	const char *file = NULL, *mode = NULL, *goal = "value==1";
	bool direct = false;

	while ((opt = getopt(argc, argv, "s:r:l:i:f:m:")) != -1) {
		switch (opt) {
		case 's':
			if (famfs_parse_size(optarg, &size) || size % UNIT ||
			    !size)
				usage();
			break;
		case 'r':
			reps = atoi(optarg);
			if (reps < 1)
				usage();
			break;
		case 'l':
			label = optarg;
			break;
		case 'i':
			id = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'm':
			mode = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc || !file != !mode ||
	    (mode && strcmp(mode, "direct") && strcmp(mode, "pagecache")))
		usage();

	if (file) {
		direct = !strcmp(mode, "direct");
		if (!direct)
			goal = "-";	/* shown for contrast */
		bench_mounted_file(file, argv[optind], &fs, &st);
		if (st.size < size)
			bench_die("the file is smaller than -s", -EINVAL);
	} else {
		bench_create_file(argv[optind], "bench-faults", size, &fs, &st);
	}
	rc = famfs_file_map(fs, st.ino, 0, &off, &contig);
	if (rc)
		bench_die("famfs_file_map", rc);
	if (contig < size || off % UNIT)
		bench_die("file not one aligned extent", -EINVAL);
	fd = open(argv[optind], O_RDWR);
	if (fd < 0)
		bench_die(argv[optind], errno);
	/* back the range with memory first: count mapping, not allocation */
	if (!file)
		memset(famfs_fs_ptr(fs, off), 0, size);

	for (int w = 0; w <= 1; w++) {
		double *v = calloc(reps, sizeof(double));
		struct bench_stat s;

		if (!v)
			bench_die("out of memory", -ENOMEM);
		for (int i = 0; i < reps; i++)
			v[i] = file ? touch_file_faults(file, argv[optind],
							direct, size, w) :
				      touch_faults(fd, off, size, w);
		bench_stat_of(v, reps, &s);
		snprintf(row_id, sizeof(row_id), "%s.%s", id,
			 w ? "write" : "read");
		snprintf(row_label, sizeof(row_label),
			 "page faults per 2 MiB, %s touch, %s",
			 w ? "write" : "read", label);
		snprintf(note, sizeof(note), "%.0f faults per %llu MiB file",
			 s.med * (size / UNIT),
			 (unsigned long long)(size >> 20));
		bench_row(row_id, row_label, "faults/2MiB", &s, NULL, NULL,
			  NAN, goal, note);
		free(v);
	}
	close(fd);
	famfs_fs_close(fs);
	return 0;
}
