// SPDX-License-Identifier: Apache-2.0
/* Log entry coding, append + replay, torn appends, client catch-up. */
#include <inttypes.h>
#include <sys/stat.h>

#include "tap.h"

/*
 * Entries computed independently of lib/ (tests/unit/entry_vectors.py,
 * from the layout in famfs(5) and a bitwise CRC32C): the encoder must
 * produce them byte for byte and the decoder must accept them.
 */
static const uint8_t mkdir_vector[] = {
	0x46, 0x45, 0x4e, 0x54, 0xbe, 0x13, 0x8c, 0xfa,
	0x38, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0xf1, 0x53, 0x65, 0x00, 0x00, 0x00, 0x00,
	0xed, 0x41, 0x00, 0x00, 0xe8, 0x03, 0x00, 0x00,
	0x64, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
	0x64, 0x69, 0x72, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t file_vector[] = {
	0x46, 0x45, 0x4e, 0x54, 0xeb, 0xe1, 0x81, 0x33,
	0x78, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0xf1, 0x53, 0x65, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x50, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xa4, 0x81, 0x00, 0x00, 0xe8, 0x03, 0x00, 0x00,
	0x64, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xa0, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x64, 0x69, 0x72, 0x2f, 0x66, 0x00, 0x00, 0x00,
};

/* Version 2: times in ns, CRCs seeded with the UUID a5 01 02 .. 0f. */
static const uint8_t mkdir_vector_v2[] = {
	0x46, 0x45, 0x4e, 0x54, 0xb7, 0xdd, 0xc0, 0x5e,
	0x38, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x15, 0xcd, 0x85, 0x3d, 0xfe, 0x9c, 0x97, 0x17,
	0xed, 0x41, 0x00, 0x00, 0xe8, 0x03, 0x00, 0x00,
	0x64, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
	0x64, 0x69, 0x72, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static const uint8_t file_vector_v2[] = {
	0x46, 0x45, 0x4e, 0x54, 0x0e, 0x22, 0x99, 0xf7,
	0x78, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0xca, 0xc4, 0x71, 0xfe, 0x9c, 0x97, 0x17,
	0x00, 0x00, 0x50, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xa4, 0x81, 0x00, 0x00, 0xe8, 0x03, 0x00, 0x00,
	0x64, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xa0, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x64, 0x69, 0x72, 0x2f, 0x66, 0x00, 0x00, 0x00,
};

static const uint8_t vector_uuid[16] = { 0xa5, 1, 2, 3, 4, 5, 6, 7,
					 8, 9, 10, 11, 12, 13, 14, 15 };

/* One version's pair of vectors: encoded byte for byte, and decoded. */
static void check_vectors(uint32_t version, uint64_t mkdir_time,
			  uint64_t file_time, const uint8_t *mkdir_vec,
			  size_t mkdir_len, const uint8_t *file_vec,
			  size_t file_len)
{
	struct famfs_extent ext[2] = { { 10 * MiB, 2 * MiB },
				       { 14 * MiB, 4 * MiB } };
	struct famfs_log_record m = {
		.type = FAMFS_LOG_MKDIR, .seq = 1, .time = mkdir_time,
		.path = "dir", .mode = 040755, .uid = 1000, .gid = 100,
	};
	struct famfs_log_record f = {
		.type = FAMFS_LOG_FILE, .seq = 2, .time = file_time,
		.path = "dir/f", .mode = 0100644, .uid = 1000, .gid = 100,
		.size = 5 * MiB, .nextents = 2, .extents = ext,
	};
	struct famfs_sb_info sb = { .version = version };
	struct log_decoded d = { 0 };
	uint8_t buf[sizeof(file_vector)];
	struct log_coding c;
	const char *why = NULL;
	uint32_t len = 0;

	memcpy(sb.fs_uuid, vector_uuid, 16);
	log_coding_init(&c, &sb);
	CHECK(log_record_size(&m) == mkdir_len, "v%u mkdir entry is %zu bytes",
	      version, mkdir_len);
	memset(buf, 0, sizeof(buf));
	log_record_encode(&c, &m, buf, mkdir_len);
	CHECK(!memcmp(buf, mkdir_vec, mkdir_len),
	      "v%u mkdir entry encodes byte for byte as the vector (CRC "
	      "0x%08x)", version, get_le32(buf + ENT_OFF_CRC));
	CHECK(log_record_size(&f) == file_len, "v%u file entry is %zu bytes",
	      version, file_len);
	memset(buf, 0, sizeof(buf));
	log_record_encode(&c, &f, buf, file_len);
	CHECK(!memcmp(buf, file_vec, file_len),
	      "v%u file entry encodes byte for byte as the vector (CRC "
	      "0x%08x)", version, get_le32(buf + ENT_OFF_CRC));
	CHECK(log_entry_decode(&c, file_vec, file_len, &d, &len, &why) ==
			      LOG_ENTRY_OK &&
		      len == file_len && d.rec.nextents == 2 &&
		      d.rec.extents[1].offset == 14 * MiB &&
		      d.rec.time == file_time && !strcmp(d.rec.path, "dir/f"),
	      "the v%u file vector decodes, time %" PRIu64 " ns", version,
	      d.rec.time);
	CHECK(log_entry_decode(&c, mkdir_vec, mkdir_len, &d, &len, &why) ==
			      LOG_ENTRY_OK &&
		      d.rec.mode == 040755 && d.rec.time == mkdir_time &&
		      !strcmp(d.rec.path, "dir"),
	      "the v%u mkdir vector decodes", version);
	log_decoded_free(&d);
}

static void test_fixed_vectors(void)
{
	CHECK(get_le32(mkdir_vector + ENT_OFF_CRC) == 0xfa8c13be &&
		      get_le32(file_vector + ENT_OFF_CRC) == 0x3381e1eb &&
		      get_le32(mkdir_vector_v2 + ENT_OFF_CRC) == 0x5ec0ddb7 &&
		      get_le32(file_vector_v2 + ENT_OFF_CRC) == 0xf799220e,
	      "vector CRCs as entry_vectors.py prints them");
	check_vectors(1, 1700000000ULL * 1000000000, 1700000001ULL * 1000000000,
		      mkdir_vector, sizeof(mkdir_vector), file_vector,
		      sizeof(file_vector));
	check_vectors(2, 1700000000123456789ULL, 1700000001000000001ULL,
		      mkdir_vector_v2, sizeof(mkdir_vector_v2), file_vector_v2,
		      sizeof(file_vector_v2));
}

static const uint8_t test_uuid[16] = { 0xa5, 1, 2, 3, 4, 5, 6, 7,
				       8, 9, 10, 11, 12, 13, 14, 15 };

static void coding_of(struct log_coding *c, uint32_t version)
{
	struct famfs_sb_info sb = { .version = version };

	memcpy(sb.fs_uuid, test_uuid, 16);
	log_coding_init(c, &sb);
}

static void v2_coding(struct log_coding *c)
{
	coding_of(c, 2);
}

static void test_codec(void)
{
	struct famfs_extent ext[3] = { { 10 * MiB, 2 * MiB },
				       { 20 * MiB, 4 * MiB },
				       { 40 * MiB, 2 * MiB } };
	struct famfs_log_record r = {
		.type = FAMFS_LOG_FILE, .seq = 42, .time = 7,
		.path = "dir/file", .mode = 0100644, .uid = 1000, .gid = 100,
		.size = 7 * MiB, .nextents = 3, .extents = ext,
	};
	struct log_decoded d = { 0 };
	const char *why = NULL;
	uint8_t buf[512] = { 0 };
	size_t len = log_record_size(&r);
	uint32_t got_len = 0;
	struct log_coding c;

	v2_coding(&c);

	CHECK(len % 8 == 0 && len == 80 + 3 * 16 + 8, "file entry size %zu",
	      len);
	log_record_encode(&c, &r, buf, len);
	CHECK(log_entry_decode(&c, buf, len, &d, &got_len, &why) == LOG_ENTRY_OK,
	      "file entry decodes");
	CHECK(got_len == len && d.rec.seq == 42 && d.rec.size == 7 * MiB &&
		      d.rec.nextents == 3 && d.rec.extents[1].len == 4 * MiB &&
		      !strcmp(d.rec.path, "dir/file") && d.rec.uid == 1000,
	      "file entry fields survive");
	CHECK(log_entry_decode(&c, buf, len - 8, &d, &got_len, &why) ==
		      LOG_ENTRY_TORN,
	      "entry longer than the bytes up to the tail is torn");
	buf[90] ^= 0x40;
	CHECK(log_entry_decode(&c, buf, len, &d, &got_len, &why) == LOG_ENTRY_TORN,
	      "flipped payload byte fails the CRC (%s)", why);
	buf[90] ^= 0x40;

	/* extent count claiming more than the entry holds, CRC fixed up */
	put_le32(buf + FILE_OFF_NEXTENTS, 0x10000001);
	put_le32(buf + ENT_OFF_CRC, log_entry_crc(&c, buf, (uint32_t)len));
	CHECK(log_entry_decode(&c, buf, len, &d, &got_len, &why) == LOG_ENTRY_BAD,
	      "hostile extent count refused (%s)", why);
	put_le32(buf + FILE_OFF_NEXTENTS, 3);
	put_le16(buf + FILE_OFF_PATHLEN, 4000);
	put_le32(buf + ENT_OFF_CRC, log_entry_crc(&c, buf, (uint32_t)len));
	CHECK(log_entry_decode(&c, buf, len, &d, &got_len, &why) == LOG_ENTRY_BAD,
	      "path length past the entry refused (%s)", why);

	struct famfs_log_record m = { .type = FAMFS_LOG_MKDIR, .seq = 1,
				      .path = "a", .mode = 040700 };
	memset(buf, 0, sizeof(buf));
	len = log_record_size(&m);
	log_record_encode(&c, &m, buf, len);
	CHECK(log_entry_decode(&c, buf, len, &d, &got_len, &why) == LOG_ENTRY_OK &&
		      d.rec.type == FAMFS_LOG_MKDIR && d.rec.mode == 040700,
	      "mkdir entry round trip");
	struct famfs_log_record s = { .type = FAMFS_LOG_SETATTR, .seq = 2,
				      .path = "a", .setattr_mask = 3,
				      .mode = 0750, .uid = 5 };
	memset(buf, 0, sizeof(buf));
	len = log_record_size(&s);
	log_record_encode(&c, &s, buf, len);
	CHECK(log_entry_decode(&c, buf, len, &d, &got_len, &why) == LOG_ENTRY_OK &&
		      d.rec.setattr_mask == 3 && d.rec.uid == 5,
	      "setattr entry round trip");
	put_le16(buf + ENT_OFF_TYPE, 200);
	put_le32(buf + ENT_OFF_CRC, log_entry_crc(&c, buf, (uint32_t)len));
	CHECK(log_entry_decode(&c, buf, len, &d, &got_len, &why) ==
		      LOG_ENTRY_UNKNOWN,
	      "unknown type is recognised as such, not as corruption");

	char long_path[FAMFS_PATH_MAX + 2];
	memset(long_path, 'x', sizeof(long_path));
	long_path[FAMFS_PATH_MAX + 1] = '\0';
	m.path = long_path;
	CHECK(log_record_size(&m) == 0, "path over 4095 bytes not encodable");
	long_path[FAMFS_PATH_MAX] = '\0';
	CHECK(log_record_size(&m) != 0, "4095-byte path encodable");
	log_decoded_free(&d);
}

/*
 * Version 2 seeds entry CRCs with the filesystem UUID and keeps times in
 * ns; version 1 entries (unseeded, seconds) still decode, times converted.
 */
static void test_versions(void)
{
	struct famfs_log_record m = { .type = FAMFS_LOG_MKDIR, .seq = 3,
				      .path = "a", .mode = 040755,
				      .time = 1700000000123456789ULL };
	struct log_coding v1, v2, other;
	struct log_decoded d = { 0 };
	uint8_t buf[64] = { 0 };
	size_t len = log_record_size(&m);
	const char *why = NULL;
	uint32_t got_len;
	uint8_t uuid[16];
	struct famfs_sb_info sb = { .version = 2 };

	coding_of(&v1, 1);
	v2_coding(&v2);
	memcpy(uuid, test_uuid, 16);
	uuid[15] ^= 1;
	memcpy(sb.fs_uuid, uuid, 16);
	log_coding_init(&other, &sb);

	log_record_encode(&v2, &m, buf, len);
	CHECK(get_le32(buf + ENT_OFF_CRC) ==
		      famfs_crc32c(famfs_crc32c(0, test_uuid, 16), buf + 8,
				   (uint32_t)len - 8),
	      "v2 CRC is CRC32C(fs UUID || bytes 8..end)");
	CHECK(get_le64(buf + ENT_OFF_TIME) == m.time,
	      "v2 stores the time in ns");
	CHECK(log_entry_decode(&v2, buf, len, &d, &got_len, &why) ==
			      LOG_ENTRY_OK &&
		      d.rec.time == m.time,
	      "v2 entry decodes with its time exact");
	CHECK(log_entry_decode(&other, buf, len, &d, &got_len, &why) ==
		      LOG_ENTRY_TORN,
	      "an entry of another filesystem fails the CRC (%s)", why);
	CHECK(log_entry_decode(&v1, buf, len, &d, &got_len, &why) ==
		      LOG_ENTRY_TORN,
	      "a seeded entry is not a v1 entry");

	memset(buf, 0, sizeof(buf));
	log_record_encode(&v1, &m, buf, len);
	CHECK(get_le32(buf + ENT_OFF_CRC) ==
		      famfs_crc32c(0, buf + 8, (uint32_t)len - 8),
	      "v1 CRC is unseeded");
	CHECK(get_le64(buf + ENT_OFF_TIME) == 1700000000,
	      "v1 stores seconds");
	CHECK(log_entry_decode(&v1, buf, len, &d, &got_len, &why) ==
			      LOG_ENTRY_OK &&
		      d.rec.time == 1700000000ULL * 1000000000ULL,
	      "v1 time decodes to ns");
	put_le64(buf + ENT_OFF_TIME, UINT64_MAX / 2);
	put_le32(buf + ENT_OFF_CRC, log_entry_crc(&v1, buf, (uint32_t)len));
	CHECK(log_entry_decode(&v1, buf, len, &d, &got_len, &why) ==
			      LOG_ENTRY_OK &&
		      d.rec.time == UINT64_MAX,
	      "a v1 time too large for ns saturates");
	put_le16(buf + ENT_OFF_TYPE, FAMFS_LOG_DELETE);
	put_le32(buf + ENT_OFF_CRC, log_entry_crc(&v1, buf, (uint32_t)len));
	CHECK(log_entry_decode(&v1, buf, len, &d, &got_len, &why) ==
		      LOG_ENTRY_UNKNOWN,
	      "a v2-only kind in a v1 log is an unknown kind");

	/* a dropped entry keeps length and sequence, and carries nothing */
	memset(buf, 0, sizeof(buf));
	log_record_encode(&v2, &m, buf, len);
	log_entry_drop(&v2, buf);
	CHECK(log_entry_decode(&v2, buf, len, &d, &got_len, &why) ==
			      LOG_ENTRY_OK &&
		      d.rec.type == FAMFS_LOG_DROPPED && d.rec.seq == 3 &&
		      got_len == len && (d.flags & ENT_FLAG_IGNORABLE),
	      "dropped entry: type 11, same length and sequence, flag 0");

	/* the checked tail word */
	CHECK(log_tail_word(&v1, 4096) == 4096, "v1 tail word is the tail");
	CHECK(log_tail_from_word(&v2, log_tail_word(&v2, 8192)) == 8192 &&
		      (uint32_t)log_tail_word(&v2, 8192) == 8192,
	      "v2 tail word: tail in the low 32 bits, checked");
	{
		uint8_t le[4];

		put_le32(le, 8192);
		CHECK(log_tail_word(&v2, 8192) >> 32 ==
			      famfs_crc32c(famfs_crc32c(0, test_uuid, 16), le,
					   4),
		      "v2 tail word high half is CRC32C(fs UUID || le32 tail)");
		/* computed apart (tests/unit/entry_vectors.py's crc32c) */
		CHECK(log_tail_word(&v2, 8192) == 0xca04ce0b00002000ULL,
		      "v2 tail word of 8192 is the fixed vector 0xca04ce0b00002000");
	}
	CHECK(log_tail_from_word(&v2, log_tail_word(&v2, 8192) ^ 8) ==
		      UINT64_MAX,
	      "a flipped tail bit fails the check");
	CHECK(log_tail_from_word(&other, log_tail_word(&v2, 8192)) ==
		      UINT64_MAX,
	      "another filesystem's tail word fails the check");
	log_decoded_free(&d);
}

static int count_entries(struct famfs_fs *fs)
{
	struct famfs_usage u;

	famfs_fs_usage(fs, &u);
	return (int)u.log_entries;
}

static void test_append_replay(void)
{
	char *dev = make_famfs("log", 64 * MiB, 0);
	struct famfs_fs *fs, *client;
	struct famfs_stat st, d1;
	struct famfs_report rep;
	struct captured cap;
	char buf[64];

	be_master();
	CHECK_RC(famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs), 0,
		 "master opens");
	CHECK(famfs_fs_is_master(fs), "role is master");
	CHECK_RC(famfs_mkdir(fs, FAMFS_ROOT_INO, "d1", 0755, 1, 2, &d1), 0,
		 "mkdir d1");
	CHECK_RC(famfs_create_file(fs, d1.ino, "f", 0644, 3, 4, 3 * MiB, NULL,
				   &st),
		 0, "create d1/f of 3 MiB");
	CHECK(st.size == 3 * MiB && st.allocated == 4 * MiB &&
		      st.nextents == 1,
	      "file takes two 2 MiB units in one extent");
	CHECK_RC(famfs_setattr(fs, st.ino, FAMFS_SETATTR_MODE, 0600, 0, 0,
			       NULL),
		 0, "chmod logged");

	/* a client, opened meanwhile, catches up through refresh */
	be_client();
	capture_init(&rep, &cap);
	CHECK_RC(famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &rep, &client), 0,
		 "client opens");
	CHECK(!famfs_fs_is_master(client), "role is client");
	CHECK_RC(famfs_resolve(client, "d1/f", &st), 0, "client sees d1/f");
	CHECK(st.mode == (S_IFREG | 0600) && st.uid == 3 && st.gid == 4,
	      "client sees the chmod and owners");
	CHECK_RC(famfs_mkdir(client, FAMFS_ROOT_INO, "x", 0755, 0, 0, NULL),
		 -EROFS, "client mkdir is EROFS");
	CHECK(!famfs_fs_log_moved(client), "tail unchanged: no work");
	CHECK_RC(famfs_fs_refresh(client, &rep, false, NULL, NULL), 0,
		 "refresh with nothing new applies nothing");

	be_master();
	CHECK_RC(famfs_mkdir(fs, FAMFS_ROOT_INO, "d2", 0755, 0, 0, NULL), 0,
		 "master mkdir d2 after the client opened");
	CHECK(famfs_fs_log_moved(client), "client notices the tail moved");
	CHECK_RC(famfs_fs_refresh(client, &rep, true, NULL, NULL), 1,
		 "dry run reports one entry");
	CHECK_RC(famfs_resolve(client, "d2", &st), -ENOENT,
		 "dry run applied nothing");
	CHECK_RC(famfs_fs_refresh(client, &rep, false, NULL, NULL), 1,
		 "refresh applies exactly the new entry");
	CHECK_RC(famfs_resolve(client, "d2", &st), 0, "client sees d2");
	CHECK_RC(famfs_fs_refresh(client, &rep, false, NULL, NULL), 0,
		 "replay is idempotent: nothing applied twice");
	CHECK(rep.nerrors == 0, "no problems reported");
	famfs_fs_close(client);

	/* a second master open on this host is refused by the lock */
	struct famfs_fs *again;
	CHECK_RC(famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &again), -EBUSY,
		 "second master open refused while the first holds the lock");
	famfs_fs_close(fs);

	/* reopen: the same namespace comes back from the log */
	CHECK_RC(famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs), 0,
		 "reopen after close");
	CHECK(count_entries(fs) == 4, "four entries replayed");
	CHECK_RC(famfs_resolve(fs, "d1/f", &st), 0, "d1/f persists");
	CHECK(famfs_path_of(fs, st.ino, buf, sizeof(buf)) == 0 &&
		      !strcmp(buf, "d1/f"),
	      "path_of gives d1/f");
	famfs_fs_close(fs);
	unlink(dev);
}

