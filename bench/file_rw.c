// SPDX-License-Identifier: Apache-2.0
/*
 * read()/write() bandwidth through a famfs mount against the same on
 * tmpfs: sequential passes over preallocated files at each block size,
 * with 1..N streams (one thread and one file each). Writes overwrite the
 * existing files in place, since a committed famfs file keeps its size.
 * famfs and tmpfs passes alternate (ABBA) within one run.
 *
 * usage: file_rw [-s SIZE] [-b BLOCKS] [-j STREAMS] [-r REPS] [-i ID_PREFIX]
 *                [-m MOUNT_DESC] [-g GOALS] FAMFS_DIR TMPFS_DIR
 *   SIZE is the total bytes of a pass, split among the streams;
 *   MOUNT_DESC names the mount options in the row labels;
 *   GOALS sets ratio goals of rows, "write.4K.j1=0.3,read.1M.j1=0.45"
 *   (rows not named: 1M blocks 0.8, others informational).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "famfs.h"

#define MAX_LIST 16
#define MAX_STREAMS 16
/* small blocks move fewer bytes per pass so that a run stays short */
#define MAX_CALLS_PER_PASS 8192

struct stream {
	char path[4096];
	uint64_t bytes;
	uint64_t block;
	bool write;
	uint8_t *buf;
	int err;
};

static void *stream_run(void *arg)
{
	struct stream *s = arg;
	uint64_t done = 0;
	int fd = open(s->path, s->write ? O_WRONLY : O_RDONLY);

	if (fd < 0) {
		s->err = errno;
		return NULL;
	}
	while (done < s->bytes) {
		ssize_t n = s->write ? write(fd, s->buf, s->block) :
				       read(fd, s->buf, s->block);

		if (n <= 0) {
			s->err = n < 0 ? errno : EIO;
			break;
		}
		done += n;
	}
	if (close(fd) && !s->err)
		s->err = errno;
	return NULL;
}

/* One pass of @nstreams concurrent streams; returns MB/s. */
static double run_pass(struct stream *s, int nstreams)
{
	pthread_t tid[MAX_STREAMS];
	double t0, t1;
	int i;

	t0 = bench_now();
	for (i = 0; i < nstreams; i++)
		if (pthread_create(&tid[i], NULL, stream_run, &s[i]))
			bench_die("pthread_create", EAGAIN);
	for (i = 0; i < nstreams; i++)
		pthread_join(tid[i], NULL);
	t1 = bench_now();
	for (i = 0; i < nstreams; i++)
		if (s[i].err)
			bench_die(s[i].path, s[i].err);
	return s[0].bytes * nstreams / (t1 - t0) / 1e6;
}

/* Create a stream's file at its full size with 1 MiB writes. */
static void create_file(const char *path, uint64_t size, uint8_t *buf)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);

	if (fd < 0)
		bench_die(path, errno);
	for (uint64_t done = 0; done < size; done += 1 << 20) {
		uint64_t n = size - done < (1 << 20) ? size - done : 1 << 20;

		if (write(fd, buf, n) != (ssize_t)n)
			bench_die(path, errno ? errno : EIO);
	}
	if (close(fd))
		bench_die(path, errno);
}

struct side {
	const char *dir;
	struct stream s[MAX_STREAMS];
};

static void setup_side(struct side *sd, int nstreams, uint64_t per_stream,
		       uint8_t **bufs)
{
	for (int i = 0; i < nstreams; i++) {
		snprintf(sd->s[i].path, sizeof(sd->s[i].path),
			 "%s/rw-%d-j%d-%d", sd->dir, (int)getpid(), nstreams,
			 i);
		create_file(sd->s[i].path, per_stream, bufs[i]);
		sd->s[i].buf = bufs[i];
	}
}

static void set_pass(struct side *sd, int nstreams, uint64_t bytes,
		     uint64_t block, bool write)
{
	for (int i = 0; i < nstreams; i++) {
		sd->s[i].bytes = bytes;
		sd->s[i].block = block;
		sd->s[i].write = write;
		sd->s[i].err = 0;
	}
}

/* row ids and plot series start with this ("rw" unless -i) */
static const char *id_prefix = "rw";
static const char *mount_desc = "the mount";
static const char *goals = "";

/* The goal of a row from -g ("KIND.BLOCK.jN=X"), else the default. */
static void goal_of(const char *key, uint64_t block, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *p = goals;

	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n > klen + 1 && !strncmp(p, key, klen) && p[klen] == '=') {
			snprintf(buf, len, "ratio>=%.*s", (int)(n - klen - 1),
				 p + klen + 1);
			return;
		}
		p += n + (end != NULL);
	}
	snprintf(buf, len, "%s", block == 1 << 20 ? "ratio>=0.8" : "-");
}

