// SPDX-License-Identifier: Apache-2.0
/*
 * The metadata log: entry encoding and decoding (both format versions),
 * the tail word and its rebuild, replay with resync past corrupt entries,
 * and append (write entry, flush, publish tail, flush).
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static uint64_t align8(uint64_t v)
{
	return (v + 7) & ~7ULL;
}

#define NS_PER_SEC 1000000000ULL

void log_coding_init(struct log_coding *c, const struct famfs_sb_info *sb)
{
	c->version = sb->version;
	c->crc_seed = sb->version >= SB_VERSION_2 ?
			      famfs_crc32c(0, sb->fs_uuid, 16) : 0;
}

uint32_t log_entry_crc(const struct log_coding *c, const uint8_t *p,
		       uint32_t len)
{
	return famfs_crc32c(c->crc_seed, p + 8, len - 8);
}

uint64_t log_tail_word(const struct log_coding *c, uint64_t tail)
{
	uint8_t le[4];

	if (c->version < SB_VERSION_2)
		return tail;
	put_le32(le, (uint32_t)tail);
	return (uint64_t)famfs_crc32c(c->crc_seed, le, 4) << 32 |
	       (uint32_t)tail;
}

uint64_t log_tail_from_word(const struct log_coding *c, uint64_t word)
{
	if (c->version < SB_VERSION_2)
		return word;
	return log_tail_word(c, (uint32_t)word) == word ? (uint32_t)word :
							  UINT64_MAX;
}

/* Entry times are ns in memory; version 1 stores seconds. */
static uint64_t time_to_media(const struct log_coding *c, uint64_t ns)
{
	return c->version < SB_VERSION_2 ? ns / NS_PER_SEC : ns;
}

static uint64_t time_from_media(const struct log_coding *c, uint64_t t)
{
	if (c->version >= SB_VERSION_2)
		return t;
	return t > UINT64_MAX / NS_PER_SEC ? UINT64_MAX : t * NS_PER_SEC;
}

uint64_t log_now(const struct log_coding *c)
{
	return time_from_media(c, time_to_media(c, famfs_now_ns()));
}

/* Kinds a version writes; anything else is an unknown kind to it. */
static bool type_in_version(uint32_t version, uint16_t type)
{
	switch (type) {
	case FAMFS_LOG_MKDIR:
	case FAMFS_LOG_FILE:
	case FAMFS_LOG_SETATTR:
	case FAMFS_LOG_BADRANGE:
	case FAMFS_LOG_DROPPED:
		return true;
	default:
		return version >= SB_VERSION_2;
	}
}

size_t log_record_size(const struct famfs_log_record *r)
{
	size_t plen;

	if (r->type == FAMFS_LOG_BADRANGE)
		return BAD_SIZE;
	if (r->type == FAMFS_LOG_DROPPED)
		return ENT_HDR_SIZE;
	plen = strlen(r->path);
	if (plen == 0 || plen > FAMFS_PATH_MAX)
		return 0;
	switch (r->type) {
	case FAMFS_LOG_MKDIR:
		return align8(MKDIR_PATH + plen);
	case FAMFS_LOG_SETATTR:
		return align8(SETATTR_PATH + plen);
	case FAMFS_LOG_FILE:
	case FAMFS_LOG_CONTENTS:
		return log_file_entry_size(plen, r->nextents);
	case FAMFS_LOG_DELETE:
		return align8(DELETE_PATH + plen);
	case FAMFS_LOG_ATTR:
		return align8(ATTR_PATH + plen);
	case FAMFS_LOG_RENAME:
	case FAMFS_LOG_SYMLINK: {
		const char *second = r->type == FAMFS_LOG_RENAME ? r->new_path :
								  r->target;
		size_t slen = second ? strlen(second) : 0;

		if (slen == 0 || slen > FAMFS_PATH_MAX)
			return 0;
		return align8((r->type == FAMFS_LOG_RENAME ? RENAME_PATHS :
							     SYMLINK_PATHS) +
			      plen + slen);
	}
	default:
		return 0;
	}
}

size_t log_file_entry_size(size_t path_len, uint32_t nextents)
{
	if (nextents > (UINT32_MAX - FILE_EXTENTS - path_len - 8) / EXTENT_SIZE)
		return 0;
	return align8(FILE_EXTENTS + (uint64_t)nextents * EXTENT_SIZE +
		      path_len);
}

