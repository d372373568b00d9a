// SPDX-License-Identifier: Apache-2.0
/*
 * A progress bar on stderr for long copies, redrawn by its own thread a
 * few times a second. Only on a terminal: scripts and logs see nothing.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define PROGRESS_MIN_BYTES (256ULL << 20)
#define BAR_WIDTH 30

struct cli_progress {
	const char *label;
	uint64_t total;
	uint64_t done;		/* atomic */
	bool stop;		/* under lock */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	struct timespec start;
};

double cli_seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	       (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static void draw(struct cli_progress *p)
{
	uint64_t done = __atomic_load_n(&p->done, __ATOMIC_RELAXED);
	unsigned int fill = (unsigned int)(done * BAR_WIDTH / p->total);
	double secs = cli_seconds_since(&p->start);
	char bar[BAR_WIDTH + 1], a[32], b[32];

	for (unsigned int i = 0; i < BAR_WIDTH; i++)
		bar[i] = i < fill ? '#' : ' ';
	bar[BAR_WIDTH] = '\0';
	famfs_format_size(done, a, sizeof(a));
	famfs_format_size(p->total, b, sizeof(b));
	fprintf(stderr, "\r%s [%s] %3u%% %s / %s %.0f MB/s ", p->label, bar,
		(unsigned int)(done * 100 / p->total), a, b,
		secs > 0 ? (double)done / secs / 1e6 : 0.0);
}

static void *progress_thread(void *arg)
{
	struct cli_progress *p = arg;
	struct timespec until;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 250000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&p->cond, &p->lock, &until);
		draw(p);
	}
	pthread_mutex_unlock(&p->lock);
	fputc('\n', stderr);
	return NULL;
}

struct cli_progress *cli_progress_start(const char *label, uint64_t total)
{
	struct cli_progress *p;

	if (total < PROGRESS_MIN_BYTES || !isatty(STDERR_FILENO))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->label = label;
	p->total = total;
	clock_gettime(CLOCK_MONOTONIC, &p->start);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	if (pthread_create(&p->thread, NULL, progress_thread, p)) {
		free(p);
		return NULL;
	}
	return p;
}

void cli_progress_add(struct cli_progress *p, uint64_t bytes)
{
	if (p)
		__atomic_fetch_add(&p->done, bytes, __ATOMIC_RELAXED);
}

void cli_progress_stop(struct cli_progress *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
