// SPDX-License-Identifier: Apache-2.0
/*
 * Extended attributes: famfs keeps none of its own, but one name carries
 * a layout request through plain syscalls. `famfs creat/cp -N -B -C`
 * set "user.famfs.interleave" = "NSTRIPS,NBUCKETS,CHUNK" on a new, empty
 * file before sizing it; the space is then laid out in strips (famfs
 * getmap shows it).
 *
 * getxattr is deliberately not implemented: the kernel then stops
 * asking, and in particular stops sending a getxattr of
 * security.capability before every write to a new file (one more round
 * trip per created file, measured at ~15% of a small create).
 * listxattr answers an empty list, as a filesystem without attributes
 * does: EOPNOTSUPP made `tar --xattrs` warn about every file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "famfs_fused.h"

#define XATTR_INTERLEAVE "user.famfs.interleave"

static int parse_interleave(const char *value, size_t size,
			    struct famfs_interleave *il)
{
	char text[64], *chunk;
	unsigned int nstrips, nbuckets;
	int used = 0;

	if (size == 0 || size >= sizeof(text))
		return -EINVAL;
	memcpy(text, value, size);
	text[size] = '\0';
	if (sscanf(text, "%u,%u,%n", &nstrips, &nbuckets, &used) != 2 || !used)
		return -EINVAL;
	chunk = text + used;
	if (famfs_parse_size(chunk, &il->chunk_size))
		return -EINVAL;
	il->nstrips = nstrips;
	il->nbuckets = nbuckets;
	return 0;
}

void op_setxattr(fuse_req_t req, fuse_ino_t ino, const char *name,
		 const char *value, size_t size, int flags)
{
	struct fused *d = fused_of(req);
	struct famfs_interleave il;
	int rc;

	(void)flags;
	if (strcmp(name, XATTR_INTERLEAVE)) {
		fuse_reply_err(req, EOPNOTSUPP);
		return;
	}
	if (!d->master || meta_is_ino(ino)) {
		fuse_reply_err(req, fused_refusal(d));
		return;
	}
	rc = parse_interleave(value, size, &il);
	if (!rc) {
		/* pending layout changes go under d->lock, as resizes do */
		pthread_mutex_lock(&d->lock);
		file_attrs_changed(d, ino);	/* the kernel moves its ctime */
		rc = famfs_pending_set_interleave(d->fs, ino, &il);
		pthread_mutex_unlock(&d->lock);
	}
	fuse_reply_err(req, -rc);
}

void op_listxattr(fuse_req_t req, fuse_ino_t ino, size_t size)
{
	(void)ino;
	/* the interleave name is write-only: no name to list */
	if (size)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_xattr(req, 0);
}

void op_removexattr(fuse_req_t req, fuse_ino_t ino, const char *name)
{
	struct fused *d = fused_of(req);

	(void)ino;
	/* a layout, once given, is part of the file */
	fuse_reply_err(req, strcmp(name, XATTR_INTERLEAVE) ? ENODATA :
			    fused_refusal(d));
}
