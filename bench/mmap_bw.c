// SPDX-License-Identifier: Apache-2.0
/*
 * mmap bandwidth of a famfs file against the raw device memory.
 *
 * The famfs side is libfamfs's direct mapping: the file's extents are
 * resolved once (famfs_file_map + famfs_fs_ptr) into pointers inside the
 * library's whole-device mapping, as a DAX mmap would. The raw side is a
 * separate plain mmap of the same device bytes. Both are driven by the
 * same copy loop, interleaved repetition by repetition (ABBA order) so
 * that drift on a shared machine hits both alike.
 *
 * With -f FILE (a file made through a famfs mount of DEVICE) the famfs
 * side is instead an mmap(2) of FILE, as a program makes it: run under
 * `famfs run` (-m direct) that is the preload library's direct mapping of
 * the device; without it (-m pagecache) the kernel's page-cache copy,
 * measured for contrast. The program checks which one it got.
 *
 * usage: mmap_bw [-s SIZE] [-b STRIDES] [-p seq,rand] [-o read,write]
 *                [-t THREADS] [-r REPS] [-i ID_PREFIX] [-c]
 *                [-f FILE -m direct|pagecache] DEVICE
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
#include <sys/mman.h>
#include <unistd.h>

#include "bench.h"
#include "famfs.h"

#define MAX_LIST 16

/* A run of file bytes that is contiguous in a mapping. */
struct segment {
	uint64_t file_pos;
	uint64_t len;
	uint8_t *addr;
};

struct view {
	struct segment *seg;
	int nseg;
};

struct worker {
	const struct view *view;
	const uint64_t *order;	/* block numbers to visit */
	uint64_t nblocks;
	uint64_t stride;
	bool write;
	uint8_t *buf;		/* private source/destination buffer */
};

static uint8_t *view_addr(const struct view *v, uint64_t pos,
			  uint64_t *contig)
{
	int lo = 0, hi = v->nseg - 1;

	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;

		if (v->seg[mid].file_pos <= pos)
			lo = mid;
		else
			hi = mid - 1;
	}
	*contig = v->seg[lo].file_pos + v->seg[lo].len - pos;
	return v->seg[lo].addr + (pos - v->seg[lo].file_pos);
}

static void *worker_run(void *arg)
{
	const struct worker *w = arg;

	for (uint64_t i = 0; i < w->nblocks; i++) {
		uint64_t pos = w->order[i] * w->stride, done = 0;

		while (done < w->stride) {
			uint64_t contig;
			uint8_t *p = view_addr(w->view, pos + done, &contig);
			uint64_t n = contig < w->stride - done ?
				     contig : w->stride - done;

			if (w->write)
				memcpy(p, w->buf + done, n);
			else
				memcpy(w->buf + done, p, n);
			done += n;
		}
		/* keep the compiler from dropping copies nobody reads */
		__asm__ __volatile__("" : : : "memory");
	}
	return NULL;
}

/* -c: time one-thread passes by the thread's CPU clock */
static bool cpu_time;

static double pass_clock(int nthreads)
{
	return bench_clock(cpu_time && nthreads == 1 ?
			   CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC);
}

/* One timed pass over all blocks with @nthreads workers; returns MB/s. */
static double run_pass(const struct view *v, const uint64_t *order,
		       uint64_t nblocks, uint64_t stride, bool write,
		       int nthreads, uint8_t **bufs)
{
	struct worker w[MAX_LIST];
	pthread_t tid[MAX_LIST];
	uint64_t per = nblocks / nthreads;
	double t0, t1;
	int i;

	for (i = 0; i < nthreads; i++) {
		w[i].view = v;
		w[i].order = order + i * per;
		w[i].nblocks = i == nthreads - 1 ? nblocks - i * per : per;
		w[i].stride = stride;
		w[i].write = write;
		w[i].buf = bufs[i];
	}
	t0 = pass_clock(nthreads);
	if (nthreads == 1) {
		worker_run(&w[0]);
	} else {
		for (i = 0; i < nthreads; i++)
			if (pthread_create(&tid[i], NULL, worker_run, &w[i]))
				bench_die("pthread_create", EAGAIN);
		for (i = 0; i < nthreads; i++)
			pthread_join(tid[i], NULL);
	}
	t1 = pass_clock(nthreads);
	return nblocks * stride / (t1 - t0) / 1e6;
}

