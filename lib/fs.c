// SPDX-License-Identifier: Apache-2.0
/*
 * The filesystem object: open (superblock + full replay), client catch-up,
 * and the thread-safe namespace queries the daemon and CLI use.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int fs_first_replay(struct famfs_fs *fs, struct famfs_report *rep,
		    void (*each)(void *ctx, const struct famfs_log_record *r),
		    void *ctx)
{
	int rc;

	/* releases are listed as met, then judged once the log is read */
	fs->first_replay = true;
	rc = log_replay(fs, log_tail(fs, rep), rep, false, each, ctx);
	fs->first_replay = false;
	if (rc < 0)
		return rc;
	rc = reclaim_after_first_replay(fs);
	if (rc)
		return rc;
	fs->replayed_word = fs->tail_word;
	log_check_appendable(fs, rep);
	return host_sync_locked(fs);
}

int fs_attach(struct famfs_dev *dev, bool own_dev, unsigned int flags,
	      struct famfs_report *rep, struct famfs_fs **out)
{
	uint8_t host_uuid[16];
	struct famfs_fs *fs;
	const char *why;
	int rc;

	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return -ENOMEM;
	fs->dev = dev;
	fs->own_dev = own_dev;
	pthread_rwlock_init(&fs->lock, NULL);
	pthread_mutex_init(&fs->publish_lock, NULL);
	pthread_mutex_init(&fs->host.lock, NULL);
	rc = famfs_sb_read(dev, &fs->sb, NULL,
			   (flags & FS_ATTACH_SB_QUIET) ? NULL : rep);
	if (rc)
		goto fail;
	fs->log = dev->base + fs->sb.log_offset;
	log_coding_init(&fs->coding, &fs->sb);
	/* every header field follows from the superblock, which has a copy */
	if (log_header_check(fs->log, &fs->sb, &why)) {
		fs->header_damaged = true;
		fs->log_damage++;
		report(rep, FAMFS_ERROR, "log header: %s; using the "
		       "superblock's values", why);
	}
	if (famfs_system_uuid(host_uuid, NULL) == 0) {
		fs->master = !memcmp(host_uuid, fs->sb.master_uuid, 16);
		memcpy(fs->system_uuid, host_uuid, 16);
	}
	fs->writable = dev->writable && (flags & FAMFS_OPEN_RDWR);
	if (fs->master && fs->writable && !(flags & FAMFS_OPEN_NO_LOCK)) {
		rc = famfs_dev_trylock(dev);
		if (rc) {
			rc = rc == -EWOULDBLOCK ? -EBUSY : rc;
			goto fail;
		}
		fs->locked = true;
	}
	rc = ns_init(&fs->ns);
	if (rc)
		goto fail;
	{
		struct node *root = ns_get(&fs->ns, FAMFS_ROOT_INO);

		root->mode = 040000 | (fs->sb.root_mode ? fs->sb.root_mode :
							  0755);
		root->uid = fs->sb.root_uid;
		root->gid = fs->sb.root_gid;
		root->time = fs->sb.create_time * 1000000000ULL;
		node_times_created(root, root->time);
	}
	/* version 2 packs files below a unit into pages; version 1 has none */
	rc = alloc_init(&fs->alloc, &fs->sb, fs->sb.page_size);
	if (rc)
		goto fail;
	/* a mount is in the host table before it replays (famfs(5)) */
	if (flags & FAMFS_OPEN_HOST) {
		rc = host_claim(fs, rep);
		if (rc)
			goto fail;
	}
	fs->log_pos = LOG_HDR_SIZE;
	if (!(flags & FS_ATTACH_NO_REPLAY)) {
		rc = fs_first_replay(fs, rep, NULL, NULL);
		if (rc)
			goto fail;
	}
	*out = fs;
	return 0;
fail:
	fs->own_dev = false;	/* the caller keeps its device on failure */
	famfs_fs_close(fs);
	return rc;
}

int famfs_fs_open(const char *devpath, unsigned int flags,
		  struct famfs_report *rep, struct famfs_fs **out)
{
	struct famfs_dev *dev;
	int rc;

