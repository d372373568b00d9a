// SPDX-License-Identifier: Apache-2.0
/*
 * Offline check. It reuses replay: every entry goes through the same
 * decoder and the same namespace/extent checks a mount applies, so fsck
 * reports exactly what a mount would refuse.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "internal.h"

/* One superblock copy: decodes, and fits the device it is on. */
static bool check_sb_copy(struct famfs_dev *dev, uint64_t off,
			  const char *which, struct famfs_sb_info *sb,
			  struct famfs_report *rep)
{
	const char *why = NULL;

	if (famfs_sb_decode(dev->base + off, dev->size - off, sb, &why)) {
		report(rep, FAMFS_ERROR, "%s superblock: %s", which, why);
		return false;
	}
	if (sb->device_size > dev->size) {
		report(rep, FAMFS_ERROR, "%s superblock: it says %" PRIu64
		       " bytes but the device has %" PRIu64 " (device "
		       "truncated?)", which, sb->device_size, dev->size);
		return false;
	}
	return true;
}

static void check_superblocks(struct famfs_dev *dev, struct famfs_report *rep,
			      struct famfs_fsck_result *res)
{
	struct famfs_sb_info primary, backup;

	famfs_invalidate(dev->base, SB_SIZE);
	famfs_invalidate(dev->base + FAMFS_SB_BACKUP_OFFSET, SB_SIZE);
	if (memcmp(dev->base, SB_MAGIC, 8) &&
	    (dev->size < FAMFS_SB_BACKUP_OFFSET + SB_SIZE ||
	     memcmp(dev->base + FAMFS_SB_BACKUP_OFFSET, SB_MAGIC, 8))) {
		report(rep, FAMFS_ERROR, "not a famfs device (no superblock)");
		res->not_famfs = true;
		return;
	}
	res->sb_ok = check_sb_copy(dev, FAMFS_SB_OFFSET, "primary", &primary,
				   rep);
	if (dev->size < FAMFS_SB_BACKUP_OFFSET + SB_SIZE) {
		report(rep, FAMFS_ERROR, "device too small for a backup "
		       "superblock");
		return;
	}
	res->backup_ok = check_sb_copy(dev, FAMFS_SB_BACKUP_OFFSET, "backup",
				       &backup, rep);
	if (res->sb_ok && res->backup_ok) {
		res->backup_matches = !memcmp(dev->base,
					      dev->base + FAMFS_SB_BACKUP_OFFSET,
					      SB_SIZE);
		if (!res->backup_matches)
			report(rep, FAMFS_ERROR,
			       "backup superblock differs from the primary");
	}
}

/*
 * Intact entries past the tail: written but never published, or a tail
 * word damaged or rolled back. Replay never reads them; say so.
 */
static void check_past_tail(struct famfs_fs *fs, struct famfs_report *rep,
			    struct famfs_fsck_result *res)
{
	uint64_t first = 0;

	res->past_tail = log_intact_past(fs, fs->tail, fs->last_seq, &first);
	if (res->past_tail)
		report(rep, FAMFS_WARN, "%" PRIu64 " intact log entries lie "
		       "past the tail (%" PRIu64 "), the first at offset %"
		       PRIu64 ": replay never reads them (a damaged tail, or "
		       "appends that were never committed)", res->past_tail,
		       fs->tail, first);
}

/* Does the allocator give every byte of @e to @owner? */
static bool marked_for(const struct allocator *a, const struct famfs_extent *e,
		       uint32_t owner)
{
	for (uint64_t off = e->offset; off < e->offset + e->len;) {
		uint64_t u = off / a->unit;

		if (u >= a->nunits)
			return false;
		if (a->owner[u] == PACKED_OWNER) {
			if (pack_owner(a, off) != owner)
				return false;
			off += a->page;
			continue;
		}
		if (alloc_unit_free(a, u) || a->owner[u] != owner)
			return false;
		off = (u + 1) * a->unit;
	}
	return true;
}

/*
 * No extent may be both free and referenced: every extent of every file
 * and every release still held for hosts is marked as theirs.
 */
