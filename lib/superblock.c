// SPDX-License-Identifier: Apache-2.0
/* Superblock encode/decode/read, mkfs and wipe. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uuid/uuid.h>

#include "internal.h"

void famfs_sb_encode(const struct famfs_sb_info *sb, void *buf)
{
	uint8_t *p = buf;

	memset(p, 0, SB_SIZE);
	memcpy(p + SB_OFF_MAGIC, SB_MAGIC, 8);
	put_le32(p + SB_OFF_VERSION, sb->version);
	put_le32(p + SB_OFF_SIZE, SB_SIZE);
	memcpy(p + SB_OFF_FS_UUID, sb->fs_uuid, 16);
	memcpy(p + SB_OFF_MASTER_UUID, sb->master_uuid, 16);
	put_le64(p + SB_OFF_DEVICE_SIZE, sb->device_size);
	put_le64(p + SB_OFF_LOG_OFFSET, sb->log_offset);
	put_le64(p + SB_OFF_LOG_LEN, sb->log_len);
	put_le64(p + SB_OFF_ALLOC_UNIT, sb->alloc_unit);
	put_le64(p + SB_OFF_DATA_OFFSET, sb->data_offset);
	put_le64(p + SB_OFF_FLAGS, sb->flags);
	put_le64(p + SB_OFF_CTIME, sb->create_time);
	put_le32(p + SB_OFF_ROOT_MODE, sb->root_mode);
	put_le32(p + SB_OFF_ROOT_UID, sb->root_uid);
	put_le32(p + SB_OFF_ROOT_GID, sb->root_gid);
	if (sb->version >= SB_VERSION_2) {
		put_le32(p + SB_OFF_PAGE_SIZE, sb->page_size);
		put_le64(p + SB_OFF_HOST_TABLE, sb->host_table_offset);
		put_le32(p + SB_OFF_HOST_SLOTS, sb->host_slots);
		put_le32(p + SB_OFF_HOST_SLOT_SIZE, sb->host_slot_size);
	}
	put_le32(p + SB_OFF_CRC, famfs_crc32c(0, p, SB_OFF_CRC));
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/*
 * The page size and host table of a version 2 superblock: the pieces are
 * 4 KiB pages and a slot's layout is 4 KiB, and the table lies between the
 * primary and the backup superblock.
 */
static int check_v2_fields(const struct famfs_sb_info *sb, const char **why)
{
	if (sb->page_size != SB_PAGE_SIZE || sb->page_size > sb->alloc_unit) {
		*why = "bad page size";
		return -EINVAL;
	}
	if (sb->host_slot_size != HOST_SLOT_SIZE || !sb->host_slots ||
	    sb->host_table_offset < SB_SIZE ||
	    sb->host_table_offset % sb->host_slot_size ||
	    sb->host_table_offset > FAMFS_SB_BACKUP_OFFSET ||
	    (FAMFS_SB_BACKUP_OFFSET - sb->host_table_offset) /
			    sb->host_slot_size < sb->host_slots) {
		*why = "bad host table";
		return -EINVAL;
	}
	return 0;
}

