// SPDX-License-Identifier: Apache-2.0
/*
 * The famfs CLI and libfamfs talk to a mounted daemon through ioctls on
 * the mount (famfs_ioctl.h): who is serving it, "replay the log now",
 * "commit this new file now", how a file's opens are served, and "where
 * does this file live on the device" (for direct mappings).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "famfs_fused.h"
#include "famfs_ioctl.h"

static void reply_status(struct fused *d, fuse_req_t req, size_t out_bufsz)
{
	struct famfs_ioc_status st;
	struct famfs_usage u;

	if (out_bufsz < sizeof(st)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	famfs_fs_usage(d->fs, &u);
	memset(&st, 0, sizeof(st));
	memcpy(st.system_uuid, d->system_uuid, sizeof(st.system_uuid));
	memcpy(st.fs_uuid, d->sb->fs_uuid, sizeof(st.fs_uuid));
	st.role = d->master ? FAMFS_IOC_ROLE_MASTER : FAMFS_IOC_ROLE_CLIENT;
	st.pid = (uint32_t)getpid();
	st.log_entries = u.log_entries;
	st.log_used = u.log_used;
	fuse_reply_ioctl(req, 0, &st, sizeof(st));
}

static void reply_logplay(struct fused *d, fuse_req_t req, const void *in,
			  size_t in_bufsz, size_t out_bufsz)
{
	struct famfs_ioc_logplay lp;
	int rc;

	if (in_bufsz < sizeof(lp) || out_bufsz < sizeof(lp)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	memcpy(&lp, in, sizeof(lp));
	if (d->master)
		rc = 0;		/* its own appends are already applied */
	else if (lp.flags & FAMFS_LOGPLAY_DRY_RUN)
		rc = famfs_fs_refresh(d->fs, &d->rep, true, NULL, NULL);
	else
		rc = refresh_now(d);
	lp.error = rc < 0 ? rc : 0;
	lp.entries = rc < 0 ? 0 : (uint64_t)rc;
	fuse_reply_ioctl(req, 0, &lp, sizeof(lp));
}

static void reply_serving(struct fused *d, fuse_req_t req, const void *in,
			  size_t in_bufsz, size_t out_bufsz)
{
	struct famfs_ioc_serving sv;
	uint64_t ino;
	int rc;

	if (in_bufsz < sizeof(sv) || out_bufsz < sizeof(sv)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	memcpy(&ino, in, sizeof(ino));
	memset(&sv, 0, sizeof(sv));
	sv.ino = ino;
	/* asked at mount time: find out now whether views are accepted */
	if (!ino)
		passthrough_probe(d, req);
	rc = file_serving(d, ino, &sv);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_ioctl(req, 0, &sv, sizeof(sv));
}

/*
 * FAMFS_IOC_LAYOUT: the runs of a committed file, for a direct mapping.
 * Only what the log says is handed out: a pending file may still move,
 * and poisoned memory must not be mapped (a load of it may be fatal).
 */
static void reply_layout(struct fused *d, fuse_req_t req, uint64_t ino,
			 const void *in, size_t in_bufsz, size_t out_bufsz)
{
	struct famfs_extent runs[FAMFS_IOC_LAYOUT_RUNS];
	struct famfs_ioc_layout *reply;
	struct famfs_layout info;
	uint64_t pos;
	int n;

	if (in_bufsz < sizeof(*reply) || out_bufsz < sizeof(*reply)) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (meta_is_ino(ino)) {
		fuse_reply_err(req, ENOTTY);
		return;
	}
	memcpy(&pos, in, sizeof(pos));
	n = famfs_file_layout(d->fs, ino, pos, runs, FAMFS_IOC_LAYOUT_RUNS,
			      &info);
	if (n >= 0 && info.state != FAMFS_NODE_COMMITTED)
		n = -EBUSY;
	for (int i = 0; n > 0 && i < n; i++)
		if (poison_overlaps(d, runs[i].offset, runs[i].len))
			n = -EHWPOISON;
	reply = n < 0 ? NULL : calloc(1, sizeof(*reply));
	if (!reply) {
		fuse_reply_err(req, n < 0 ? -n : ENOMEM);
		return;
	}
	reply->pos = pos;
	reply->nruns = (uint32_t)n;
	reply->size = info.size;
	reply->mapped = info.mapped;
	reply->total_runs = info.total_runs;
	reply->crc = info.crc;
	memcpy(reply->fs_uuid, d->sb->fs_uuid, sizeof(reply->fs_uuid));
	for (int i = 0; i < n; i++) {
		reply->runs[i].dev_offset = runs[i].offset;
		reply->runs[i].len = runs[i].len;
	}
	fuse_reply_ioctl(req, 0, reply, sizeof(*reply));
	free(reply);
}

void op_ioctl(fuse_req_t req, fuse_ino_t ino, unsigned int cmd, void *arg,
	      struct fuse_file_info *fi, unsigned int flags,
	      const void *in_buf, size_t in_bufsz, size_t out_bufsz)
{
	struct fused *d = fused_of(req);

	(void)arg;
	if (flags & FUSE_IOCTL_COMPAT) {
		fuse_reply_err(req, ENOSYS);
		return;
	}
	switch (cmd) {
	case FAMFS_IOC_STATUS:
		reply_status(d, req, out_bufsz);
		break;
	case FAMFS_IOC_LOGPLAY:
		reply_logplay(d, req, in_buf, in_bufsz, out_bufsz);
		break;
	case FAMFS_IOC_SERVING:
		reply_serving(d, req, in_buf, in_bufsz, out_bufsz);
		break;
	case FAMFS_IOC_LAYOUT:
		reply_layout(d, req, ino, in_buf, in_bufsz, out_bufsz);
		break;
	case FAMFS_IOC_COMMIT: {
		int rc = file_commit_now(d, ino, fi);

		/* an ioctl's success is an ioctl reply, not an error of 0 */
		if (rc)
			fuse_reply_err(req, -rc);
		else
			fuse_reply_ioctl(req, 0, NULL, 0);
		break;
	}
	default:
		fuse_reply_err(req, ENOTTY);
	}
}
