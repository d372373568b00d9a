// SPDX-License-Identifier: Apache-2.0
/*
 * The .meta directory at the root: the superblock and the log as
 * read-only files, as upstream famfs shows them, and files generated when
 * read: .poison, the known poisoned ranges (poison.c), .serving, how
 * open files are served (file.c), and .status, what this daemon is doing
 * (status.c). They are not in the
 * log; their inode numbers sit far above any the namespace hands out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "famfs_fused.h"

#define META_DIR_INO (1ULL << 62)
#define META_SB_INO (META_DIR_INO + 1)
#define META_LOG_INO (META_DIR_INO + 2)

/*
 * The files, in readdir order; inode numbers follow the directory's.
 * A generated file's text is made by @generate each time it is looked
 * at or read (malloc'ed); the others show a device range (meta_range).
 */
static const struct meta_file {
	const char *name;
	int (*generate)(struct fused *d, char **text, size_t *len);
} meta_files[] = {
	{ ".superblock", NULL },
	{ ".log", NULL },
	{ ".poison", poison_listing },
	{ ".serving", file_serving_listing },
	{ ".status", status_text },
};

static const struct meta_file *meta_file_of(uint64_t ino)
{
	if (ino <= META_DIR_INO || ino > META_DIR_INO + ARRAY_SIZE(meta_files))
		return NULL;
	return &meta_files[ino - META_DIR_INO - 1];
}

bool meta_is_ino(uint64_t ino)
{
	return ino == META_DIR_INO || meta_file_of(ino);
}

/*
 * The superblock, the log and the listings of poisoned ranges and open
 * files name every file, its owner and extents, those in 0700
 * directories too: they are for root and the user who mounted only.
 * .status names no file.
 */
static bool meta_private(uint64_t ino)
{
	const struct meta_file *f = meta_file_of(ino);

	return f && f->generate != status_text;
}

int meta_may_open(fuse_req_t req, uint64_t ino)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	/* also where the kernel does not check (no_default_permissions) */
	if (meta_private(ino) && ctx->uid != 0 && ctx->uid != getuid())
		return -EACCES;
	return 0;
}

bool meta_is_generated(uint64_t ino)
{
	const struct meta_file *f = meta_file_of(ino);

	return f && f->generate;
}

/* Device range a .meta file shows. */
static void meta_range(const struct fused *d, uint64_t ino, uint64_t *off,
		       uint64_t *len)
{
	if (ino == META_SB_INO) {
		*off = 0;
		*len = d->sb->log_offset;
	} else {
		*off = d->sb->log_offset;
		*len = d->sb->log_len;
	}
}

int meta_getattr(struct fused *d, uint64_t ino, struct stat *st)
{
	uint64_t off, len;

	if (!meta_is_ino(ino))
		return -ENOENT;
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_atim.tv_sec = (time_t)d->sb->create_time;
	st->st_mtim = st->st_atim;
	st->st_ctim = st->st_atim;
	st->st_blksize = FUSED_MAX_IO;
	if (ino == META_DIR_INO) {
		st->st_mode = S_IFDIR | 0555;
		st->st_nlink = 2;
		return 0;
	}
	if (meta_is_generated(ino) &&
	    meta_file_of(ino)->generate == status_text) {
		/* like a /proc file: its length changes from read to read */
		len = 0;
	} else if (meta_is_generated(ino)) {
		char *text;

		off = 0;
		if (meta_file_of(ino)->generate(d, &text, &len))
			len = 0;
		else
			free(text);
	} else {
		meta_range(d, ino, &off, &len);
	}
	st->st_mode = S_IFREG | (meta_private(ino) ? 0400 : 0444);
	st->st_uid = getuid();	/* the user who mounted */
	st->st_gid = getgid();
	st->st_nlink = 1;
	st->st_size = (off_t)len;
	st->st_blocks = (blkcnt_t)(len / 512);
	return 0;
}

