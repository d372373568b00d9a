// SPDX-License-Identifier: Apache-2.0
/*
 * The host table (famfs(5) Host table): one 4 KiB slot per mounted host,
 * written only by that host, except the eviction word the master writes.
 *
 * A slot is read from a private copy taken after invalidating the cache
 * lines, so a slot that another host rewrites meanwhile is at worst read
 * as damaged (CRC), never half decoded. A host writes its own fields
 * first and the magic and CRC last, then writes the whole slot back.
 *
 * Locking: the slot of this open (fs->host) is written under
 * fs->host.lock; callers that gather pins also hold fs->lock (read or
 * write), taken before it.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* How long a claimer waits before reading its slot back. */
#define CLAIM_SETTLE_US 10000
#define CLAIM_ATTEMPTS 8

static bool host_table_of(const struct famfs_sb_info *sb, uint64_t dev_size,
			  uint64_t *offset, uint32_t *count)
{
	if (famfs_require_version(sb, FAMFS_FORMAT_V2))
		return false;
	/* the superblock's geometry, checked at decode to fit before 1 MiB */
	*offset = sb->host_table_offset;
	*count = sb->host_slots;
	return *offset + (uint64_t)*count * HOST_SLOT_SIZE <= dev_size;
}

static uint32_t slot_crc(const uint8_t *slot, const uint8_t fs_uuid[16])
{
	uint32_t crc = famfs_crc32c(0, fs_uuid, 16);

	return famfs_crc32c(crc, slot + HOST_CRC_START,
			    HOST_SLOT_SIZE - HOST_CRC_START);
}

void host_slot_decode(const uint8_t *p, const uint8_t fs_uuid[16],
		      uint32_t slot, struct famfs_host_info *h)
{
	uint32_t npins;

	memset(h, 0, offsetof(struct famfs_host_info, pins));
	h->slot = slot;
	if (memcmp(p + HOST_OFF_MAGIC, HOST_MAGIC, 8)) {
		h->status = FAMFS_SLOT_EMPTY;
		return;
	}
	/* read even when damaged: eviction needs the nonce, listing the rest */
	memcpy(h->system_uuid, p + HOST_OFF_SYSTEM_UUID, 16);
	h->nonce = get_le64(p + HOST_OFF_NONCE);
	h->evicted = h->nonce && get_le64(p + HOST_OFF_EVICT) == h->nonce;
	h->state = get_le32(p + HOST_OFF_STATE);
	h->role = get_le32(p + HOST_OFF_ROLE);
	h->replayed = get_le64(p + HOST_OFF_REPLAYED);
	h->heartbeat = get_le64(p + HOST_OFF_BEAT);
	h->heartbeat_time = get_le64(p + HOST_OFF_BEAT_TIME);
	h->mount_time = get_le64(p + HOST_OFF_MOUNT_TIME);
	if (get_le32(p + HOST_OFF_CRC) != slot_crc(p, fs_uuid)) {
		h->status = FAMFS_SLOT_DAMAGED;
		return;
	}
	if (memcmp(p + HOST_OFF_FS_UUID, fs_uuid, 16)) {
		h->status = FAMFS_SLOT_FOREIGN;
		return;
	}
	h->status = FAMFS_SLOT_OK;
	npins = get_le32(p + HOST_OFF_NPINS);
	h->pins_overflow = get_le32(p + HOST_OFF_FLAGS) &
			   HOST_FLAG_PIN_OVERFLOW;
	if (npins > HOST_MAX_PINS) {
		/* a count that cannot be: assume the worst, pin everything */
		h->pins_overflow = true;
		npins = HOST_MAX_PINS;
	}
	h->npins = npins;
	for (uint32_t i = 0; i < npins; i++)
		h->pins[i] = get_le64(p + HOST_OFF_PINS + 8 * (size_t)i);
}

