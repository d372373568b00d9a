/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the fuzz targets: a device that leaves nothing behind, a
 * builder of valid log entries that input bytes then mutate field by
 * field, and the invariants every replay must keep:
 *   - no two live files overlap, and no file reaches outside the data area;
 *   - every entry replay applied passes the checks of an independent
 *     validator written here (paths, extents, sizes, layouts);
 *   - replay is idempotent: replaying again applies nothing, and a
 *     fresh full replay of an intact log yields the same namespace as the
 *     incremental one;
 *   - fsck and a mount agree on what the log holds.
 * A broken invariant abort()s, which libFuzzer reports as a crash.
 */
#ifndef FAMFS_FUZZ_COMMON_H
#define FAMFS_FUZZ_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#ifndef FUZZ_DEV_SIZE
#define FUZZ_DEV_SIZE (1ULL << 30)	/* sparse: 512 units for long lists */
#endif
#define FUZZ_LOG_AT SB_LOG_OFFSET
#define FUZZ_LOG_LEN (2ULL << 20)
#define FUZZ_UNIT (2ULL << 20)
#define FUZZ_DATA_AT (FUZZ_LOG_AT + FUZZ_LOG_LEN)
#define FUZZ_AREA (FUZZ_LOG_LEN - LOG_HDR_SIZE)	/* bytes for entries */

/* tests/fuzz/clock.c: libfamfs's clock starts over for every input */
void fuzz_clock_reset(void);

#define fuzz_assert(cond, ...)                                               \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "invariant broken: " __VA_ARGS__);   \
			fprintf(stderr, "\n");                               \
			abort();                                             \
		}                                                            \
	} while (0)

/*
 * The device is a memfd reached through /proc/self/fd: it has no name in
 * any filesystem, so nothing is left behind however the process ends.
 */
static char fuzz_dev_path[64];
static uint8_t *fuzz_dev;
/*
 * One read-only famfs_dev for every replay: mapping and unmapping the
 * device per input would cost more than the replay (ASan poisons the
 * shadow of every unmapped byte).
 */
static struct famfs_dev *fuzz_famfs_dev;
static struct famfs_dev *fuzz_famfs_dev_rw;	/* the master's */

/* Hosts by system UUID: the master mkfs named, and a client. */
#define FUZZ_MASTER_UUID "00000000-0000-0000-0000-00000000000a"
#define FUZZ_CLIENT_UUID "00000000-0000-0000-0000-000000000001"
static uint8_t fuzz_fs_uuid[16] = { 0xf5, 0x22, 1, 2, 3, 4, 5, 6,
				    7, 8, 9, 10, 11, 12, 13, 14 };
static uint64_t fuzz_dirty;	/* entry-area bytes the last input wrote */
static struct log_coding fuzz_coding;	/* CRC seed and times of the device */

/* The superblock of the fuzzed device (format version 2). */
static void fuzz_sb(struct famfs_sb_info *sb)
{
	*sb = (struct famfs_sb_info){
		.version = SB_VERSION, .device_size = FUZZ_DEV_SIZE,
		.log_offset = FUZZ_LOG_AT, .log_len = FUZZ_LOG_LEN,
		.alloc_unit = FUZZ_UNIT, .data_offset = FUZZ_DATA_AT,
		.page_size = SB_PAGE_SIZE,
		.host_table_offset = HOST_TABLE_OFFSET,
		/* every attach reads the whole host table: keep it small */
		.host_slots = 4, .host_slot_size = HOST_SLOT_SIZE,
	};
	memcpy(sb->fs_uuid, fuzz_fs_uuid, 16);
}