static void meta_entry(struct fused *d, uint64_t ino,
		       struct fuse_entry_param *e)
{
	struct famfs_stat root;

	if (ino == FAMFS_ROOT_INO && !famfs_getattr(d->fs, ino, &root)) {
		fused_fill_entry(d, &root, e);	/* .meta/.. */
		return;
	}
	memset(e, 0, sizeof(*e));
	e->ino = ino;
	e->generation = 1;
	/* generated text changes size behind the kernel's back */
	e->attr_timeout = FUSED_SHORT_TIMEOUT;
	e->entry_timeout = fused_timeout(d);
	meta_getattr(d, ino, &e->attr);
}

/* Returns 1 when @parent/@name is (inside) .meta, with *e filled. */
int meta_lookup(struct fused *d, uint64_t parent, const char *name,
		struct fuse_entry_param *e)
{
	if (parent == FAMFS_ROOT_INO && !strcmp(name, FAMFS_META_DIR)) {
		meta_entry(d, META_DIR_INO, e);
		return 1;
	}
	if (parent != META_DIR_INO)
		return 0;
	if (!strcmp(name, ".") || !strcmp(name, "..")) {
		meta_entry(d, !strcmp(name, ".") ? META_DIR_INO :
			   FAMFS_ROOT_INO, e);
		return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(meta_files); i++) {
		if (!strcmp(name, meta_files[i].name)) {
			meta_entry(d, META_DIR_INO + 1 + i, e);
			return 1;
		}
	}
	return -ENOENT;
}

size_t meta_readdir(struct fused *d, fuse_req_t req, char *buf, size_t size,
		    off_t off, bool plus)
{
	size_t used = 0;

	/* ".", "..", then the files */
	for (size_t i = (size_t)off; i < 2 + ARRAY_SIZE(meta_files); i++) {
		const char *name = i == 0 ? "." : i == 1 ? ".." :
				   meta_files[i - 2].name;
		uint64_t ino = i == 0 ? META_DIR_INO : i == 1 ?
			       FAMFS_ROOT_INO : META_DIR_INO + i - 1;
		struct fuse_entry_param e;
		size_t n;

		meta_entry(d, ino, &e);
		if (plus)
			n = fuse_add_direntry_plus(req, buf + used,
						   size - used, name, &e,
						   (off_t)i + 1);
		else
			n = fuse_add_direntry(req, buf + used, size - used,
					      name, &e.attr, (off_t)i + 1);
		if (n > size - used)
			break;
		used += n;
	}
	return used;
}

/* Opened direct_io (file.c), so each read sees the current text. */
static void meta_read_generated(struct fused *d, fuse_req_t req,
				const struct meta_file *f, size_t size,
				off_t off)
{
	char *text;
	size_t len;
	int rc = f->generate(d, &text, &len);

	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	if ((uint64_t)off >= len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, text + off, MIN(size, len - (size_t)off));
	free(text);
}

void meta_read(struct fused *d, fuse_req_t req, uint64_t ino, size_t size,
	       off_t off)
{
	uint64_t base, len;
	uint8_t *p;

	if (ino == META_DIR_INO) {
		fuse_reply_err(req, EISDIR);
		return;
	}
	if (meta_is_generated(ino)) {
		meta_read_generated(d, req, meta_file_of(ino), size, off);
		return;
	}
	/* the rest is device memory, gone with the device or another's */
	if (device_gone(d) || fenced(d)) {
		fuse_reply_err(req, EIO);
		return;
	}
	meta_range(d, ino, &base, &len);
	if ((uint64_t)off >= len) {
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	size = MIN(size, len - (uint64_t)off);
	p = famfs_fs_ptr(d->fs, base + (uint64_t)off);
	/* another host may have written it: read memory, not our cache */
	if (!d->master)
		famfs_invalidate(p, size);
	fuse_reply_buf(req, (const char *)p, size);
}
