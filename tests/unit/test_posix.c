// SPDX-License-Identifier: Apache-2.0
/*
 * Format version 2 namespace entries applied as replay applies them:
 * delete, rename (replace, no-replace, exchange), symbolic links,
 * attributes with times, file contents (grow, shrink), the refusals
 * famfs(5) lists, the Times rules, and stable readdir cookies.
 */
#include <sys/stat.h>

#include "tap.h"

static uint64_t seq;

/* A version 1 device opened as master, treated as version 2 in memory. */
static struct famfs_fs *open_v2(const char *dev)
{
	struct famfs_fs *fs;

	be_master();
	if (famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs)) {
		fprintf(stderr, "open %s failed\n", dev);
		exit(99);
	}
	fs->sb.version = 2;
	seq = 1000;
	return fs;
}

static int apply(struct famfs_fs *fs, struct famfs_log_record *r)
{
	const char *why = NULL;
	int rc;

	r->seq = ++seq;
	r->time = seq * 10;
	rc = replay_apply(fs, r, &why);
	if (!rc)
		fs->last_seq = r->seq;	/* as replay advances it */
	if (rc)
		printf("# refused: %s\n", why);
	return rc;
}

static int mkdir_at(struct famfs_fs *fs, const char *path)
{
	struct famfs_log_record r = { .type = FAMFS_LOG_MKDIR, .path = path,
				      .mode = 0755 };

	return apply(fs, &r);
}

/* A file of @units allocation units at unit @first of the data area. */
static int file_at(struct famfs_fs *fs, const char *path, uint64_t first,
		   uint64_t units)
{
	struct famfs_extent e = {
		fs->sb.data_offset + first * MiB * 2, units * MiB * 2,
	};
	struct famfs_log_record r = { .type = FAMFS_LOG_FILE, .path = path,
				      .mode = 0644, .size = e.len,
				      .nextents = units ? 1 : 0,
				      .extents = &e };

	return apply(fs, &r);
}

static int del(struct famfs_fs *fs, const char *path)
{
	struct famfs_log_record r = { .type = FAMFS_LOG_DELETE, .path = path };

	return apply(fs, &r);
}

static int ren(struct famfs_fs *fs, const char *from, const char *to,
	       uint32_t flags)
{
	struct famfs_log_record r = { .type = FAMFS_LOG_RENAME, .path = from,
				      .new_path = to, .rename_flags = flags };

	return apply(fs, &r);
}

static bool exists(struct famfs_fs *fs, const char *path)
{
	struct famfs_stat st;

	return famfs_resolve(fs, path, &st) == 0;
}

/* Free space once what no host holds is reclaimed (a daemon's tick). */
static uint64_t free_bytes(struct famfs_fs *fs)
{
	struct famfs_usage u;

	famfs_reclaim(fs);
	famfs_fs_usage(fs, &u);
	return u.free_bytes;
}

static void test_delete(void)
{
	char *dev = make_famfs("del", 64 * MiB, 0);
	struct famfs_fs *fs = open_v2(dev);
	struct famfs_stat st;
	uint64_t before;

	mkdir_at(fs, "d");
	mkdir_at(fs, "d/e");
	file_at(fs, "d/f", 0, 2);
	before = free_bytes(fs);
	CHECK_RC(del(fs, "d/missing"), -ENOENT, "delete of a missing name");
	CHECK_RC(del(fs, "d"), -ENOTEMPTY, "delete of a non-empty directory");
	CHECK_RC(del(fs, "nope/f"), -ENOENT, "delete under a missing parent");
	CHECK_RC(del(fs, "d/f/x"), -ENOTDIR, "delete under a file");
	CHECK_RC(del(fs, "/d/f"), -EINVAL, "absolute path refused");
	CHECK_RC(del(fs, "d/../d/f"), -EINVAL, "'..' refused");
	CHECK_RC(del(fs, "d/f"), 0, "delete a file");
	CHECK(!exists(fs, "d/f"), "its name is gone");
	CHECK(free_bytes(fs) == before + 4 * MiB,
	      "no host holds it: its 4 MiB are free at once");
	famfs_resolve(fs, "d", &st);
	CHECK(st.mtime == seq * 10 && st.ctime == seq * 10,
	      "the directory's times are the delete's");
	CHECK_RC(del(fs, "d/f"), -ENOENT, "deleting it twice is refused");
	CHECK_RC(del(fs, "d/e"), 0, "delete an empty directory");
	CHECK_RC(del(fs, "d"), 0, "then its parent");
	CHECK(!exists(fs, "d") && fs->ns.ndirs == 1 && fs->ns.nfiles == 0,
	      "only the root is left");
	CHECK_RC(mkdir_at(fs, "d"), 0, "the name can be used again");
	famfs_fs_close(fs);
	unlink(dev);
}