static void fuzz_setup(void)
{
	struct famfs_sb_info sb;
	int fd = memfd_create("famfs-fuzz", 0);

	if (fd < 0 || ftruncate(fd, (off_t)FUZZ_DEV_SIZE))
		abort();
	fuzz_dev = mmap(NULL, FUZZ_DEV_SIZE, PROT_READ | PROT_WRITE,
			MAP_SHARED, fd, 0);
	if (fuzz_dev == MAP_FAILED)
		abort();
	snprintf(fuzz_dev_path, sizeof(fuzz_dev_path), "/proc/self/fd/%d", fd);
	fuzz_sb(&sb);
	famfs_uuid_parse(FUZZ_MASTER_UUID, sb.master_uuid);
	log_coding_init(&fuzz_coding, &sb);
	famfs_sb_encode(&sb, fuzz_dev);
	famfs_sb_encode(&sb, fuzz_dev + FAMFS_SB_BACKUP_OFFSET);
	log_format(fuzz_dev + FUZZ_LOG_AT, &sb);
	/* opens are a client's unless fuzz_master() says otherwise */
	setenv("FAMFS_SYSTEM_UUID", FUZZ_CLIENT_UUID, 1);
	if (famfs_dev_open(fuzz_dev_path, FAMFS_DEV_RDONLY, &fuzz_famfs_dev) ||
	    famfs_dev_open(fuzz_dev_path, FAMFS_DEV_RDWR, &fuzz_famfs_dev_rw))
		abort();
}

/* The master, appending through libfamfs beside the hostile writes. */
static struct famfs_fs *fuzz_master(void)
{
	struct famfs_fs *fs;
	int rc;

	setenv("FAMFS_SYSTEM_UUID", FUZZ_MASTER_UUID, 1);
	rc = fs_attach(fuzz_famfs_dev_rw, false,
		       FAMFS_OPEN_RDWR | FAMFS_OPEN_NO_LOCK, NULL, &fs);
	setenv("FAMFS_SYSTEM_UUID", FUZZ_CLIENT_UUID, 1);
	if (rc || !famfs_fs_is_master(fs))
		abort();
	return fs;
}

/* A mount's view of the device: superblock, header, whole-log replay. */
static struct famfs_fs *fuzz_mount(struct famfs_report *rep)
{
	struct famfs_fs *fs;

	/* the superblock and the header are intact: this cannot fail */
	if (fs_attach(fuzz_famfs_dev, false, FAMFS_OPEN_RDONLY, rep, &fs))
		abort();
	return fs;
}

static uint8_t *fuzz_entries(void)
{
	return fuzz_dev + FUZZ_LOG_AT + LOG_HDR_SIZE;
}

/*
 * Clear what the previous input wrote (cheaper than the whole log). What
 * a master zeroes in the data area stays: replay never reads it.
 */
static void fuzz_clear(void)
{
	memset(fuzz_entries(), 0, fuzz_dirty);
	fuzz_dirty = 0;
	fuzz_clock_reset();
}

/* Every input starts here: the device is made once, then cleared. */
static void fuzz_begin(void)
{
	static bool ready;

	if (!ready) {
		fuzz_setup();
		ready = true;
	}
	fuzz_clear();
}

static void fuzz_set_tail(uint64_t entry_bytes)
{
	put_le64(fuzz_dev + FUZZ_LOG_AT + LOG_OFF_TAIL,
		 log_tail_word(&fuzz_coding,
			       LOG_HDR_SIZE + ((entry_bytes + 7) & ~7ULL)));
}

/* CRC of one encoded entry, however this format version seeds it. */
static void fuzz_fix_crc(uint8_t *p, uint32_t len)
{
	put_le32(p + ENT_OFF_CRC, log_entry_crc(&fuzz_coding, p, len));
}

/* ---- the structure-aware builder ---------------------------------------
 *
 * Input bytes are read as a small program. Each operation builds one
 * valid entry from a model of the namespace (existing directories and
 * files, the next free unit), or mutates one field of an entry already
 * built. Paths can be long and extent lists large, so replay is reached
 * deep instead of stopping at a CRC or a missing parent.
 */
struct fuzz_input {
	const uint8_t *p;
	size_t n;
};

static uint8_t take8(struct fuzz_input *in)
{
	uint8_t v;

	if (!in->n)
		return 0;
	v = *in->p++;
	in->n--;
	return v;
}

static uint16_t take16(struct fuzz_input *in)
{
	return (uint16_t)(take8(in) | take8(in) << 8);
}