void host_slot_encode(const struct famfs_host_info *h,
		      const uint8_t fs_uuid[16], uint8_t *p)
{
	uint32_t npins = h->npins > HOST_MAX_PINS ? HOST_MAX_PINS : h->npins;

	memset(p, 0, HOST_SLOT_SIZE);
	memcpy(p + HOST_OFF_MAGIC, HOST_MAGIC, 8);
	memcpy(p + HOST_OFF_FS_UUID, fs_uuid, 16);
	memcpy(p + HOST_OFF_SYSTEM_UUID, h->system_uuid, 16);
	put_le64(p + HOST_OFF_NONCE, h->nonce);
	put_le32(p + HOST_OFF_STATE, h->state);
	put_le32(p + HOST_OFF_ROLE, h->role);
	put_le64(p + HOST_OFF_REPLAYED, h->replayed);
	put_le64(p + HOST_OFF_BEAT, h->heartbeat);
	put_le64(p + HOST_OFF_BEAT_TIME, h->heartbeat_time);
	put_le64(p + HOST_OFF_MOUNT_TIME, h->mount_time);
	put_le32(p + HOST_OFF_NPINS, npins);
	put_le32(p + HOST_OFF_FLAGS, h->pins_overflow || h->npins > npins ?
					     HOST_FLAG_PIN_OVERFLOW :
					     0);
	for (uint32_t i = 0; i < npins; i++)
		put_le64(p + HOST_OFF_PINS + 8 * (size_t)i, h->pins[i]);
	put_le32(p + HOST_OFF_CRC, slot_crc(p, fs_uuid));
}

/* A private, consistent-as-possible copy of slot @i. */
static void slot_snapshot(const struct famfs_dev *dev, uint64_t table,
			  uint32_t i, uint8_t *copy)
{
	const uint8_t *p = dev->base + table + (uint64_t)i * HOST_SLOT_SIZE;

	famfs_invalidate(p, HOST_SLOT_SIZE);
	memcpy(copy, p, HOST_SLOT_SIZE);
}

/*
 * Read slot @i, once more when it looks damaged: a host may have been
 * rewriting it at that very moment.
 */
static void slot_read(const struct famfs_dev *dev,
		      const struct famfs_sb_info *sb, uint64_t table,
		      uint32_t i, uint8_t *copy, struct famfs_host_info *h)
{
	for (int tries = 0; tries < 3; tries++) {
		slot_snapshot(dev, table, i, copy);
		host_slot_decode(copy, sb->fs_uuid, i, h);
		if (h->status != FAMFS_SLOT_DAMAGED)
			return;
		usleep(200);
	}
}

int famfs_hosts_read(const struct famfs_dev *dev,
		     const struct famfs_sb_info *sb,
		     int (*each)(void *ctx, const struct famfs_host_info *h),
		     void *ctx)
{
	struct famfs_host_info *h;
	uint8_t *copy;
	uint64_t table;
	uint32_t count;
	int rc = 0;

	if (!host_table_of(sb, dev->size, &table, &count))
		return sb->version < 2 ? -EOPNOTSUPP : -EINVAL;
	h = malloc(sizeof(*h));
	copy = malloc(HOST_SLOT_SIZE);
	if (!h || !copy) {
		rc = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < count && !rc; i++) {
		slot_read(dev, sb, table, i, copy, h);
		if (h->status != FAMFS_SLOT_EMPTY)
			rc = each(ctx, h);
	}
out:
	free(h);
	free(copy);
	return rc;
}

/* A slot whose host may still touch the filesystem's memory. */
bool host_may_be_live(const struct famfs_host_info *h)
{
	if (h->evicted)
		return false;
	if (h->status == FAMFS_SLOT_DAMAGED)
		return true;
	return h->status == FAMFS_SLOT_OK && h->state == FAMFS_HOST_MOUNTED;
}

static int count_live(void *ctx, const struct famfs_host_info *h)
{
	if (host_may_be_live(h))
		(*(int *)ctx)++;
	return 0;
}

int famfs_hosts_mounted(const struct famfs_dev *dev,
			const struct famfs_sb_info *sb)
{
	int n = 0, rc = famfs_hosts_read(dev, sb, count_live, &n);

	return rc ? rc : n;
}

/* ---- this open's own slot ------------------------------------------- */

static uint8_t *own_slot(struct famfs_fs *fs)
{
	return fs->dev->base + fs->host.table +
	       (uint64_t)fs->host.slot * HOST_SLOT_SIZE;
}

