// SPDX-License-Identifier: Apache-2.0
/* Superblock encode/decode, CRC32C, size/name/UUID helpers. */
#include "tap.h"

static void test_crc(void)
{
	static const char vec[] = "123456789";
	uint8_t buf[4096 + 16];

	/* the standard CRC32C check value */
	CHECK(famfs_crc32c(0, vec, 9) == 0xE3069283u, "crc32c check value");
	CHECK(famfs_crc32c_portable(0, vec, 9) == 0xE3069283u,
	      "portable crc32c check value");
	srand(7);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)rand();
	for (size_t off = 0; off < 9; off++) {
		bool same = true;

		for (size_t len = 0; len < 300; len += 7)
			same &= famfs_crc32c(0, buf + off, len) ==
				famfs_crc32c_portable(0, buf + off, len);
		CHECK(same, "hardware and portable crc agree at offset %zu",
		      off);
	}
	/* chaining: crc(a+b) == crc(b, seed crc(a)) */
	CHECK(famfs_crc32c(famfs_crc32c(0, buf, 100), buf + 100, 200) ==
		      famfs_crc32c(0, buf, 300),
	      "crc32c chains");
}

static struct famfs_sb_info sample_sb(void)
{
	struct famfs_sb_info sb = {
		.version = 1,
		.device_size = 64 * MiB,
		.log_offset = 2 * MiB,
		.log_len = 8 * MiB,
		.alloc_unit = 2 * MiB,
		.data_offset = 10 * MiB,
		.create_time = 1700000000,
		.root_mode = 01770,
		.root_uid = 1234,
		.root_gid = 99,
	};

	famfs_uuid_parse(MASTER_UUID, sb.master_uuid);
	famfs_uuid_parse(CLIENT_UUID, sb.fs_uuid);
	return sb;
}

static void test_sb(void)
{
	struct famfs_sb_info sb = sample_sb(), out;
	uint8_t buf[SB_SIZE];
	const char *why;

	famfs_sb_encode(&sb, buf);
	CHECK_RC(famfs_sb_decode(buf, sizeof(buf), &out, &why), 0,
		 "superblock round trip decodes");
	CHECK(!memcmp(&sb, &out, sizeof(sb)), "round trip keeps every field");
	CHECK(!memcmp(buf, SB_MAGIC, 8) && get_le64(buf + SB_OFF_LOG_LEN) ==
						   8 * MiB,
	      "fields are little-endian at their documented offsets");

	buf[SB_OFF_DEVICE_SIZE] ^= 1;
	CHECK_RC(famfs_sb_decode(buf, sizeof(buf), &out, &why), -EBADMSG,
		 "one flipped byte fails the CRC");
	famfs_sb_encode(&sb, buf);
	buf[0] = 'X';
	CHECK_RC(famfs_sb_decode(buf, sizeof(buf), &out, &why), -ENOENT,
		 "bad magic is 'not famfs'");
	CHECK_RC(famfs_sb_decode(buf, 100, &out, &why), -EINVAL,
		 "short buffer refused");

	/* CRC-valid but hostile: every bound is checked */
	struct famfs_sb_info bad;

	bad = sample_sb();
	bad.version = 3;
	famfs_sb_encode(&bad, buf);
	CHECK_RC(famfs_sb_decode(buf, sizeof(buf), &out, &why),
		 -EPROTONOSUPPORT, "newer version refused");
	bad = sample_sb();
	bad.log_len = 3 * MiB;
	famfs_sb_encode(&bad, buf);
	CHECK_RC(famfs_sb_decode(buf, sizeof(buf), &out, &why), -EINVAL,
		 "log length not a power of two refused");
	bad = sample_sb();
	bad.data_offset = 4 * MiB;
	famfs_sb_encode(&bad, buf);
	CHECK_RC(famfs_sb_decode(buf, sizeof(buf), &out, &why), -EINVAL,
		 "data area overlapping the log refused");
	bad = sample_sb();
	bad.device_size = bad.data_offset;
	famfs_sb_encode(&bad, buf);
	CHECK_RC(famfs_sb_decode(buf, sizeof(buf), &out, &why), -EINVAL,
		 "no room for one data unit refused");
	bad = sample_sb();
	bad.alloc_unit = 3000;
	famfs_sb_encode(&bad, buf);
	CHECK_RC(famfs_sb_decode(buf, sizeof(buf), &out, &why), -EINVAL,
		 "bad allocation unit refused");
	bad = sample_sb();
	famfs_sb_encode(&bad, buf);
	put_le32(buf + SB_OFF_INCOMPAT, 1);
	put_le32(buf + SB_OFF_CRC, famfs_crc32c(0, buf, SB_OFF_CRC));
	CHECK_RC(famfs_sb_decode(buf, sizeof(buf), &out, &why),
		 -EPROTONOSUPPORT, "unknown incompatible feature refused");
}