/* Write an entry into the log without publishing the tail (a crash). */
static uint64_t write_unpublished(const char *dev, struct famfs_log_record *r)
{
	struct famfs_dev *d;
	uint64_t tail, len = log_record_size(r);
	struct log_coding c;
	uint8_t *log;

	famfs_dev_open(dev, FAMFS_DEV_RDWR, &d);
	log = dev_log(d, &c);
	tail = dev_tail(d);
	log_record_encode(&c, r, log + tail, len);
	famfs_dev_close(d);
	return tail + len;
}

static void set_tail(const char *dev, uint64_t tail)
{
	struct famfs_dev *d;

	famfs_dev_open(dev, FAMFS_DEV_RDWR, &d);
	dev_set_tail(d, tail);
	famfs_dev_close(d);
}

static void test_torn(void)
{
	char *dev = make_famfs("torn", 32 * MiB, 0);
	struct famfs_log_record r = { .type = FAMFS_LOG_MKDIR, .seq = 2,
				      .path = "ghost", .mode = 040755 };
	struct famfs_fs *fs;
	struct famfs_stat st;
	struct famfs_report rep;
	struct captured cap;
	uint64_t end;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	famfs_mkdir(fs, FAMFS_ROOT_INO, "real", 0755, 0, 0, NULL);
	famfs_fs_close(fs);

	/* crash after writing the entry, before publishing the tail */
	end = write_unpublished(dev, &r);
	capture_init(&rep, &cap);
	CHECK_RC(famfs_fs_open(dev, FAMFS_OPEN_RDWR, &rep, &fs), 0,
		 "open after a torn append");
	CHECK_RC(famfs_resolve(fs, "ghost", &st), -ENOENT,
		 "unpublished entry is invisible");
	CHECK(rep.nerrors == 0, "and is not an error");
	CHECK_RC(famfs_mkdir(fs, FAMFS_ROOT_INO, "next", 0755, 0, 0, NULL), 0,
		 "next append overwrites the torn slot");
	famfs_fs_close(fs);
	capture_init(&rep, &cap);
	famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &rep, &fs);
	CHECK(famfs_resolve(fs, "next", &st) == 0 &&
		      famfs_resolve(fs, "ghost", &st) == -ENOENT &&
		      rep.nerrors == 0,
	      "log stays valid after the overwrite");
	famfs_fs_close(fs);
	unlink(dev);

	/* a tail published over garbage (half-written entry) */
	dev = make_famfs("torn2", 32 * MiB, 0);
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	famfs_mkdir(fs, FAMFS_ROOT_INO, "a", 0755, 0, 0, NULL);
	famfs_fs_close(fs);
	r.seq = 2;
	end = write_unpublished(dev, &r);
	{
		struct famfs_dev *d;

		famfs_dev_open(dev, FAMFS_DEV_RDWR, &d);
		/* tear the entry: its second half never reached memory */
		memset(d->base + 2 * MiB + end - 16, 0, 16);
		famfs_dev_close(d);
	}
	set_tail(dev, end);
	capture_init(&rep, &cap);
	CHECK_RC(famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &rep, &fs), 0,
		 "open with a torn published entry");
	CHECK(famfs_resolve(fs, "a", &st) == 0 &&
		      famfs_resolve(fs, "ghost", &st) == -ENOENT,
	      "earlier entries kept, torn entry never half-applied");
	CHECK(rep.nerrors == 1 && strstr(cap.all, "CRC"),
	      "torn entry reported once as a CRC problem");
	famfs_fs_close(fs);
	unlink(dev);
}