static uint32_t take32(struct fuzz_input *in)
{
	return (uint32_t)take16(in) | (uint32_t)take16(in) << 16;
}

#define MODEL_MAX 64

struct model {
	char dirs[MODEL_MAX][FAMFS_PATH_MAX + 1];
	unsigned int ndirs;	/* dirs[0] is the root, "" */
	char files[MODEL_MAX][FAMFS_PATH_MAX + 1];
	unsigned int nfiles;
	uint64_t next_unit;	/* device offset of the next free unit */
	uint64_t seq;
	/* entries built so far: offsets in the entry area */
	uint32_t at[256], len[256];
	unsigned int nentries;
	uint64_t used;		/* bytes of the entry area used */
	uint64_t published;	/* bytes a client may have replayed */
	bool rewrote;		/* an entry below @published was changed */
};

/* Only the counts: the 512 KiB of paths are read below them only. */
static void model_init(struct model *m)
{
	m->dirs[0][0] = '\0';
	m->ndirs = 1;
	m->nfiles = 0;
	m->next_unit = FUZZ_DATA_AT;
	m->seq = 0;
	m->nentries = 0;
	m->used = m->published = 0;
	m->rewrote = false;
}

/* A name of 1..255 bytes: short ones from the input, or long patterns. */
static void make_name(struct fuzz_input *in, char *out, size_t room)
{
	uint8_t len = take8(in), style = take8(in);
	size_t n = len ? len : 1;

	if (n > room)
		n = room;
	for (size_t i = 0; i < n; i++)
		out[i] = style & 1 ? (char)('a' + (i + style) % 26) :
				     (char)('a' + (take8(in) % 26));
	out[n] = '\0';
}

/* Join a parent path and a new name; false when it would be too long. */
static bool make_path(struct fuzz_input *in, const char *parent, char *out)
{
	size_t plen = strlen(parent), room;

	if (plen + 2 > FAMFS_PATH_MAX)
		return false;
	room = FAMFS_PATH_MAX - plen - (plen ? 1 : 0);
	if (room > FAMFS_NAME_MAX)
		room = FAMFS_NAME_MAX;
	memcpy(out, parent, plen);
	if (plen)
		out[plen++] = '/';
	make_name(in, out + plen, room);
	return true;
}

static bool model_emit(struct model *m, struct famfs_log_record *r)
{
	size_t len = log_record_size(r);
	uint8_t *dst = fuzz_entries() + m->used;

	if (!len || m->used + len > FUZZ_AREA || m->nentries == 256)
		return false;
	r->seq = ++m->seq;
	memset(dst, 0, len);
	log_record_encode(&fuzz_coding, r, dst, len);
	m->at[m->nentries] = (uint32_t)m->used;
	m->len[m->nentries++] = (uint32_t)len;
	m->used += len;
	return true;
}

static void op_mkdir(struct model *m, struct fuzz_input *in)
{
	struct famfs_log_record r = { .type = FAMFS_LOG_MKDIR };
	char path[FAMFS_PATH_MAX + 1];
	const char *parent = m->dirs[take8(in) % m->ndirs];

	if (!make_path(in, parent, path))
		return;
	r.path = path;
	r.mode = 040000 | (take16(in) & 07777);
	r.uid = take8(in);
	r.gid = take8(in);
	if (model_emit(m, &r) && m->ndirs < MODEL_MAX)
		strcpy(m->dirs[m->ndirs++], path);
}

/* A deep chain of directories: paths near the 4095-byte limit. */
static void op_deep(struct model *m, struct fuzz_input *in)
{
	/* 16 names of 256 bytes reach the 4095-byte path limit */
	uint8_t depth = take8(in) % 17 + 1;

	for (uint8_t i = 0; i < depth; i++) {
		struct famfs_log_record r = { .type = FAMFS_LOG_MKDIR,
					      .mode = 040755 };
		char path[FAMFS_PATH_MAX + 1];
		const char *parent = m->dirs[m->ndirs - 1];
		size_t plen = strlen(parent), n = 200 + take8(in) % 56;

		if (plen + 1 + n > FAMFS_PATH_MAX)
			n = FAMFS_PATH_MAX - plen - 1;
		if (!n || plen + 2 > FAMFS_PATH_MAX)
			return;
		memcpy(path, parent, plen);
		if (plen)
			path[plen++] = '/';
		memset(path + plen, 'd' + i % 20, n);
		path[plen + n] = '\0';
		r.path = path;
		if (!model_emit(m, &r) || m->ndirs == MODEL_MAX)
			return;
		strcpy(m->dirs[m->ndirs++], path);
	}
}

