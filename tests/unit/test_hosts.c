// SPDX-License-Identifier: Apache-2.0
/*
 * The host table: slot coding (CRC seeded with the filesystem UUID),
 * claiming, heartbeats, pins, eviction, and the reclaim rule that keeps
 * released space until no live slot can touch it.
 */
#include <sys/stat.h>

#include "tap.h"

static const uint8_t fs_uuid[16] = { 1, 2, 3, 4, 5, 6, 7, 8,
				     9, 10, 11, 12, 13, 14, 15, 16 };

static void test_codec(void)
{
	static struct famfs_host_info h, got;
	static uint8_t slot[HOST_SLOT_SIZE];
	uint8_t other[16];

	memset(&h, 0, sizeof(h));
	memset(h.system_uuid, 0xab, 16);
	h.nonce = 0x1122334455667788ULL;
	h.state = FAMFS_HOST_MOUNTED;
	h.role = FAMFS_HOST_CLIENT;
	h.replayed = 42;
	h.heartbeat = 7;
	h.heartbeat_time = 123456789;
	h.mount_time = 99;
	h.npins = FAMFS_HOST_MAX_PINS;
	for (uint32_t i = 0; i < h.npins; i++)
		h.pins[i] = 1000 + i;
	host_slot_encode(&h, fs_uuid, slot);
	CHECK(!memcmp(slot, "FAMFSHS1", 8) &&
		      get_le64(slot + HOST_OFF_NONCE) == h.nonce &&
		      get_le64(slot + HOST_OFF_REPLAYED) == 42 &&
		      get_le64(slot + 216 + 8 * 484) == 1484,
	      "fields where famfs(5) puts them (485th pin at 4088)");
	CHECK(get_le32(slot + HOST_OFF_CRC) ==
		      famfs_crc32c(famfs_crc32c(0, fs_uuid, 16), slot + 128,
				   4096 - 128),
	      "CRC of the fs UUID then bytes 128..4095");
	host_slot_decode(slot, fs_uuid, 3, &got);
	CHECK(got.status == FAMFS_SLOT_OK && got.slot == 3 &&
		      got.replayed == 42 && got.npins == 485 &&
		      got.pins[484] == 1484 && !got.pins_overflow &&
		      !got.evicted && got.role == FAMFS_HOST_CLIENT,
	      "round trip");
	memcpy(other, fs_uuid, 16);
	other[0] ^= 1;
	host_slot_decode(slot, other, 3, &got);
	CHECK(got.status == FAMFS_SLOT_DAMAGED,
	      "another filesystem's UUID fails the CRC");
	slot[300] ^= 0x10;
	host_slot_decode(slot, fs_uuid, 3, &got);
	CHECK(got.status == FAMFS_SLOT_DAMAGED && got.nonce == h.nonce,
	      "a flipped byte: damaged, nonce still readable for eviction");
	slot[300] ^= 0x10;
	put_le64(slot + HOST_OFF_EVICT, h.nonce);
	host_slot_decode(slot, fs_uuid, 3, &got);
	CHECK(got.status == FAMFS_SLOT_OK && got.evicted,
	      "the eviction word is outside the CRC");
	put_le32(slot + HOST_OFF_NPINS, 486);
	put_le32(slot + HOST_OFF_CRC, famfs_crc32c(famfs_crc32c(0, fs_uuid,
								16),
						   slot + 128, 4096 - 128));
	host_slot_decode(slot, fs_uuid, 3, &got);
	CHECK(got.pins_overflow && got.npins == 485,
	      "an impossible pin count pins everything");
	h.npins = 486;	/* more than fit */
	host_slot_encode(&h, fs_uuid, slot);
	host_slot_decode(slot, fs_uuid, 3, &got);
	CHECK(got.pins_overflow, "too many pins sets the overflow flag");
	memset(slot, 0, 8);
	host_slot_decode(slot, fs_uuid, 3, &got);
	CHECK(got.status == FAMFS_SLOT_EMPTY, "no magic: empty");
}