static void test_resync(void)
{
	char *dev = make_famfs("resync", 32 * MiB, 0);
	struct famfs_fs *fs;
	struct famfs_stat st;
	struct famfs_report rep;
	struct captured cap;
	struct famfs_dev *d;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	famfs_mkdir(fs, FAMFS_ROOT_INO, "a", 0755, 0, 0, NULL);
	famfs_mkdir(fs, FAMFS_ROOT_INO, "b", 0755, 0, 0, NULL);
	famfs_mkdir(fs, FAMFS_ROOT_INO, "c", 0755, 0, 0, NULL);
	famfs_fs_close(fs);
	/* smash the length field of the middle entry */
	famfs_dev_open(dev, FAMFS_DEV_RDWR, &d);
	put_le32(d->base + 2 * MiB + 4096 + 56 + ENT_OFF_LEN, 0xfff8);
	famfs_dev_close(d);
	capture_init(&rep, &cap);
	CHECK_RC(famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &rep, &fs), 0,
		 "open with a corrupt middle entry");
	CHECK(famfs_resolve(fs, "a", &st) == 0 &&
		      famfs_resolve(fs, "b", &st) == -ENOENT &&
		      famfs_resolve(fs, "c", &st) == 0,
	      "corrupt entry skipped, the one after it found by resync");
	CHECK(rep.nerrors >= 1 && strstr(cap.all, "offset 4152"),
	      "problem names the entry's offset");
	famfs_fs_close(fs);
	unlink(dev);
}