static void op_file(struct model *m, struct fuzz_input *in)
{
	static struct famfs_extent ext[4096];
	struct famfs_log_record r = { .type = FAMFS_LOG_FILE };
	char path[FAMFS_PATH_MAX + 1];
	const char *parent = m->dirs[take8(in) % m->ndirs];
	uint8_t shape = take8(in);
	uint32_t n = 0, units;
	uint64_t total = 0;

	if (!make_path(in, parent, path))
		return;
	/* 0..3 extents usually, up to 4095 (many one-unit pieces) rarely */
	n = (shape & 0xe0) == 0xe0 ? take16(in) % 4096 : shape % 4;
	units = shape & 0x40 ? 2 : 1;
	for (uint32_t i = 0; i < n; i++) {
		ext[i].offset = m->next_unit;
		ext[i].len = units * FUZZ_UNIT;
		if (shape & 0x10) {
			/*
			 * a packed piece (famfs(5)); several files share a unit
			 * unless bit 2 moves on; bit 3 misaligns it; crossing
			 * the unit's end is left to replay to refuse
			 */
			ext[i].offset += take8(in) % 64 * SB_PAGE_SIZE;
			if (shape & 0x08)
				ext[i].offset += take8(in) * 8ULL;
			ext[i].len = (take16(in) % 511 + 1) * SB_PAGE_SIZE;
			total += ext[i].len;
			if (shape & 0x04)
				m->next_unit += FUZZ_UNIT;
			continue;
		}
		/* past the device end is left to replay to refuse */
		m->next_unit += ext[i].len;
		total += ext[i].len;
	}
	r.path = path;
	r.mode = 0100000 | (take16(in) & 07777);
	r.uid = take8(in);
	r.gid = take8(in);
	r.nextents = n;
	r.extents = ext;
	r.size = n ? total - take32(in) % (total < FUZZ_UNIT ? total : FUZZ_UNIT) :
		     0;
	if (n >= 2 && (shape & 0x20)) {
		r.interleave.nstrips = n;
		r.interleave.nbuckets = n;
		r.interleave.chunk_size = FUZZ_UNIT;
	}
	if (model_emit(m, &r) && m->nfiles < MODEL_MAX)
		strcpy(m->files[m->nfiles++], path);
}

static void op_setattr(struct model *m, struct fuzz_input *in)
{
	struct famfs_log_record r = { .type = FAMFS_LOG_SETATTR };
	uint8_t pick = take8(in);

	if (pick & 1 && m->nfiles)
		r.path = m->files[pick / 2 % m->nfiles];
	else if (m->ndirs > 1)
		r.path = m->dirs[1 + pick / 2 % (m->ndirs - 1)];
	else
		return;
	r.setattr_mask = take8(in) & 7;
	r.mode = take16(in);
	r.uid = take8(in);
	r.gid = take8(in);
	model_emit(m, &r);
}

/* Any node the model knows: a file, or a directory other than the root. */
static const char *model_pick(struct model *m, uint8_t pick)
{
	if (pick & 1 && m->nfiles)
		return m->files[pick / 2 % m->nfiles];
	if (m->ndirs > 1)
		return m->dirs[1 + pick / 2 % (m->ndirs - 1)];
	return m->nfiles ? m->files[0] : NULL;
}