static void test_rename(void)
{
	char *dev = make_famfs("ren", 64 * MiB, 0);
	struct famfs_fs *fs = open_v2(dev);
	struct famfs_stat a, b, st;
	uint64_t before;

	mkdir_at(fs, "a");
	mkdir_at(fs, "a/b");
	mkdir_at(fs, "c");
	mkdir_at(fs, "empty");
	file_at(fs, "a/f", 0, 1);
	file_at(fs, "a/g", 1, 1);
	famfs_resolve(fs, "a/f", &a);
	CHECK_RC(ren(fs, "a/f", "a/f2", 0), 0, "rename in one directory");
	famfs_resolve(fs, "a/f2", &st);
	CHECK(st.ino == a.ino && st.identity == a.identity &&
		      !exists(fs, "a/f"),
	      "same node, same identity, old name gone");
	CHECK(st.ctime == seq * 10, "the moved node's change time");
	CHECK_RC(ren(fs, "a/f2", "c/f", 0), 0, "across directories");
	famfs_resolve(fs, "c", &st);
	CHECK(st.mtime == seq * 10, "the new directory's times");
	famfs_resolve(fs, "a", &st);
	CHECK(st.mtime == seq * 10, "and the old one's");
	before = free_bytes(fs);
	famfs_resolve(fs, "a/g", &b);
	CHECK_RC(ren(fs, "c/f", "a/g", 0), 0, "over an existing file");
	famfs_resolve(fs, "a/g", &st);
	CHECK(st.ino == a.ino && free_bytes(fs) == before + 2 * MiB,
	      "the replaced file's space is released");
	CHECK_RC(ren(fs, "a/g", "a/g", 0), 0, "onto itself: nothing happens");
	CHECK(exists(fs, "a/g"), "still there");
	CHECK_RC(ren(fs, "a", "a/b/x", 0), -EINVAL,
		 "a directory into its own subtree");
	CHECK_RC(ren(fs, "a", "a/x", 0), -EINVAL, "into itself");
	CHECK_RC(ren(fs, "a/g", "a/b", 0), -EISDIR,
		 "a file over a directory");
	CHECK_RC(ren(fs, "a/b", "a/g", 0), -ENOTDIR,
		 "a directory over a file");
	CHECK_RC(ren(fs, "c", "a", 0), -ENOTEMPTY,
		 "over a non-empty directory");
	CHECK_RC(ren(fs, "a/g", "a/g/x", 0), -ENOTDIR,
		 "across a non-directory");
	CHECK_RC(ren(fs, "a/missing", "c/x", 0), -ENOENT,
		 "a missing source");
	CHECK_RC(ren(fs, "a/g", "nope/x", 0), -ENOENT,
		 "a missing destination parent");
	CHECK_RC(ren(fs, "c", "empty", 0), 0,
		 "a directory over an empty directory");
	CHECK(!exists(fs, "c") && exists(fs, "empty"), "it took the name");
	file_at(fs, "a/h", 2, 1);
	CHECK_RC(ren(fs, "a/h", "a/g", FAMFS_RENAME_NOREPLACE), -EEXIST,
		 "no-replace over an existing name");
	CHECK_RC(ren(fs, "a/h", "a/i", FAMFS_RENAME_NOREPLACE), 0,
		 "no-replace to a free name");
	famfs_resolve(fs, "a/i", &a);
	famfs_resolve(fs, "a/b", &b);
	CHECK_RC(ren(fs, "a/i", "a/b", FAMFS_RENAME_EXCHANGE), 0,
		 "exchange a file and a directory");
	famfs_resolve(fs, "a/i", &st);
	CHECK(st.ino == b.ino && st.type == FAMFS_NODE_DIR, "names traded");
	famfs_resolve(fs, "a/b", &st);
	CHECK(st.ino == a.ino && st.type == FAMFS_NODE_FILE, "both ways");
	CHECK_RC(ren(fs, "a/i", "a/nope", FAMFS_RENAME_EXCHANGE), -ENOENT,
		 "exchange with a missing name");
	CHECK_RC(ren(fs, "a", "a/i", FAMFS_RENAME_EXCHANGE), -EINVAL,
		 "exchange with its own subtree");
	CHECK_RC(ren(fs, "a/i", "a/b", 3), -EINVAL,
		 "no-replace and exchange together");
	CHECK_RC(ren(fs, "a/i", "a/b", 4), -EINVAL, "unknown flags");
	famfs_fs_close(fs);
	unlink(dev);
}