/* A version 1 device, opened and then treated as version 2. */
static struct famfs_fs *open_as(const char *dev, bool master, bool claim)
{
	struct famfs_fs *fs;

	if (master)
		be_master();
	else
		be_client();
	if (famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs))
		exit(99);
	fs->sb.version = 2;
	fs->horizon.replayed = 0;	/* as a v2 open would have read */
	if (claim && host_claim(fs, NULL))
		exit(99);
	return fs;
}

struct listing {
	int n, mounted, damaged;
	int want;			/* the slot to keep in .last */
	struct famfs_host_info last;
};

static int list_one(void *ctx, const struct famfs_host_info *h)
{
	struct listing *l = ctx;

	l->n++;
	l->mounted += h->status == FAMFS_SLOT_OK &&
		      h->state == FAMFS_HOST_MOUNTED;
	l->damaged += h->status == FAMFS_SLOT_DAMAGED;
	if (l->want < 0 || (int)h->slot == l->want)
		l->last = *h;
	return 0;
}

/* The host table as @fs reads it; .last is slot @want (-1: the last). */
static struct listing list_slot(struct famfs_fs *fs, int want)
{
	struct listing l;

	memset(&l, 0, sizeof(l));
	l.want = want;
	famfs_hosts_read(fs->dev, &fs->sb, list_one, &l);
	return l;
}

#define list(fs) list_slot(fs, -1)

static void test_claim(void)
{
	char *dev = make_famfs("claim", 64 * MiB, 0);
	struct famfs_fs *m = open_as(dev, true, true);
	struct famfs_fs *c = open_as(dev, false, true);
	struct famfs_fs *c2;
	struct listing l;
	int slot;

	l = list(m);
	CHECK(l.n == 2 && l.mounted == 2, "two hosts, two slots");
	CHECK(famfs_host_slot(m) == 0 && famfs_host_slot(c) == 1,
	      "first free slots");
	CHECK(l.last.role == FAMFS_HOST_CLIENT && l.last.replayed == 0,
	      "claimed as client with replayed 0");
	CHECK_RC(famfs_hosts_mounted(m->dev, &m->sb), 2, "mkfs would refuse");
	c->last_seq = 17;
	CHECK_RC(famfs_host_beat(c), 0, "heartbeat");
	l = list(m);
	CHECK(l.last.replayed == 17 && l.last.heartbeat >= 2,
	      "the heartbeat carries replayed and advances");
	slot = famfs_host_slot(c);
	host_unmount(c);
	l = list(m);
	CHECK(l.mounted == 1 && l.last.state == FAMFS_HOST_UNMOUNTED,
	      "a clean unmount says so");
	famfs_fs_close(c);
	c2 = open_as(dev, false, true);
	CHECK(famfs_host_slot(c2) == slot,
	      "the same host takes its unmounted slot again");

	/* eviction */
	CHECK_RC(famfs_host_evict(c2, 0, 1), -EROFS, "only the master evicts");
	l = list(m);
	CHECK_RC(famfs_host_evict(m, (uint32_t)slot, l.last.nonce + 1),
		 -ESTALE, "eviction names the mount it means");
	CHECK_RC(famfs_host_evict(m, (uint32_t)slot, l.last.nonce), 0,
		 "evict the client");
	CHECK(famfs_host_evicted(c2), "the client sees it");
	CHECK_RC(famfs_host_beat(c2), -EIO, "and its heartbeat stops");
	CHECK_RC(famfs_hosts_mounted(m->dev, &m->sb), 1,
		 "an evicted slot does not count");
	famfs_fs_close(c2);
	c = open_as(dev, false, true);
	CHECK(famfs_host_slot(c) == slot, "an evicted slot is free again");
	CHECK(!famfs_host_evicted(c), "and the new mount is not evicted");
	famfs_fs_close(c);
	famfs_fs_close(m);
	unlink(dev);
}

