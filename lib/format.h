/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The on-media layout (documented for users in famfs(5)). Private to lib/.
 *
 * Every field is little-endian and fixed width; structures are never
 * overlaid on the media, they are read and written field by field through
 * the get/put helpers below, so hostile bytes cannot cause unaligned or
 * out-of-bounds access.
 *
 *   [0, 2 MiB)            superblock unit: primary at 0, backup at 1 MiB
 *   [2 MiB, 2 MiB+loglen) log: header block, then entries
 *   [data_offset, size)   data, in 2 MiB allocation units
 */
#ifndef FAMFS_FORMAT_H
#define FAMFS_FORMAT_H

#include <stdint.h>
#include <string.h>

/* ---- superblock (512 bytes, CRC32C of bytes [0, 508) at 508) ---------- */
#define SB_MAGIC "FAMFSSB1"
#define SB_VERSION 1
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
#define SB_OFF_CRC 508		/* le32 */

#define SB_LOG_OFFSET (2ULL << 20)

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
 */
#define LOG_OFF_TAIL 64		/* le64: end of the last committed entry */

/* ---- log entries (8-byte aligned, CRC32C of bytes [8, len) at 4) ------ */
#define ENT_MAGIC 0x544e4546u	/* "FENT" */
#define ENT_HDR_SIZE 32
#define ENT_OFF_MAGIC 0		/* le32 */
#define ENT_OFF_CRC 4		/* le32 */
#define ENT_OFF_LEN 8		/* le32: whole entry, multiple of 8 */
#define ENT_OFF_TYPE 12		/* le16 */
#define ENT_OFF_FLAGS 14	/* le16 */
#define ENT_OFF_SEQ 16		/* le64: strictly increasing */
#define ENT_OFF_TIME 24		/* le64 */
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
#define HOST_OFF_CRC 8		/* le32: CRC32C of fs UUID + bytes [128, 4096) */
#define HOST_OFF_EVICT 64	/* le64: the master writes the nonce it evicts */
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
