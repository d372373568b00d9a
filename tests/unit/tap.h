/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A few TAP helpers for the unit tests: each CHECK prints one TAP line;
 * the program's exit status is non-zero when any check failed.
 */
#ifndef FAMFS_TAP_H
#define FAMFS_TAP_H

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static int tap_count, tap_failed;

#define CHECK(cond, ...)                                                   \
	do {                                                               \
		bool ok_ = (cond);                                         \
		printf("%s %d - ", ok_ ? "ok" : "not ok", ++tap_count);    \
		printf(__VA_ARGS__);                                       \
		printf("\n");                                              \
		if (!ok_) {                                                \
			tap_failed++;                                      \
			printf("# failed: %s (%s:%d)\n", #cond, __FILE__,  \
			       __LINE__);                                  \
		}                                                          \
	} while (0)

#define CHECK_RC(expr, want, ...)                                          \
	do {                                                               \
		long rc_ = (long)(expr);                                   \
		CHECK(rc_ == (long)(want), __VA_ARGS__);                   \
		if (rc_ != (long)(want))                                   \
			printf("# got %ld (%s), want %ld\n", rc_,          \
			       rc_ < 0 ? strerror((int)-rc_) : "",         \
			       (long)(want));                              \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

/* The "host" every test runs as, and another one for client roles. */
#define MASTER_UUID "11111111-2222-3333-4444-555555555555"
#define CLIENT_UUID "99999999-8888-7777-6666-555555555555"

static inline void be_master(void)
{
	setenv("FAMFS_SYSTEM_UUID", MASTER_UUID, 1);
}

static inline void be_client(void)
{
	setenv("FAMFS_SYSTEM_UUID", CLIENT_UUID, 1);
}

/* Create a /dev/shm device file of @size bytes; returns its path. */
static inline char *make_device(const char *tag, uint64_t size)
{
	static char paths[16][128];
	static int next;
	char *path = paths[next++ % 16];
	int fd;

	snprintf(path, sizeof(paths[0]), "/dev/shm/famfs-unit-%d-%s",
		 (int)getpid(), tag);
	unlink(path);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)size)) {
		perror(path);
		exit(99);
	}
	close(fd);
	return path;
}

/*
 * make_device + mkfs as MASTER_UUID in format @version (0: the current
 * one); exits on failure (setup error).
 */
static inline char *make_famfs_version(const char *tag, uint64_t size,
				       uint64_t log_len, uint32_t version)
{
	char *path = make_device(tag, size);
	struct famfs_mkfs_opts o = { .log_len = log_len, .version = version };
	struct famfs_dev *dev;
	uint8_t uuid[16];

	famfs_uuid_parse(MASTER_UUID, uuid);
	o.master_uuid = uuid;
	if (famfs_dev_open(path, FAMFS_DEV_RDWR, &dev) ||
	    famfs_mkfs(dev, &o, NULL)) {
		fprintf(stderr, "mkfs %s failed\n", path);
		exit(99);
	}
	famfs_dev_close(dev);
	return path;
}

static inline char *make_famfs(const char *tag, uint64_t size,
			       uint64_t log_len)
{
	return make_famfs_version(tag, size, log_len, 0);
}

/*
 * Raw access to a device's log as a buggy or hostile host would have it:
 * the coding (version, CRC seed) from its superblock, the tail word.
 */
static inline uint8_t *dev_log(struct famfs_dev *d, struct log_coding *c)
{
	struct famfs_sb_info sb;

	if (famfs_sb_read(d, &sb, NULL, NULL)) {
		fprintf(stderr, "%s: no superblock\n", d->path);
		exit(99);
	}
	log_coding_init(c, &sb);
	return d->base + sb.log_offset;
}

static inline uint64_t dev_tail(struct famfs_dev *d)
{
	struct log_coding c;
	uint8_t *log = dev_log(d, &c);

	return log_tail_from_word(&c, get_le64(log + LOG_OFF_TAIL));
}

static inline void dev_set_tail(struct famfs_dev *d, uint64_t tail)
{
	struct log_coding c;
	uint8_t *log = dev_log(d, &c);

	put_le64(log + LOG_OFF_TAIL, log_tail_word(&c, tail));
}

/* Recompute the CRC of the entry at @e after a test edited it. */
static inline void dev_fix_crc(struct famfs_dev *d, uint8_t *e)
{
	struct log_coding c;

	dev_log(d, &c);
	put_le32(e + ENT_OFF_CRC, log_entry_crc(&c, e, get_le32(e + ENT_OFF_LEN)));
}

/* A report sink that remembers the last message, for asserting on it. */
struct captured {
	char last[1024];
	char all[8192];
};

/* Loops that provoke hundreds of reports set this to keep the log short. */
static bool capture_quiet;

static inline void capture_fn(void *ctx, enum famfs_severity sev,
			      const char *msg)
{
	struct captured *c = ctx;
	size_t used = strlen(c->all);

	(void)sev;
	snprintf(c->last, sizeof(c->last), "%s", msg);
	snprintf(c->all + used, sizeof(c->all) - used, "%s\n", msg);
	if (!capture_quiet)
		printf("# report: %s\n", msg);
}

static inline void capture_init(struct famfs_report *rep, struct captured *c)
{
	memset(rep, 0, sizeof(*rep));
	memset(c, 0, sizeof(*c));
	rep->fn = capture_fn;
	rep->ctx = c;
}

#define MiB (1ULL << 20)

#endif