static uint64_t free_bytes(struct famfs_fs *fs)
{
	struct famfs_usage u;

	famfs_fs_usage(fs, &u);
	return u.free_bytes;
}

/* Apply @r on both hosts, as the master's append and the client's replay. */
static void both(struct famfs_fs *m, struct famfs_fs *c,
		 struct famfs_log_record *r)
{
	const char *why;

	r->seq = ++m->last_seq;
	r->time = r->seq;
	if (replay_apply(m, r, &why) || replay_apply(c, r, &why)) {
		printf("# setup refused: %s\n", why);
		exit(99);
	}
}

static void test_reclaim(void)
{
	char *dev = make_famfs("reclaim", 64 * MiB, 0);
	struct famfs_fs *m = open_as(dev, true, true);
	struct famfs_fs *c = open_as(dev, false, true);
	struct famfs_extent e = { m->sb.data_offset, 4 * MiB };
	struct famfs_log_record file = { .type = FAMFS_LOG_FILE, .path = "f",
					 .mode = 0644, .size = e.len,
					 .nextents = 1, .extents = &e };
	struct famfs_log_record del = { .type = FAMFS_LOG_DELETE,
					.path = "f" };
	struct famfs_usage u;
	struct famfs_stat st;
	struct listing l;
	uint64_t before;

	both(m, c, &file);
	c->last_seq = m->last_seq;
	famfs_host_beat(c);
	famfs_resolve(c, "f", &st);
	famfs_hold(c, st.ino);	/* the client has it open */
	before = free_bytes(m);
	both(m, c, &del);
	CHECK(free_bytes(m) == before, "released but held by the master");
	famfs_fs_usage(m, &u);
	CHECK(u.held_bytes == 4 * MiB, "df shows 4 MiB waiting for hosts");
	CHECK(famfs_reclaim(m) == 0,
	      "the client has not replayed the delete: kept");
	c->last_seq = m->last_seq;	/* the client replays it, pins it */
	CHECK_RC(famfs_host_beat(c), 0, "client heartbeat with its pin");
	l = list(m);
	CHECK(l.last.npins == 1 && l.last.pins[0] == st.identity,
	      "the pin names the node's identity");
	CHECK(famfs_reclaim(m) == 0, "pinned: kept");

	/* a torn slot of a third host blocks reclaim until evicted */
	famfs_unhold(c, st.ino);
	l = list(m);
	CHECK(l.last.npins == 0, "the client's close clears the pin at once");
	{
		uint8_t *slot = m->dev->base + HOST_TABLE_OFFSET +
				5 * HOST_SLOT_SIZE;
		/* its replay mark says it read the delete: not to be trusted */
		struct famfs_host_info h = { .nonce = 77,
					     .state = FAMFS_HOST_MOUNTED,
					     .replayed = m->last_seq };

		host_slot_encode(&h, m->sb.fs_uuid, slot);
		slot[200] ^= 1;
		l = list_slot(m, 5);
		CHECK(l.last.status == FAMFS_SLOT_DAMAGED &&
			      l.last.replayed == m->last_seq && !l.last.npins,
		      "a damaged slot whose fields read as replayed, no pins");
		CHECK(famfs_reclaim(m) == 0, "a damaged slot holds everything");
		CHECK_RC(famfs_host_evict(m, 5, 77), 0,
			 "evict it (its nonce is still readable)");
	}
	/*
	 * a host with more nodes pinned than its slot lists pins every
	 * release, not just the ones listed (here none is the file's)
	 */
	{
		uint8_t *slot = m->dev->base + HOST_TABLE_OFFSET +
				6 * HOST_SLOT_SIZE;
		static struct famfs_host_info h;

		memset(&h, 0, sizeof(h));
		h.nonce = 78;
		h.state = FAMFS_HOST_MOUNTED;
		h.replayed = m->last_seq;
		h.npins = FAMFS_HOST_MAX_PINS + 1;
		host_slot_encode(&h, m->sb.fs_uuid, slot);
		l = list_slot(m, 6);
		CHECK(l.last.status == FAMFS_SLOT_OK && l.last.pins_overflow,
		      "a slot whose pins overflowed");
		CHECK(famfs_reclaim(m) == 0,
		      "its host may hold the file: kept");
		CHECK_RC(famfs_host_evict(m, 6, 78), 0, "evict it");
	}
	CHECK(famfs_reclaim(m) == 4 * MiB, "then the space is reclaimed");
	CHECK(free_bytes(m) == before + 4 * MiB, "and free");

	/* a host that goes away cleanly pins nothing */
	e.offset += 8 * MiB;
	file.path = "g";
	del.path = "g";
	both(m, c, &file);
	famfs_resolve(c, "g", &st);
	famfs_hold(c, st.ino);
	c->last_seq = m->last_seq;
	famfs_host_beat(c);
	both(m, c, &del);
	c->last_seq = m->last_seq;
	famfs_host_beat(c);
	CHECK(famfs_reclaim(m) == 0, "held by the client");
	l = list_slot(m, famfs_host_slot(c));
	CHECK(l.last.npins == 1, "one node, one pin");
	famfs_fs_close(c);
	CHECK(famfs_reclaim(m) == 4 * MiB,
	      "a clean unmount lets go of everything");
	famfs_fs_close(m);
	unlink(dev);
}

