// SPDX-License-Identifier: Apache-2.0
/*
 * The operation table, in the order of the FUSE protocol. Handlers live
 * by concern: namespace.c (the tree), file.c (open files and data),
 * control.c (the CLI's ioctls), xattr.c (layout requests); init and
 * destroy are here.
 */
#include "famfs_fused.h"

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	struct fused *d = userdata;

	/*
	 * 1 MiB, so libfuse reads requests whole: its splice needs a pipe of
	 * max_write + 4 KiB, more than pipe-max-size's 1 MiB. A 512 KiB
	 * max_write lets it splice WRITEs, measured a loss (issue 13 notes):
	 * twice the requests, and the kernel's copy out of the pipe leaves
	 * dirty lines to write back, where ours streams past the cache.
	 */
	conn->max_write = FUSED_MAX_IO;
	conn->max_readahead = FUSED_MAX_IO;
	/* O_TRUNC arrives as setattr(size), where resizes are judged */
	fuse_unset_feature_flag(conn, FUSE_CAP_ATOMIC_O_TRUNC);
	fuse_unset_feature_flag(conn, FUSE_CAP_WRITEBACK_CACHE);
	/* the CLI's ioctls target the mount's root directory */
	fuse_set_feature_flag(conn, FUSE_CAP_IOCTL_DIR);
	/* shared mmap of direct_io files (kernel 6.6+; else ENODEV) */
	if (d->opts.direct_io)
		fuse_set_feature_flag(conn, FUSE_CAP_DIRECT_IO_ALLOW_MMAP);
	passthrough_init(d, conn);
	writeback_init(d, conn);
	/* version 1 logs keep seconds, version 2 nanoseconds */
	conn->time_gran = famfs_require_version(d->sb, FAMFS_FORMAT_V2) ?
				  1000000000 : 1;
}

/* Unmount: nothing is written lazily, but pending files still open go in. */
static void op_destroy(void *userdata)
{
	file_commit_all(userdata);
}

/* Ordered by FUSE opcode, as the kernel numbers them. */
const struct fuse_lowlevel_ops fused_ops = {
	.lookup = op_lookup,
	.forget = op_forget,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.readlink = op_readlink,
	.symlink = op_symlink,
	.mknod = op_mknod,
	.mkdir = op_mkdir,
	.unlink = op_unlink,
	.rmdir = op_rmdir,
	.rename = op_rename,
	.link = op_link,
	.open = op_open,
	.read = op_read,
	.write_buf = op_write_buf,
	.statfs = op_statfs,
	.release = op_release,
	.fsync = op_fsync,
	.setxattr = op_setxattr,
	.listxattr = op_listxattr,
	.removexattr = op_removexattr,
	.flush = op_flush,
	.init = op_init,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.releasedir = op_releasedir,
	.create = op_create,
	.destroy = op_destroy,
	.ioctl = op_ioctl,
	.fallocate = op_fallocate,
	.readdirplus = op_readdirplus,
};