/* Resolve the file's extents once, as a mapping would. */
static void famfs_view(struct famfs_fs *fs, uint64_t ino, uint64_t size,
		       struct view *v, uint64_t *dev_start, bool *contiguous)
{
	uint64_t pos = 0, off, contig, next_dev = 0;
	int rc;

	v->nseg = 0;
	v->seg = NULL;
	*contiguous = true;
	while (pos < size) {
		rc = famfs_file_map(fs, ino, pos, &off, &contig);
		if (rc)
			bench_die("famfs_file_map", rc);
		v->seg = realloc(v->seg, (v->nseg + 1) * sizeof(*v->seg));
		if (!v->seg)
			bench_die("out of memory", -ENOMEM);
		v->seg[v->nseg].file_pos = pos;
		v->seg[v->nseg].len = contig;
		v->seg[v->nseg].addr = famfs_fs_ptr(fs, off);
		if (pos == 0)
			*dev_start = off;
		else if (off != next_dev)
			*contiguous = false;
		next_dev = off + contig;
		v->nseg++;
		pos += contig;
	}
}

/* @size bytes of @path from @offset in one plain shared mapping. */
static void mapped_view(const char *path, uint64_t offset, uint64_t size,
			struct view *v)
{
	v->seg = calloc(1, sizeof(*v->seg));
	if (!v->seg)
		bench_die("out of memory", -ENOMEM);
	v->seg->len = size;
	v->seg->addr = bench_map_shared(path, offset, size);
	v->nseg = 1;
}

struct config {
	bool random;
	bool write;
	uint64_t stride;
	int nthreads;
	struct bench_stat famfs, raw;
	double ratio;
};

static void measure(struct config *c, const struct view *fv,
		    const struct view *rv, uint64_t size, int reps,
		    uint8_t **bufs)
{
	uint64_t nblocks = size / c->stride;
	uint64_t *order = malloc(nblocks * sizeof(*order));
	double *f = calloc(reps, sizeof(double));
	double *r = calloc(reps, sizeof(double));
	double *q = calloc(reps, sizeof(double));

	if (!order || !f || !r || !q)
		bench_die("out of memory", -ENOMEM);
	if (c->random)
		bench_shuffle(order, nblocks, 0x5eed ^ c->stride);
	else
		for (uint64_t i = 0; i < nblocks; i++)
			order[i] = i;
	/* warm both mappings' page tables and the caches */
	run_pass(fv, order, nblocks, c->stride, c->write, c->nthreads, bufs);
	run_pass(rv, order, nblocks, c->stride, c->write, c->nthreads, bufs);
	for (int i = 0; i < reps; i++) {
		bool famfs_first = i % 2 == 0;	/* ABBA */

		if (famfs_first)
			f[i] = run_pass(fv, order, nblocks, c->stride,
					c->write, c->nthreads, bufs);
		r[i] = run_pass(rv, order, nblocks, c->stride, c->write,
				c->nthreads, bufs);
		if (!famfs_first)
			f[i] = run_pass(fv, order, nblocks, c->stride,
					c->write, c->nthreads, bufs);
		q[i] = f[i] / r[i];
	}
	bench_stat_of(f, reps, &c->famfs);
	bench_stat_of(r, reps, &c->raw);
	bench_stat_of(q, reps, &(struct bench_stat){ 0 });
	c->ratio = q[reps / 2];
	if (reps % 2 == 0)
		c->ratio = (q[reps / 2 - 1] + q[reps / 2]) / 2;
	free(order);
	free(f);
	free(r);
	free(q);
}