/*
 * A file replayed over held space frees the release it reuses (the
 * master frees a release whole), and only that one: not the release of
 * the file that lay right before it.
 */
static void test_reclaim_reused(void)
{
	char *dev = make_famfs("reused", 64 * MiB, 0);
	struct famfs_fs *m = open_as(dev, true, true);
	struct famfs_fs *c = open_as(dev, false, true);
	struct famfs_extent e1 = { m->sb.data_offset, 2 * MiB };
	struct famfs_extent e2 = { m->sb.data_offset + 2 * MiB, 2 * MiB };
	struct famfs_log_record f1 = { .type = FAMFS_LOG_FILE, .path = "f1",
				       .mode = 0644, .size = 2 * MiB,
				       .nextents = 1, .extents = &e1 };
	struct famfs_log_record f2 = f1, g = f1;
	struct famfs_log_record del = { .type = FAMFS_LOG_DELETE };
	struct famfs_stat st;
	struct famfs_usage u;
	const char *why;

	f2.path = "f2";
	f2.extents = &e2;
	g.path = "g";
	g.extents = &e2;
	both(m, c, &f1);
	both(m, c, &f2);
	famfs_resolve(c, "f1", &st);
	famfs_hold(c, st.ino);
	famfs_resolve(c, "f2", &st);
	famfs_hold(c, st.ino);
	del.path = "f1";
	both(m, c, &del);
	del.path = "f2";
	both(m, c, &del);
	famfs_fs_usage(c, &u);
	CHECK(u.held_bytes == 4 * MiB, "both deleted files held here");
	/* the master reused f2's space (as if every host had let go) */
	g.seq = ++m->last_seq;
	g.time = g.seq;
	CHECK_RC(replay_apply(c, &g, &why), 0, "a new file over f2's space");
	famfs_fs_usage(c, &u);
	CHECK(u.held_bytes == 2 * MiB && c->nreleases == 1 &&
		      c->releases[0].ext.offset == e1.offset,
	      "f2's release is forgotten, f1's (right before it) still held");
	CHECK(fsck_check_marked(c, NULL), "and its space still marked held");
	famfs_fs_close(c);
	famfs_fs_close(m);
	unlink(dev);
}

int main(void)
{
	test_codec();
	test_claim();
	test_reclaim();
	test_reclaim_reused();
	return tap_done();
}