	rc = famfs_dev_open(devpath,
			    (flags & FAMFS_OPEN_RDWR) ? FAMFS_DEV_RDWR : 0, &dev);
	if (rc)
		return rc;
	rc = fs_attach(dev, true, flags, rep, out);
	if (rc)
		famfs_dev_close(dev);
	return rc;
}

void famfs_fs_close(struct famfs_fs *fs)
{
	if (!fs)
		return;
	host_unmount(fs);
	if (fs->locked)
		famfs_dev_unlock(fs->dev);
	reclaim_destroy(fs);
	ns_destroy(&fs->ns);
	alloc_destroy(&fs->alloc);
	log_decoded_free(&fs->scratch);
	free(fs->bad);
	pthread_rwlock_destroy(&fs->lock);
	pthread_mutex_destroy(&fs->publish_lock);
	pthread_mutex_destroy(&fs->host.lock);
	if (fs->own_dev)
		famfs_dev_close(fs->dev);
	free(fs);
}

const struct famfs_sb_info *famfs_fs_sb(const struct famfs_fs *fs)
{
	return &fs->sb;
}

struct famfs_dev *famfs_fs_dev(const struct famfs_fs *fs)
{
	return fs->dev;
}

bool famfs_fs_is_master(const struct famfs_fs *fs)
{
	return fs->master;
}

bool famfs_fs_writable(const struct famfs_fs *fs)
{
	return fs->writable;
}

bool famfs_fs_log_moved(struct famfs_fs *fs)
{
	/* the word, not the tail: checking it is refresh's job, under lock */
	return log_read_tail_word(fs) !=
	       __atomic_load_n(&fs->replayed_word, __ATOMIC_ACQUIRE);
}

void famfs_fs_set_report(struct famfs_fs *fs, struct famfs_report *rep)
{
	pthread_rwlock_wrlock(&fs->lock);
	fs->rep = rep;
	pthread_rwlock_unlock(&fs->lock);
}

int famfs_require_version(const struct famfs_sb_info *sb, uint32_t version)
{
	return sb->version >= version ? 0 : -EOPNOTSUPP;
}

int famfs_fs_check_identity(struct famfs_fs *fs)
{
	struct famfs_sb_info now;

	if (__atomic_load_n(&fs->replaced, __ATOMIC_ACQUIRE))
		return -ESTALE;
	/* a damaged primary with an intact backup is still this filesystem */
	if (famfs_sb_read(fs->dev, &now, NULL, NULL) == 0 &&
	    !memcmp(now.fs_uuid, fs->sb.fs_uuid, 16))
		return 0;
	__atomic_store_n(&fs->replaced, true, __ATOMIC_RELEASE);
	return -ESTALE;
}

bool famfs_fs_replaced(struct famfs_fs *fs)
{
	const uint8_t *uuid = fs->dev->base + FAMFS_SB_OFFSET + SB_OFF_FS_UUID;

	if (__atomic_load_n(&fs->replaced, __ATOMIC_ACQUIRE))
		return true;
	famfs_invalidate(uuid, 16);
	if (!memcmp(uuid, fs->sb.fs_uuid, 16))
		return false;
	return famfs_fs_check_identity(fs) != 0;
}

