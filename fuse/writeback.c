// SPDX-License-Identifier: Apache-2.0
/*
 * The master's writeback cache. Small writes through the page cache would
 * each be a round trip to us; with the kernel's writeback cache they are
 * gathered in the master's page cache and reach us as large WRITEs when
 * the file is closed or synced (or memory is short). Nothing is lost that
 * way: a WRITE we refuse (no room, poison, a committed file's fixed size)
 * fails the close(2) or fsync(2) that wrote it back, the file is logged
 * with what did reach the device, and a daemon killed meanwhile fails
 * them too (the data never was acknowledged by a successful close).
 *
 * Only the master, only with the page cache in the data path: direct_io
 * mounts bypass it, and the kernel refuses passthrough next to it. Other
 * hosts see data written through the master's mount once it is written
 * back, at the latest when the writer closes the file.
 */
#include <syslog.h>

#include "famfs_fused.h"

void writeback_init(struct fused *d, struct fuse_conn_info *conn)
{
	if (!d->master || !d->writable || d->opts.direct_io ||
	    __atomic_load_n(&d->passthrough_on, __ATOMIC_ACQUIRE))
		return;
	if (!fuse_set_feature_flag(conn, FUSE_CAP_WRITEBACK_CACHE))
		return;
	d->writeback = true;
	/* fixed-size files are opened direct_io (file.c): keep their mmap */
	fuse_set_feature_flag(conn, FUSE_CAP_DIRECT_IO_ALLOW_MMAP);
}

void writeback_refused(struct fused *d, uint64_t ino)
{
	char path[FAMFS_PATH_MAX + 1];

	/*
	 * The kernel trusts its own size of a file it caches writes for,
	 * which now exceeds ours: have it forget the name, so the inode
	 * goes when the file is closed and comes back with our size.
	 */
	if (d->writeback && !famfs_path_of(d->fs, ino, path, sizeof(path)))
		notify_path(d, path, true);
}