static struct famfs_sb_info sample_sb_v2(void)
{
	struct famfs_sb_info sb = sample_sb();

	sb.version = 2;
	sb.page_size = 4096;
	sb.host_table_offset = 64 << 10;
	sb.host_slots = 240;
	sb.host_slot_size = 4096;
	return sb;
}

static void test_sb_v2(void)
{
	struct famfs_sb_info sb = sample_sb_v2(), out, bad;
	uint8_t buf[SB_SIZE];
	const char *why;

	famfs_sb_encode(&sb, buf);
	CHECK_RC(famfs_sb_decode(buf, sizeof(buf), &out, &why), 0,
		 "version 2 superblock decodes");
	CHECK(!memcmp(&sb, &out, sizeof(sb)), "v2 round trip keeps every field");
	CHECK(get_le32(buf + 8) == 2 && get_le32(buf + 124) == 4096 &&
		      get_le64(buf + 128) == 64 << 10 &&
		      get_le32(buf + 136) == 240 && get_le32(buf + 140) == 4096,
	      "v2 fields at famfs(5)'s offsets 8 and 124 to 143");
	CHECK_RC(famfs_require_version(&out, FAMFS_FORMAT_V2), 0,
		 "a v2 superblock passes the v2 gate");

	/* version 1: bytes from 124 are not read, the fields stay 0 */
	sb = sample_sb();
	famfs_sb_encode(&sb, buf);
	put_le32(buf + 124, 4096);
	put_le32(buf + SB_OFF_CRC, famfs_crc32c(0, buf, SB_OFF_CRC));
	CHECK(famfs_sb_decode(buf, sizeof(buf), &out, &why) == 0 &&
		      out.version == 1 && out.page_size == 0 &&
		      out.host_slots == 0,
	      "version 1 still decodes, without the v2 fields");
	CHECK_RC(famfs_require_version(&out, FAMFS_FORMAT_V2), -EOPNOTSUPP,
		 "the version gate refuses v2 operations on a v1 device");
	CHECK_RC(famfs_require_version(&out, FAMFS_FORMAT_V1), 0,
		 "and allows v1 ones");

	bad = sample_sb_v2();
	bad.page_size = 8192;
	famfs_sb_encode(&bad, buf);
	CHECK_RC(famfs_sb_decode(buf, sizeof(buf), &out, &why), -EINVAL,
		 "v2 page size other than 4096 refused");
	bad = sample_sb_v2();
	bad.host_slots = 241;
	famfs_sb_encode(&bad, buf);
	CHECK_RC(famfs_sb_decode(buf, sizeof(buf), &out, &why), -EINVAL,
		 "host table running into the backup superblock refused (%s)",
		 why);
	bad = sample_sb_v2();
	bad.host_table_offset = 0;
	famfs_sb_encode(&bad, buf);
	CHECK_RC(famfs_sb_decode(buf, sizeof(buf), &out, &why), -EINVAL,
		 "host table over the primary superblock refused");
	bad = sample_sb_v2();
	bad.host_table_offset = UINT64_MAX - 4095;
	famfs_sb_encode(&bad, buf);
	CHECK_RC(famfs_sb_decode(buf, sizeof(buf), &out, &why), -EINVAL,
		 "host table offset near 2^64 refused without overflow");
	bad = sample_sb_v2();
	bad.host_slot_size = 512;
	famfs_sb_encode(&bad, buf);
	CHECK_RC(famfs_sb_decode(buf, sizeof(buf), &out, &why), -EINVAL,
		 "host slot size other than 4 KiB refused");
}

