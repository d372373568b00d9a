// SPDX-License-Identifier: Apache-2.0
/*
 * /dev/fuse I/O for direct_io mounts, to make shared mmap work on them,
 * and for passthrough mounts (passthrough.c), to negotiate passthrough.
 *
 * A direct_io file cannot be mapped MAP_SHARED (ENODEV) unless INIT
 * negotiates FUSE_DIRECT_IO_ALLOW_MMAP (kernel 6.6+, flags2 bit 4), and
 * libfuse 3.14 cannot ask for it: it speaks protocol 7.31, which predates
 * flags2. So for direct_io mounts the daemon passes its own read/writev
 * to libfuse: reading INIT notes whether the kernel offers the flag, and
 * writing INIT's reply adds it. Every other message passes untouched.
 * When the kernel does not offer it, direct_io files stay unmappable,
 * exactly as without this file.
 *
 * -o passthrough uses the same hooks: INIT's reply asks for
 * FUSE_PASSTHROUGH, every request header read is noted for the thread
 * that serves it, and OPEN replies that op_open marked get their
 * backing id (see passthrough.c).
 */
#include <linux/fuse.h>
#include <stddef.h>
#include <sys/uio.h>
#include <unistd.h>

#include "famfs_fused.h"

#ifndef FUSE_DIRECT_IO_ALLOW_MMAP
#define FUSE_DIRECT_IO_ALLOW_MMAP (1ULL << 36)	/* 7.39 */
#endif

static uint64_t init_unique;	/* the INIT request still to be answered */
static bool init_offers_mmap;
static bool init_offers_pt;

static ssize_t devio_read(int fd, void *buf, size_t len, void *userdata)
{
	const struct fuse_in_header *h = buf;
	const struct fuse_init_in *in = (const void *)(h + 1);
	ssize_t n = read(fd, buf, len);

	if (n > 0 && pt_wanted(userdata))
		pt_note_request(buf, (size_t)n);
	if (n < (ssize_t)(sizeof(*h) + offsetof(struct fuse_init_in, unused)) ||
	    h->opcode != FUSE_INIT)
		return n;
	init_offers_mmap = (in->flags & FUSE_INIT_EXT) &&
			   (in->flags2 & (FUSE_DIRECT_IO_ALLOW_MMAP >> 32));
	init_offers_pt = pt_init_offered(in->flags, in->flags2);
	__atomic_store_n(&init_unique, h->unique, __ATOMIC_RELEASE);
	return n;
}

static ssize_t devio_writev(int fd, struct iovec *iov, int count,
			    void *userdata)
{
	uint64_t unique = __atomic_load_n(&init_unique, __ATOMIC_ACQUIRE);
	struct fused *d = userdata;

	/* libfuse sends a reply as header + argument, two iovecs */
	if (unique && count >= 2 &&
	    iov[0].iov_len >= sizeof(struct fuse_out_header) &&
	    iov[1].iov_len >= offsetof(struct fuse_init_out, unused)) {
		struct fuse_out_header *oh = iov[0].iov_base;
		struct fuse_init_out *out = iov[1].iov_base;

		if (oh->unique == unique) {
			__atomic_store_n(&init_unique, 0, __ATOMIC_RELEASE);
			if (!oh->error && init_offers_mmap &&
			    d->opts.direct_io) {
				out->flags |= FUSE_INIT_EXT;
				out->flags2 |= FUSE_DIRECT_IO_ALLOW_MMAP >> 32;
				d->direct_io_mmap = true;
			}
			if (!oh->error)
				pt_init_reply(d, init_offers_pt, &iov[1]);
			return writev(fd, iov, count);
		}
	}
	if (pt_wanted(d))
		pt_reply_patch(iov, count);
	return writev(fd, iov, count);
}

int devio_install(struct fused *d)
{
	static const struct fuse_custom_io io = {
		.read = devio_read,
		.writev = devio_writev,
	};

	if (!d->opts.direct_io && !pt_wanted(d))
		return 0;
	/* same fd, now driven through our read/writev */
	return fuse_session_custom_io(d->se, &io, fuse_session_fd(d->se));
}
