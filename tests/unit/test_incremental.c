// SPDX-License-Identifier: Apache-2.0
/*
 * Replaying a log in one pass (a mount) and entry by entry as it grows (a
 * client catching up) must give the same namespace (famfs(5) Replay:
 * "Replaying the same log always yields the same namespace"). The two
 * differ in one way: a client holds released space for the other hosts
 * (reclaim.c) while a first replay frees it, so each case here reuses or
 * poisons released space and compares the two replays.
 */
#include "tap.h"

#include "raw.h"

#define PAGE 4096ULL
#define UNIT (2 * MiB)

static uint64_t seq;
static uint64_t data_at;
static struct famfs_fs *client;	/* catching up at every entry */
static struct famfs_report client_rep;

/* Append the next entry; the client replays it at once, as the daemon. */
static void append(const char *dev, struct famfs_log_record r)
{
	raw_append(dev, &r, ++seq);
	if (famfs_fs_refresh(client, &client_rep, false, NULL, NULL) < 0) {
		fprintf(stderr, "client refresh failed at %llu\n",
			(unsigned long long)seq);
		exit(99);
	}
}

static void mkdir_entry(const char *dev, const char *path)
{
	append(dev, (struct famfs_log_record){ .type = FAMFS_LOG_MKDIR,
					       .path = path, .mode = 040755 });
}

/* A file of one extent at @off (from the data area) of @len bytes. */
static void file_entry(const char *dev, const char *path, uint64_t off,
		       uint64_t len)
{
	struct famfs_extent e = { data_at + off, len };

	append(dev, (struct famfs_log_record){ .type = FAMFS_LOG_FILE,
					       .path = path, .mode = 0100644,
					       .size = len, .nextents = 1,
					       .extents = &e });
}

static void delete_entry(const char *dev, const char *path)
{
	append(dev, (struct famfs_log_record){ .type = FAMFS_LOG_DELETE,
					       .path = path });
}

static void poison_entry(const char *dev, uint64_t off, uint64_t len)
{
	append(dev, (struct famfs_log_record){ .type = FAMFS_LOG_BADRANGE,
					       .path = "",
					       .bad = { data_at + off, len } });
}

/* Every node: path, type, size and extents, one line each. */
static void describe(struct famfs_fs *fs, char *out, size_t room)
{
	char path[FAMFS_PATH_MAX + 1];
	struct famfs_extent ext[8];
	struct famfs_interleave il;
	struct famfs_stat st;
	size_t used = 0;

	out[0] = '\0';
	for (uint64_t ino = 1; ino <= fs->ns.nnodes && used < room; ino++) {
		int n = 0;

		if (famfs_getattr(fs, ino, &st))
			continue;
		if (famfs_path_of(fs, ino, path, sizeof(path)))
			snprintf(path, sizeof(path), "?");
		if (st.type == FAMFS_NODE_FILE)
			n = famfs_get_extents(fs, ino, ext, 8, &il);
		used += (size_t)snprintf(out + used, room - used,
					 "# /%s size %llu:", path,
					 (unsigned long long)st.size);
		for (int i = 0; i < n && i < 8 && used < room; i++)
			used += (size_t)snprintf(out + used, room - used,
						 " %#llx+%#llx",
						 (unsigned long long)ext[i].offset,
						 (unsigned long long)ext[i].len);
		if (used < room)
			used += (size_t)snprintf(out + used, room - used, "\n");
	}
}

struct replay_case {
	const char *what;
	void (*build)(const char *dev);	/* appends every entry */
	const char *file;	/* a file the log must end with, or NULL */
	bool present;		/* ... present (true) or refused (false) */
	const char *why;	/* the client's reason for refusing, or NULL */
};

/*
 * A client, mounted on the empty log, replays every entry as it comes;
 * then a fresh mount replays the whole log at once: same namespace, and
 * @file present or absent as the case says.
 */