void log_record_encode(const struct log_coding *c,
		       const struct famfs_log_record *r, uint8_t *p,
		       size_t len)
{
	size_t plen = r->path ? strlen(r->path) : 0;

	put_le32(p + ENT_OFF_MAGIC, ENT_MAGIC);
	put_le32(p + ENT_OFF_LEN, (uint32_t)len);
	put_le16(p + ENT_OFF_TYPE, (uint16_t)r->type);
	put_le16(p + ENT_OFF_FLAGS, r->type == FAMFS_LOG_BADRANGE ||
					    r->type == FAMFS_LOG_DROPPED ?
					    ENT_FLAG_IGNORABLE :
					    0);
	put_le64(p + ENT_OFF_SEQ, r->seq);
	put_le64(p + ENT_OFF_TIME, time_to_media(c, r->time));
	switch (r->type) {
	case FAMFS_LOG_MKDIR:
		put_le32(p + MKDIR_OFF_MODE, r->mode);
		put_le32(p + MKDIR_OFF_UID, r->uid);
		put_le32(p + MKDIR_OFF_GID, r->gid);
		put_le16(p + MKDIR_OFF_PATHLEN, (uint16_t)plen);
		memcpy(p + MKDIR_PATH, r->path, plen);
		break;
	case FAMFS_LOG_SETATTR:
		put_le32(p + SETATTR_OFF_MASK, r->setattr_mask);
		put_le32(p + SETATTR_OFF_MODE, r->mode);
		put_le32(p + SETATTR_OFF_UID, r->uid);
		put_le32(p + SETATTR_OFF_GID, r->gid);
		put_le16(p + SETATTR_OFF_PATHLEN, (uint16_t)plen);
		memcpy(p + SETATTR_PATH, r->path, plen);
		break;
	case FAMFS_LOG_BADRANGE:
		put_le64(p + BAD_OFF_OFFSET, r->bad.offset);
		put_le64(p + BAD_OFF_LEN, r->bad.len);
		break;
	case FAMFS_LOG_DELETE:
		put_le16(p + DELETE_OFF_PATHLEN, (uint16_t)plen);
		memcpy(p + DELETE_PATH, r->path, plen);
		break;
	case FAMFS_LOG_RENAME: {
		size_t dlen = strlen(r->new_path);

		put_le32(p + RENAME_OFF_FLAGS, r->rename_flags);
		put_le16(p + RENAME_OFF_SRCLEN, (uint16_t)plen);
		put_le16(p + RENAME_OFF_DSTLEN, (uint16_t)dlen);
		memcpy(p + RENAME_PATHS, r->path, plen);
		memcpy(p + RENAME_PATHS + plen, r->new_path, dlen);
		break;
	}
	case FAMFS_LOG_ATTR:
		put_le32(p + ATTR_OFF_MASK, r->setattr_mask);
		put_le32(p + ATTR_OFF_MODE, r->mode);
		put_le32(p + ATTR_OFF_UID, r->uid);
		put_le32(p + ATTR_OFF_GID, r->gid);
		put_le64(p + ATTR_OFF_ATIME, r->atime);
		put_le64(p + ATTR_OFF_MTIME, r->mtime);
		put_le16(p + ATTR_OFF_PATHLEN, (uint16_t)plen);
		memcpy(p + ATTR_PATH, r->path, plen);
		break;
	case FAMFS_LOG_SYMLINK: {
		size_t tlen = strlen(r->target);

		put_le32(p + SYMLINK_OFF_UID, r->uid);
		put_le32(p + SYMLINK_OFF_GID, r->gid);
		put_le16(p + SYMLINK_OFF_PATHLEN, (uint16_t)plen);
		put_le16(p + SYMLINK_OFF_TARGETLEN, (uint16_t)tlen);
		memcpy(p + SYMLINK_PATHS, r->path, plen);
		memcpy(p + SYMLINK_PATHS + plen, r->target, tlen);
		break;
	}
	case FAMFS_LOG_FILE:
	case FAMFS_LOG_CONTENTS:
		put_le64(p + FILE_OFF_SIZE, r->size);
		put_le32(p + FILE_OFF_MODE, r->mode);
		put_le32(p + FILE_OFF_UID, r->uid);
		put_le32(p + FILE_OFF_GID, r->gid);
		put_le32(p + FILE_OFF_NEXTENTS, r->nextents);
		put_le32(p + FILE_OFF_NSTRIPS, r->interleave.nstrips);
		put_le32(p + FILE_OFF_NBUCKETS, r->interleave.nbuckets);
		put_le64(p + FILE_OFF_CHUNK, r->interleave.chunk_size);
		put_le16(p + FILE_OFF_PATHLEN, (uint16_t)plen);
		for (uint32_t i = 0; i < r->nextents; i++) {
			uint8_t *e = p + FILE_EXTENTS + (size_t)i * EXTENT_SIZE;

			put_le64(e, r->extents[i].offset);
			put_le64(e + 8, r->extents[i].len);
		}
		memcpy(p + FILE_EXTENTS + (size_t)r->nextents * EXTENT_SIZE,
		       r->path, plen);
		break;
	default:
		break;
	}
	put_le32(p + ENT_OFF_CRC, log_entry_crc(c, p, (uint32_t)len));
}

