// SPDX-License-Identifier: Apache-2.0
/* famfs attributes translated into what the kernel caches. */
#include <string.h>
#include <sys/stat.h>

#include "famfs_fused.h"

static struct timespec timespec_of(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / 1000000000),
				  .tv_nsec = (long)(ns % 1000000000) };
}

void fused_fill_stat(const struct fused *d, const struct famfs_stat *fst,
		     struct stat *st)
{
	(void)d;
	memset(st, 0, sizeof(*st));
	st->st_ino = fst->ino;
	st->st_mode = fst->mode;
	st->st_nlink = fst->nlink;
	st->st_uid = fst->uid;
	st->st_gid = fst->gid;
	st->st_size = (off_t)fst->size;
	st->st_blocks = (blkcnt_t)(fst->allocated / 512);
	/* tools size their buffers by st_blksize: let them move 1 MiB */
	st->st_blksize = FUSED_MAX_IO;
	/* famfs(5) Times; version 1 nodes have one time, their creation */
	st->st_atim = timespec_of(fst->atime);
	st->st_mtim = timespec_of(fst->mtime);
	st->st_ctim = timespec_of(fst->ctime);
}

void fused_fill_entry(const struct fused *d, const struct famfs_stat *fst,
		      struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = fst->ino;
	e->generation = 1;
	e->attr_timeout = fused_timeout(d);
	e->entry_timeout = e->attr_timeout;
	fused_fill_stat(d, fst, &e->attr);
}

double fused_timeout(const struct fused *d)
{
	if (d->opts.timeout >= 0)
		return d->opts.timeout;	/* timeout=SECONDS */
	if (__atomic_load_n(&d->notify_ok, __ATOMIC_ACQUIRE))
		return FUSED_LONG_TIMEOUT;
	return FUSED_SHORT_TIMEOUT;
}

void fused_fill_negative(const struct fused *d, struct fuse_entry_param *e)
{
	memset(e, 0, sizeof(*e));
	e->ino = 0;	/* FUSE's negative entry */
	e->entry_timeout = fused_timeout(d);
}
