/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Writing a device behind libfamfs's back, as a buggy or hostile master
 * (or a bit flip) would: the unit tests use these to build the damage
 * that replay and fsck must refuse. Offsets are device offsets; the log
 * starts at SB_LOG_OFFSET.
 */
#ifndef FAMFS_TEST_RAW_H
#define FAMFS_TEST_RAW_H

#include "tap.h"

static inline struct famfs_dev *raw_open(const char *path)
{
	struct famfs_dev *d;

	if (famfs_dev_open(path, FAMFS_DEV_RDWR, &d)) {
		fprintf(stderr, "%s: cannot open\n", path);
		exit(99);
	}
	return d;
}

static inline uint64_t raw_tail(const char *path)
{
	struct famfs_dev *d = raw_open(path);
	uint64_t tail = dev_tail(d);

	famfs_dev_close(d);
	return tail;
}

/*
 * Append a CRC-valid entry numbered @seq and publish it. Returns its
 * offset in the log.
 */
static inline uint64_t raw_append(const char *path,
				  struct famfs_log_record *r, uint64_t seq)
{
	struct famfs_dev *d = raw_open(path);
	struct log_coding c;
	uint8_t *log = dev_log(d, &c);
	uint64_t tail = dev_tail(d);
	size_t len = log_record_size(r);

	if (!len) {
		fprintf(stderr, "raw_append: record not encodable\n");
		exit(99);
	}
	r->seq = seq;
	memset(log + tail, 0, len);
	log_record_encode(&c, r, log + tail, len);
	dev_set_tail(d, tail + len);
	famfs_dev_close(d);
	return tail;
}

static inline void raw_xor(const char *path, uint64_t off, uint8_t mask)
{
	struct famfs_dev *d = raw_open(path);

	d->base[off] ^= mask;
	famfs_dev_close(d);
}

/* Run fsck on @path, capturing its report; returns the status. */
static inline int raw_fsck(const char *path, struct captured *cap,
			   struct famfs_fsck_result *res)
{
	struct famfs_report rep;
	struct famfs_dev *d;
	int rc;

	capture_init(&rep, cap);
	if (famfs_dev_open(path, FAMFS_DEV_RDONLY, &d))
		return -999;
	rc = famfs_fsck(d, &rep, res);
	famfs_dev_close(d);
	return rc;
}

#endif