/* row ids and plot series start with this ("mmap" unless -i) */
static const char *id_prefix = "mmap";
/* what the famfs side is (-f, -m) */
static const char *famfs_label = "mmap";
static const char *famfs_goal = "ratio>=0.98";
static const char *famfs_note =
	"same memory, libfamfs extent mapping vs plain mmap";

static void report(const struct config *c)
{
	char sname[16], id[96], label[128], series[64];
	const char *pat = c->random ? "rand" : "seq";
	const char *op = c->write ? "write" : "read";

	bench_size_name(c->stride, sname, sizeof(sname));
	snprintf(id, sizeof(id), "%s.%s.%s.%s.t%d", id_prefix, pat, op, sname,
		 c->nthreads);
	snprintf(label, sizeof(label), "%s %s %s, %s blocks, %d thread%s",
		 famfs_label, pat, op, sname, c->nthreads,
		 c->nthreads > 1 ? "s" : "");
	bench_row(id, label, "MB/s", &c->famfs, "raw mmap", &c->raw,
		  c->ratio, famfs_goal, famfs_note);
	snprintf(series, sizeof(series), "%s-famfs-%s-%s-t%d", id_prefix, pat,
		 op, c->nthreads);
	bench_plot(series, c->stride, &c->famfs);
	snprintf(series, sizeof(series), "%s-raw-%s-%s-t%d", id_prefix, pat,
		 op, c->nthreads);
	bench_plot(series, c->stride, &c->raw);
}

/* Thread scaling: N-thread figure against the 1-thread one, famfs side. */
static void report_scaling(const struct config *cfg, int n)
{
	for (int i = 0; i < n; i++) {
		char sname[16], id[96], label[128];

		if (cfg[i].nthreads == 1)
			continue;
		for (int j = 0; j < n; j++) {
			if (cfg[j].nthreads != 1 ||
			    cfg[j].random != cfg[i].random ||
			    cfg[j].write != cfg[i].write ||
			    cfg[j].stride != cfg[i].stride)
				continue;
			bench_size_name(cfg[i].stride, sname, sizeof(sname));
			snprintf(id, sizeof(id), "%s.threads.%s.%s.%s.t%d",
				 id_prefix,
				 cfg[i].random ? "rand" : "seq",
				 cfg[i].write ? "write" : "read", sname,
				 cfg[i].nthreads);
			snprintf(label, sizeof(label),
				 "scaling: famfs mmap %s %s %s, %d threads "
				 "vs 1",
				 cfg[i].random ? "rand" : "seq",
				 cfg[i].write ? "write" : "read", sname,
				 cfg[i].nthreads);
			bench_row(id, label, "MB/s", &cfg[i].famfs,
				  "1 thread", &cfg[j].famfs, NAN, "-",
				  "memory bandwidth bound on 2 vCPUs");
		}
	}
}