static void test_log_full(void)
{
	char *dev = make_famfs("full", 16 * MiB, 2 * MiB);
	struct famfs_fs *fs;
	char name[64];
	char longname[201];
	struct famfs_stat st;
	int i, rc = 0;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	/* a long name: its attributes entry cannot fit what room is left */
	memset(longname, 'l', 200);
	longname[200] = '\0';
	famfs_mkdir(fs, FAMFS_ROOT_INO, longname, 0755, 0, 0, &st);
	for (i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), "directory-number-%d", i);
		rc = famfs_mkdir(fs, FAMFS_ROOT_INO, name, 0755, 0, 0, NULL);
		if (rc)
			break;
	}
	CHECK(rc == -ENOSPC && famfs_fs_log_room(fs) < 128,
	      "log fills up with ENOSPC after %d entries", i);
	CHECK_RC(famfs_resolve(fs, name, &(struct famfs_stat){ 0 }), -ENOENT,
		 "the refused mkdir left nothing behind");
	CHECK_RC(famfs_setattr(fs, st.ino, FAMFS_SETATTR_MODE, 0700, 0, 0,
			       NULL),
		 -ENOSPC, "a chmod with no room for its entry fails");
	CHECK(famfs_getattr(fs, st.ino, &st) == 0 &&
		      (st.mode & 07777) == 0755,
	      "and leaves the mode the log has (%o)", st.mode & 07777);
	famfs_fs_close(fs);
	{
		struct famfs_report rep = { 0 };

		famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &rep, &fs);
		CHECK(count_entries(fs) == i + 1 && rep.nerrors == 0,
		      "full log replays cleanly (%d entries)", i + 1);
		famfs_fs_close(fs);
	}
	unlink(dev);
}