static void test_symlink_attrs(void)
{
	char *dev = make_famfs("sym", 64 * MiB, 0);
	struct famfs_fs *fs = open_v2(dev);
	char target[FAMFS_SYMLINK_MAX + 2], buf[FAMFS_SYMLINK_MAX + 1];
	struct famfs_log_record r = { .type = FAMFS_LOG_SYMLINK,
				      .path = "l", .uid = 5, .gid = 6 };
	struct famfs_stat st;

	memset(target, 't', sizeof(target));
	target[FAMFS_SYMLINK_MAX] = '\0';
	r.target = target;
	CHECK_RC(apply(fs, &r), 0, "a 4095-byte symbolic link");
	famfs_resolve(fs, "l", &st);
	CHECK(st.type == FAMFS_NODE_SYMLINK && st.mode == (S_IFLNK | 0777) &&
		      st.size == FAMFS_SYMLINK_MAX && st.uid == 5 &&
		      st.atime == seq * 10,
	      "its attributes");
	CHECK_RC(famfs_readlink(fs, st.ino, buf, sizeof(buf)),
		 FAMFS_SYMLINK_MAX, "readlink gives it back");
	CHECK(!strcmp(buf, target), "byte for byte");
	CHECK_RC(apply(fs, &r), -EEXIST, "same name again");
	target[FAMFS_SYMLINK_MAX] = 't';
	target[FAMFS_SYMLINK_MAX + 1] = '\0';
	r.path = "long";
	CHECK_RC(apply(fs, &r), -ENAMETOOLONG, "a 4096-byte target refused");
	r.target = "";
	CHECK_RC(apply(fs, &r), -ENAMETOOLONG, "an empty target refused");
	/* the master's own check, before it logs one */
	CHECK_RC(famfs_symlink(fs, FAMFS_ROOT_INO, "made-long", target, 0, 0,
			       NULL),
		 -ENAMETOOLONG, "famfs_symlink refuses a 4096-byte target");
	target[FAMFS_SYMLINK_MAX] = '\0';
	CHECK_RC(famfs_symlink(fs, FAMFS_ROOT_INO, "made", target, 0, 0, &st),
		 0, "and makes a 4095-byte one (the most symlink(2) takes)");
	CHECK(famfs_readlink(fs, st.ino, buf, sizeof(buf)) ==
			  FAMFS_SYMLINK_MAX && !strcmp(buf, target),
	      "which reads back byte for byte");

	struct famfs_log_record at = { .type = FAMFS_LOG_ATTR, .path = "l",
				       .setattr_mask = FAMFS_SETATTR_MODE,
				       .mode = 0600 };
	CHECK_RC(apply(fs, &at), -EINVAL, "a symbolic link has no mode");
	at.setattr_mask = FAMFS_SETATTR_MTIME | FAMFS_SETATTR_UID;
	at.mtime = 12345;
	at.uid = 77;
	CHECK_RC(apply(fs, &at), 0, "mtime and owner of a link");
	famfs_resolve(fs, "l", &st);
	CHECK(st.mtime == 12345 && st.uid == 77 && st.ctime == seq * 10 &&
		      st.atime != 12345,
	      "only what the mask names, and the change time");
	at.setattr_mask = 0x20;
	CHECK_RC(apply(fs, &at), -EINVAL, "unknown mask bits refused");
	at.path = "nope";
	at.setattr_mask = FAMFS_SETATTR_ATIME;
	CHECK_RC(apply(fs, &at), -ENOENT, "attributes of a missing name");
	CHECK_RC(del(fs, "l"), 0, "delete a symbolic link");
	famfs_fs_close(fs);
	unlink(dev);
}