int famfs_sb_decode(const void *buf, size_t len, struct famfs_sb_info *out,
		    const char **why)
{
	const uint8_t *p = buf;
	struct famfs_sb_info sb;
	const char *dummy;

	if (!why)
		why = &dummy;
	if (len < SB_SIZE) {
		*why = "device too small for a superblock";
		return -EINVAL;
	}
	if (memcmp(p + SB_OFF_MAGIC, SB_MAGIC, 8)) {
		*why = "no famfs superblock (bad magic)";
		return -ENOENT;
	}
	if (get_le32(p + SB_OFF_CRC) != famfs_crc32c(0, p, SB_OFF_CRC)) {
		*why = "superblock CRC mismatch";
		return -EBADMSG;
	}
	memset(&sb, 0, sizeof(sb));
	sb.version = get_le32(p + SB_OFF_VERSION);
	if (sb.version != SB_VERSION_1 && sb.version != SB_VERSION_2) {
		*why = "unsupported format version";
		return -EPROTONOSUPPORT;
	}
	if (get_le32(p + SB_OFF_SIZE) != SB_SIZE ||
	    get_le32(p + SB_OFF_INCOMPAT) != 0) {
		*why = "superblock uses features this version does not know";
		return -EPROTONOSUPPORT;
	}
	memcpy(sb.fs_uuid, p + SB_OFF_FS_UUID, 16);
	memcpy(sb.master_uuid, p + SB_OFF_MASTER_UUID, 16);
	sb.device_size = get_le64(p + SB_OFF_DEVICE_SIZE);
	sb.log_offset = get_le64(p + SB_OFF_LOG_OFFSET);
	sb.log_len = get_le64(p + SB_OFF_LOG_LEN);
	sb.alloc_unit = get_le64(p + SB_OFF_ALLOC_UNIT);
	sb.data_offset = get_le64(p + SB_OFF_DATA_OFFSET);
	sb.flags = get_le64(p + SB_OFF_FLAGS);
	sb.create_time = get_le64(p + SB_OFF_CTIME);
	sb.root_mode = get_le32(p + SB_OFF_ROOT_MODE) & 07777;
	sb.root_uid = get_le32(p + SB_OFF_ROOT_UID);
	sb.root_gid = get_le32(p + SB_OFF_ROOT_GID);
	if (sb.version >= SB_VERSION_2) {
		sb.page_size = get_le32(p + SB_OFF_PAGE_SIZE);
		sb.host_table_offset = get_le64(p + SB_OFF_HOST_TABLE);
		sb.host_slots = get_le32(p + SB_OFF_HOST_SLOTS);
		sb.host_slot_size = get_le32(p + SB_OFF_HOST_SLOT_SIZE);
	}

	/* a CRC-valid superblock can still be hostile: check every bound */
	if (!is_pow2(sb.alloc_unit) || sb.alloc_unit < 4096 ||
	    sb.alloc_unit > (1ULL << 30)) {
		*why = "bad allocation unit";
		return -EINVAL;
	}
	if (sb.log_offset != SB_LOG_OFFSET || !is_pow2(sb.log_len) ||
	    sb.log_len < FAMFS_MIN_LOG_LEN || sb.log_len > FAMFS_MAX_LOG_LEN) {
		*why = "bad log offset or length";
		return -EINVAL;
	}
	if (sb.version >= SB_VERSION_2 && check_v2_fields(&sb, why))
		return -EINVAL;
	if (sb.data_offset < sb.log_offset + sb.log_len ||
	    sb.data_offset % sb.alloc_unit ||
	    sb.data_offset > sb.device_size ||
	    sb.device_size - sb.data_offset < sb.alloc_unit) {
		*why = "bad data offset or device size";
		return -EINVAL;
	}
	*out = sb;
	return 0;
}

int famfs_sb_read(const struct famfs_dev *dev, struct famfs_sb_info *out,
		  bool *used_backup, struct famfs_report *rep)
{
	const char *why_primary = NULL, *why_backup = NULL;
	int rc, rc_backup;

	famfs_invalidate(dev->base, SB_SIZE);
	rc = famfs_sb_decode(dev->base + FAMFS_SB_OFFSET, dev->size, out,
			     &why_primary);
	if (used_backup)
		*used_backup = false;
	if (rc == 0)
		goto check_size;
	if (dev->size < FAMFS_SB_BACKUP_OFFSET + SB_SIZE)
		return rc;
	famfs_invalidate(dev->base + FAMFS_SB_BACKUP_OFFSET, SB_SIZE);
	rc_backup = famfs_sb_decode(dev->base + FAMFS_SB_BACKUP_OFFSET,
				    SB_SIZE, out, &why_backup);
	if (rc_backup) {
		/* not famfs at all: stay quiet, the caller names the device */
		if (rc != -ENOENT || rc_backup != -ENOENT)
			report(rep, FAMFS_ERROR, "primary superblock: %s; "
			       "backup superblock: %s", why_primary,
			       why_backup);
		return rc == -ENOENT ? rc_backup : rc;
	}
	report(rep, FAMFS_ERROR,
	       "primary superblock: %s; using the backup copy", why_primary);
	if (used_backup)
		*used_backup = true;
check_size:
	if (out->device_size > dev->size) {
		report(rep, FAMFS_ERROR,
		       "superblock says %" PRIu64 " bytes but the device has %"
		       PRIu64, out->device_size, dev->size);
		return -EINVAL;
	}
	return 0;
}

uint64_t famfs_log_capacity_entries(uint64_t log_len)
{
	/* a one-extent file with a 32-byte path: the common small entry */
	const uint64_t typical = FILE_EXTENTS + EXTENT_SIZE + 32;

	return log_len > LOG_HDR_SIZE ? (log_len - LOG_HDR_SIZE) / typical : 0;
}

uint64_t famfs_min_device_size(uint64_t log_len)
{
	uint64_t data = (SB_LOG_OFFSET + log_len + FAMFS_ALLOC_UNIT - 1) &
			~(FAMFS_ALLOC_UNIT - 1);

	return data + FAMFS_ALLOC_UNIT;
}