/*
 * A valid entry numbered 2^64 - 1 leaves no valid next sequence number:
 * the master must refuse to append (and say why) rather than write
 * entries replay would skip, whether the entry was there at open or
 * arrived under a pending file.
 */
static void test_sequence_exhausted(void)
{
	char *dev = make_famfs("seqmax", 32 * MiB, 0);
	struct famfs_log_record r = { .type = FAMFS_LOG_MKDIR,
				      .seq = UINT64_MAX, .path = "last",
				      .mode = 040755 };
	struct famfs_fs *fs;
	struct famfs_stat st, pst;
	struct famfs_report rep;
	struct captured cap;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	famfs_mkdir(fs, FAMFS_ROOT_INO, "first", 0755, 0, 0, NULL);
	CHECK_RC(famfs_pending_create(fs, FAMFS_ROOT_INO, "open-file", 0644,
				      0, 0, &pst),
		 0, "a file is being written");
	CHECK_RC(famfs_pending_resize(fs, pst.ino, 100), 0, "and has data");
	/* another writer's entry with the last sequence number arrives */
	set_tail(dev, write_unpublished(dev, &r));
	CHECK_RC(famfs_pending_commit(fs, pst.ino), -EROFS,
		 "commit after sequence 2^64-1 is refused, not written as 0");
	CHECK(famfs_fs_readonly_reason(fs) &&
		      strstr(famfs_fs_readonly_reason(fs), "sequence"),
	      "the master says why it is read-only");
	CHECK_RC(famfs_mkdir(fs, FAMFS_ROOT_INO, "after", 0755, 0, 0, NULL),
		 -EROFS, "mkdir refused too");
	famfs_pending_abandon(fs, pst.ino);
	famfs_fs_close(fs);

	capture_init(&rep, &cap);
	CHECK_RC(famfs_fs_open(dev, FAMFS_OPEN_RDWR, &rep, &fs), 0,
		 "the master still mounts");
	CHECK(famfs_resolve(fs, "last", &st) == 0 &&
		      famfs_resolve(fs, "first", &st) == 0,
	      "every entry so far is there");
	CHECK(rep.nerrors == 2 && strstr(cap.all, "sequence jumps") &&
		      strstr(cap.all, "2^64 - 1); the master stays read-only"),
	      "opening reports the jump and the read-only master");
	CHECK_RC(famfs_pending_create(fs, FAMFS_ROOT_INO, "new", 0644, 0, 0,
				      &pst),
		 -EROFS, "a create fails at once (open(), not close())");
	CHECK_RC(famfs_mkdir(fs, FAMFS_ROOT_INO, "after", 0755, 0, 0, NULL),
		 -EROFS, "mkdir refused after reopen");
	famfs_fs_close(fs);

	capture_init(&rep, &cap);
	famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &rep, &fs);
	CHECK(rep.nerrors == 1 && count_entries(fs) == 2,
	      "the log replays as before: nothing was written after 2^64-1");
	famfs_fs_close(fs);
	unlink(dev);
}

/*
 * Pending files hold log room for their commit entries: a create that
 * cannot have it fails, a growth needing another extent's 16 bytes fails,
 * and the commit of a file that got its room never does.
 */