/* Copy an encoded slot to the device: its fields, then magic and CRC. */
static void slot_store(uint8_t *dst, const uint8_t *src)
{
	memcpy(dst + HOST_CRC_START, src + HOST_CRC_START,
	       HOST_SLOT_SIZE - HOST_CRC_START);
	famfs_flush(dst + HOST_CRC_START, HOST_SLOT_SIZE - HOST_CRC_START);
	/* never the eviction word: only the master writes it */
	memcpy(dst, src, HOST_OFF_EVICT);
	famfs_flush(dst, HOST_OFF_EVICT);
}

/*
 * Identities of released nodes this open still holds; caller holds
 * fs->lock. Returns the count, which may exceed @max (overflow).
 */
static uint32_t gather_pins(struct famfs_fs *fs, uint64_t *pins, uint32_t max)
{
	uint32_t n = 0;

	for (struct node *node = fs->ns.held; node; node = node->held_next) {
		if (!node->released)
			continue;
		if (n < max)
			pins[n] = node->identity;
		n++;
	}
	return n;
}

/* Write this open's slot; caller holds fs->lock and fs->host.lock. */
static void slot_write(struct famfs_fs *fs, enum famfs_host_state state)
{
	struct host_self *self = &fs->host;
	struct famfs_host_info *h = &self->info;

	h->state = state;
	h->replayed = fs->last_seq;
	h->heartbeat = ++self->beats;
	h->heartbeat_time = famfs_now_ns();
	h->npins = state == FAMFS_HOST_MOUNTED ?
			   gather_pins(fs, h->pins, HOST_MAX_PINS) :
			   0;
	h->pins_overflow = h->npins > HOST_MAX_PINS;
	host_slot_encode(h, fs->sb.fs_uuid, self->buf);
	slot_store(own_slot(fs), self->buf);
}

static bool slot_claimable(const struct famfs_host_info *h)
{
	switch (h->status) {
	case FAMFS_SLOT_EMPTY:
	case FAMFS_SLOT_FOREIGN:
		return true;
	case FAMFS_SLOT_OK:
		return h->evicted || h->state != FAMFS_HOST_MOUNTED;
	default:
		return h->evicted;
	}
}

static uint64_t new_nonce(void)
{
	uint64_t v = 0;

	while (!v)
		if (getrandom(&v, sizeof(v), 0) != sizeof(v))
			v = famfs_now_ns() ^ (uint64_t)getpid() << 32;
	return v;
}

/* Pick a slot: this host's own unmounted one, else the first free one. */
static int pick_slot(struct famfs_fs *fs, const bool *tried, uint32_t *out)
{
	struct famfs_host_info *h = &fs->host.info;
	int first_free = -1;

	for (uint32_t i = 0; i < fs->host.count; i++) {
		if (tried[i])
			continue;
		slot_read(fs->dev, &fs->sb, fs->host.table, i, fs->host.buf, h);
		if (!slot_claimable(h))
			continue;
		if (h->status == FAMFS_SLOT_OK &&
		    h->state == FAMFS_HOST_UNMOUNTED &&
		    !memcmp(h->system_uuid, fs->system_uuid, 16)) {
			*out = i;
			return 0;
		}
		if (first_free < 0)
			first_free = (int)i;
	}
	if (first_free < 0)
		return -EUSERS;
	*out = (uint32_t)first_free;
	return 0;
}

int host_claim(struct famfs_fs *fs, struct famfs_report *rep)
{
	struct host_self *self = &fs->host;
	bool tried[HOST_SLOTS] = { false };
	struct famfs_host_info check;
	int rc;

	if (!host_table_of(&fs->sb, fs->dev->size, &self->table, &self->count))
		return fs->sb.version < 2 ? 0 : -EINVAL;
	if (!fs->dev->writable) {
		report(rep, FAMFS_ERROR, "cannot keep a host slot: the device "
		       "is not writable");
		return -EROFS;
	}
	for (int attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
		rc = pick_slot(fs, tried, &self->slot);
		if (rc) {
			report(rep, FAMFS_ERROR, "host table full: %d hosts "
			       "mounted or not evicted", HOST_SLOTS);
			return rc;
		}
		memset(&self->info, 0, sizeof(self->info));
		memcpy(self->info.system_uuid, fs->system_uuid, 16);
		self->info.nonce = new_nonce();
		self->info.role = fs->master ? FAMFS_HOST_MASTER :
					       FAMFS_HOST_CLIENT;
		self->info.mount_time = famfs_now_ns();
		self->info.slot = self->slot;
		pthread_mutex_lock(&self->lock);
		slot_write(fs, FAMFS_HOST_MOUNTED);
		pthread_mutex_unlock(&self->lock);
		/* another host may have picked the same slot: look again */
		usleep(CLAIM_SETTLE_US);
		slot_read(fs->dev, &fs->sb, self->table, self->slot, self->buf,
			  &check);
		if (check.status == FAMFS_SLOT_OK &&
		    check.nonce == self->info.nonce) {
			self->claimed = true;
			return 0;
		}
		tried[self->slot] = true;
	}
	report(rep, FAMFS_ERROR, "could not claim a host slot: other hosts "
	       "kept taking the same ones");
	return -EBUSY;
}