/* Format version 2's kinds: delete, rename, attributes, contents, symlink. */
static void op_v2(struct model *m, struct fuzz_input *in)
{
	static struct famfs_extent ext[8];
	struct famfs_log_record r = { 0 };
	char path[FAMFS_PATH_MAX + 1], target[64];
	uint8_t kind = take8(in), pick = take8(in);
	const char *node = model_pick(m, pick);
	uint32_t n;

	switch (kind % 5) {
	case 0:
		if (!node)
			return;
		r.type = FAMFS_LOG_DELETE;
		r.path = node;
		break;
	case 1:
		if (!node || !make_path(in, m->dirs[take8(in) % m->ndirs], path))
			return;
		r.type = FAMFS_LOG_RENAME;
		r.path = node;
		r.new_path = path;
		r.rename_flags = take8(in) % 4;
		break;
	case 2:
		if (!node)
			return;
		r.type = FAMFS_LOG_ATTR;
		r.path = node;
		r.setattr_mask = take8(in) & 0x1f;
		r.mode = take16(in);
		r.uid = take8(in);
		r.gid = take8(in);
		r.atime = (uint64_t)take32(in) << 20;
		r.mtime = (uint64_t)take32(in) << 20;
		break;
	case 3:
		if (!m->nfiles)
			return;
		/* new space from the free end, sometimes the old kept too */
		n = take8(in) % ARRAY_SIZE(ext);
		for (uint32_t i = 0; i < n; i++) {
			ext[i].offset = m->next_unit;
			ext[i].len = FUZZ_UNIT;
			m->next_unit += FUZZ_UNIT;
		}
		r.type = FAMFS_LOG_CONTENTS;
		r.path = m->files[pick % m->nfiles];
		r.mode = 0100644;
		r.nextents = n;
		r.extents = ext;
		r.size = n ? n * FUZZ_UNIT - take16(in) : 0;
		break;
	default:
		if (!make_path(in, m->dirs[pick % m->ndirs], path))
			return;
		make_name(in, target, 63);
		r.type = FAMFS_LOG_SYMLINK;
		r.path = path;
		r.target = target;
		r.uid = take8(in);
		break;
	}
	model_emit(m, &r);
	/* a renamed node is found under its new name from now on */
	if (r.type == FAMFS_LOG_RENAME && strlen(path) <= FAMFS_PATH_MAX)
		strcpy((char *)node, path);
}

static void op_badrange(struct model *m, struct fuzz_input *in)
{
	struct famfs_log_record r = { .type = FAMFS_LOG_BADRANGE, .path = "" };

	r.bad.offset = FUZZ_DATA_AT + (uint64_t)take32(in) % (64 * FUZZ_UNIT);
	r.bad.len = take16(in) + 1;
	model_emit(m, &r);
}

/* Overwrite one field (or byte) of an entry already built. */
static void op_mutate(struct model *m, struct fuzz_input *in)
{
	static const uint64_t special[] = { 0, 1, 7, 8, 0xff, 0xffff,
					    0xffffffffULL, 0x7fffffffffffffffULL,
					    ~0ULL, FUZZ_UNIT, FUZZ_DATA_AT,
					    FUZZ_DEV_SIZE };
	uint8_t which = take8(in), how = take8(in);
	uint32_t off, len;
	uint8_t *e;
	uint64_t v;

	if (!m->nentries)
		return;
	which %= m->nentries;
	if (m->at[which] < m->published)
		m->rewrote = true;
	e = fuzz_entries() + m->at[which];
	len = m->len[which];
	off = take16(in) % len;
	switch (how % 4) {
	case 0:		/* one byte */
		e[off] = take8(in);
		break;
	case 1:		/* an aligned 8-byte field to a boundary value */
		off &= ~7U;
		if (off + 8 <= len)
			put_le64(e + off, special[take8(in) % ARRAY_SIZE(special)]);
		break;
	case 2:		/* a 4-byte field to a value from the input */
		off &= ~3U;
		if (off + 4 <= len)
			put_le32(e + off, take32(in));
		break;
	default:	/* a 2-byte field off by a small amount */
		off &= ~1U;
		if (off + 2 <= len)
			put_le16(e + off, (uint16_t)(get_le16(e + off) +
						     (int8_t)take8(in)));
		break;
	}
	/* mostly keep the CRC right, so the semantic checks are reached */
	if (!(how & 0x80))
		fuzz_fix_crc(e, len);
}