static void test_log_reservation(void)
{
	char *dev = make_famfs("hold", 64 * MiB, 2 * MiB);
	struct famfs_stat a, b, st;
	struct famfs_fs *fs;
	char name[FAMFS_NAME_MAX + 1];
	uint64_t room;
	int i, over_rc = 0;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	room = famfs_fs_log_room(fs);
	CHECK_RC(famfs_pending_create(fs, FAMFS_ROOT_INO, "a", 0644, 0, 0, &a),
		 0, "pending file a");
	CHECK(room - famfs_fs_log_room(fs) == 104,
	      "a holds the 104 bytes of a one-extent entry");
	/* whole units: a file below one would be a packed piece */
	CHECK_RC(famfs_pending_resize(fs, a.ino, 2 * MiB), 0, "a gets a unit");
	CHECK_RC(famfs_pending_create(fs, FAMFS_ROOT_INO, "b", 0644, 0, 0, &b),
		 0, "pending file b");
	CHECK_RC(famfs_pending_resize(fs, b.ino, 2 * MiB), 0,
		 "b takes the next");
	/*
	 * Fill the rest of the log exactly: a root mkdir with a name of
	 * L bytes takes 48 + L rounded up to 8, 56 to 304 bytes.
	 */
	for (i = 0; (room = famfs_fs_log_room(fs)) > 0; i++) {
		uint64_t size = room > 360 ? 304 : room > 304 ? room - 56 : room;

		if (size == room && size <= 296 && !over_rc) {
			/* first one entry 8 bytes longer than the room left */
			snprintf(name, sizeof(name), "%0*d",
				 (int)(size + 8 - 49), i);
			over_rc = famfs_mkdir(fs, FAMFS_ROOT_INO, name, 0755,
					      0, 0, NULL);
			if (!over_rc)
				break;
		}
		snprintf(name, sizeof(name), "%0*d", (int)(size - 49), i);
		if (famfs_mkdir(fs, FAMFS_ROOT_INO, name, 0755, 0, 0, NULL))
			break;
	}
	CHECK(over_rc == -ENOSPC,
	      "an entry 8 bytes longer than the room left is refused");
	CHECK(room == 0, "log filled around the held room (%" PRIu64
	      " bytes left)", room);
	CHECK_RC(famfs_pending_create(fs, FAMFS_ROOT_INO, "c", 0644, 0, 0, &st),
		 -ENOSPC, "a create with no room for its entry fails");
	CHECK_RC(famfs_resolve(fs, "c", &st), -ENOENT, "and leaves nothing");
	CHECK_RC(famfs_pending_resize(fs, a.ino, 3 * MiB), -ENOSPC,
		 "growing a into a second extent needs room it cannot have");
	CHECK_RC(famfs_getattr(fs, a.ino, &st), 0, "a still there");
	CHECK(st.size == 2 * MiB && st.nextents == 1,
	      "a unchanged by the failure");
	CHECK_RC(famfs_pending_commit(fs, b.ino), 0, "b commits");
	CHECK_RC(famfs_pending_commit(fs, a.ino), 0, "a commits");
	famfs_fs_close(fs);
	{
		struct famfs_report rep = { 0 };

		famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &rep, &fs);
		CHECK(famfs_resolve(fs, "a", &st) == 0 && st.size == 2 * MiB &&
			      famfs_resolve(fs, "b", &st) == 0 &&
			      rep.nerrors == 0,
		      "both files replay from the full log");
		famfs_fs_close(fs);
	}
	unlink(dev);
}

/* A master with three directories; returns the device path. */
static char *three_dirs(const char *tag, uint32_t version)
{
	char *dev = make_device(tag, 32 * MiB);
	struct famfs_mkfs_opts o = { .version = version };
	struct famfs_dev *d;
	struct famfs_fs *fs;
	uint8_t uuid[16];

	famfs_uuid_parse(MASTER_UUID, uuid);
	o.master_uuid = uuid;
	famfs_dev_open(dev, FAMFS_DEV_RDWR, &d);
	famfs_mkfs(d, &o, NULL);
	famfs_dev_close(d);
	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	famfs_mkdir(fs, FAMFS_ROOT_INO, "a", 0755, 0, 0, NULL);
	famfs_mkdir(fs, FAMFS_ROOT_INO, "b", 0755, 0, 0, NULL);
	famfs_mkdir(fs, FAMFS_ROOT_INO, "c", 0755, 0, 0, NULL);
	famfs_fs_close(fs);
	return dev;
}

static uint64_t raw_tail_word(const char *dev)
{
	struct famfs_dev *d;
	struct log_coding c;
	uint64_t w;

	famfs_dev_open(dev, FAMFS_DEV_RDONLY, &d);
	w = get_le64(dev_log(d, &c) + LOG_OFF_TAIL);
	famfs_dev_close(d);
	return w;
}

static void poke_log(const char *dev, uint64_t off, uint8_t xor)
{
	struct famfs_dev *d;
	struct log_coding c;

	famfs_dev_open(dev, FAMFS_DEV_RDWR, &d);
	dev_log(d, &c)[off] ^= xor;
	famfs_dev_close(d);
}

/*
 * A damaged tail word (v2: its check fails) is reported and rebuilt from
 * the entry chain; a client leaves it, the master writes it back.
 */