void log_entry_drop(const struct log_coding *c, uint8_t *p)
{
	uint32_t len = get_le32(p + ENT_OFF_LEN);

	put_le16(p + ENT_OFF_TYPE, FAMFS_LOG_DROPPED);
	put_le16(p + ENT_OFF_FLAGS, ENT_FLAG_IGNORABLE);
	memset(p + ENT_HDR_SIZE, 0, len - ENT_HDR_SIZE);
	put_le32(p + ENT_OFF_CRC, log_entry_crc(c, p, len));
}

void log_decoded_free(struct log_decoded *d)
{
	free(d->extents);
	d->extents = NULL;
	d->extents_cap = 0;
}

/*
 * Copy a string of @plen bytes at @off, which must end inside the entry,
 * into @out (FAMFS_PATH_MAX + 1 bytes).
 */
static int decode_string(const uint8_t *p, uint32_t len, uint64_t off,
			 uint16_t plen, char *out, const char **why)
{
	if (plen == 0 || plen > FAMFS_PATH_MAX || off + plen > len) {
		*why = "path length out of bounds";
		return -1;
	}
	memcpy(out, p + off, plen);
	out[plen] = '\0';
	if (memchr(out, '\0', plen)) {
		*why = "NUL byte inside a path";
		return -1;
	}
	return 0;
}

/* The entry's path: @plen bytes at @off. */
static int decode_path(const uint8_t *p, uint32_t len, uint64_t off,
		       uint16_t plen, struct log_decoded *d, const char **why)
{
	if (decode_string(p, len, off, plen, d->path, why))
		return -1;
	d->rec.path = d->path;
	return 0;
}

