// SPDX-License-Identifier: Apache-2.0
/*
 * A file's layout in file order, as direct mappings need it: runs of file
 * bytes that are contiguous on the device, back to back from file byte 0
 * to the end of the file's allocation. The daemon hands it out
 * (FAMFS_IOC_LAYOUT) in pieces; the CRC of the whole list lets the
 * receiver notice a layout that changed between two pieces.
 *
 * Locking: one read lock of the namespace per call, so every piece is
 * consistent with itself and with the CRC it carries.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

struct layout_walk {
	uint64_t pos;		/* file byte where the next run starts */
	struct famfs_extent run;	/* the run being grown */
	bool have_run;
	uint64_t want;		/* copy runs from this file byte on */
	struct famfs_extent *out;
	uint32_t max;
	uint32_t copied;
	uint32_t total;
	uint32_t crc;
};

/* Account one finished run: CRC it, and copy its part from @want on. */
static void walk_emit(struct layout_walk *w, uint64_t start,
		      const struct famfs_extent *run)
{
	struct famfs_extent part = *run;

	w->crc = famfs_crc32c(w->crc, run, sizeof(*run));
	w->total++;
	if (start + run->len <= w->want || w->copied >= w->max)
		return;
	if (start < w->want) {
		part.offset += w->want - start;
		part.len -= w->want - start;
	}
	w->out[w->copied++] = part;
}

/* Add file bytes [w->pos, +len) at device @dev_off; merge when contiguous. */
static void walk_add(struct layout_walk *w, uint64_t dev_off, uint64_t len)
{
	if (w->have_run && w->run.offset + w->run.len == dev_off) {
		w->run.len += len;
	} else {
		if (w->have_run)
			walk_emit(w, w->pos - w->run.len, &w->run);
		w->run.offset = dev_off;
		w->run.len = len;
		w->have_run = true;
	}
	w->pos += len;
}

int famfs_file_layout(struct famfs_fs *fs, uint64_t ino, uint64_t pos,
		      struct famfs_extent *runs, uint32_t max,
		      struct famfs_layout *info)
{
	struct layout_walk w = { .want = pos, .out = runs, .max = max };
	struct node *n;
	int rc = 0;

	pthread_rwlock_rdlock(&fs->lock);
	n = ns_get(&fs->ns, ino);
	if (!n || n->type != FAMFS_NODE_FILE) {
		rc = n ? -EISDIR : -ENOENT;
		goto out;
	}
	if (n->interleave.nstrips) {
		/* chunk by chunk, through the one interleave mapping */
		for (;;) {
			uint64_t dev_off, contig;

			if (node_map_alloc(n, w.pos, &dev_off, &contig))
				break;
			walk_add(&w, dev_off, contig);
		}
	} else {
		/* plain extents are the file's bytes in order */
		for (uint32_t i = 0; i < n->nextents; i++)
			walk_add(&w, n->extents[i].offset, n->extents[i].len);
	}
	if (w.have_run)
		walk_emit(&w, w.pos - w.run.len, &w.run);
	if (pos && pos >= w.pos) {
		rc = -EINVAL;
		goto out;
	}
	memset(info, 0, sizeof(*info));
	info->size = n->size;
	info->mapped = w.pos;
	info->total_runs = w.total;
	info->crc = w.crc;
	info->state = n->state;
	rc = (int)w.copied;
out:
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}