/*
 * Build the log from @in; returns the entry bytes used. @publish (may be
 * NULL) is called at the program's publish operations (and reads its own
 * arguments from @in): making the entries built so far visible.
 */
static uint64_t fuzz_build(struct fuzz_input *in, struct model *m,
			   void (*publish)(struct model *m, struct fuzz_input *in))
{
	while (in->n) {
		uint8_t op = take8(in) % 16;

		if (op < 4)
			op_mkdir(m, in);
		else if (op < 8)
			op_file(m, in);
		else if (op < 10)
			op_setattr(m, in);
		else if (op == 10)
			op_badrange(m, in);
		else if (op == 11)
			op_v2(m, in);
		else if (op == 13)
			op_deep(m, in);
		else if (op >= 14 && publish)
			publish(m, in);
		else
			op_mutate(m, in);
	}
	return m->used;
}

/* CRCs fixed for every entry whose length field chains in bounds. */
static void fix_crcs(uint8_t *p, size_t n)
{
	size_t pos = 0;

	while (pos + ENT_HDR_SIZE <= n) {
		uint32_t len = get_le32(p + pos + ENT_OFF_LEN);

		if (len < ENT_HDR_SIZE || len % 8 || len > n - pos)
			break;
		fuzz_fix_crc(p + pos, len);
		pos += len;
	}
}

/*
 * Put the log of a fuzz_log or fuzz_mount input on the device (their
 * inputs mean the same, so each can start from the other's corpus).
 * Byte 0 modulo 4 picks the mode:
 *   0  the rest is a superblock copy: decoded, nothing else (returns -1)
 *   1  the rest is the log's entry area; entries whose length field is in
 *      bounds get their CRC fixed up, so the semantic checks are reached
 *   2  the same, CRCs left as they are (torn entries, resync)
 *   3  structure-aware: the rest is a program that builds valid entries
 *      (long paths, large extent lists) and mutates them field by field
 * Returns the entry bytes written (also left in fuzz_dirty); the tail
 * is the caller's to set.
 */
static int64_t fuzz_load(const uint8_t *data, size_t size)
{
	static struct model m;
	struct fuzz_input in = { data + 1, size ? size - 1 : 0 };
	struct famfs_sb_info sb;
	uint64_t n;

	if (size < 1)
		return -1;
	switch (data[0] % 4) {
	case 0:
		famfs_sb_decode(data + 1, size - 1, &sb, NULL);
		return -1;
	case 1:
	case 2:
		n = size - 1 < FUZZ_AREA ? size - 1 : FUZZ_AREA;
		memcpy(fuzz_entries(), data + 1, n);
		if (data[0] % 4 == 1)
			fix_crcs(fuzz_entries(), n);
		break;
	default:
		model_init(&m);
		n = fuzz_build(&in, &m, NULL);
		break;
	}
	fuzz_dirty = n;
	return (int64_t)n;
}

/* ---- invariants ---------------------------------------------------------- */

static bool valid_rel_path(const char *path)
{
	char name[FAMFS_NAME_MAX + 2];
	const char *p = path, *slash;
	size_t len = strlen(path);

	if (!len || len > FAMFS_PATH_MAX || path[0] == '/')
		return false;
	for (;;) {
		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (len > FAMFS_NAME_MAX)
			return false;
		memcpy(name, p, len);
		name[len] = '\0';
		if (famfs_check_name(name))
			return false;
		if (p == path && !slash && !strcmp(name, FAMFS_META_DIR))
			return false;
		if (!slash)
			return true;
		p = slash + 1;
	}
}

/*
 * famfs(5) "Extents and packed files": inside the data area, either a unit
 * extent (offset and length whole units) or a packed piece (whole pages,
 * shorter than a unit, inside one unit). The master packs small files.
 */