enum log_decode_status log_entry_decode(const struct log_coding *c,
					const uint8_t *p, uint64_t avail,
					struct log_decoded *d, uint32_t *lenp,
					const char **why)
{
	struct famfs_log_record *r = &d->rec;
	uint32_t len, nextents;

	if (avail < ENT_HDR_SIZE) {
		*why = "truncated entry header";
		return LOG_ENTRY_TORN;
	}
	len = get_le32(p + ENT_OFF_LEN);
	if (get_le32(p + ENT_OFF_MAGIC) != ENT_MAGIC) {
		*why = "bad entry magic";
		return LOG_ENTRY_TORN;
	}
	if (len < ENT_HDR_SIZE || len % 8 || len > avail) {
		*why = "entry length out of bounds";
		return LOG_ENTRY_TORN;
	}
	if (get_le32(p + ENT_OFF_CRC) != log_entry_crc(c, p, len)) {
		*why = "entry CRC mismatch";
		/* the length may be the corrupted field: do not trust it */
		return LOG_ENTRY_TORN;
	}
	*lenp = len;
	memset(r, 0, sizeof(*r));
	r->type = get_le16(p + ENT_OFF_TYPE);
	d->flags = get_le16(p + ENT_OFF_FLAGS);
	r->seq = get_le64(p + ENT_OFF_SEQ);
	r->time = time_from_media(c, get_le64(p + ENT_OFF_TIME));
	r->path = "";

	if (!type_in_version(c->version, (uint16_t)r->type)) {
		*why = "entry type not of this format version";
		return LOG_ENTRY_UNKNOWN;
	}
	switch (r->type) {
	case FAMFS_LOG_DROPPED:
		return LOG_ENTRY_OK;	/* no payload: nothing to apply */
	case FAMFS_LOG_BADRANGE:
		if (len < BAD_SIZE)
			goto short_entry;
		r->bad.offset = get_le64(p + BAD_OFF_OFFSET);
		r->bad.len = get_le64(p + BAD_OFF_LEN);
		return LOG_ENTRY_OK;
	case FAMFS_LOG_MKDIR:
		if (len < MKDIR_PATH)
			goto short_entry;
		r->mode = get_le32(p + MKDIR_OFF_MODE);
		r->uid = get_le32(p + MKDIR_OFF_UID);
		r->gid = get_le32(p + MKDIR_OFF_GID);
		if (decode_path(p, len, MKDIR_PATH,
				get_le16(p + MKDIR_OFF_PATHLEN), d, why))
			return LOG_ENTRY_BAD;
		return LOG_ENTRY_OK;
	case FAMFS_LOG_SETATTR:
		if (len < SETATTR_PATH)
			goto short_entry;
		r->setattr_mask = get_le32(p + SETATTR_OFF_MASK);
		r->mode = get_le32(p + SETATTR_OFF_MODE);
		r->uid = get_le32(p + SETATTR_OFF_UID);
		r->gid = get_le32(p + SETATTR_OFF_GID);
		if (decode_path(p, len, SETATTR_PATH,
				get_le16(p + SETATTR_OFF_PATHLEN), d, why))
			return LOG_ENTRY_BAD;
		return LOG_ENTRY_OK;
	case FAMFS_LOG_DELETE:
		if (len < DELETE_PATH)
			goto short_entry;
		if (decode_path(p, len, DELETE_PATH,
				get_le16(p + DELETE_OFF_PATHLEN), d, why))
			return LOG_ENTRY_BAD;
		return LOG_ENTRY_OK;
	case FAMFS_LOG_RENAME: {
		uint16_t slen, dlen;

		if (len < RENAME_PATHS)
			goto short_entry;
		r->rename_flags = get_le32(p + RENAME_OFF_FLAGS);
		slen = get_le16(p + RENAME_OFF_SRCLEN);
		dlen = get_le16(p + RENAME_OFF_DSTLEN);
		if (decode_path(p, len, RENAME_PATHS, slen, d, why) ||
		    decode_string(p, len, RENAME_PATHS + (uint64_t)slen, dlen,
				  d->path2, why))
			return LOG_ENTRY_BAD;
		r->new_path = d->path2;
		return LOG_ENTRY_OK;
	}
	case FAMFS_LOG_ATTR:
		if (len < ATTR_PATH)
			goto short_entry;
		r->setattr_mask = get_le32(p + ATTR_OFF_MASK);
		r->mode = get_le32(p + ATTR_OFF_MODE);
		r->uid = get_le32(p + ATTR_OFF_UID);
		r->gid = get_le32(p + ATTR_OFF_GID);
		r->atime = get_le64(p + ATTR_OFF_ATIME);
		r->mtime = get_le64(p + ATTR_OFF_MTIME);
		if (decode_path(p, len, ATTR_PATH,
				get_le16(p + ATTR_OFF_PATHLEN), d, why))
			return LOG_ENTRY_BAD;
		return LOG_ENTRY_OK;
	case FAMFS_LOG_SYMLINK: {
		uint16_t plen;

		if (len < SYMLINK_PATHS)
			goto short_entry;
		r->uid = get_le32(p + SYMLINK_OFF_UID);
		r->gid = get_le32(p + SYMLINK_OFF_GID);
		plen = get_le16(p + SYMLINK_OFF_PATHLEN);
		if (decode_path(p, len, SYMLINK_PATHS, plen, d, why))
			return LOG_ENTRY_BAD;
		if (decode_string(p, len, SYMLINK_PATHS + (uint64_t)plen,
				  get_le16(p + SYMLINK_OFF_TARGETLEN), d->path2,
				  why)) {
			*why = "symbolic link target empty, too long or "
			       "holding a NUL";
			return LOG_ENTRY_BAD;
		}
		r->target = d->path2;
		return LOG_ENTRY_OK;
	}
	case FAMFS_LOG_FILE:
	case FAMFS_LOG_CONTENTS:
		if (len < FILE_EXTENTS)
			goto short_entry;
		r->size = get_le64(p + FILE_OFF_SIZE);
		r->mode = get_le32(p + FILE_OFF_MODE);
		r->uid = get_le32(p + FILE_OFF_UID);
		r->gid = get_le32(p + FILE_OFF_GID);
		nextents = get_le32(p + FILE_OFF_NEXTENTS);
		r->interleave.nstrips = get_le32(p + FILE_OFF_NSTRIPS);
		r->interleave.nbuckets = get_le32(p + FILE_OFF_NBUCKETS);
		r->interleave.chunk_size = get_le64(p + FILE_OFF_CHUNK);
		/* 64-bit arithmetic: nextents * 16 cannot wrap */
		if ((uint64_t)nextents * EXTENT_SIZE > len - FILE_EXTENTS) {
			*why = "extent count exceeds the entry";
			return LOG_ENTRY_BAD;
		}
		if (nextents > d->extents_cap) {
			struct famfs_extent *e;

			e = realloc(d->extents, (size_t)nextents * sizeof(*e));
			if (!e) {
				*why = "out of memory";
				return LOG_ENTRY_BAD;
			}
			d->extents = e;
			d->extents_cap = nextents;
		}
		for (uint32_t i = 0; i < nextents; i++) {
			const uint8_t *e = p + FILE_EXTENTS +
					   (size_t)i * EXTENT_SIZE;

			d->extents[i].offset = get_le64(e);
			d->extents[i].len = get_le64(e + 8);
		}
		r->nextents = nextents;
		r->extents = d->extents;
		if (decode_path(p, len,
				FILE_EXTENTS + (uint64_t)nextents * EXTENT_SIZE,
				get_le16(p + FILE_OFF_PATHLEN), d, why))
			return LOG_ENTRY_BAD;
		return LOG_ENTRY_OK;
	default:
		*why = "unknown entry type";
		return LOG_ENTRY_UNKNOWN;
	}
short_entry:
	*why = "entry too short for its type";
	return LOG_ENTRY_BAD;
}