static void measure(struct side *fam, struct side *tmp, int nstreams,
		    uint64_t per_stream, uint64_t block, bool write, int reps)
{
	uint64_t bytes = per_stream;
	double f[64], t[64], q[64];
	struct bench_stat fs, ts, qs;
	char bname[16], id[64], label[128], series[64], goal[32];

	if (bytes > block * MAX_CALLS_PER_PASS / nstreams)
		bytes = block * MAX_CALLS_PER_PASS / nstreams;
	if (bytes < block)
		bytes = block;
	bytes -= bytes % block;
	set_pass(fam, nstreams, bytes, block, write);
	set_pass(tmp, nstreams, bytes, block, write);
	run_pass(fam->s, nstreams);	/* warm up */
	run_pass(tmp->s, nstreams);
	for (int i = 0; i < reps; i++) {
		if (i % 2 == 0)
			f[i] = run_pass(fam->s, nstreams);
		t[i] = run_pass(tmp->s, nstreams);
		if (i % 2)
			f[i] = run_pass(fam->s, nstreams);
		q[i] = f[i] / t[i];
	}
	bench_stat_of(f, reps, &fs);
	bench_stat_of(t, reps, &ts);
	bench_stat_of(q, reps, &qs);
	bench_size_name(block, bname, sizeof(bname));
	snprintf(id, sizeof(id), "%s.%s.%s.j%d", id_prefix,
		 write ? "write" : "read", bname, nstreams);
	snprintf(label, sizeof(label),
		 "%s() through %s, %s blocks, %d stream%s",
		 write ? "write" : "read", mount_desc, bname, nstreams,
		 nstreams > 1 ? "s" : "");
	goal_of(id + strlen(id_prefix) + 1, block, goal, sizeof(goal));
	bench_row(id, label, "MB/s", &fs, "tmpfs", &ts, qs.med, goal,
		  "sequential, files overwritten in place");
	snprintf(series, sizeof(series), "%s-famfs-%s-j%d", id_prefix,
		 write ? "write" : "read", nstreams);
	bench_plot(series, block, &fs);
	snprintf(series, sizeof(series), "%s-tmpfs-%s-j%d", id_prefix,
		 write ? "write" : "read", nstreams);
	bench_plot(series, block, &ts);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: file_rw [-s SIZE] [-b BLOCKS] [-j STREAMS] [-r REPS] [-i ID_PREFIX]\n"
		"               [-m MOUNT_DESC] [-g GOALS] FAMFS_DIR TMPFS_DIR\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t size = 256ULL << 20, blocks[MAX_LIST], max_block = 0;
	int nblocks, streams[MAX_LIST] = { 1, 4 }, nstr = 2, reps = 5, opt;
	uint8_t *bufs[MAX_STREAMS];
	struct side fam = { 0 }, tmp = { 0 };

	nblocks = bench_parse_sizes("4K,16K,64K,256K,1M,4M", blocks, MAX_LIST);
	while ((opt = getopt(argc, argv, "s:b:j:r:i:m:g:")) != -1) {
		switch (opt) {
		case 's':
			if (famfs_parse_size(optarg, &size) || !size)
				usage();
			break;
		case 'b':
			nblocks = bench_parse_sizes(optarg, blocks, MAX_LIST);
			break;
		case 'j':
			nstr = bench_parse_ints(optarg, streams, MAX_LIST, 1,
						MAX_STREAMS);
			if (nstr < 1)
				usage();
			break;
		case 'r':
			reps = atoi(optarg);
			if (reps < 1 || reps > 64)
				usage();
			break;
		case 'i':
			id_prefix = optarg;
			break;
		case 'm':
			mount_desc = optarg;
			break;
		case 'g':
			goals = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind + 2 != argc)
		usage();
	fam.dir = argv[optind];
	tmp.dir = argv[optind + 1];

	for (int b = 0; b < nblocks; b++)
		if (blocks[b] > max_block)
			max_block = blocks[b];
	for (int i = 0; i < MAX_STREAMS; i++) {
		bufs[i] = aligned_alloc(4096, max_block < (1 << 20) ?
					1 << 20 : max_block);
		if (!bufs[i])
			bench_die("out of memory", -ENOMEM);
		memset(bufs[i], 0xa5, max_block < (1 << 20) ? 1 << 20 :
		       max_block);
	}
	for (int j = 0; j < nstr; j++) {
		uint64_t per_stream = size / streams[j];

		per_stream -= per_stream % max_block;
		if (!per_stream)
			bench_die("size too small for the largest block",
				  -EINVAL);
		setup_side(&fam, streams[j], per_stream, bufs);
		setup_side(&tmp, streams[j], per_stream, bufs);
		for (int w = 0; w <= 1; w++)
			for (int b = 0; b < nblocks; b++)
				measure(&fam, &tmp, streams[j], per_stream,
					blocks[b], w == 0, reps);
	}
	for (int i = 0; i < MAX_STREAMS; i++)
		free(bufs[i]);
	return 0;
}
