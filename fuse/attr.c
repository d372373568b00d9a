// SPDX-License-Identifier: Apache-2.0
/* famfs attributes translated into what the kernel caches. */
#include <string.h>
#include <sys/stat.h>

#include "famfs_fused.h"

void fused_fill_stat(const struct fused *d, const struct famfs_stat *fst,
		     struct stat *st)
{
	/* the root has no log entry: it was made with the superblock */
	uint64_t ns = fst->time ? fst->time :
				  d->sb->create_time * 1000000000ULL;
	struct timespec time = { .tv_sec = (time_t)(ns / 1000000000),
				 .tv_nsec = (long)(ns % 1000000000) };

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
	/* the log keeps one time per entry: its creation */
	st->st_atim = time;
	st->st_mtim = time;
	st->st_ctim = time;
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