static bool valid_extent(const struct famfs_extent *e)
{
	if (!e->len || e->offset < FUZZ_DATA_AT || e->offset >= FUZZ_DEV_SIZE ||
	    e->len > FUZZ_DEV_SIZE - e->offset)
		return false;
	if (!(e->offset % FUZZ_UNIT) && !(e->len % FUZZ_UNIT))
		return true;
	return !(e->offset % SB_PAGE_SIZE) && !(e->len % SB_PAGE_SIZE) &&
	       e->len < FUZZ_UNIT &&
	       e->offset / FUZZ_UNIT == (e->offset + e->len - 1) / FUZZ_UNIT;
}

/* Every record replay applied, checked again here from first principles. */
static void check_applied(void *ctx, const struct famfs_log_record *r)
{
	uint64_t total = 0;

	(void)ctx;
	if (r->type == FAMFS_LOG_BADRANGE) {
		fuzz_assert(r->bad.len && r->bad.offset < FUZZ_DEV_SIZE &&
				    r->bad.len <= FUZZ_DEV_SIZE - r->bad.offset,
			    "poisoned range %#llx+%#llx outside the device",
			    (unsigned long long)r->bad.offset,
			    (unsigned long long)r->bad.len);
		return;
	}
	fuzz_assert(valid_rel_path(r->path), "applied bad path '%s'", r->path);
	if (r->type == FAMFS_LOG_SETATTR)
		fuzz_assert(!(r->setattr_mask & ~7U), "unknown setattr bits");
	/* a contents entry is laid out as a file entry (famfs(5)) */
	if (r->type != FAMFS_LOG_FILE && r->type != FAMFS_LOG_CONTENTS)
		return;
	for (uint32_t i = 0; i < r->nextents; i++) {
		const struct famfs_extent *e = &r->extents[i];

		fuzz_assert(valid_extent(e), "%s: bad extent %u (%#llx+%#llx)",
			    r->path, i, (unsigned long long)e->offset,
			    (unsigned long long)e->len);
		total += e->len;
	}
	fuzz_assert(r->size <= total, "%s: size beyond extents", r->path);
	if (r->interleave.nstrips) {
		fuzz_assert(r->interleave.nstrips == r->nextents &&
				    r->interleave.chunk_size &&
				    !(r->interleave.chunk_size % FUZZ_UNIT),
			    "%s: bad interleave", r->path);
		for (uint32_t i = 0; i < r->nextents; i++)
			fuzz_assert(r->extents[i].len == r->extents[0].len &&
					    !(r->extents[i].len %
					      r->interleave.chunk_size),
				    "%s: unequal strips", r->path);
	}
}

struct owned {
	uint64_t offset, len, ino;
};