static int contents(struct famfs_fs *fs, const char *path, uint64_t size,
		    const struct famfs_extent *ext, uint32_t n)
{
	struct famfs_log_record r = { .type = FAMFS_LOG_CONTENTS,
				      .path = path, .mode = 0600,
				      .size = size, .nextents = n,
				      .extents = ext };

	return apply(fs, &r);
}

static void test_contents(void)
{
	char *dev = make_famfs("cont", 64 * MiB, 0);
	struct famfs_fs *fs = open_v2(dev);
	uint64_t base, before;
	struct famfs_extent e[2];
	struct famfs_stat st, other;

	base = fs->sb.data_offset;
	mkdir_at(fs, "d");
	file_at(fs, "f", 0, 2);
	file_at(fs, "g", 4, 1);
	famfs_resolve(fs, "g", &other);
	before = free_bytes(fs);
	/* grow: keep the first 4 MiB, add one unit further on */
	e[0] = (struct famfs_extent){ base, 4 * MiB };
	e[1] = (struct famfs_extent){ base + 6 * MiB, 2 * MiB };
	CHECK_RC(contents(fs, "f", 5 * MiB, e, 2), 0, "grow a file");
	famfs_resolve(fs, "f", &st);
	CHECK(st.size == 5 * MiB && st.nextents == 2 &&
		      st.mode == (S_IFREG | 0600) && st.mtime == seq * 10,
	      "new size, extents, mode and modification time");
	CHECK(free_bytes(fs) == before - 2 * MiB, "2 MiB more in use");
	/* shrink: keep one unit of the first extent */
	e[0].len = 2 * MiB;
	CHECK_RC(contents(fs, "f", 1 * MiB, e, 1), 0, "shrink it");
	CHECK(free_bytes(fs) == before + 2 * MiB,
	      "the units it lost are released");
	e[0] = (struct famfs_extent){ base + 8 * MiB, 2 * MiB };
	CHECK_RC(contents(fs, "f", 1 * MiB, e, 1), -EEXIST,
		 "an extent of another file refused");
	e[0] = (struct famfs_extent){ base, 2 * MiB };
	CHECK_RC(contents(fs, "f", 3 * MiB, e, 1), -EINVAL,
		 "a size beyond the extents refused");
	e[0] = (struct famfs_extent){ base + 1, 2 * MiB };
	CHECK_RC(contents(fs, "f", 1, e, 1), -EINVAL,
		 "a misaligned extent refused");
	/* the fuzzer's: aligned, but its end wraps past 2^64 to low memory */
	e[0] = (struct famfs_extent){ base, 2 * MiB };
	e[1] = (struct famfs_extent){ UINT64_MAX / (2 * MiB) * (2 * MiB),
				      4 * MiB };
	CHECK_RC(contents(fs, "f", 1, e, 2), -ERANGE,
		 "an extent whose end wraps around refused");
	e[1] = (struct famfs_extent){ base + 8 * MiB, 0 };
	CHECK_RC(contents(fs, "f", 1, e, 2), -EINVAL,
		 "an extent of length 0 refused");
	/*
	 * The fuzzer's too: one unit extent of 2^60 bytes starting at the
	 * file's own unit was walked unit by unit (2^39 steps, a client
	 * stuck in replay); now refused at once
	 */
	e[0] = (struct famfs_extent){ base, 1ULL << 60 };
	CHECK_RC(contents(fs, "f", 1, e, 1), -ERANGE,
		 "an extent of 2^60 bytes over the file's own unit refused");
	e[0] = (struct famfs_extent){ base + 2 * MiB, 4 * MiB };
	e[1] = (struct famfs_extent){ base + 4 * MiB, 2 * MiB };
	CHECK_RC(contents(fs, "f", 1, e, 2), -EEXIST,
		 "extents overlapping each other refused");
	CHECK_RC(contents(fs, "d", 0, NULL, 0), -EISDIR,
		 "contents of a directory refused");
	CHECK_RC(contents(fs, "nope", 0, NULL, 0), -ENOENT,
		 "contents of a missing name refused");
	/* growing an extent in place: kept units plus free ones */
	e[0] = (struct famfs_extent){ base, 4 * MiB };
	CHECK_RC(contents(fs, "f", 3 * MiB, e, 1), 0,
		 "an extent grown in place over free units");
	famfs_resolve(fs, "f", &st);
	CHECK(st.nextents == 1 && st.allocated == 4 * MiB &&
		      free_bytes(fs) == before,
	      "it holds its old unit and the next one");
	e[0] = (struct famfs_extent){ base, 10 * MiB };
	CHECK_RC(contents(fs, "f", 3 * MiB, e, 1), -EEXIST,
		 "grown in place over another file's units: refused");
	CHECK_RC(contents(fs, "f", 0, NULL, 0), 0, "truncate to nothing");
	if (fs->alloc.page < fs->alloc.unit) {
		/* a packed piece grows by pages, in place */
		uint64_t unit_end = base + 20 * MiB;

		e[0] = (struct famfs_extent){ base + 18 * MiB, 8192 };
		CHECK_RC(contents(fs, "f", 8192, e, 1), 0, "a piece");
		e[0].len = 16384;
		CHECK_RC(contents(fs, "f", 16384, e, 1), 0,
			 "the piece grown in place");
		e[0] = (struct famfs_extent){ unit_end - 8192, 8192 };
		CHECK_RC(contents(fs, "f", 8192, e, 1), 0,
			 "moved to the end of its unit (the old one released)");
		e[0].len = 16384;
		CHECK_RC(contents(fs, "f", 16384, e, 1), -EINVAL,
			 "grown in place across a unit boundary: refused");
		CHECK_RC(contents(fs, "f", 0, NULL, 0), 0, "and dropped");
	}
	famfs_resolve(fs, "f", &st);
	CHECK(st.size == 0 && st.allocated == 0 &&
		      free_bytes(fs) == before + 4 * MiB,
	      "all its space released");
	famfs_getattr(fs, other.ino, &st);
	CHECK(st.size == 2 * MiB, "the other file untouched");
	famfs_fs_close(fs);
	unlink(dev);
}