bool famfs_host_evicted(struct famfs_fs *fs)
{
	struct host_self *self = &fs->host;
	const uint8_t *word;
	uint64_t v;

	if (!self->claimed)
		return false;
	if (__atomic_load_n(&self->evicted, __ATOMIC_ACQUIRE))
		return true;
	word = own_slot(fs) + HOST_OFF_EVICT;
	famfs_invalidate(word, 8);
	v = get_le64(word);
	if (v != self->info.nonce)
		return false;
	__atomic_store_n(&self->evicted, true, __ATOMIC_RELEASE);
	return true;
}

/* Write the slot now; caller holds fs->lock (read or write). */
int host_sync_locked(struct famfs_fs *fs)
{
	struct host_self *self = &fs->host;
	struct famfs_host_info check;
	int rc = 0;

	if (!self->claimed)
		return 0;
	if (famfs_host_evicted(fs))
		return -EIO;
	pthread_mutex_lock(&self->lock);
	/* someone may have taken the slot over (a torn claim elsewhere) */
	slot_read(fs->dev, &fs->sb, self->table, self->slot, self->check,
		  &check);
	if (check.status == FAMFS_SLOT_OK && check.nonce != self->info.nonce)
		rc = -ESTALE;
	else
		slot_write(fs, FAMFS_HOST_MOUNTED);
	pthread_mutex_unlock(&self->lock);
	return rc;
}

int famfs_host_beat(struct famfs_fs *fs)
{
	int rc;

	pthread_rwlock_rdlock(&fs->lock);
	rc = host_sync_locked(fs);
	pthread_rwlock_unlock(&fs->lock);
	return rc;
}

void host_unmount(struct famfs_fs *fs)
{
	struct host_self *self = &fs->host;

	if (!self->claimed || famfs_host_evicted(fs))
		return;
	pthread_mutex_lock(&self->lock);
	slot_write(fs, FAMFS_HOST_UNMOUNTED);
	pthread_mutex_unlock(&self->lock);
	self->claimed = false;
}

int famfs_host_slot(struct famfs_fs *fs)
{
	return fs->host.claimed ? (int)fs->host.slot : -1;
}

int famfs_host_evict(struct famfs_fs *fs, uint32_t slot, uint64_t nonce)
{
	struct famfs_host_info *h;
	uint8_t *copy, *word;
	uint64_t table;
	uint32_t count;
	int rc = 0;

	if (!fs->master || !fs->writable)
		return -EROFS;
	if (!host_table_of(&fs->sb, fs->dev->size, &table, &count))
		return fs->sb.version < 2 ? -EOPNOTSUPP : -EINVAL;
	if (slot >= count || !nonce)
		return -EINVAL;
	h = malloc(sizeof(*h));
	copy = malloc(HOST_SLOT_SIZE);
	if (!h || !copy) {
		rc = -ENOMEM;
		goto out;
	}
	slot_read(fs->dev, &fs->sb, table, slot, copy, h);
	if (h->status == FAMFS_SLOT_EMPTY || h->nonce != nonce) {
		rc = -ESTALE;
		goto out;
	}
	word = fs->dev->base + table + (uint64_t)slot * HOST_SLOT_SIZE +
	       HOST_OFF_EVICT;
	__atomic_store_n((uint64_t *)word, htole64(nonce), __ATOMIC_RELEASE);
	famfs_flush(word, 8);
out:
	free(h);
	free(copy);
	return rc;
}
