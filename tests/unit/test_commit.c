// SPDX-License-Identifier: Apache-2.0
/*
 * Group commit: entries written by several committers share one
 * write-back and one published tail, and no committer returns before
 * the published tail covers its entry (what close() == 0 promises).
 */
#include <pthread.h>
#include <sys/stat.h>

#include "raw.h"

static uint64_t device_tail(const char *dev)
{
	return raw_tail(dev);
}

/* Five committers write, then publish in any order: one tail for all. */
static void test_shared_publish(void)
{
	char *dev = make_famfs("group", 64 * MiB, 0);
	uint64_t end[5], before, published;
	struct famfs_fs *fs;
	bool covered = true;
	char name[16];

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	before = fs->tail_publishes;
	pthread_rwlock_wrlock(&fs->lock);
	for (int k = 0; k < 5; k++) {
		struct famfs_log_record r = { .type = FAMFS_LOG_MKDIR,
					      .mode = S_IFDIR | 0755 };
		const char *why;

		snprintf(name, sizeof(name), "d%d", k);
		r.path = name;
		if (replay_apply(fs, &r, &why) ||
		    log_append_deferred(fs, &r, NULL, &end[k]))
			covered = false;
	}
	pthread_rwlock_unlock(&fs->lock);
	CHECK(covered && device_tail(dev) < end[0],
	      "five entries written, none published yet");
	log_publish_through(fs, end[2]);
	published = device_tail(dev);
	CHECK(published == end[4] && fs->tail_publishes == before + 1,
	      "the third committer's publication covers all five, once");
	for (int k = 0; k < 5; k++)
		log_publish_through(fs, end[k]);
	CHECK(fs->tail_publishes == before + 1,
	      "the other four find their entries published already");
	famfs_fs_close(fs);

	/* a client sees all five */
	be_client();
	famfs_fs_open(dev, FAMFS_OPEN_RDONLY, NULL, &fs);
	for (int k = 0; k < 5; k++) {
		struct famfs_stat st;

		snprintf(name, sizeof(name), "d%d", k);
		covered &= famfs_resolve(fs, name, &st) == 0;
	}
	CHECK(covered, "a client replays all five");
	famfs_fs_close(fs);
	unlink(dev);
}

/*
 * A publisher that read the written end before a second committer wrote
 * publishes less than is written: the second committer must still find
 * its entry unpublished and publish it (its close() == 0 depends on it).
 */
static void test_publish_overtaken(void)
{
	char *dev = make_famfs("group-overtaken", 64 * MiB, 0);
	struct famfs_fs *fs;
	uint64_t end[2];
	bool written = true;
	char name[16];

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	pthread_rwlock_wrlock(&fs->lock);
	for (int k = 0; k < 2; k++) {
		struct famfs_log_record r = { .type = FAMFS_LOG_MKDIR,
					      .mode = S_IFDIR | 0755 };
		const char *why;

		snprintf(name, sizeof(name), "o%d", k);
		r.path = name;
		if (replay_apply(fs, &r, &why) ||
		    log_append_deferred(fs, &r, NULL, &end[k]))
			written = false;
	}
	/* the first committer's publisher read the end before o1 was written */
	log_publish_tail(fs, end[0]);
	pthread_rwlock_unlock(&fs->lock);
	log_publish_through(fs, end[1]);
	CHECK(written && device_tail(dev) == end[1],
	      "an entry written after its publisher looked is still published "
	      "(tail %llu, want %llu)", (unsigned long long)device_tail(dev),
	      (unsigned long long)end[1]);
	famfs_fs_close(fs);
	unlink(dev);
}

struct committer {
	struct famfs_fs *master;
	struct famfs_fs *client;	/* this thread's own view, as a host */
	int id;
	int made;
	int unseen;	/* commits a client did not see right after return */
};

#define COMMITS 150

static void *commit_loop(void *arg)
{
	struct committer *c = arg;
	char name[32];

	for (int i = 0; i < COMMITS; i++) {
		struct famfs_stat st;

		snprintf(name, sizeof(name), "t%d-%d", c->id, i);
		if (famfs_pending_create(c->master, FAMFS_ROOT_INO, name, 0644,
					 0, 0, &st) ||
		    famfs_pending_prepare_write(c->master, st.ino, 0, 100) ||
		    famfs_pending_commit(c->master, st.ino))
			break;
		c->made++;
		/* returned: another host must find it in the log now */
		if (famfs_fs_refresh(c->client, NULL, false, NULL, NULL) < 0 ||
		    famfs_resolve(c->client, name, &st))
			c->unseen++;
	}
	return NULL;
}

/* Four threads commit at once; each commit is in the log on return. */
static void test_concurrent_commits(void)
{
	char *dev = make_famfs("group-mt", 64 * MiB, 0);
	struct committer c[4];
	pthread_t tid[4];
	struct famfs_fs *fs;
	uint64_t before;
	int made = 0, unseen = 0;

	be_client();
	for (int i = 0; i < 4; i++) {
		c[i] = (struct committer){ .id = i };
		famfs_fs_open(dev, FAMFS_OPEN_RDONLY, NULL, &c[i].client);
	}
	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	before = fs->tail_publishes;
	for (int i = 0; i < 4; i++) {
		c[i].master = fs;
		pthread_create(&tid[i], NULL, commit_loop, &c[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(tid[i], NULL);
		made += c[i].made;
		unseen += c[i].unseen;
		famfs_fs_close(c[i].client);
	}
	CHECK(made == 4 * COMMITS && !unseen,
	      "%d concurrent commits, each in the log when it returned "
	      "(%d not)", made, unseen);
	printf("# %llu tails published for %d commits\n",
	       (unsigned long long)(fs->tail_publishes - before), made);
	famfs_fs_close(fs);
	unlink(dev);
}

int main(void)
{
	test_shared_publish();
	test_publish_overtaken();
	test_concurrent_commits();
	return tap_done();
}
