// SPDX-License-Identifier: Apache-2.0
/* Namespace: names, lookups, readdir, setattr; role detection. */
#include <sys/stat.h>

#include "tap.h"

static void test_names(void)
{
	char *dev = make_famfs("ns", 32 * MiB, 0);
	char name[300], path[FAMFS_PATH_MAX + 1];
	struct famfs_stat d, st;
	struct famfs_fs *fs;
	uint64_t parent = FAMFS_ROOT_INO;
	int depth = 0, rc;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	memset(name, 'n', sizeof(name));
	name[255] = '\0';
	CHECK_RC(famfs_mkdir(fs, 1, name, 0755, 0, 0, &d), 0,
		 "255-byte directory name");
	name[255] = 'n';
	name[256] = '\0';
	CHECK_RC(famfs_mkdir(fs, 1, name, 0755, 0, 0, NULL), -ENAMETOOLONG,
		 "256-byte name refused");
	CHECK_RC(famfs_mkdir(fs, 1, "..", 0755, 0, 0, NULL), -EINVAL,
		 "'..' refused");
	CHECK_RC(famfs_mkdir(fs, 1, ".meta", 0755, 0, 0, NULL), -EINVAL,
		 "'.meta' reserved at the root");
	CHECK_RC(famfs_mkdir(fs, d.ino, ".meta", 0755, 0, 0, NULL), 0,
		 "'.meta' fine below the root");
	name[0] = 'm';
	CHECK_RC(famfs_mkdir(fs, 1, name + 1, 0755, 0, 0, NULL), -EEXIST,
		 "same 255 bytes again: EEXIST");
	CHECK_RC(famfs_mkdir(fs, 1, name, 0755, 0, 0, NULL), -ENAMETOOLONG,
		 "256 bytes still refused");
	name[255] = '\0';
	CHECK_RC(famfs_mkdir(fs, 1, name, 0755, 0, 0, NULL), 0,
		 "another long name");
	CHECK_RC(famfs_mkdir(fs, 1, name, 0755, 0, 0, NULL), -EEXIST,
		 "duplicate refused");
	CHECK_RC(famfs_create_file(fs, 1, "file", 0644, 0, 0, 10, NULL, &st),
		 0, "a file");
	CHECK_RC(famfs_mkdir(fs, st.ino, "sub", 0755, 0, 0, NULL), -ENOTDIR,
		 "mkdir under a file is ENOTDIR");
	CHECK_RC(famfs_mkdir(fs, 12345, "x", 0755, 0, 0, NULL), -ENOENT,
		 "missing parent is ENOENT");

	/* paths up to 4095 bytes: 200-byte components, 20 deep = 4019 */
	memset(name, 'p', 200);
	name[200] = '\0';
	do {
		rc = famfs_mkdir(fs, parent, name, 0755, 0, 0, &d);
		if (!rc) {
			parent = d.ino;
			depth++;
		}
	} while (!rc);
	CHECK(rc == -ENAMETOOLONG && depth == 20,
	      "nesting stops at the 4095-byte path limit (depth %d)", depth);
	CHECK(famfs_path_of(fs, parent, path, sizeof(path)) == 0 &&
		      strlen(path) == 20 * 200 + 19,
	      "deep path_of length %zu", strlen(path));
	famfs_fs_close(fs);

	famfs_fs_open(dev, FAMFS_OPEN_RDONLY, NULL, &fs);
	CHECK_RC(famfs_resolve(fs, path, &st), 0, "deep path replays");
	CHECK(st.ino == parent, "inode numbers are stable across replay");
	famfs_fs_close(fs);
	unlink(dev);
}

/* Last entry's sequence number: a refused change appends nothing. */
static uint64_t last_seq(struct famfs_fs *fs)
{
	return fs->last_seq;
}

/*
 * A rename may not leave a node with a path over 4095 bytes: no entry
 * could name it, so nothing could ever delete or change it. "t", then 20
 * directories of 200 bytes (4021 bytes), then a pending file of 73
 * bytes: 4095 exactly, the deepest node a pending one.
 */