void log_write_header(uint8_t *log, const struct famfs_sb_info *sb)
{
	memset(log, 0, LOG_OFF_TAIL);
	memcpy(log + LOG_OFF_MAGIC, LOG_MAGIC, 8);
	put_le64(log + LOG_OFF_LEN, sb->log_len);
	put_le64(log + LOG_OFF_FIRST, LOG_HDR_SIZE);
	memcpy(log + LOG_OFF_FS_UUID, sb->fs_uuid, 16);
	put_le32(log + LOG_OFF_HDR_CRC, famfs_crc32c(0, log, LOG_OFF_HDR_CRC));
	famfs_flush(log, LOG_OFF_TAIL);
}

void log_format(uint8_t *log, const struct famfs_sb_info *sb)
{
	struct log_coding c;

	log_coding_init(&c, sb);
	memset(log, 0, LOG_HDR_SIZE);
	/* clear the first entry slot so no stale entry follows the tail */
	memset(log + LOG_HDR_SIZE, 0, ENT_HDR_SIZE);
	log_write_header(log, sb);
	put_le64(log + LOG_OFF_TAIL, log_tail_word(&c, LOG_HDR_SIZE));
	famfs_flush(log, LOG_HDR_SIZE + ENT_HDR_SIZE);
}

int log_header_check(const uint8_t *log, const struct famfs_sb_info *sb,
		     const char **why)
{
	famfs_invalidate(log, 128);
	if (memcmp(log + LOG_OFF_MAGIC, LOG_MAGIC, 8)) {
		*why = "bad log header magic";
		return -EBADMSG;
	}
	if (get_le32(log + LOG_OFF_HDR_CRC) !=
	    famfs_crc32c(0, log, LOG_OFF_HDR_CRC)) {
		*why = "log header CRC mismatch";
		return -EBADMSG;
	}
	if (get_le64(log + LOG_OFF_LEN) != sb->log_len ||
	    get_le64(log + LOG_OFF_FIRST) != LOG_HDR_SIZE) {
		*why = "log header disagrees with the superblock";
		return -EINVAL;
	}
	if (memcmp(log + LOG_OFF_FS_UUID, sb->fs_uuid, 16)) {
		*why = "log belongs to another filesystem (UUID mismatch)";
		return -EINVAL;
	}
	return 0;
}

uint64_t log_read_tail_word(const struct famfs_fs *fs)
{
	const uint8_t *t = fs->log + LOG_OFF_TAIL;

	famfs_invalidate(t, 8);
	/* one aligned 8-byte load: the writer stores it the same way */
	return le64toh(__atomic_load_n((const uint64_t *)t, __ATOMIC_ACQUIRE));
}

void log_publish_tail(struct famfs_fs *fs, uint64_t tail)
{
	uint64_t word = log_tail_word(&fs->coding, tail);

	__atomic_store_n((uint64_t *)(fs->log + LOG_OFF_TAIL), htole64(word),
			 __ATOMIC_RELEASE);
	famfs_flush(fs->log + LOG_OFF_TAIL, 8);
	fs->tail_word = word;
	__atomic_store_n(&fs->replayed_word, word, __ATOMIC_RELEASE);
	fs->tail = tail;
	fs->tail_rebuilt = false;
	/*
	 * written_end is not lowered here: a committer may have written past
	 * @tail since its publisher read written_end, and must still find
	 * its entry unpublished.
	 */
	__atomic_store_n(&fs->published_end, tail, __ATOMIC_RELEASE);
	fs->tail_publishes++;
}