bool fsck_check_marked(struct famfs_fs *fs, struct famfs_report *rep)
{
	char path[FAMFS_PATH_MAX + 1];
	bool ok = true;

	for (uint64_t ino = 1; ino <= fs->ns.nnodes; ino++) {
		struct node *n = ns_get(&fs->ns, ino);

		/* an unlinked node's extents are held releases now */
		if (!n || n->type != FAMFS_NODE_FILE || n->unlinked)
			continue;
		for (uint32_t i = 0; i < n->nextents; i++) {
			if (marked_for(&fs->alloc, &n->extents[i],
				       (uint32_t)n->ino))
				continue;
			if (ns_path_of(&fs->ns, n, path, sizeof(path)))
				strcpy(path, "?");
			report(rep, FAMFS_ERROR, "%s: extent at %#" PRIx64
			       " is free space in the allocator", path,
			       n->extents[i].offset);
			ok = false;
		}
	}
	for (size_t i = 0; i < fs->nreleases; i++) {
		if (marked_for(&fs->alloc, &fs->releases[i].ext, HELD_OWNER))
			continue;
		report(rep, FAMFS_ERROR, "released extent at %#" PRIx64
		       " waiting for hosts is not held", fs->releases[i].ext.offset);
		ok = false;
	}
	return ok;
}

int famfs_fsck(struct famfs_dev *dev, struct famfs_report *rep,
	       struct famfs_fsck_result *res)
{
	struct famfs_report counted = { 0 };
	struct famfs_fs *fs = NULL;
	struct famfs_usage u;
	unsigned long errors_before;
	int status = 0, rc;

	memset(res, 0, sizeof(*res));
	if (!rep)
		rep = &counted;
	errors_before = rep->nerrors;
	check_superblocks(dev, rep, res);
	if (!res->sb_ok || !res->backup_ok || !res->backup_matches)
		status |= FAMFS_FSCK_BAD_SB;
	if (!res->sb_ok && !res->backup_ok) {
		res->nerrors = rep->nerrors - errors_before;
		return status;
	}

	/* replay read-only; problems in entries are reported as they go */
	{
		unsigned long before_replay = rep->nerrors;

		rc = fs_attach(dev, false, FAMFS_OPEN_RDONLY | FS_ATTACH_SB_QUIET,
			       rep, &fs);
		if (rc) {
			if (rc == -EBADMSG || rc == -EINVAL)
				status |= FAMFS_FSCK_BAD_LOG;
			else if (rep->nerrors == before_replay)
				return rc;
			res->nerrors = rep->nerrors - errors_before;
			return status | FAMFS_FSCK_BAD_LOG;
		}
		if (fs->log_damage)
			status |= FAMFS_FSCK_BAD_LOG;
		if (fs->log_refused)
			status |= FAMFS_FSCK_ERRORS;
		if (rep->nerrors != before_replay && !status)
			status |= FAMFS_FSCK_ERRORS;
	}
	res->sb = fs->sb;
	check_past_tail(fs, rep, res);
	res->log_ok = !(status & FAMFS_FSCK_BAD_LOG);
	famfs_fs_usage(fs, &u);
	res->nfiles = u.nfiles;
	res->ndirs = u.ndirs;
	res->log_entries = u.log_entries;
	res->log_used = u.log_used;
	res->log_len = u.log_len;
	res->data_total = u.total_bytes;
	res->data_used = u.used_bytes;
	res->data_free = u.free_bytes;

	res->data_held = u.held_bytes;
	res->packed_units = u.packed_units;
	res->packed_bytes = u.packed_bytes;
	if (!fsck_check_marked(fs, rep))
		status |= FAMFS_FSCK_ERRORS;

	/* allocation totals: the bitmap must equal the sum of the extents */
	{
		uint64_t extent_bytes = 0, ino;

		for (ino = 1; ino <= fs->ns.nnodes; ino++) {
			struct node *n = ns_get(&fs->ns, ino);

			if (n && n->type == FAMFS_NODE_FILE)
				extent_bytes += n->allocated;
		}
		/* free units and pages holding poison are taken out too */
		extent_bytes += space_bad_bytes(&fs->alloc);
		res->bad_ranges = fs->nbad;
		for (size_t i = 0; i < fs->nbad; i++)
			res->bad_bytes += fs->bad[i].len;
		if (extent_bytes != u.used_bytes) {
			report(rep, FAMFS_ERROR,
			       "allocation bitmap holds %" PRIu64
			       " bytes but files hold %" PRIu64,
			       u.used_bytes, extent_bytes);
			status |= FAMFS_FSCK_ERRORS;
		}
	}
	if (fs->sb.device_size < dev->size &&
	    dev->size - fs->sb.device_size >= fs->sb.alloc_unit)
		report(rep, FAMFS_INFO, "device is %" PRIu64 " bytes larger "
		       "than the filesystem", dev->size - fs->sb.device_size);
	famfs_fs_close(fs);
	res->nerrors = rep->nerrors - errors_before;
	res->nwarnings = rep->nwarnings;
	return status;
}