static void test_mkfs_v2(void)
{
	char *path = make_device("mkfs2", 64 * MiB);
	struct famfs_mkfs_opts o = { .version = 0 };
	struct famfs_sb_info sb;
	struct famfs_dev *d;
	uint8_t uuid[16];
	bool zero = true;

	famfs_uuid_parse(MASTER_UUID, uuid);
	o.master_uuid = uuid;
	famfs_dev_open(path, FAMFS_DEV_RDWR, &d);
	memset(d->base + (64 << 10), 0xee, 960 << 10);	/* an old host table */
	CHECK_RC(famfs_mkfs(d, &o, &sb), 0, "mkfs");
	CHECK(sb.version == 2 && sb.host_slots == 240 && sb.page_size == 4096,
	      "mkfs writes format version 2");
	for (size_t i = 64 << 10; i < 1 << 20; i++)
		zero &= d->base[i] == 0;
	CHECK(zero, "mkfs zeroes the host table");
	CHECK(famfs_sb_read(d, &sb, NULL, NULL) == 0 && sb.version == 2,
	      "and it reads back as version 2");
	o.version = 1;
	o.force = true;
	CHECK_RC(famfs_mkfs(d, &o, &sb), 0, "mkfs of a version 1 filesystem");
	CHECK(famfs_sb_read(d, &sb, NULL, NULL) == 0 && sb.version == 1 &&
		      !sb.host_slots,
	      "reads back as version 1");
	o.version = 3;
	CHECK_RC(famfs_mkfs(d, &o, &sb), -EINVAL, "unknown version refused");
	famfs_dev_close(d);
	unlink(path);
}

static void test_helpers(void)
{
	uint8_t u[16], v[16];
	uint64_t n = 0;
	char text[37], name[300];

	CHECK(famfs_parse_size("8M", &n) == 0 && n == 8 * MiB, "8M parses");
	CHECK(famfs_parse_size("2GiB", &n) == 0 && n == 2ULL << 30,
	      "2GiB parses");
	CHECK(famfs_parse_size("4096", &n) == 0 && n == 4096, "4096 parses");
	CHECK(famfs_parse_size("12X", &n) == -EINVAL, "12X refused");
	CHECK(famfs_parse_size("-1", &n) == -EINVAL, "-1 refused");
	CHECK(famfs_parse_size("99999999999T", &n) == -ERANGE,
	      "overflowing size refused");

	CHECK(famfs_uuid_parse(MASTER_UUID, u) == 0, "dashed uuid parses");
	famfs_uuid_unparse(u, text);
	CHECK(!strcmp(text, MASTER_UUID), "uuid text round trip");
	CHECK(famfs_uuid_parse("11111111222233334444555555555555\n", v) == 0 &&
		      !memcmp(u, v, 16),
	      "machine-id form (32 hex digits) parses the same");
	CHECK(famfs_uuid_parse("1234", v) == -EINVAL, "short uuid refused");

	memset(name, 'a', sizeof(name));
	name[255] = '\0';
	CHECK(famfs_check_name(name) == 0, "255-byte name allowed");
	name[255] = 'a';
	name[256] = '\0';
	CHECK(famfs_check_name(name) == -ENAMETOOLONG, "256-byte name refused");
	CHECK(famfs_check_name("..") == -EINVAL, "'..' refused");
	CHECK(famfs_check_name("a/b") == -EINVAL, "'/' in a name refused");
	CHECK(famfs_check_name("") == -EINVAL, "empty name refused");
}

static void test_copy_to_device(void)
{
	static uint8_t src[4096 + 64], dst[4096 + 128];
	bool same = true;

	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + 3);
	/* every head/body/tail split: odd offsets and lengths */
	for (size_t doff = 0; doff < 70; doff += 3) {
		for (size_t len = 0; len < 4096; len += 61) {
			memset(dst, 0xee, sizeof(dst));
			famfs_copy_to_device(dst + doff, src + (len % 13), len);
			same &= !memcmp(dst + doff, src + (len % 13), len);
			same &= dst[doff + len] == 0xee;
			same &= doff == 0 || dst[doff - 1] == 0xee;
		}
	}
	CHECK(same, "copy_to_device copies exactly, at any alignment");
	CHECK(strlen(famfs_flush_method()) > 0, "flush method: %s",
	      famfs_flush_method());
}

int main(void)
{
	test_crc();
	test_copy_to_device();
	test_sb();
	test_sb_v2();
	test_mkfs_v2();
	test_helpers();
	return tap_done();
}
