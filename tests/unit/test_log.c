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

static void test_fixed_vectors(void)
{
	struct famfs_extent ext[2] = { { 10 * MiB, 2 * MiB },
				       { 14 * MiB, 4 * MiB } };
	struct famfs_log_record m = {
		.type = FAMFS_LOG_MKDIR, .seq = 1, .time = 1700000000,
		.path = "dir", .mode = 040755, .uid = 1000, .gid = 100,
	};
	struct famfs_log_record f = {
		.type = FAMFS_LOG_FILE, .seq = 2, .time = 1700000001,
		.path = "dir/f", .mode = 0100644, .uid = 1000, .gid = 100,
		.size = 5 * MiB, .nextents = 2, .extents = ext,
	};
	struct log_decoded d = { 0 };
	uint8_t buf[sizeof(file_vector)];
	const char *why = NULL;
	uint32_t len = 0;

	CHECK(log_record_size(&m) == sizeof(mkdir_vector),
	      "mkdir entry is %zu bytes", sizeof(mkdir_vector));
	memset(buf, 0, sizeof(buf));
	log_record_encode(&m, buf, sizeof(mkdir_vector));
	CHECK(get_le32(buf + ENT_OFF_CRC) == 0xfa8c13be,
	      "mkdir entry CRC is 0xfa8c13be (got 0x%08x)",
	      get_le32(buf + ENT_OFF_CRC));
	CHECK(!memcmp(buf, mkdir_vector, sizeof(mkdir_vector)),
	      "mkdir entry encodes byte for byte as the vector");
	CHECK(log_record_size(&f) == sizeof(file_vector),
	      "file entry is %zu bytes", sizeof(file_vector));
	memset(buf, 0, sizeof(buf));
	log_record_encode(&f, buf, sizeof(file_vector));
	CHECK(get_le32(buf + ENT_OFF_CRC) == 0x3381e1eb,
	      "file entry CRC is 0x3381e1eb (got 0x%08x)",
	      get_le32(buf + ENT_OFF_CRC));
	CHECK(!memcmp(buf, file_vector, sizeof(file_vector)),
	      "file entry encodes byte for byte as the vector");
	CHECK(log_entry_decode(file_vector, sizeof(file_vector), &d, &len,
			       &why) == LOG_ENTRY_OK &&
		      len == sizeof(file_vector) && d.rec.nextents == 2 &&
		      d.rec.extents[1].offset == 14 * MiB &&
		      !strcmp(d.rec.path, "dir/f"),
	      "the file vector decodes");
	CHECK(log_entry_decode(mkdir_vector, sizeof(mkdir_vector), &d, &len,
			       &why) == LOG_ENTRY_OK &&
		      d.rec.mode == 040755 && !strcmp(d.rec.path, "dir"),
	      "the mkdir vector decodes");
	log_decoded_free(&d);
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

	CHECK(len % 8 == 0 && len == 80 + 3 * 16 + 8, "file entry size %zu",
	      len);
	log_record_encode(&r, buf, len);
	CHECK(log_entry_decode(buf, len, &d, &got_len, &why) == LOG_ENTRY_OK,
	      "file entry decodes");
	CHECK(got_len == len && d.rec.seq == 42 && d.rec.size == 7 * MiB &&
		      d.rec.nextents == 3 && d.rec.extents[1].len == 4 * MiB &&
		      !strcmp(d.rec.path, "dir/file") && d.rec.uid == 1000,
	      "file entry fields survive");
	CHECK(log_entry_decode(buf, len - 8, &d, &got_len, &why) ==
		      LOG_ENTRY_TORN,
	      "entry longer than the bytes up to the tail is torn");
	buf[90] ^= 0x40;
	CHECK(log_entry_decode(buf, len, &d, &got_len, &why) == LOG_ENTRY_TORN,
	      "flipped payload byte fails the CRC (%s)", why);
	buf[90] ^= 0x40;

	/* extent count claiming more than the entry holds, CRC fixed up */
	put_le32(buf + FILE_OFF_NEXTENTS, 0x10000001);
	put_le32(buf + ENT_OFF_CRC, famfs_crc32c(0, buf + 8, len - 8));
	CHECK(log_entry_decode(buf, len, &d, &got_len, &why) == LOG_ENTRY_BAD,
	      "hostile extent count refused (%s)", why);
	put_le32(buf + FILE_OFF_NEXTENTS, 3);
	put_le16(buf + FILE_OFF_PATHLEN, 4000);
	put_le32(buf + ENT_OFF_CRC, famfs_crc32c(0, buf + 8, len - 8));
	CHECK(log_entry_decode(buf, len, &d, &got_len, &why) == LOG_ENTRY_BAD,
	      "path length past the entry refused (%s)", why);

	struct famfs_log_record m = { .type = FAMFS_LOG_MKDIR, .seq = 1,
				      .path = "a", .mode = 040700 };
	memset(buf, 0, sizeof(buf));
	len = log_record_size(&m);
	log_record_encode(&m, buf, len);
	CHECK(log_entry_decode(buf, len, &d, &got_len, &why) == LOG_ENTRY_OK &&
		      d.rec.type == FAMFS_LOG_MKDIR && d.rec.mode == 040700,
	      "mkdir entry round trip");
	struct famfs_log_record s = { .type = FAMFS_LOG_SETATTR, .seq = 2,
				      .path = "a", .setattr_mask = 3,
				      .mode = 0750, .uid = 5 };
	memset(buf, 0, sizeof(buf));
	len = log_record_size(&s);
	log_record_encode(&s, buf, len);
	CHECK(log_entry_decode(buf, len, &d, &got_len, &why) == LOG_ENTRY_OK &&
		      d.rec.setattr_mask == 3 && d.rec.uid == 5,
	      "setattr entry round trip");
	put_le16(buf + ENT_OFF_TYPE, 77);
	put_le32(buf + ENT_OFF_CRC, famfs_crc32c(0, buf + 8, len - 8));
	CHECK(log_entry_decode(buf, len, &d, &got_len, &why) ==
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
	uint8_t *log;

	famfs_dev_open(dev, FAMFS_DEV_RDWR, &d);
	log = d->base + 2 * MiB;
	tail = get_le64(log + LOG_OFF_TAIL);
	log_record_encode(r, log + tail, len);
	famfs_dev_close(d);
	return tail + len;
}

static void set_tail(const char *dev, uint64_t tail)
{
	struct famfs_dev *d;

	famfs_dev_open(dev, FAMFS_DEV_RDWR, &d);
	put_le64(d->base + 2 * MiB + LOG_OFF_TAIL, tail);
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
	int i, rc = 0;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
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
	famfs_fs_close(fs);
	{
		struct famfs_report rep = { 0 };

		famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &rep, &fs);
		CHECK(count_entries(fs) == i && rep.nerrors == 0,
		      "full log replays cleanly (%d entries)", i);
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
	int i;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	room = famfs_fs_log_room(fs);
	CHECK_RC(famfs_pending_create(fs, FAMFS_ROOT_INO, "a", 0644, 0, 0, &a),
		 0, "pending file a");
	CHECK(room - famfs_fs_log_room(fs) == 104,
	      "a holds the 104 bytes of a one-extent entry");
	CHECK_RC(famfs_pending_resize(fs, a.ino, 1), 0, "a gets a unit");
	CHECK_RC(famfs_pending_create(fs, FAMFS_ROOT_INO, "b", 0644, 0, 0, &b),
		 0, "pending file b");
	CHECK_RC(famfs_pending_resize(fs, b.ino, 1), 0, "b takes the next");
	/*
	 * Fill the rest of the log exactly: a root mkdir with a name of
	 * L bytes takes 48 + L rounded up to 8, 56 to 304 bytes.
	 */
	for (i = 0; (room = famfs_fs_log_room(fs)) > 0; i++) {
		uint64_t size = room > 360 ? 304 : room > 304 ? room - 56 : room;

		snprintf(name, sizeof(name), "%0*d", (int)(size - 49), i);
		if (famfs_mkdir(fs, FAMFS_ROOT_INO, name, 0755, 0, 0, NULL))
			break;
	}
	CHECK(room == 0, "log filled around the held room (%" PRIu64
	      " bytes left)", room);
	CHECK_RC(famfs_pending_create(fs, FAMFS_ROOT_INO, "c", 0644, 0, 0, &st),
		 -ENOSPC, "a create with no room for its entry fails");
	CHECK_RC(famfs_resolve(fs, "c", &st), -ENOENT, "and leaves nothing");
	CHECK_RC(famfs_pending_resize(fs, a.ino, 3 * MiB), -ENOSPC,
		 "growing a into a second extent needs room it cannot have");
	CHECK_RC(famfs_getattr(fs, a.ino, &st), 0, "a still there");
	CHECK(st.size == 1 && st.nextents == 1, "a unchanged by the failure");
	CHECK_RC(famfs_pending_commit(fs, b.ino), 0, "b commits");
	CHECK_RC(famfs_pending_commit(fs, a.ino), 0, "a commits");
	famfs_fs_close(fs);
	{
		struct famfs_report rep = { 0 };

		famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &rep, &fs);
		CHECK(famfs_resolve(fs, "a", &st) == 0 && st.size == 1 &&
			      famfs_resolve(fs, "b", &st) == 0 &&
			      rep.nerrors == 0,
		      "both files replay from the full log");
		famfs_fs_close(fs);
	}
	unlink(dev);
}

int main(void)
{
	test_fixed_vectors();
	test_codec();
	test_append_replay();
	test_torn();
	test_resync();
	test_log_full();
	test_sequence_exhausted();
	test_log_reservation();
	return tap_done();
}