int famfs_fs_refresh(struct famfs_fs *fs, struct famfs_report *rep,
		     bool dry_run,
		     void (*each)(void *ctx, const struct famfs_log_record *r),
		     void *ctx)
{
	int rc;

	if (!dry_run && !famfs_fs_log_moved(fs))
		return 0;
	/* a new filesystem's log (v1: unseeded entries) is not ours to apply */
	if (famfs_fs_check_identity(fs))
		return -ESTALE;
	pthread_rwlock_wrlock(&fs->lock);
	rc = log_replay(fs, log_tail(fs, rep), rep, dry_run, each, ctx);
	/* tried once per word: a bad state is not retried until it changes */
	if (!dry_run)
		__atomic_store_n(&fs->replayed_word, fs->tail_word,
				 __ATOMIC_RELEASE);
	/* pins of what was just released go out with the new replayed */
	if (rc >= 0 && !dry_run)
		host_sync_locked(fs);
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

uint64_t famfs_fs_log_room(struct famfs_fs *fs)
{
	uint64_t room;

	pthread_rwlock_rdlock(&fs->lock);
	room = fs->sb.log_len - fs->log_pos - fs->log_reserved;
	pthread_rwlock_unlock(&fs->lock);
	return room;
}

const char *famfs_fs_readonly_reason(struct famfs_fs *fs)
{
	const char *why;

	pthread_rwlock_rdlock(&fs->lock);
	why = fs->append_refused;
	pthread_rwlock_unlock(&fs->lock);
	return why;
}

void famfs_fs_usage(struct famfs_fs *fs, struct famfs_usage *u)
{
	const struct allocator *a = &fs->alloc;

	pthread_rwlock_rdlock(&fs->lock);
	u->total_bytes = (a->nunits - a->first_unit) * a->unit;
	u->used_bytes = space_used_bytes(a) - fs->held_bytes;
	u->held_bytes = fs->held_bytes;
	u->packed_units = a->npacked;
	u->packed_bytes = (a->packed_pages - a->packed_bad_pages) * a->page;
	u->free_bytes = u->total_bytes - space_used_bytes(a);
	u->log_len = fs->sb.log_len;
	u->log_used = fs->log_pos;
	u->log_reserved = fs->log_reserved;
	u->log_entries = fs->log_entries;
	u->last_seq = fs->last_seq;
	u->nfiles = fs->ns.nfiles;
	u->ndirs = fs->ns.ndirs;
	pthread_rwlock_unlock(&fs->lock);
}

int famfs_lookup(struct famfs_fs *fs, uint64_t parent, const char *name,
		 struct famfs_stat *st)
{
	struct node *dir, *n = NULL;
	int rc = -ENOENT;

	pthread_rwlock_rdlock(&fs->lock);
	dir = ns_get(&fs->ns, parent);
	if (!dir)
		goto out;
	if (dir->type != FAMFS_NODE_DIR) {
		rc = -ENOTDIR;
		goto out;
	}
	/* no name that long can exist: say why (ENOENT would mislead) */
	if (strnlen(name, FAMFS_NAME_MAX + 1) > FAMFS_NAME_MAX) {
		rc = -ENAMETOOLONG;
		goto out;
	}
	if (!strcmp(name, "."))
		n = dir;
	else if (!strcmp(name, ".."))
		n = dir->parent;
	else
		n = ns_child(&fs->ns, dir, name, strlen(name));
	if (n) {
		ns_stat(n, st);
		rc = 0;
	}
out:
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int famfs_hold(struct famfs_fs *fs, uint64_t ino)
{
	struct node *n;

	pthread_rwlock_wrlock(&fs->lock);
	n = ns_get(&fs->ns, ino);
	if (n)
		ns_hold(&fs->ns, n);
	pthread_rwlock_unlock(&fs->lock);
	return n ? 0 : -ENOENT;
}

void famfs_unhold(struct famfs_fs *fs, uint64_t ino)
{
	struct node *n;

	pthread_rwlock_wrlock(&fs->lock);
	n = ns_get(&fs->ns, ino);
	if (n && n->holds) {
		bool pinned = n->released && n->holds == 1;

		if (n->holds == 1 && n->unlinked &&
		    n->state == FAMFS_NODE_PENDING) {
			/* deleted before it was logged: nobody else knew */
			pending_free_space(fs, n);
			log_release(fs, &n->log_held);
		}
		ns_unhold(&fs->ns, n);
		/* let the master know at once, not at the next heartbeat */
		if (pinned) {
			host_sync_locked(fs);
			reclaim_locked(fs);
		}
	}
	pthread_rwlock_unlock(&fs->lock);
}

uint64_t famfs_fs_ino_end(struct famfs_fs *fs)
{
	uint64_t end;

	pthread_rwlock_rdlock(&fs->lock);
	end = fs->ns.nnodes + 1;
	pthread_rwlock_unlock(&fs->lock);
	return end;
}

int famfs_getattr(struct famfs_fs *fs, uint64_t ino, struct famfs_stat *st)
{
	struct node *n;

	pthread_rwlock_rdlock(&fs->lock);
	n = ns_get(&fs->ns, ino);
	if (n)
		ns_stat(n, st);
	pthread_rwlock_unlock(&fs->lock);
	return n ? 0 : -ENOENT;
}

int famfs_resolve(struct famfs_fs *fs, const char *path, struct famfs_stat *st)
{
	struct node *n;
	const char *p = path;
	int rc = 0;

	pthread_rwlock_rdlock(&fs->lock);
	n = ns_get(&fs->ns, FAMFS_ROOT_INO);
	while (*p) {
		const char *slash;
		size_t len;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (n->type != FAMFS_NODE_DIR) {
			rc = -ENOTDIR;
			break;
		}
		if (len == 1 && *p == '.')
			;
		else if (len == 2 && p[0] == '.' && p[1] == '.')
			n = n->parent;
		else
			n = ns_child(&fs->ns, n, p, len);
		if (!n) {
			rc = -ENOENT;
			break;
		}
		p += len;
	}
	if (!rc)
		ns_stat(n, st);
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int famfs_path_of(struct famfs_fs *fs, uint64_t ino, char *buf, size_t len)
{
	struct node *n;
	int rc = -ENOENT;

	pthread_rwlock_rdlock(&fs->lock);
	n = ns_get(&fs->ns, ino);
	if (n)
		rc = ns_path_of(&fs->ns, n, buf, len);
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int famfs_readdir(struct famfs_fs *fs, uint64_t dir, uint64_t *cookie,
		  char *name, struct famfs_stat *st)
{
	struct node *d;
	int rc = 0;

	pthread_rwlock_rdlock(&fs->lock);
	d = ns_get(&fs->ns, dir);
	if (!d || d->type != FAMFS_NODE_DIR) {
		rc = d ? -ENOTDIR : -ENOENT;
		goto out;
	}
	{
		struct node *c = ns_next_child(d, cookie);

		if (c) {
			memcpy(name, c->name, c->name_len + 1);
			ns_stat(c, st);
			rc = 1;
		}
	}
out:
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int famfs_get_extents(struct famfs_fs *fs, uint64_t ino,
		      struct famfs_extent *ext, uint32_t max,
		      struct famfs_interleave *il)
{
	struct node *n;
	int rc;

	pthread_rwlock_rdlock(&fs->lock);
	n = ns_get(&fs->ns, ino);
	if (!n || n->type != FAMFS_NODE_FILE) {
		rc = n ? -EISDIR : -ENOENT;
		goto out;
	}
	for (uint32_t i = 0; i < n->nextents && i < max; i++)
		ext[i] = n->extents[i];
	if (il)
		*il = n->interleave;
	rc = (int)n->nextents;
out:
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

/*
 * File byte -> device byte for one node, anywhere in its allocation
 * (past its size too); caller holds the lock. -EIO past the allocation.
 */
int node_map_alloc(const struct node *n, uint64_t pos, uint64_t *dev_off,
		   uint64_t *contig)
{
	const struct famfs_interleave *il = &n->interleave;

	if (il->nstrips) {
		uint64_t chunk = il->chunk_size;
		uint64_t k = pos / chunk;
		const struct famfs_extent *s = &n->extents[k % il->nstrips];
		uint64_t in_strip = (k / il->nstrips) * chunk + pos % chunk;

		if (in_strip >= s->len)
			return -EIO;
		*dev_off = s->offset + in_strip;
		*contig = chunk - pos % chunk;
	} else {
		uint64_t base = 0;
		uint32_t i;

		for (i = 0; i < n->nextents; i++) {
			if (pos < base + n->extents[i].len)
				break;
			base += n->extents[i].len;
		}
		if (i == n->nextents)
			return -EIO;
		*dev_off = n->extents[i].offset + (pos - base);
		*contig = n->extents[i].len - (pos - base);
	}
	return 0;
}

/* File byte -> device byte for one node; caller holds the lock. */
int node_map(const struct node *n, uint64_t pos, uint64_t *dev_off,
	     uint64_t *contig)
{
	int rc;

	if (pos >= n->size)
		return -ENXIO;
	rc = node_map_alloc(n, pos, dev_off, contig);
	if (!rc && *contig > n->size - pos)
		*contig = n->size - pos;
	return rc;
}

int famfs_file_map(struct famfs_fs *fs, uint64_t ino, uint64_t pos,
		   uint64_t *dev_offset, uint64_t *contig)
{
	struct node *n;
	int rc;

	/* an evicted host's memory may belong to someone else by now */
	if (famfs_host_evicted(fs))
		return -EIO;
	pthread_rwlock_rdlock(&fs->lock);
	n = ns_get(&fs->ns, ino);
	if (!n || n->type != FAMFS_NODE_FILE)
		rc = n ? -EISDIR : -ENOENT;
	else
		rc = node_map(n, pos, dev_offset, contig);
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

void *famfs_fs_ptr(struct famfs_fs *fs, uint64_t dev_offset)
{
	return fs->dev->base + dev_offset;
}

int famfs_owner_of(struct famfs_fs *fs, uint64_t dev_offset, uint64_t *ino,
		   uint64_t *file_pos)
{
	const struct allocator *a = &fs->alloc;
	uint64_t unit = dev_offset / a->unit;
	struct node *n;
	uint32_t owner;
	int rc = 0;

	pthread_rwlock_rdlock(&fs->lock);
	if (unit >= a->nunits) {
		rc = -ERANGE;
		goto out;
	}
	owner = a->owner[unit];
	if (owner == PACKED_OWNER)
		owner = pack_owner(a, dev_offset);
	if (owner == META_OWNER || owner == RESERVED_OWNER ||
	    owner == BAD_OWNER) {
		rc = unit < a->first_unit ? -EFAULT : -ENOENT;
		goto out;
	}
	n = owner ? ns_get(&fs->ns, owner) : NULL;
	if (!n) {
		rc = -ENOENT;
		goto out;
	}
	*ino = n->ino;
	for (uint32_t i = 0; i < n->nextents; i++) {
		const struct famfs_extent *e = &n->extents[i];
		uint64_t w;

		if (dev_offset < e->offset || dev_offset - e->offset >= e->len)
			continue;
		w = dev_offset - e->offset;
		if (n->interleave.nstrips) {
			uint64_t chunk = n->interleave.chunk_size;
			uint64_t k = (w / chunk) * n->interleave.nstrips + i;

			*file_pos = k * chunk + w % chunk;
		} else {
			uint64_t base = 0;

			for (uint32_t j = 0; j < i; j++)
				base += n->extents[j].len;
			*file_pos = base + w;
		}
		break;
	}
out:
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int famfs_log_walk(struct famfs_fs *fs,
		   void (*each)(void *ctx, const struct famfs_log_record *r),
		   void *ctx, struct famfs_report *rep)
{
	uint64_t saved_pos, saved_seq;
	int rc;

	/* a dry-run replay from the start visits every entry once */
	pthread_rwlock_wrlock(&fs->lock);
	saved_pos = fs->log_pos;
	saved_seq = fs->last_seq;
	fs->log_pos = LOG_HDR_SIZE;
	fs->last_seq = 0;
	rc = log_replay(fs, saved_pos, rep, true, each, ctx);
	fs->log_pos = saved_pos;
	fs->last_seq = saved_seq;
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

int famfs_bad_ranges(struct famfs_fs *fs, struct famfs_extent *out,
		     uint32_t max)
{
	int n;

	pthread_rwlock_rdlock(&fs->lock);
	for (size_t i = 0; i < fs->nbad && i < max; i++)
		out[i] = fs->bad[i];
	n = (int)fs->nbad;
	pthread_rwlock_unlock(&fs->lock);
	return n;
}

bool famfs_bad_overlaps(struct famfs_fs *fs, uint64_t offset, uint64_t len)
{
	bool hit = false;

	/* the common case, no poison at all, takes no lock */
	if (!__atomic_load_n(&fs->nbad, __ATOMIC_ACQUIRE))
		return false;
	pthread_rwlock_rdlock(&fs->lock);
	for (size_t i = 0; i < fs->nbad && !hit; i++)
		hit = fs->bad[i].offset < offset + len &&
		      offset < fs->bad[i].offset + fs->bad[i].len;
	pthread_rwlock_unlock(&fs->lock);
	return hit;
}