static void test_times_and_cookies(void)
{
	char *dev = make_famfs("cookies", 64 * MiB, 0);
	struct famfs_fs *fs = open_v2(dev);
	char name[FAMFS_NAME_MAX + 1], path[64];
	struct famfs_stat st, d;
	uint64_t cookie = 0;
	int listed = 0, again = 0;

	mkdir_at(fs, "d");
	famfs_resolve(fs, "d", &d);
	CHECK(d.atime == seq * 10 && d.mtime == d.atime &&
		      d.ctime == d.atime && d.identity == seq,
	      "a new node's times and identity are its entry's");
	for (int i = 0; i < 100; i++) {
		snprintf(path, sizeof(path), "d/n%03d", i);
		file_at(fs, path, 0, 0);
	}
	/* list half, delete every name not yet listed but one, go on */
	for (int i = 0; i < 50; i++)
		listed += famfs_readdir(fs, d.ino, &cookie, name, &st);
	for (int i = 0; i < 100; i += 2) {
		snprintf(path, sizeof(path), "d/n%03d", i);
		del(fs, path);
	}
	mkdir_at(fs, "d/later");
	while (famfs_readdir(fs, d.ino, &cookie, name, &st) == 1) {
		listed++;
		again += !strcmp(name, "n049");
	}
	CHECK(listed == 50 + 25 + 1 && again == 0,
	      "a listing resumes exactly after deletes (%d listed)", listed);
	cookie = 0;
	listed = 0;
	while (famfs_readdir(fs, d.ino, &cookie, name, &st) == 1)
		listed++;
	CHECK(listed == 51, "a fresh listing sees the 51 names left");
	famfs_fs_close(fs);
	unlink(dev);
}