static void test_deep_rename(void)
{
	char *dev = make_famfs("deep", 32 * MiB, 0);
	char name[201], leaf[74], path[FAMFS_PATH_MAX + 1];
	struct famfs_stat t, c1, o, ab, st, leaf_st;
	struct famfs_log_record r;
	struct famfs_fs *fs;
	uint64_t parent, seq;
	const char *why;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	memset(name, 'p', 200);
	name[200] = '\0';
	memset(leaf, 'f', 73);
	leaf[73] = '\0';
	famfs_mkdir(fs, 1, "t", 0755, 0, 0, &t);
	famfs_mkdir(fs, t.ino, name, 0755, 0, 0, &c1);
	parent = c1.ino;
	for (int i = 1; i < 20; i++) {
		famfs_mkdir(fs, parent, name, 0755, 0, 0, &st);
		parent = st.ino;
	}
	CHECK_RC(famfs_pending_create(fs, parent, leaf, 0644, 0, 0, &leaf_st),
		 0, "a pending file at exactly 4095 bytes");
	famfs_mkdir(fs, 1, "o", 0755, 0, 0, &o);
	famfs_mkdir(fs, o.ino, name, 0755, 0, 0, &st);
	famfs_mkdir(fs, 1, "ab", 0755, 0, 0, &ab);
	seq = last_seq(fs);

	CHECK_RC(famfs_rename(fs, 1, "t", 1, "tt", 0), -ENAMETOOLONG,
		 "one byte longer: a node below would pass 4095 bytes");
	CHECK_RC(famfs_rename(fs, 1, "t", st.ino, "t", 0), -ENAMETOOLONG,
		 "under a deeper directory: refused");
	CHECK_RC(famfs_rename(fs, t.ino, name, st.ino, name, 0),
		 -ENAMETOOLONG, "a deep directory under another: refused");
	CHECK_RC(famfs_rename(fs, 1, "t", 1, "ab", FAMFS_RENAME_EXCHANGE),
		 -ENAMETOOLONG, "exchange moving the deep tree: refused");
	CHECK_RC(famfs_rename(fs, 1, "ab", 1, "t", FAMFS_RENAME_EXCHANGE),
		 -ENAMETOOLONG, "the same with the names the other way");
	CHECK(last_seq(fs) == seq, "nothing logged");
	CHECK(famfs_path_of(fs, c1.ino, path, sizeof(path)) == 0 &&
		      !strcmp(path + 2, name) && !strncmp(path, "t/", 2),
	      "nothing moved");
	CHECK_RC(famfs_rename(fs, 1, "t", 1, "u", 0), 0,
		 "the same length is fine");
	CHECK_RC(famfs_rename(fs, 1, "u", 1, "t", 0), 0, "and back");
	CHECK_RC(famfs_rename(fs, t.ino, name, 1, "x", 0), 0,
		 "shorter is fine");
	CHECK_RC(famfs_rename(fs, 1, "x", t.ino, name, 0), 0, "and back");

	/* a log from elsewhere may hold such a rename: replay keeps it */
	memset(&r, 0, sizeof(r));
	r.type = FAMFS_LOG_RENAME;
	r.path = "t";
	r.new_path = "ttt";
	CHECK(log_append(fs, &r) == 0 && replay_apply(fs, &r, &why) == 0,
	      "a rename past the limit logged without the check is applied");
	CHECK_RC(famfs_pending_commit(fs, leaf_st.ino), -ENAMETOOLONG,
		 "(what the check prevents: the file below cannot commit)");
	CHECK_RC(famfs_rename(fs, 1, "ttt", 1, "tt", 0), 0,
		 "shorter but still too long: not refused, it only helps");
	CHECK_RC(famfs_rename(fs, 1, "tt", 1, "t", 0), 0,
		 "back within the limit");
	CHECK_RC(famfs_pending_commit(fs, leaf_st.ino), 0,
		 "then the file commits at 4095 bytes");
	famfs_path_of(fs, leaf_st.ino, path, sizeof(path));
	famfs_fs_close(fs);

	famfs_fs_open(dev, FAMFS_OPEN_RDONLY, NULL, &fs);
	CHECK(strlen(path) == FAMFS_PATH_MAX &&
		      famfs_resolve(fs, path, &st) == 0 &&
		      st.type == FAMFS_NODE_FILE,
	      "the log replays to the same tree");
	famfs_fs_close(fs);
	unlink(dev);
}