static void test_tail_rebuild(void)
{
	char *dev = three_dirs("tailword", 0);
	uint64_t good = raw_tail_word(dev);
	struct famfs_fs *fs;
	struct famfs_stat st;
	struct famfs_report rep;
	struct captured cap;

	CHECK((uint32_t)good == 4096 + 3 * 56, "tail after three mkdirs");
	poke_log(dev, LOG_OFF_TAIL + 1, 0x01);	/* tail 4264 -> 4008 */
	be_client();
	capture_init(&rep, &cap);
	CHECK_RC(famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &rep, &fs), 0,
		 "client mounts with a damaged tail word");
	CHECK(famfs_resolve(fs, "c", &st) == 0, "every entry found");
	CHECK(rep.nerrors == 1 && strstr(cap.all, "fails its check") &&
		      strstr(cap.all, "rebuilt from the entries: 4264"),
	      "the damage and the rebuilt tail are reported");
	famfs_fs_close(fs);
	CHECK(raw_tail_word(dev) != good, "a client writes nothing back");

	be_master();
	capture_init(&rep, &cap);
	CHECK_RC(famfs_fs_open(dev, FAMFS_OPEN_RDWR, &rep, &fs), 0,
		 "master mounts");
	CHECK(raw_tail_word(dev) == good, "the master writes the word back");
	CHECK_RC(famfs_mkdir(fs, FAMFS_ROOT_INO, "d", 0755, 0, 0, NULL), 0,
		 "and appends after it");
	famfs_fs_close(fs);

	/* high (CRC) half damaged, an out-of-bounds tail: same rebuild */
	poke_log(dev, LOG_OFF_TAIL + 6, 0x80);
	capture_init(&rep, &cap);
	be_client();
	famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &rep, &fs);
	CHECK(famfs_resolve(fs, "d", &st) == 0 && rep.nerrors == 1,
	      "a damaged check half is rebuilt too");
	famfs_fs_close(fs);
	unlink(dev);

	/* version 1: the plain tail, rebuilt only when out of bounds */
	dev = three_dirs("tailword1", 1);
	CHECK(raw_tail_word(dev) == 4096 + 3 * 56, "v1 tail word is plain");
	poke_log(dev, LOG_OFF_TAIL + 7, 0x40);
	capture_init(&rep, &cap);
	CHECK_RC(famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &rep, &fs), 0,
		 "v1 with an out-of-bounds tail mounts");
	CHECK(famfs_resolve(fs, "c", &st) == 0 && rep.nerrors == 1 &&
		      strstr(cap.all, "out of bounds"),
	      "v1 tail rebuilt and reported");
	famfs_fs_close(fs);
	unlink(dev);
}

/* A damaged log header: the superblock's values, reported. */
static void test_header_fallback(void)
{
	char *dev = three_dirs("header", 0);
	struct famfs_fs *fs;
	struct famfs_stat st;
	struct famfs_report rep;
	struct captured cap;

	poke_log(dev, 0, 0xff);		/* magic */
	poke_log(dev, LOG_OFF_LEN, 1);	/* and the length */
	be_client();
	capture_init(&rep, &cap);
	CHECK_RC(famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &rep, &fs), 0,
		 "mounts with a damaged log header");
	CHECK(famfs_resolve(fs, "c", &st) == 0, "every entry found");
	CHECK(rep.nerrors == 1 && strstr(cap.all, "log header") &&
		      strstr(cap.all, "superblock's values"),
	      "the damage is reported");
	famfs_fs_close(fs);
	unlink(dev);
}

/*
 * Seeded CRCs tie entries to their filesystem: after mkfs -f, the old
 * entries are still in memory but never pass, even to a tail rebuild.
 */
static void test_stale_entries(void)
{
	char *dev = three_dirs("stale", 0);
	struct famfs_mkfs_opts o = { .force = true };
	struct famfs_fs *fs;
	struct famfs_dev *d;
	struct famfs_stat st;
	struct famfs_report rep;
	struct captured cap;
	struct log_coding c;
	uint8_t uuid[16], old[3 * 56];

	famfs_uuid_parse(MASTER_UUID, uuid);
	o.master_uuid = uuid;
	famfs_dev_open(dev, FAMFS_DEV_RDWR, &d);
	memcpy(old, dev_log(d, &c) + 4096, sizeof(old));
	famfs_mkfs(d, &o, NULL);
	/* the old entries, whole, where the new filesystem's will go */
	memcpy(dev_log(d, &c) + 4096, old, sizeof(old));
	dev_set_tail(d, 4096 + 3 * 56);
	famfs_dev_close(d);
	capture_init(&rep, &cap);
	be_client();
	CHECK_RC(famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &rep, &fs), 0,
		 "new filesystem with old entries under a hostile tail");
	CHECK(famfs_resolve(fs, "b", &st) == -ENOENT &&
		      famfs_resolve(fs, "c", &st) == -ENOENT,
	      "entries of the earlier filesystem are not applied");
	famfs_fs_close(fs);
	poke_log(dev, LOG_OFF_TAIL, 0x08);
	capture_init(&rep, &cap);
	famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &rep, &fs);
	CHECK(famfs_resolve(fs, "c", &st) == -ENOENT &&
		      strstr(cap.all, "rebuilt from the entries: 4096"),
	      "nor adopted by a tail rebuild");
	famfs_fs_close(fs);
	unlink(dev);
}

/* A version 1 filesystem works as before: seconds, unseeded CRCs. */
static void test_v1_device(void)
{
	char *dev = three_dirs("v1", 1);
	struct famfs_fs *fs;
	struct famfs_stat st;
	struct famfs_report rep = { 0 };
	uint64_t before = famfs_now_ns() / 1000000000 * 1000000000;

	be_master();
	CHECK_RC(famfs_fs_open(dev, FAMFS_OPEN_RDWR, &rep, &fs), 0,
		 "v1 master mounts");
	CHECK(famfs_fs_sb(fs)->version == 1, "it is version 1");
	CHECK_RC(famfs_create_file(fs, FAMFS_ROOT_INO, "f", 0644, 0, 0, MiB,
				   NULL, NULL),
		 0, "a file on v1");
	famfs_fs_close(fs);
	famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &rep, &fs);
	CHECK(famfs_resolve(fs, "f", &st) == 0 && st.size == MiB &&
		      famfs_resolve(fs, "c", &st) == 0 && rep.nerrors == 0,
	      "v1 entries replay cleanly");
	famfs_resolve(fs, "f", &st);
	CHECK(st.time >= before && st.time % 1000000000 == 0 &&
		      st.time < before + 60 * 1000000000ULL,
	      "v1 time (seconds on media) comes back in whole ns seconds");
	famfs_fs_close(fs);
	unlink(dev);
}

