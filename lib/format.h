/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The on-media layout (documented for users in famfs(5)). Private to lib/.
 *
 * Every field is little-endian and fixed width; structures are never
 * overlaid on the media, they are read and written field by field through
 * the get/put helpers below, so hostile bytes cannot cause unaligned or
 * out-of-bounds access.
 *
 *   [0, 2 MiB)            superblock unit: primary at 0, host table at
 *                         64 KiB (version 2), backup at 1 MiB
 *   [2 MiB, 2 MiB+loglen) log: header block, then entries
 *   [data_offset, size)   data, in 2 MiB allocation units
 *
 * Version 2 differs from version 1 (still read) in: superblock fields from
 * offset 124, the host table, entry CRCs seeded with the filesystem UUID,
 * the checked tail word, entry times in nanoseconds.
 */
#ifndef FAMFS_FORMAT_H
#define FAMFS_FORMAT_H

#include <stdint.h>
#include <string.h>

/* ---- superblock (512 bytes, CRC32C of bytes [0, 508) at 508) ---------- */
#define SB_MAGIC "FAMFSSB1"
#define SB_VERSION_1 1
#define SB_VERSION_2 2
#define SB_VERSION SB_VERSION_2	/* what mkfs writes */
#define SB_SIZE 512
#define SB_OFF_MAGIC 0		/* 8 bytes */
#define SB_OFF_VERSION 8	/* le32 */
#define SB_OFF_SIZE 12		/* le32: SB_SIZE */
#define SB_OFF_FS_UUID 16	/* 16 bytes */
#define SB_OFF_MASTER_UUID 32	/* 16 bytes */
#define SB_OFF_DEVICE_SIZE 48	/* le64 */
#define SB_OFF_LOG_OFFSET 56	/* le64 */
#define SB_OFF_LOG_LEN 64	/* le64 */
#define SB_OFF_ALLOC_UNIT 72	/* le64 */
#define SB_OFF_DATA_OFFSET 80	/* le64 */
#define SB_OFF_FLAGS 88		/* le64 */
#define SB_OFF_CTIME 96		/* le64 */
#define SB_OFF_INCOMPAT 104	/* le32: unknown bits refuse the mount */
#define SB_OFF_RO_COMPAT 108	/* le32: unknown bits force read-only */
/* the root directory has no log entry: its attributes live here */
#define SB_OFF_ROOT_MODE 112	/* le32: permission bits; 0 = 0755 */
#define SB_OFF_ROOT_UID 116	/* le32 */
#define SB_OFF_ROOT_GID 120	/* le32 */
/* version 2 (zero in version 1) */
#define SB_OFF_PAGE_SIZE 124	/* le32: granule of packed files */
#define SB_OFF_HOST_TABLE 128	/* le64: offset of the host table */
#define SB_OFF_HOST_SLOTS 136	/* le32: slots in it */
#define SB_OFF_HOST_SLOT_SIZE 140	/* le32: bytes per slot */
#define SB_OFF_CRC 508		/* le32 */

#define SB_LOG_OFFSET (2ULL << 20)
#define SB_PAGE_SIZE 4096	/* version 2; the host table: HOST_* below */

/* ---- log header (first 4 KiB of the log) ------------------------------ */
#define LOG_MAGIC "FAMFSLG1"
#define LOG_HDR_SIZE 4096
#define LOG_OFF_MAGIC 0		/* 8 bytes */
#define LOG_OFF_LEN 8		/* le64: log length, equals the superblock's */
#define LOG_OFF_FIRST 16	/* le64: offset of the first entry in the log */
#define LOG_OFF_FS_UUID 24	/* 16 bytes: ties the log to its superblock */
#define LOG_OFF_HDR_CRC 44	/* le32: CRC32C of bytes [0, 44) */
/*
 * The tail lives alone in its own cache line: it is the one mutable field,
 * written with a single aligned 8-byte store after the entry it publishes
 * has been flushed, so a crash leaves either the old or the new tail.
 * Version 1: the plain tail. Version 2: the tail in the low 32 bits, and
 * CRC32C(fs UUID || le32 tail) in the high 32 bits.
 */
#define LOG_OFF_TAIL 64		/* le64: end of the last committed entry */

/*
 * ---- log entries (8-byte aligned) ------------------------------------
 * The CRC at 4 covers bytes [8, len); in version 2 it is seeded with the
 * filesystem UUID (CRC32C of the UUID followed by those bytes).
 */
#define ENT_MAGIC 0x544e4546u	/* "FENT" */
#define ENT_HDR_SIZE 32
#define ENT_OFF_MAGIC 0		/* le32 */
#define ENT_OFF_CRC 4		/* le32 */
#define ENT_OFF_LEN 8		/* le32: whole entry, multiple of 8 */
#define ENT_OFF_TYPE 12		/* le16 */
#define ENT_OFF_FLAGS 14	/* le16 */
#define ENT_OFF_SEQ 16		/* le64: strictly increasing */
#define ENT_OFF_TIME 24		/* le64: ns (version 2), s (version 1) */
/* An entry of a kind this version does not know may be skipped safely. */
#define ENT_FLAG_IGNORABLE 0x1