uint64_t log_walk_chain(struct famfs_fs *fs)
{
	uint64_t pos = LOG_HDR_SIZE, seq = 1;

	while (fs->sb.log_len - pos >= ENT_HDR_SIZE) {
		uint64_t avail = fs->sb.log_len - pos;
		enum log_decode_status st;
		const char *why;
		uint32_t len;

		famfs_invalidate(fs->log + pos, ENT_HDR_SIZE);
		len = get_le32(fs->log + pos + ENT_OFF_LEN);
		if (len > ENT_HDR_SIZE && len <= avail)
			famfs_invalidate(fs->log + pos, len);
		st = log_entry_decode(&fs->coding, fs->log + pos, avail,
				      &fs->scratch, &len, &why);
		if (st == LOG_ENTRY_TORN || fs->scratch.rec.seq != seq)
			break;
		pos += len;
		seq++;
	}
	return pos;
}

uint64_t log_tail(struct famfs_fs *fs, struct famfs_report *rep)
{
	uint64_t word = log_read_tail_word(fs), tail;
	const char *why = NULL;

	if (!rep)
		rep = fs->rep;
	if (fs->tail_known && word == fs->tail_word)
		return fs->tail;	/* same word: same answer, said once */
	tail = log_tail_from_word(&fs->coding, word);
	if (tail == UINT64_MAX)
		why = "fails its check";
	else if (tail < LOG_HDR_SIZE || tail > fs->sb.log_len || tail % 8)
		why = "is out of bounds";
	fs->tail_word = word;
	fs->tail_known = true;
	fs->tail_rebuilt = why != NULL;
	if (!why) {
		fs->tail = tail;
		return tail;
	}
	fs->log_damage++;
	fs->tail = log_walk_chain(fs);
	report(rep, FAMFS_ERROR,
	       "log tail word %#" PRIx64 " %s; tail rebuilt from the entries: "
	       "%" PRIu64, word, why, fs->tail);
	if (fs->master && fs->writable && !famfs_fs_replaced(fs)) {
		log_publish_tail(fs, fs->tail);
		report(rep, FAMFS_INFO, "rebuilt log tail written back");
	}
	return fs->tail;
}

uint64_t log_intact_past(struct famfs_fs *fs, uint64_t from, uint64_t after,
			 uint64_t *first)
{
	uint64_t count = 0, pos = from, seq = after;

	/* the chain only: cheap (the normal log has zeroes there) */
	while (fs->sb.log_len - pos >= ENT_HDR_SIZE) {
		const char *why;
		uint32_t len;

		famfs_invalidate(fs->log + pos, ENT_HDR_SIZE);
		len = get_le32(fs->log + pos + ENT_OFF_LEN);
		if (get_le32(fs->log + pos) != ENT_MAGIC || len < ENT_HDR_SIZE ||
		    len > fs->sb.log_len - pos)
			break;
		famfs_invalidate(fs->log + pos, len);
		if (log_entry_decode(&fs->coding, fs->log + pos,
				     fs->sb.log_len - pos, &fs->scratch, &len,
				     &why) == LOG_ENTRY_TORN ||
		    fs->scratch.rec.seq <= seq)
			break;
		if (!count++)
			*first = pos;
		seq = fs->scratch.rec.seq;
		pos += len;
	}
	return count;
}

/* Tell fsck --repair what replay skipped. */
static void tell_problem(struct famfs_fs *fs, enum log_problem_kind kind,
			 uint64_t pos, uint64_t len, uint64_t seq)
{
	struct log_problem p = { kind, pos, len, seq };

	if (fs->problem)
		fs->problem(fs->problem_ctx, &p);
}

/* Find the next offset at or after @pos that holds an intact entry. */
static uint64_t log_resync(struct famfs_fs *fs, uint64_t pos, uint64_t tail)
{
	const char *why;
	uint32_t len;

	for (pos = align8(pos); pos + ENT_HDR_SIZE <= tail; pos += 8) {
		if (get_le32(fs->log + pos) != ENT_MAGIC)
			continue;
		if (log_entry_decode(&fs->coding, fs->log + pos, tail - pos,
				     &fs->scratch, &len, &why) !=
		    LOG_ENTRY_TORN)
			return pos;
	}
	return tail;
}