static void test_holds(void)
{
	char *dev = make_famfs("holds", 64 * MiB, 0);
	struct famfs_fs *fs = open_v2(dev);
	struct famfs_stat st;
	uint64_t before, off, contig;

	file_at(fs, "f", 0, 1);
	famfs_resolve(fs, "f", &st);
	CHECK_RC(famfs_hold(fs, st.ino), 0, "hold an open file");
	before = free_bytes(fs);
	CHECK_RC(del(fs, "f"), 0, "delete it while held");
	CHECK(!exists(fs, "f"), "the name is gone");
	CHECK(famfs_file_map(fs, st.ino, 0, &off, &contig) == 0 &&
		      off == fs->sb.data_offset,
	      "the open file still maps its old memory");
	CHECK(free_bytes(fs) == before, "its space is not free while held");
	famfs_getattr(fs, st.ino, &st);
	CHECK(st.nlink == 0, "an unlinked node has no links");
	CHECK(famfs_reclaim(fs) == 0, "reclaim keeps it");
	famfs_unhold(fs, st.ino);
	CHECK(free_bytes(fs) == before + 2 * MiB,
	      "the last close frees it (nothing else holds it)");
	CHECK_RC(famfs_getattr(fs, st.ino, &st), -ENOENT,
		 "and the node is gone");
	famfs_fs_close(fs);
	unlink(dev);
}

static void test_fsck_marked(void)
{
	char *dev = make_famfs("marked", 64 * MiB, 0);
	struct famfs_fs *fs = open_v2(dev);
	struct famfs_report rep;
	struct captured cap;
	struct famfs_stat st, f;

	capture_init(&rep, &cap);
	file_at(fs, "f", 0, 2);
	famfs_resolve(fs, "f", &f);
	file_at(fs, "g", 2, 1);
	famfs_resolve(fs, "g", &st);
	famfs_hold(fs, st.ino);
	del(fs, "g");
	CHECK(fsck_check_marked(fs, &rep) && !rep.nerrors,
	      "files and held releases all marked");
	alloc_clear(&fs->alloc, fs->sb.data_offset + 2 * MiB, 2 * MiB);
	CHECK(!fsck_check_marked(fs, &rep) && rep.nerrors == 1,
	      "a file unit marked free is reported");
	alloc_mark(&fs->alloc, fs->sb.data_offset + 2 * MiB, 2 * MiB,
		   (uint32_t)f.ino);
	rep.nerrors = 0;
	alloc_clear(&fs->alloc, fs->sb.data_offset + 4 * MiB, 2 * MiB);
	CHECK(!fsck_check_marked(fs, &rep) && rep.nerrors == 1,
	      "a held release marked free is reported");
	alloc_mark(&fs->alloc, fs->sb.data_offset + 4 * MiB, 2 * MiB,
		   HELD_OWNER);
	famfs_unhold(fs, st.ino);
	famfs_fs_close(fs);
	unlink(dev);
}

static void test_version1_gate(void)
{
	char *dev = make_famfs_version("v1", 64 * MiB, 0, 1);
	struct famfs_fs *fs;
	struct famfs_attr attr = { .mask = FAMFS_SETATTR_MTIME, .mtime = 1 };
	struct famfs_stat st;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	famfs_create_file(fs, 1, "f", 0644, 0, 0, 1, NULL, &st);
	CHECK_RC(famfs_unlink(fs, 1, "f", false), -EOPNOTSUPP,
		 "version 1: no delete");
	CHECK_RC(famfs_rename(fs, 1, "f", 1, "g", 0), -EOPNOTSUPP,
		 "version 1: no rename");
	CHECK_RC(famfs_symlink(fs, 1, "l", "f", 0, 0, NULL), -EOPNOTSUPP,
		 "version 1: no symbolic links");
	CHECK_RC(famfs_set_attr(fs, st.ino, &attr, NULL), -EOPNOTSUPP,
		 "version 1: no times");
	CHECK_RC(famfs_pending_reopen(fs, st.ino), -EOPNOTSUPP,
		 "version 1: no resizing");
	CHECK(exists(fs, "f"), "nothing changed");
	famfs_fs_close(fs);
	unlink(dev);
}

int main(void)
{
	test_delete();
	test_rename();
	test_symlink_attrs();
	test_contents();
	test_times_and_cookies();
	test_holds();
	test_fsck_marked();
	test_version1_gate();
	return tap_done();
}