/* mkdir payload */
#define MKDIR_OFF_MODE 32
#define MKDIR_OFF_UID 36
#define MKDIR_OFF_GID 40
#define MKDIR_OFF_PATHLEN 44	/* le16 */
#define MKDIR_PATH 48

/* file payload */
#define FILE_OFF_SIZE 32	/* le64 */
#define FILE_OFF_MODE 40
#define FILE_OFF_UID 44
#define FILE_OFF_GID 48
#define FILE_OFF_NEXTENTS 52	/* le32 */
#define FILE_OFF_NSTRIPS 56	/* le32: 0 = plain extent list */
#define FILE_OFF_NBUCKETS 60	/* le32 */
#define FILE_OFF_CHUNK 64	/* le64 */
#define FILE_OFF_PATHLEN 72	/* le16 */
#define FILE_EXTENTS 80		/* nextents x { le64 offset, le64 len } */
#define EXTENT_SIZE 16

/* setattr payload */
#define SETATTR_OFF_MASK 32
#define SETATTR_OFF_MODE 36
#define SETATTR_OFF_UID 40
#define SETATTR_OFF_GID 44
#define SETATTR_OFF_PATHLEN 48	/* le16 */
#define SETATTR_PATH 56

/* delete payload (version 2) */
#define DELETE_OFF_PATHLEN 32	/* le16 */
#define DELETE_PATH 40

/* rename payload (version 2): source path, then destination path */
#define RENAME_OFF_FLAGS 32	/* le32: FAMFS_RENAME_* */
#define RENAME_OFF_SRCLEN 36	/* le16 */
#define RENAME_OFF_DSTLEN 38	/* le16 */
#define RENAME_PATHS 40

/* attributes payload (version 2): times in ns */
#define ATTR_OFF_MASK 32	/* le32: FAMFS_SETATTR_* */
#define ATTR_OFF_MODE 36
#define ATTR_OFF_UID 40
#define ATTR_OFF_GID 44
#define ATTR_OFF_ATIME 48	/* le64 */
#define ATTR_OFF_MTIME 56	/* le64 */
#define ATTR_OFF_PATHLEN 64	/* le16 */
#define ATTR_PATH 72

/* file contents payload (version 2): laid out as the file payload */

/* symbolic link payload (version 2): path, then target */
#define SYMLINK_OFF_UID 32
#define SYMLINK_OFF_GID 36
#define SYMLINK_OFF_PATHLEN 40	/* le16 */
#define SYMLINK_OFF_TARGETLEN 42	/* le16 */
#define SYMLINK_PATHS 48

/* badrange payload: no path (older readers skip it: ENT_FLAG_IGNORABLE) */
#define BAD_OFF_OFFSET 32	/* le64 */
#define BAD_OFF_LEN 40		/* le64 */
#define BAD_SIZE 48

/* ---- host table (version 2): 240 slots of 4 KiB at 64 KiB -------------- */
#define HOST_TABLE_OFFSET (64ULL << 10)
#define HOST_SLOTS 240
#define HOST_SLOT_SIZE 4096
#define HOST_MAGIC "FAMFSHS1"
#define HOST_OFF_MAGIC 0	/* 8 bytes */
#define HOST_OFF_CRC 8		/* le32: CRC32C of fs UUID, bytes [128, 4096) */
#define HOST_OFF_EVICT 64	/* le64: master writes the nonce it evicts */
#define HOST_CRC_START 128	/* the host's own fields, covered by the CRC */
#define HOST_OFF_FS_UUID 128	/* 16 bytes */
#define HOST_OFF_SYSTEM_UUID 144	/* 16 bytes */
#define HOST_OFF_NONCE 160	/* le64: random, never 0, new at every mount */
#define HOST_OFF_STATE 168	/* le32: FAMFS_HOST_FREE/MOUNTED/UNMOUNTED */
#define HOST_OFF_ROLE 172	/* le32: FAMFS_HOST_MASTER/CLIENT */
#define HOST_OFF_REPLAYED 176	/* le64: every entry up to this seq applied */
#define HOST_OFF_BEAT 184	/* le64: heartbeat counter */
#define HOST_OFF_BEAT_TIME 192	/* le64: ns since the epoch */
#define HOST_OFF_MOUNT_TIME 200	/* le64: ns since the epoch */
#define HOST_OFF_NPINS 208	/* le32 */
#define HOST_OFF_FLAGS 212	/* le32 */
#define HOST_FLAG_PIN_OVERFLOW 0x1	/* pins everything released */
#define HOST_OFF_PINS 216	/* le64 each */
#define HOST_MAX_PINS ((HOST_SLOT_SIZE - HOST_OFF_PINS) / 8)

static inline uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

#endif
