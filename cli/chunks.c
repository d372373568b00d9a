// SPDX-License-Identifier: Apache-2.0
/*
 * Parallel file work for creat, verify and cp: files are cut into
 * chunks and a few threads take chunks off one counter. Each chunk opens
 * its own descriptors and uses pread/pwrite, so no state is shared but
 * the results, which are merged under a lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define IO_SIZE (1UL << 20)	/* the FUSE request ceiling */
#define CHUNK_MIN FAMFS_ALLOC_UNIT
#define CHUNK_MAX (64ULL << 20)

struct chunk {
	struct cli_file_job *job;
	uint64_t off;
	uint64_t len;
};

struct run {
	struct chunk *chunks;
	size_t nchunks;
	size_t next;		/* atomic: next chunk to take */
	enum cli_chunk_op op;
	pthread_mutex_t lock;	/* job results */
	struct cli_progress *progress;
};

/* Read up to @len bytes at @pos; fewer only at end of file. */
static ssize_t pread_full(int fd, void *buf, size_t len, uint64_t pos)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done,
				  (off_t)(pos + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static int pwrite_full(int fd, const void *buf, size_t len, uint64_t pos)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done,
				   (off_t)(pos + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

static void job_fail(struct run *r, struct cli_file_job *job, int err)
{
	pthread_mutex_lock(&r->lock);
	if (!job->err)
		job->err = err;
	pthread_mutex_unlock(&r->lock);
}

static void job_mismatch(struct run *r, struct cli_file_job *job,
			 uint64_t off)
{
	pthread_mutex_lock(&r->lock);
	if (!job->mismatch || off < job->bad_offset)
		job->bad_offset = off;
	job->mismatch = true;
	pthread_mutex_unlock(&r->lock);
}

/* One IO_SIZE step of a chunk: 0, or 1 when a mismatch ends the chunk. */
static int chunk_step(struct run *r, struct cli_file_job *job, int dfd,
		      int sfd, uint8_t *buf, uint8_t *buf2, size_t n,
		      uint64_t pos)
{
	ssize_t got, got2;
	size_t bad;

	switch (r->op) {
	case CLI_CHUNK_FILL:
		cli_seeded_fill(buf, n, job->seed, pos);
		return pwrite_full(dfd, buf, n, pos);
	case CLI_CHUNK_COPY:
		got = pread_full(sfd, buf, n, pos);
		if (got < 0)
			return (int)got;
		if ((size_t)got != n)
			return -ENODATA;	/* source shrank */
		return pwrite_full(dfd, buf, n, pos);
	case CLI_CHUNK_VERIFY:
		got = pread_full(dfd, buf, n, pos);
		if (got < 0)
			return (int)got;
		bad = cli_seeded_check(buf, (size_t)got, job->seed, pos);
		break;
	case CLI_CHUNK_COMPARE:
		got = pread_full(dfd, buf, n, pos);
		got2 = pread_full(sfd, buf2, n, pos);
		if (got < 0 || got2 < 0)
			return got < 0 ? (int)got : (int)got2;
		if (got2 < got)
			got = got2;
		for (bad = 0; bad < (size_t)got && buf[bad] == buf2[bad]; bad++)
			;
		break;
	default:
		return -EINVAL;
	}
	if (bad == n)
		return 0;
	/* a short read is a mismatch at the first missing byte */
	job_mismatch(r, job, pos + bad);
	return 1;
}

static void do_chunk(struct run *r, struct chunk *c, uint8_t *buf,
		     uint8_t *buf2)
{
	struct cli_file_job *job = c->job;
	bool writes = r->op == CLI_CHUNK_FILL || r->op == CLI_CHUNK_COPY;
	int dfd, sfd = -1, rc = 0;

	if (__atomic_load_n(&job->err, __ATOMIC_RELAXED))
		return;		/* the file failed already */
	dfd = open(job->dest, (writes ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
	if (dfd < 0) {
		job_fail(r, job, -errno);
		return;
	}
	if (job->src) {
		sfd = open(job->src, O_RDONLY | O_CLOEXEC);
		if (sfd < 0) {
			rc = -errno;
			goto out;
		}
	}
	for (uint64_t done = 0; done < c->len;) {
		size_t n = c->len - done < IO_SIZE ? c->len - done : IO_SIZE;

		rc = chunk_step(r, job, dfd, sfd, buf, buf2, n, c->off + done);
		if (rc)
			break;
		done += n;
		cli_progress_add(r->progress, n);
	}
out:
	if (sfd >= 0)
		close(sfd);
	/* a write error may surface only at close on FUSE */
	if (close(dfd) && !rc && writes)
		rc = -errno;
	if (rc < 0)
		job_fail(r, job, rc);
}

static void *worker(void *arg)
{
	struct run *r = arg;
	uint8_t *buf = malloc(IO_SIZE), *buf2 = malloc(IO_SIZE);

	for (;;) {
		size_t i = __atomic_fetch_add(&r->next, 1, __ATOMIC_RELAXED);

		if (i >= r->nchunks)
			break;
		if (!buf || !buf2)
			job_fail(r, r->chunks[i].job, -ENOMEM);
		else
			do_chunk(r, &r->chunks[i], buf, buf2);
	}
	free(buf);
	free(buf2);
	return NULL;
}

static uint64_t chunk_len(uint64_t size, unsigned int threads)
{
	uint64_t len = (size / threads + CHUNK_MIN - 1) / CHUNK_MIN * CHUNK_MIN;

	if (len < CHUNK_MIN)
		return CHUNK_MIN;
	return len > CHUNK_MAX ? CHUNK_MAX : len;
}

static const char *op_label(enum cli_chunk_op op)
{
	switch (op) {
	case CLI_CHUNK_FILL:
		return "fill";
	case CLI_CHUNK_VERIFY:
		return "verify";
	case CLI_CHUNK_COPY:
		return "copy";
	default:
		return "compare";
	}
}

size_t cli_chunks_run(struct cli_file_job *jobs, size_t njobs,
		      enum cli_chunk_op op, unsigned int threads,
		      bool progress)
{
	struct run r = { .op = op };
	pthread_t *tids = NULL;
	uint64_t total = 0;
	size_t failed = 0, cap = 0, nthreads = 0;

	pthread_mutex_init(&r.lock, NULL);
	for (size_t j = 0; j < njobs; j++) {
		uint64_t len = chunk_len(jobs[j].size, threads);

		jobs[j].err = 0;
		jobs[j].mismatch = false;
		total += jobs[j].size;
		cap += (jobs[j].size + len - 1) / len;
	}
	r.chunks = calloc(cap ? cap : 1, sizeof(*r.chunks));
	if (!r.chunks) {
		for (size_t j = 0; j < njobs; j++)
			jobs[j].err = -ENOMEM;
		return njobs;
	}
	for (size_t j = 0; j < njobs; j++) {
		uint64_t len = chunk_len(jobs[j].size, threads);

		for (uint64_t off = 0; off < jobs[j].size; off += len) {
			struct chunk *c = &r.chunks[r.nchunks++];

			c->job = &jobs[j];
			c->off = off;
			c->len = jobs[j].size - off < len ?
				 jobs[j].size - off : len;
		}
	}
	if (progress)
		r.progress = cli_progress_start(op_label(op), total);
	if (threads > r.nchunks)
		threads = r.nchunks ? (unsigned int)r.nchunks : 1;
	if (threads > 1)
		tids = calloc(threads, sizeof(*tids));
	for (; tids && nthreads < threads - 1; nthreads++)
		if (pthread_create(&tids[nthreads], NULL, worker, &r))
			break;
	worker(&r);		/* this thread works too */
	for (size_t i = 0; i < nthreads; i++)
		pthread_join(tids[i], NULL);
	cli_progress_stop(r.progress);
	free(tids);
	free(r.chunks);
	pthread_mutex_destroy(&r.lock);
	for (size_t j = 0; j < njobs; j++)
		if (jobs[j].err || jobs[j].mismatch)
			failed++;
	return failed;
}