int log_replay(struct famfs_fs *fs, uint64_t tail, struct famfs_report *rep,
	       bool dry_run,
	       void (*each)(void *ctx, const struct famfs_log_record *r),
	       void *ctx)
{
	uint64_t last_seq = fs->last_seq;
	uint64_t pos = fs->log_pos;
	int applied = 0;

	if (tail < LOG_HDR_SIZE || tail > fs->sb.log_len || tail % 8) {
		report(rep, FAMFS_ERROR,
		       "log tail %" PRIu64 " out of bounds; log ignored", tail);
		return -EBADMSG;
	}
	if (tail < pos) {
		report(rep, FAMFS_ERROR,
		       "log tail moved backwards (%" PRIu64 " < %" PRIu64
		       "); filesystem reformatted under a live mount?",
		       tail, pos);
		return -ESTALE;
	}
	famfs_invalidate(fs->log + pos, tail - pos);
	while (pos < tail) {
		struct famfs_log_record *r = &fs->scratch.rec;
		enum log_decode_status st;
		const char *why = NULL;
		uint32_t len = 0;
		uint64_t next;

		st = log_entry_decode(&fs->coding, fs->log + pos, tail - pos,
				      &fs->scratch, &len, &why);
		if (st == LOG_ENTRY_TORN) {
			fs->log_damage++;
			next = log_resync(fs, pos + 8, tail);
			report(rep, FAMFS_ERROR,
			       "log entry at offset %" PRIu64 ": %s; skipped %"
			       PRIu64 " bytes", pos, why, next - pos);
			tell_problem(fs, LOG_PROBLEM_TORN, pos, next - pos,
				     last_seq);
			pos = next;
			continue;
		}
		if (!dry_run)
			fs->log_entries++;
		if (r->seq <= last_seq) {
			fs->log_damage++;
			report(rep, FAMFS_ERROR,
			       "log entry at offset %" PRIu64 ": sequence %"
			       PRIu64 " not after %" PRIu64 "; skipped",
			       pos, r->seq, last_seq);
			tell_problem(fs, LOG_PROBLEM_STALE, pos, len, r->seq);
			pos += len;
			continue;
		}
		if (r->seq != last_seq + 1) {
			fs->log_damage++;
			report(rep, FAMFS_ERROR,
			       "log entry at offset %" PRIu64 ": sequence jumps "
			       "from %" PRIu64 " to %" PRIu64
			       " (entries lost)", pos, last_seq, r->seq);
		}
		last_seq = r->seq;
		if (st == LOG_ENTRY_UNKNOWN) {
			if (!(fs->scratch.flags & ENT_FLAG_IGNORABLE))
				report(rep, FAMFS_WARN,
				       "log entry %" PRIu64 ": type %u needs a "
				       "newer famfs; skipped", r->seq,
				       (unsigned int)r->type);
		} else if (st == LOG_ENTRY_BAD) {
			fs->log_damage++;
			report(rep, FAMFS_ERROR,
			       "log entry %" PRIu64 " at offset %" PRIu64
			       ": %s; skipped", r->seq, pos, why);
			tell_problem(fs, LOG_PROBLEM_BAD, pos, len, r->seq);
		} else if (r->type == FAMFS_LOG_DROPPED) {
			/* an operator dropped it (fsck --repair): nothing */
			if (dry_run && each)
				each(ctx, r);
		} else if (dry_run) {
			/* nothing applied: show what a real replay would try */
			applied++;
			if (each)
				each(ctx, r);
		} else if (replay_apply(fs, r, &why)) {
			fs->log_refused++;
			report(rep, FAMFS_ERROR, "log entry %" PRIu64 " (%s): %s;"
			       " skipped", r->seq, r->path, why);
			tell_problem(fs, LOG_PROBLEM_REFUSED, pos, len, r->seq);
		} else {
			applied++;
			if (each)
				each(ctx, r);
		}
		pos += len;
	}
	if (!dry_run) {
		fs->log_pos = tail;
		fs->last_seq = last_seq;
		/* replayed entries are published ones */
		__atomic_store_n(&fs->published_end, tail, __ATOMIC_RELEASE);
		__atomic_store_n(&fs->written_end, tail, __ATOMIC_RELEASE);
	}
	return applied;
}

/* Log bytes an entry nobody held room for may use. */
static uint64_t log_free(const struct famfs_fs *fs)
{
	return fs->sb.log_len - fs->log_pos - fs->log_reserved;
}

int log_hold(struct famfs_fs *fs, uint32_t *held, size_t bytes)
{
	if (bytes <= *held)
		return 0;
	if (fs->append_refused)
		return -EROFS;
	if (bytes - *held > log_free(fs))
		return -ENOSPC;
	fs->log_reserved += bytes - *held;
	*held = (uint32_t)bytes;
	return 0;
}

