// SPDX-License-Identifier: Apache-2.0
/*
 * Files created per second, in one process (no fork per file), famfs
 * against tmpfs. Two modes:
 *   create_rate FAMFS_DIR TMPFS_DIR      open(O_CREAT)+close on both
 *   create_rate -d DEVICE TMPFS_DIR      famfs_create_file() of -S bytes
 *                                        vs open+ftruncate(-S)+close
 * Each repetition creates -n new files in a fresh subdirectory; famfs
 * and tmpfs repetitions alternate.
 *
 * usage: create_rate [-n N] [-r REPS] [-S SIZE] [-i ID] [-l LABEL]
 *                    {FAMFS_DIR | -d DEVICE} TMPFS_DIR
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
#include "famfs.h"

struct target {
	const char *dir;	/* directory mode */
	struct famfs_fs *fs;	/* libfamfs mode */
	uint64_t size;
};

static double create_in_dir(const char *dir, int rep, int n, uint64_t size)
{
	char path[4096];
	double t0, t1;
	int len;

	snprintf(path, sizeof(path), "%s/cr-%d-%d", dir, (int)getpid(), rep);
	if (mkdir(path, 0755))
		bench_die(path, errno);
	len = strlen(path);
	t0 = bench_now();
	for (int i = 0; i < n; i++) {
		int fd;

		snprintf(path + len, sizeof(path) - len, "/f%d", i);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0)
			bench_die(path, errno);
		if (size && ftruncate(fd, size))
			bench_die(path, errno);
		if (close(fd))
			bench_die(path, errno);
	}
	t1 = bench_now();
	return n / (t1 - t0);
}

static double create_in_famfs(struct famfs_fs *fs, int rep, int n,
			      uint64_t size)
{
	struct famfs_stat dir, st;
	char name[64];
	double t0, t1;
	int rc;

	snprintf(name, sizeof(name), "cr-%d-%d", (int)getpid(), rep);
	rc = famfs_mkdir(fs, FAMFS_ROOT_INO, name, 0755, 0, 0, &dir);
	if (rc)
		bench_die(name, rc);
	t0 = bench_now();
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		rc = famfs_create_file(fs, dir.ino, name, 0644, 0, 0, size,
				       NULL, &st);
		if (rc)
			bench_die("famfs_create_file", rc);
	}
	t1 = bench_now();
	return n / (t1 - t0);
}

static double create_rate(const struct target *t, int rep, int n)
{
	if (t->fs)
		return create_in_famfs(t->fs, rep, n, t->size);
	return create_in_dir(t->dir, rep, n, t->size);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: create_rate [-n N] [-r REPS] [-S SIZE] [-i ID] [-l LABEL]\n"
		"                   {FAMFS_DIR | -d DEVICE} TMPFS_DIR\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *id = "meta.create", *label = NULL, *device = NULL;
	struct target fam = { 0 }, tmp = { 0 };
	int n = 2000, reps = 5, opt, rc;
	uint64_t size = 0;
	double f[64], t[64], q[64];
	struct bench_stat fs, ts, qs;
	char buf[160];

	while ((opt = getopt(argc, argv, "n:r:S:i:l:d:")) != -1) {
		switch (opt) {
		case 'n':
			n = atoi(optarg);
			break;
		case 'r':
			reps = atoi(optarg);
			break;
		case 'S':
			if (famfs_parse_size(optarg, &size))
				usage();
			break;
		case 'i':
			id = optarg;
			break;
		case 'l':
			label = optarg;
			break;
		case 'd':
			device = optarg;
			break;
		default:
			usage();
		}
	}
	if (n < 1 || reps < 1 || reps > 64 ||
	    optind + (device ? 1 : 2) != argc)
		usage();
	if (device) {
		rc = famfs_fs_open(device, FAMFS_OPEN_RDWR, NULL, &fam.fs);
		if (rc)
			bench_die(device, rc);
	} else {
		fam.dir = argv[optind++];
	}
	tmp.dir = argv[optind];
	fam.size = tmp.size = size;

	for (int i = 0; i < reps; i++) {
		if (i % 2 == 0)
			f[i] = create_rate(&fam, i, n);
		t[i] = create_rate(&tmp, i, n);
		if (i % 2)
			f[i] = create_rate(&fam, i, n);
		q[i] = f[i] / t[i];
	}
	bench_stat_of(f, reps, &fs);
	bench_stat_of(t, reps, &ts);
	bench_stat_of(q, reps, &qs);
	if (!label) {
		snprintf(buf, sizeof(buf), "files created per second, %s",
			 device ? "famfs_create_file()" :
				  "open(O_CREAT)+close");
		label = buf;
	}
	snprintf(buf + 80, 80, "%d files per repetition, in one process", n);
	bench_row(id, label, "files/s", &fs, device && size ?
		  "tmpfs open+ftruncate+close" : "tmpfs open+close", &ts,
		  qs.med, "ratio>=0.3", buf + 80);
	if (fam.fs)
		famfs_fs_close(fam.fs);
	return 0;
}