static void compare(const struct replay_case *c)
{
	static char full_text[8192], inc_text[8192];
	static struct captured client_cap;
	char *dev = make_famfs("incremental", 64 * MiB, 0);
	struct famfs_report rep;
	struct famfs_sb_info sb;
	struct famfs_stat st;
	struct captured cap;
	struct famfs_dev *d;
	struct famfs_fs *full;

	d = raw_open(dev);
	if (famfs_sb_read(d, &sb, NULL, NULL) || sb.version < 2 ||
	    sb.page_size != PAGE) {
		fprintf(stderr, "%s: not a version 2 device of 4 KiB pages\n",
			dev);
		exit(99);
	}
	famfs_dev_close(d);
	data_at = sb.data_offset;
	seq = 0;
	capture_init(&client_rep, &client_cap);
	be_client();
	if (famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &client_rep, &client)) {
		fprintf(stderr, "open %s failed\n", dev);
		exit(99);
	}
	c->build(dev);
	describe(client, inc_text, sizeof(inc_text));
	capture_init(&rep, &cap);
	if (famfs_fs_open(dev, FAMFS_OPEN_RDONLY, &rep, &full)) {
		fprintf(stderr, "open %s failed\n", dev);
		exit(99);
	}
	describe(full, full_text, sizeof(full_text));
	CHECK(!strcmp(inc_text, full_text),
	      "%s: entry by entry and in one pass, the same namespace",
	      c->what);
	if (strcmp(inc_text, full_text))
		printf("# entry by entry:\n%s# in one pass:\n%s", inc_text,
		       full_text);
	if (c->file)
		CHECK((famfs_resolve(full, c->file, &st) == 0) == c->present &&
			      (famfs_resolve(client, c->file, &st) == 0) ==
				      c->present,
		      "%s: %s %s", c->what, c->file,
		      c->present ? "replayed" : "refused");
	if (c->why)
		CHECK(strstr(client_cap.all, c->why),
		      "%s: the client says why: %s", c->what, c->why);
	famfs_fs_close(full);
	famfs_fs_close(client);
	client = NULL;
	unlink(dev);
}

/*
 * The fuzzer's case (fuzz_log, "full and incremental replay differ"): a
 * small file's piece is the only thing in its unit; it is deleted, and a
 * later entry gives the whole unit (and the next) to a large file. A
 * client holding the released piece must see the unit as free.
 */
static void piece_then_unit(const char *dev)
{
	file_entry(dev, "small", 0, PAGE);
	delete_entry(dev, "small");
	mkdir_entry(dev, "d");
	file_entry(dev, "d/big", 0, 2 * UNIT);
}

/* Two released pieces, a poisoned page between them: the unit is not free. */
static void pieces_poison_then_unit(const char *dev)
{
	file_entry(dev, "a", 0, PAGE);
	file_entry(dev, "b", 4 * PAGE, 2 * PAGE);
	delete_entry(dev, "a");
	poison_entry(dev, UNIT - PAGE, 16);
	delete_entry(dev, "b");
	file_entry(dev, "big", 0, UNIT);
}

/* A piece poisoned while its file lived, released, then reused. */
static void poisoned_piece_reused(const char *dev)
{
	file_entry(dev, "a", UNIT, 8 * PAGE);
	file_entry(dev, "keep", UNIT + 64 * PAGE, PAGE);
	poison_entry(dev, UNIT + 2 * PAGE + 100, 8);
	delete_entry(dev, "a");
	file_entry(dev, "again", UNIT, 4 * PAGE);
}

/* A unit extent poisoned while its file lived, released, then reused. */
static void poisoned_unit_reused(const char *dev)
{
	file_entry(dev, "a", 2 * UNIT, UNIT);
	poison_entry(dev, 2 * UNIT + 300 * PAGE, PAGE);
	delete_entry(dev, "a");
	file_entry(dev, "again", 2 * UNIT, UNIT);
}

/* The same space poisoned, released: its clean pages can take a piece. */
static void clean_page_of_poisoned_unit(const char *dev)
{
	file_entry(dev, "a", 2 * UNIT, UNIT);
	poison_entry(dev, 2 * UNIT + 300 * PAGE, PAGE);
	delete_entry(dev, "a");
	file_entry(dev, "piece", 2 * UNIT + 4 * PAGE, 2 * PAGE);
}

/* A whole released unit reused by a unit extent (worked before). */
static void unit_then_unit(const char *dev)
{
	file_entry(dev, "a", 3 * UNIT, UNIT);
	delete_entry(dev, "a");
	file_entry(dev, "b", 3 * UNIT, 2 * UNIT);
}

int main(void)
{
	static const struct replay_case cases[] = {
		{ "a released piece, its unit then reused whole",
		  piece_then_unit, "d/big", true },
		{ "released pieces beside poison, the unit reused whole",
		  pieces_poison_then_unit, "big", false },
		{ "a released piece poisoned before, reused",
		  poisoned_piece_reused, "again", false,
		  "(again): extent holds poisoned memory" },
		{ "a released unit poisoned before, reused",
		  poisoned_unit_reused, "again", false,
		  "(again): extent holds poisoned memory" },
		{ "a clean page of a released poisoned unit",
		  clean_page_of_poisoned_unit, "piece", true },
		{ "a released unit reused whole", unit_then_unit, "b", true },
	};

	capture_quiet = true;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		compare(&cases[i]);
	return tap_done();
}