static void test_lookup_readdir(void)
{
	char *dev = make_famfs("rd", 32 * MiB, 0);
	struct famfs_stat d, st;
	struct famfs_fs *fs;
	char name[FAMFS_NAME_MAX + 1];
	uint64_t cookie = 0;
	int n = 0, seen = 0;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	famfs_mkdir(fs, 1, "d", 0750, 10, 20, &d);
	for (int i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "f%02d", i);
		famfs_create_file(fs, d.ino, name, 0640, 0, 0, 0, NULL, NULL);
	}
	famfs_pending_create(fs, d.ino, "gone", 0644, 0, 0, &st);
	famfs_pending_abandon(fs, st.ino);
	while (famfs_readdir(fs, d.ino, &cookie, name, &st) == 1) {
		n++;
		seen += !strcmp(name, "f37") && st.type == FAMFS_NODE_FILE;
	}
	CHECK(n == 50 && seen == 1, "readdir lists 50 entries, skips gone");
	CHECK(famfs_lookup(fs, d.ino, "f07", &st) == 0 && st.parent == d.ino,
	      "lookup in a directory");
	CHECK(famfs_lookup(fs, d.ino, "..", &st) == 0 && st.ino == 1,
	      "'..' leads to the root");
	CHECK_RC(famfs_lookup(fs, d.ino, "nope", &st), -ENOENT,
		 "missing name ENOENT");
	CHECK_RC(famfs_lookup(fs, st.ino == 1 ? 2 : 2, "x", &st), -ENOENT,
		 "lookup under a missing name");
	famfs_getattr(fs, d.ino, &st);
	CHECK(st.mode == (S_IFDIR | 0750) && st.uid == 10 && st.gid == 20 &&
		      st.nlink == 2,
	      "directory attributes");
	CHECK_RC(famfs_setattr(fs, d.ino, FAMFS_SETATTR_UID |
					  FAMFS_SETATTR_GID,
			       0, 7, 8, &st),
		 0, "chown logged");
	CHECK(st.uid == 7 && st.gid == 8 && st.mode == (S_IFDIR | 0750),
	      "chown keeps the mode");
	CHECK_RC(famfs_setattr(fs, 1, FAMFS_SETATTR_MODE, 0700, 0, 0, NULL),
		 -EINVAL, "the root has no log entry to change");
	famfs_fs_close(fs);
	famfs_fs_open(dev, FAMFS_OPEN_RDONLY, NULL, &fs);
	famfs_resolve(fs, "d", &st);
	CHECK(st.uid == 7 && st.gid == 8, "chown survives replay");
	famfs_fs_close(fs);
	unlink(dev);
}

/* Directory @ino's shown mtime and ctime both equal @want. */
static bool dir_times_are(struct famfs_fs *fs, uint64_t ino, uint64_t want)
{
	struct famfs_stat st;

	return !famfs_getattr(fs, ino, &st) && st.mtime == want &&
	       st.ctime == want;
}

/*
 * A version 2 master's directory shows the creation time of its files
 * not logged yet: the time their commits log, so that an untouched
 * file's commit changes nothing; a file that leaves without an entry
 * takes its time away again.
 */
static void test_dir_shows_unlogged(void)
{
	char *dev = make_famfs("unlogged", 32 * MiB, 0);
	struct famfs_stat d, a, b, c, st;
	struct famfs_fs *fs;
	uint64_t logged;

	be_master();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	famfs_mkdir(fs, 1, "d", 0755, 0, 0, &d);
	logged = d.mtime;
	famfs_pending_create(fs, d.ino, "a", 0644, 0, 0, &a);
	CHECK(a.time >= logged && dir_times_are(fs, d.ino, a.time),
	      "a pending create shows its time in its directory");
	famfs_pending_create(fs, d.ino, "b", 0644, 0, 0, &b);
	CHECK(dir_times_are(fs, d.ino, b.time), "the newest one shows");
	CHECK_RC(famfs_unlink(fs, d.ino, "b", false), 0, "b deleted");
	CHECK(dir_times_are(fs, d.ino, a.time),
	      "deleted before its commit: back to the older pending file");
	famfs_pending_create(fs, d.ino, "c", 0644, 0, 0, &c);
	famfs_pending_abandon(fs, c.ino);
	CHECK(dir_times_are(fs, d.ino, a.time), "abandoned: its time goes");
	CHECK_RC(famfs_pending_commit(fs, a.ino), 0, "a committed untouched");
	CHECK(dir_times_are(fs, d.ino, a.time),
	      "the commit of an untouched file leaves the time as shown");
	CHECK(famfs_set_attr(fs, d.ino, &(struct famfs_attr){
					 .mask = FAMFS_SETATTR_MTIME,
					 .mtime = logged },
			     &st) == 0 && st.mtime == logged,
	      "committed files no longer count: an older mtime set shows");
	famfs_fs_close(fs);
	famfs_fs_open(dev, FAMFS_OPEN_RDONLY, NULL, &fs);
	CHECK(famfs_resolve(fs, "d", &st) == 0 && st.mtime == logged,
	      "replay gives the directory the same time");
	famfs_fs_close(fs);
	unlink(dev);
}