static int parse_list(const char *text, const char *a, const char *b,
		      bool *out)
{
	int n = 0;

	if (strstr(text, a))
		out[n++] = false;
	if (strstr(text, b))
		out[n++] = true;
	return n;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mmap_bw [-s SIZE] [-b STRIDES] [-p seq,rand] [-o read,write]\n"
		"               [-t THREADS] [-r REPS] [-i ID_PREFIX] [-c]\n"
		"               [-f FILE -m direct|pagecache] DEVICE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t size = 256ULL << 20, strides[MAX_LIST], dev_start = 0;
	uint64_t max_stride = 0;
	int nthreads[MAX_LIST] = { 1 };
	bool pats[2], ops[2], contiguous;
	int nstrides, npats, nops, nthr = 1, reps = 7, opt, n = 0;
	const char *plist = "seq,rand", *olist = "read,write";
	const char *file = NULL, *mode = NULL;
	struct config cfg[MAX_LIST * MAX_LIST * 4];
	struct famfs_fs *fs;
	struct famfs_stat st;
	struct view fv, rv;
	uint8_t *bufs[MAX_LIST];

	nstrides = bench_parse_sizes("4K,64K,1M,2M", strides, MAX_LIST);
	while ((opt = getopt(argc, argv, "s:b:p:o:t:r:i:f:m:c")) != -1) {
		switch (opt) {
		case 's':
			if (famfs_parse_size(optarg, &size) || !size)
				usage();
			break;
		case 'b':
			nstrides = bench_parse_sizes(optarg, strides, MAX_LIST);
			break;
		case 'p':
			plist = optarg;
			break;
		case 'o':
			olist = optarg;
			break;
		case 't':
			nthr = bench_parse_ints(optarg, nthreads, MAX_LIST, 1,
						MAX_LIST);
			if (nthr < 1)
				usage();
			break;
		case 'r':
			reps = atoi(optarg);
			if (reps < 1)
				usage();
			break;
		case 'i':
			id_prefix = optarg;
			break;
		case 'f':
			file = optarg;
			break;
		case 'm':
			mode = optarg;
			break;
		case 'c':
			cpu_time = true;
			break;
		default:
			usage();
		}
	}
	npats = parse_list(plist, "seq", "rand", pats);
	nops = parse_list(olist, "read", "write", ops);
	if (optind + 1 != argc || !npats || !nops || !file != !mode ||
	    (mode && strcmp(mode, "direct") && strcmp(mode, "pagecache")))
		usage();

	if (file)
		bench_mounted_file(file, argv[optind], &fs, &st);
	else
		bench_create_file(argv[optind], "bench-mmap", size, &fs, &st);
	if (st.size < size)
		bench_die("the file is smaller than -s", -EINVAL);
	famfs_view(fs, st.ino, size, &fv, &dev_start, &contiguous);
	if (!contiguous)
		bench_die("the benchmark file is not contiguous", -EINVAL);
	/* the same device bytes, plainly mapped */
	mapped_view(argv[optind], dev_start, size, &rv);
	if (file) {
		bool direct = !strcmp(mode, "direct");

		/* the file as any program maps it */
		free(fv.seg);
		mapped_view(file, 0, size, &fv);
		bench_check_direct(fv.seg->addr, argv[optind], direct);
		famfs_label = direct ? "mmap() under famfs run," :
				       "mmap() through the mount (page cache),";
		famfs_goal = direct ? "ratio>=0.98" : "-";
		famfs_note = direct ?
			"same memory: the preload library's direct mapping vs plain mmap of the device" :
			"contrast: a private page-cache copy, not shared with other hosts";
	}
	if (cpu_time) {
		static char note[256];

		snprintf(note, sizeof(note),
			 "%s; one-thread passes timed in CPU time", famfs_note);
		famfs_note = note;
	}

	for (int s = 0; s < nstrides; s++) {
		if (size % strides[s])
			bench_die("size must be a multiple of each stride",
				  -EINVAL);
		if (strides[s] > max_stride)
			max_stride = strides[s];
	}
	for (int i = 0; i < MAX_LIST; i++) {
		bufs[i] = aligned_alloc(4096, max_stride);
		if (!bufs[i])
			bench_die("out of memory", -ENOMEM);
		memset(bufs[i], 0x5a, max_stride);
	}

	for (int t = 0; t < nthr; t++)
		for (int p = 0; p < npats; p++)
			for (int o = 0; o < nops; o++)
				for (int s = 0; s < nstrides; s++) {
					struct config *c = &cfg[n++];

					c->random = pats[p];
					c->write = ops[o];
					c->stride = strides[s];
					c->nthreads = nthreads[t];
					measure(c, &fv, &rv, size, reps, bufs);
					report(c);
				}
	report_scaling(cfg, n);
	for (int i = 0; i < MAX_LIST; i++)
		free(bufs[i]);
	munmap(rv.seg->addr, size);
	if (file)
		munmap(fv.seg->addr, size);
	free(rv.seg);
	free(fv.seg);
	famfs_fs_close(fs);
	return 0;
}