static int check_log_len(uint64_t log_len)
{
	if (!is_pow2(log_len) || log_len < FAMFS_MIN_LOG_LEN ||
	    log_len > FAMFS_MAX_LOG_LEN)
		return -EINVAL;
	return 0;
}

int famfs_mkfs(struct famfs_dev *dev, const struct famfs_mkfs_opts *opts,
	       struct famfs_sb_info *out)
{
	uint64_t log_len = opts->log_len ? opts->log_len : FAMFS_DEFAULT_LOG_LEN;
	uint32_t version = opts->version ? opts->version : SB_VERSION;
	struct famfs_sb_info sb, old;
	uint8_t block[SB_SIZE];
	int rc;

	if (!dev->writable)
		return -EROFS;
	if (check_log_len(log_len) ||
	    (version != SB_VERSION_1 && version != SB_VERSION_2))
		return -EINVAL;
	memset(&sb, 0, sizeof(sb));
	sb.version = version;
	if (version >= SB_VERSION_2) {
		sb.page_size = SB_PAGE_SIZE;
		sb.host_table_offset = HOST_TABLE_OFFSET;
		sb.host_slots = HOST_SLOTS;
		sb.host_slot_size = HOST_SLOT_SIZE;
	}
	sb.alloc_unit = FAMFS_ALLOC_UNIT;
	sb.log_offset = SB_LOG_OFFSET;
	sb.log_len = log_len;
	sb.data_offset = famfs_min_device_size(log_len) - sb.alloc_unit;
	/* only whole units are usable */
	sb.device_size = dev->size & ~(sb.alloc_unit - 1);
	if (sb.device_size < famfs_min_device_size(log_len))
		return -ENOSPC;
	if (famfs_sb_read(dev, &old, NULL, NULL) == 0 && !opts->force)
		return -EEXIST;

	/* a mounted master holds the append lock; never format under it */
	rc = famfs_dev_trylock(dev);
	if (rc)
		return rc == -EWOULDBLOCK ? -EBUSY : rc;

	uuid_generate(sb.fs_uuid);
	if (opts->master_uuid) {
		memcpy(sb.master_uuid, opts->master_uuid, 16);
	} else {
		rc = famfs_system_uuid(sb.master_uuid, NULL);
		if (rc)
			goto out;
	}
	sb.create_time = (uint64_t)time(NULL);
	sb.root_mode = opts->root_mode & 07777;
	sb.root_uid = opts->root_uid;
	sb.root_gid = opts->root_gid;

	/*
	 * Order matters for a crash mid-mkfs: invalidate the old superblocks
	 * first, then write the log, then the superblocks that point to it.
	 */
	memset(dev->base, 0, SB_SIZE);
	memset(dev->base + FAMFS_SB_BACKUP_OFFSET, 0, SB_SIZE);
	famfs_flush(dev->base, SB_SIZE);
	famfs_flush(dev->base + FAMFS_SB_BACKUP_OFFSET, SB_SIZE);
	log_format(dev->base + sb.log_offset, &sb);
	if (sb.host_slots) {
		/* no host of an earlier filesystem holds a slot of this one */
		uint64_t bytes = (uint64_t)sb.host_slots * sb.host_slot_size;

		memset(dev->base + sb.host_table_offset, 0, bytes);
		famfs_flush(dev->base + sb.host_table_offset, bytes);
	}

	famfs_sb_encode(&sb, block);
	memcpy(dev->base + FAMFS_SB_BACKUP_OFFSET, block, SB_SIZE);
	famfs_flush(dev->base + FAMFS_SB_BACKUP_OFFSET, SB_SIZE);
	memcpy(dev->base + FAMFS_SB_OFFSET, block, SB_SIZE);
	famfs_flush(dev->base + FAMFS_SB_OFFSET, SB_SIZE);
	if (out)
		*out = sb;
out:
	famfs_dev_unlock(dev);
	return rc;
}

int famfs_wipe_sb(struct famfs_dev *dev)
{
	int rc;

	if (!dev->writable)
		return -EROFS;
	rc = famfs_dev_trylock(dev);
	if (rc)
		return rc == -EWOULDBLOCK ? -EBUSY : rc;
	memset(dev->base, 0, SB_SIZE);
	famfs_flush(dev->base, SB_SIZE);
	if (dev->size >= FAMFS_SB_BACKUP_OFFSET + SB_SIZE) {
		memset(dev->base + FAMFS_SB_BACKUP_OFFSET, 0, SB_SIZE);
		famfs_flush(dev->base + FAMFS_SB_BACKUP_OFFSET, SB_SIZE);
	}
	famfs_dev_unlock(dev);
	return 0;
}