/* The test's own answer: the newest time on @dir's list, 0 when empty. */
static uint64_t newest_listed(const struct node *dir)
{
	const struct node *c = dir->unlogged;
	uint64_t newest = 0;

	while (c) {
		newest = c->time > newest ? c->time : newest;
		c = c->unlogged_next;
	}
	return newest;
}

/*
 * The newest time a directory keeps for its list (ns_stat shows it
 * without a walk) against a walk of the list, after each of a random
 * run of adds and removes. Times come from a few values, so that ties
 * with the newest and removals of it (which must look again) are many.
 */
static void test_unlogged_newest_kept(void)
{
	struct node dir = { .ino = 1, .type = FAMFS_NODE_DIR,
			    .mtime = 40, .ctime = 60 };
	struct node files[24] = { { 0 } };
	unsigned int seed = 13, wrong = 0, newest_removed = 0;
	struct famfs_stat st;
	uint64_t want;

	dir.parent = &dir;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		files[i].ino = i + 2;
		files[i].type = FAMFS_NODE_FILE;
		files[i].parent = &dir;
	}
	for (int step = 0; step < 20000; step++) {
		struct node *f = &files[rand_r(&seed) % ARRAY_SIZE(files)];

		if (f->in_unlogged) {
			newest_removed += f->time == newest_listed(&dir);
			ns_unlogged_remove(f);
		} else {
			f->time = rand_r(&seed) % 100;	/* set while unlisted */
			ns_unlogged_add(&dir, f);
		}
		want = newest_listed(&dir);
		ns_stat(&dir, &st);
		if (st.mtime != (want > dir.mtime ? want : dir.mtime) ||
		    st.ctime != (want > dir.ctime ? want : dir.ctime)) {
			if (!wrong)
				printf("# step %d: shows %" PRIu64 "/%" PRIu64
				       ", the list's newest is %" PRIu64 "\n",
				       step, st.mtime, st.ctime, want);
			wrong++;
		}
	}
	CHECK(newest_removed > 500, "%u removals of the newest (or a tie)",
	      newest_removed);
	CHECK(wrong == 0, "the directory's times follow its list's newest "
	      "file through 20000 adds and removes (%u wrong)", wrong);
}

static void test_roles(void)
{
	char *dev = make_famfs("role", 32 * MiB, 0);
	char cfg[] = "/dev/shm/famfs-unit-cfg-XXXXXX";
	struct famfs_fs *fs;
	uint8_t uuid[16], want[16];
	const char *src;
	int fd;

	be_master();
	CHECK(famfs_system_uuid(uuid, &src) == 0 &&
		      !strcmp(src, "FAMFS_SYSTEM_UUID"),
	      "environment overrides the system uuid");
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	CHECK(famfs_fs_is_master(fs), "matching uuid: master");
	famfs_fs_close(fs);

	be_client();
	famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs);
	CHECK(!famfs_fs_is_master(fs), "other uuid: client");
	CHECK_RC(famfs_create_file(fs, 1, "x", 0644, 0, 0, 1, NULL, NULL),
		 -EROFS, "client create is EROFS");
	CHECK_RC(famfs_pending_create(fs, 1, "x", 0644, 0, 0, NULL), -EROFS,
		 "client pending create is EROFS");
	famfs_fs_close(fs);

	/* config file, used when the environment says nothing */
	unsetenv("FAMFS_SYSTEM_UUID");
	fd = mkstemp(cfg);
	if (write(fd, MASTER_UUID "\n", 37) != 37)
		exit(99);
	close(fd);
	setenv("FAMFS_CONFIG", cfg, 1);
	famfs_uuid_parse(MASTER_UUID, want);
	CHECK(famfs_system_uuid(uuid, &src) == 0 && !memcmp(uuid, want, 16) &&
		      !strcmp(src, cfg),
	      "config file supplies the uuid");
	unlink(cfg);
	setenv("FAMFS_CONFIG", "/nonexistent/famfs", 1);
	CHECK(famfs_system_uuid(uuid, &src) != 0 ||
		      !strcmp(src, "/etc/machine-id"),
	      "falls back to /etc/machine-id");
	unsetenv("FAMFS_CONFIG");
	unlink(dev);
}

int main(void)
{
	test_names();
	test_deep_rename();
	test_lookup_readdir();
	test_dir_shows_unlogged();
	test_unlogged_newest_kept();
	test_roles();
	return tap_done();
}