/* A dropped entry keeps its place in the chain and applies nothing. */
static void test_dropped_replay(void)
{
	char *dev = three_dirs("dropped", 0);
	struct famfs_fs *fs;
	struct famfs_dev *d;
	struct famfs_stat st;
	struct famfs_report rep;
	struct captured cap;
	struct log_coding c;

	famfs_dev_open(dev, FAMFS_DEV_RDWR, &d);
	log_entry_drop(&c, dev_log(d, &c) + 4096 + 56);	/* "b" */
	famfs_dev_close(d);
	be_master();
	capture_init(&rep, &cap);
	CHECK_RC(famfs_fs_open(dev, FAMFS_OPEN_RDWR, &rep, &fs), 0,
		 "mounts with a dropped entry");
	CHECK(famfs_resolve(fs, "a", &st) == 0 &&
		      famfs_resolve(fs, "b", &st) == -ENOENT &&
		      famfs_resolve(fs, "c", &st) == 0,
	      "the dropped entry is not applied, the next one is");
	CHECK(rep.nerrors == 0 && rep.nwarnings == 0,
	      "silently: flag bit 0 is set");
	CHECK_RC(famfs_mkdir(fs, FAMFS_ROOT_INO, "b", 0755, 0, 0, NULL), 0,
		 "the master appends after it (sequence 4)");
	famfs_fs_close(fs);
	capture_init(&rep, &cap);
	famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &rep, &fs);
	CHECK(famfs_resolve(fs, "b", &st) == 0 && rep.nerrors == 0 &&
		      count_entries(fs) == 4,
	      "and the chain stays valid");
	famfs_fs_close(fs);
	unlink(dev);
}

/*
 * A committed file that grows into the units right after its own: the
 * contents entry must replay (its extents logged space or free space,
 * never a mix), or the growth close() acknowledged is lost.
 */
static void test_growth_replays(void)
{
	char *dev = make_famfs("grow", 64 * MiB, 0);
	struct famfs_fs *fs, *client;
	struct famfs_stat st;
	struct famfs_report rep;
	struct captured cap;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	famfs_pending_create(fs, FAMFS_ROOT_INO, "g", 0644, 0, 0, &st);
	famfs_pending_resize(fs, st.ino, 2 * MiB);
	CHECK_RC(famfs_pending_commit(fs, st.ino), 0, "one unit committed");
	CHECK_RC(famfs_pending_reopen(fs, st.ino), 0, "reopened (version 2)");
	CHECK_RC(famfs_pending_resize(fs, st.ino, 6 * MiB), 0,
		 "grown into the next units");
	CHECK_RC(famfs_pending_commit(fs, st.ino), 0, "growth committed");
	be_client();
	capture_init(&rep, &cap);
	famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &rep, &client);
	CHECK(famfs_resolve(client, "g", &st) == 0 && st.size == 6 * MiB &&
		      rep.nerrors == 0,
	      "a client replays the growth (size %" PRIu64 ")", st.size);
	famfs_fs_close(client);
	famfs_fs_close(fs);
	unlink(dev);
}

/*
 * Another host's mkfs under live opens: a client replays nothing of the
 * new filesystem (version 1 entries are unseeded: they would pass), a
 * master appends nothing into it, and both say they were replaced.
 */
static void test_replaced(void)
{
	char *dev = three_dirs("replaced", 1);
	struct famfs_mkfs_opts o = { .force = true, .version = 1 };
	struct famfs_fs *master, *client, *fresh;
	struct famfs_stat st;
	struct famfs_dev *d;
	uint8_t uuid[16];

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &master);
	be_client();
	famfs_fs_open(dev, FAMFS_OPEN_RDONLY, NULL, &client);
	CHECK(!famfs_fs_replaced(client) && !famfs_fs_check_identity(client),
	      "not replaced yet");
	/* a bit flip in the primary superblock's UUID is not a new mkfs */
	famfs_dev_open(dev, FAMFS_DEV_RDWR, &d);
	d->base[SB_OFF_FS_UUID] ^= 1;
	famfs_dev_close(d);
	CHECK(!famfs_fs_replaced(client), "a damaged primary, the backup ours");
	famfs_dev_open(dev, FAMFS_DEV_RDWR, &d);
	d->base[SB_OFF_FS_UUID] ^= 1;
	{
		/* another host's mkfs and master: built aside, copied in */
		char *other = make_device("replaced-other", 32 * MiB);
		struct famfs_dev *od;

		famfs_uuid_parse(MASTER_UUID, uuid);
		o.master_uuid = uuid;
		famfs_dev_open(other, FAMFS_DEV_RDWR, &od);
		famfs_mkfs(od, &o, NULL);
		be_master();
		fs_attach(od, false, FAMFS_OPEN_RDWR, NULL, &fresh);
		famfs_mkdir(fresh, FAMFS_ROOT_INO, "new-a", 0755, 0, 0, NULL);
		famfs_mkdir(fresh, FAMFS_ROOT_INO, "new-b", 0755, 0, 0, NULL);
		famfs_mkdir(fresh, FAMFS_ROOT_INO, "new-c", 0755, 0, 0, NULL);
		famfs_mkdir(fresh, FAMFS_ROOT_INO, "new-d", 0755, 0, 0, NULL);
		famfs_fs_close(fresh);
		be_client();
		memcpy(d->base, od->base, 10 * MiB);
		famfs_dev_close(od);
		unlink(other);
	}
	famfs_dev_close(d);

	CHECK_RC(famfs_fs_refresh(client, NULL, false, NULL, NULL), -ESTALE,
		 "the client's refresh refuses the new filesystem's log");
	CHECK(famfs_resolve(client, "new-d", &st) == -ENOENT,
	      "and applied none of it");
	CHECK(famfs_fs_replaced(client) && famfs_fs_replaced(master),
	      "both opens know they were replaced");
	CHECK_RC(famfs_mkdir(master, FAMFS_ROOT_INO, "old", 0755, 0, 0, NULL),
		 -ESTALE, "the old master appends nothing");
	famfs_fs_close(client);
	famfs_fs_close(master);
	famfs_fs_open(dev, FAMFS_OPEN_RDONLY, NULL, &fresh);
	CHECK(famfs_resolve(fresh, "new-d", &st) == 0 &&
		      famfs_resolve(fresh, "old", &st) == -ENOENT,
	      "the new filesystem has only its own entries");
	famfs_fs_close(fresh);
	unlink(dev);
}

int main(void)
{
	test_fixed_vectors();
	test_codec();
	test_versions();
	test_append_replay();
	test_torn();
	test_resync();
	test_log_full();
	test_sequence_exhausted();
	test_log_reservation();
	test_tail_rebuild();
	test_header_fallback();
	test_stale_entries();
	test_v1_device();
	test_dropped_replay();
	test_growth_replays();
	test_replaced();
	return tap_done();
}