void log_release(struct famfs_fs *fs, uint32_t *held)
{
	fs->log_reserved -= *held;
	*held = 0;
}

void log_check_appendable(struct famfs_fs *fs, struct famfs_report *rep)
{
	if (!fs->master || !fs->writable || fs->append_refused)
		return;
	/* the next entry would need sequence 2^64, which replay cannot take */
	if (fs->last_seq == UINT64_MAX) {
		fs->append_refused = "the log has used its last sequence "
				     "number (2^64 - 1)";
		report(rep, FAMFS_ERROR, "%s; the master stays read-only",
		       fs->append_refused);
	}
}

/*
 * Read the entry just written the way replay will: if replay would
 * refuse or skip it, it must not be published.
 */
static int verify_written(struct famfs_fs *fs, const uint8_t *p, size_t len,
			  uint64_t seq)
{
	uint32_t got_len = 0;
	const char *why;

	if (log_entry_decode(&fs->coding, p, len, &fs->scratch, &got_len,
			     &why) != LOG_ENTRY_OK ||
	    got_len != len || fs->scratch.rec.seq != seq)
		return -EIO;
	return 0;
}

static int append_entry(struct famfs_fs *fs, struct famfs_log_record *r,
			uint32_t *held, uint64_t *defer_end)
{
	uint64_t tail = log_tail(fs, NULL), room;
	uint8_t *dst;
	size_t len;
	int rc;

	if (!fs->master || !fs->writable)
		return -EROFS;
	/* another host's mkfs: this log is no longer ours to write */
	if (famfs_fs_replaced(fs))
		return -ESTALE;
	/*
	 * with the host lock held nobody else appends; stay safe anyway
	 * (entries of ours written but not yet published are no surprise)
	 */
	if (tail != fs->log_pos && tail != fs->published_end) {
		rc = log_replay(fs, tail, NULL, false, NULL, NULL);
		__atomic_store_n(&fs->replayed_word, fs->tail_word,
				 __ATOMIC_RELEASE);
		if (rc < 0)
			return rc;
	}
	log_check_appendable(fs, NULL);
	if (fs->append_refused)
		return -EROFS;
	r->seq = fs->last_seq + 1;
	if (!r->time)
		r->time = log_now(&fs->coding);
	len = log_record_size(r);
	if (!len)
		return -EINVAL;
	room = log_free(fs) + (held ? *held : 0);
	if (len > room)
		return -ENOSPC;
	dst = fs->log + fs->log_pos;
	memset(dst, 0, len);
	log_record_encode(&fs->coding, r, dst, len);
	rc = verify_written(fs, dst, len, r->seq);
	if (rc)
		return rc;
	if (held)
		log_release(fs, held);
	fs->log_pos += len;
	fs->last_seq = r->seq;
	fs->log_entries++;
	__atomic_store_n(&fs->written_end, fs->log_pos, __ATOMIC_RELEASE);
	if (defer_end) {
		*defer_end = fs->log_pos;
		return 0;
	}
	/*
	 * Entries durable first (this one, and any a deferred committer
	 * wrote before it), then the tail that makes them visible.
	 */
	famfs_flush(fs->log + fs->published_end,
		    fs->log_pos - fs->published_end);
	log_publish_tail(fs, fs->log_pos);
	return 0;
}

int log_append_held(struct famfs_fs *fs, struct famfs_log_record *r,
		    uint32_t *held)
{
	return append_entry(fs, r, held, NULL);
}

int log_append(struct famfs_fs *fs, struct famfs_log_record *r)
{
	return log_append_held(fs, r, NULL);
}

int log_append_deferred(struct famfs_fs *fs, struct famfs_log_record *r,
			uint32_t *held, uint64_t *end)
{
	return append_entry(fs, r, held, end);
}

void log_publish_through(struct famfs_fs *fs, uint64_t end)
{
	uint64_t from, to;

	/* committers that came meanwhile wait here, then find it done */
	pthread_mutex_lock(&fs->publish_lock);
	from = __atomic_load_n(&fs->published_end, __ATOMIC_ACQUIRE);
	if (from < end) {
		to = __atomic_load_n(&fs->written_end, __ATOMIC_ACQUIRE);
		/* every entry written so far, written back with one fence */
		famfs_flush(fs->log + from, to - from);
		pthread_rwlock_wrlock(&fs->lock);
		if (fs->published_end < to)
			log_publish_tail(fs, to);
		pthread_rwlock_unlock(&fs->lock);
	}
	pthread_mutex_unlock(&fs->publish_lock);
}