static int owned_cmp(const void *a, const void *b)
{
	const struct owned *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/*
 * Walk the namespace: no two files overlap; returns a digest of every
 * node (attributes, extents, parent and name) for comparing two replays.
 */
static uint64_t check_namespace(struct famfs_fs *fs)
{
	static struct owned own[1 << 16];
	static struct famfs_extent ext[4096];
	uint64_t digest = 1469598103934665603ULL, ino, nodes = 0;
	struct famfs_interleave il;
	struct famfs_usage u;
	struct famfs_stat st;
	size_t nown = 0;
	int n;

#define MIX(v) (digest = (digest ^ (uint64_t)(v)) * 1099511628211ULL)
	famfs_fs_usage(fs, &u);
	/* inode numbers are never reused: deleted ones leave gaps */
	for (ino = 1; ino <= fs->ns.nnodes; ino++) {
		if (famfs_getattr(fs, ino, &st))
			continue;
		nodes++;
		MIX(ino);
		MIX(st.parent);
		MIX(st.type);
		MIX(st.mode);
		MIX(st.uid);
		MIX(st.gid);
		MIX(st.size);
		MIX(st.nextents);
		/*
		 * parent and name identify the path (hashing whole paths is
		 * slow); the name 8 bytes a step, its length first
		 */
		{
			const struct node *n = ns_get(&fs->ns, ino);
			uint32_t i = 0;
			uint64_t word;

			MIX(n->name_len);
			for (; i + 8 <= n->name_len; i += 8) {
				memcpy(&word, n->name + i, 8);
				MIX(word);
			}
			word = 0;
			memcpy(&word, n->name + i, n->name_len - i);
			MIX(word);
		}
		if (st.type != FAMFS_NODE_FILE)
			continue;
		n = famfs_get_extents(fs, ino, ext, ARRAY_SIZE(ext), &il);
		fuzz_assert(n >= 0 && (uint32_t)n == st.nextents,
			    "extent count of ino %llu", (unsigned long long)ino);
		for (int i = 0; i < n && i < (int)ARRAY_SIZE(ext); i++) {
			MIX(ext[i].offset);
			MIX(ext[i].len);
			fuzz_assert(ext[i].offset >= FUZZ_DATA_AT &&
					    ext[i].offset + ext[i].len <=
						    FUZZ_DEV_SIZE,
				    "ino %llu outside the data area",
				    (unsigned long long)ino);
			if (nown < ARRAY_SIZE(own))
				own[nown++] = (struct owned){ ext[i].offset,
							      ext[i].len, ino };
		}
	}
	fuzz_assert(nodes == u.nfiles + u.ndirs,
		    "%llu nodes, the usage counts %llu",
		    (unsigned long long)nodes,
		    (unsigned long long)(u.nfiles + u.ndirs));
	qsort(own, nown, sizeof(own[0]), owned_cmp);
	for (size_t i = 1; i < nown; i++)
		fuzz_assert(own[i - 1].offset + own[i - 1].len <= own[i].offset,
			    "inodes %llu and %llu overlap at %#llx",
			    (unsigned long long)own[i - 1].ino,
			    (unsigned long long)own[i].ino,
			    (unsigned long long)own[i].offset);
#undef MIX
	return digest;
}

/*
 * Bytes of @ino's full path, counted from the tree itself. A rename of
 * an ancestor (to a longer name, or under a deeper directory) may leave a
 * node deeper than the 4095 bytes an entry can name; nothing forbids it.
 */
static uint64_t path_bytes(struct famfs_fs *fs, uint64_t ino)
{
	const struct node *n = ns_get(&fs->ns, ino);
	uint64_t bytes = 0;

	for (; n && n->ino != FAMFS_ROOT_INO; n = n->parent)
		bytes += n->name_len + (bytes ? 1 : 0);
	return bytes;
}

/* Lookups, listings and mappings, as the daemon serves them. */
static void fuzz_exercise(struct famfs_fs *fs)
{
	char name[FAMFS_NAME_MAX + 1], path[FAMFS_PATH_MAX + 1];
	struct famfs_stat st, child;

	for (uint64_t ino = 1; ino < 64; ino++) {
		uint64_t cookie = 0, off, contig, owner, pos;

		if (famfs_getattr(fs, ino, &st))
			continue;
		if (path_bytes(fs, ino) > FAMFS_PATH_MAX) {
			fuzz_assert(famfs_path_of(fs, ino, path, sizeof(path)) ==
					    -ENAMETOOLONG,
				    "a path longer than %d bytes for %llu",
				    FAMFS_PATH_MAX, (unsigned long long)ino);
		} else {
			fuzz_assert(famfs_path_of(fs, ino, path,
						  sizeof(path)) == 0 &&
					    famfs_resolve(fs, path, &child) == 0 &&
					    child.ino == ino,
				    "path of %llu does not resolve back",
				    (unsigned long long)ino);
		}
		while (famfs_readdir(fs, ino, &cookie, name, &child) == 1)
			fuzz_assert(famfs_lookup(fs, ino, name, &child) == 0,
				    "listed name not found");
		for (uint64_t p = 0; p < st.size && p < (64ULL << 20);
		     p += contig) {
			if (famfs_file_map(fs, ino, p, &off, &contig))
				break;
			fuzz_assert(off < FUZZ_DEV_SIZE && contig,
				    "mapping outside the device");
			famfs_owner_of(fs, off, &owner, &pos);
		}
	}
}

#endif
