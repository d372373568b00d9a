// SPDX-License-Identifier: Apache-2.0
/*
 * fsop: one file-system call for the mount tests, reporting its errno by
 * name ("OK", "EPERM", ...) so that a shell test can assert it exactly.
 * Also the create loop and checker of the crash test, mmap checks, and
 * two processes writing one new file (fork-write), a writer that fills
 * the device or outlives its daemon (fill), and what close()
 * promises while release is held back (held-close, held-dup).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "args.h"

#define MIN(a, b) ((a) < (b) ? (a) : (b))

static int result(int rc)
{
	puts(rc ? strerrorname_np(rc) : "OK");
	return 0;
}

static int err_of(int rc)
{
	return rc < 0 ? errno : 0;
}

/* open + one write + close: any of the three may be refused */
static int write_at(const char *path, int flags, off_t off, const char *s)
{
	int fd = open(path, flags), rc = 0;

	if (fd < 0)
		return errno;
	if (flags & O_APPEND) {
		if (write(fd, s, strlen(s)) < 0)
			rc = errno;
	} else if (pwrite(fd, s, strlen(s), off) < 0) {
		rc = errno;
	}
	if (close(fd) && !rc)
		rc = errno;
	return rc;
}

/* Crash-test file contents: a pure function of the index. */
static size_t crash_size(unsigned long i)
{
	return 1 + (i * 7919) % 300000;
}

static uint8_t crash_byte(unsigned long i, size_t k)
{
	return (uint8_t)(k * 31 + i * 17 + (k >> 8));
}

/*
 * Create DIR/f<i> until something fails; a name goes into JOURNAL only
 * after its close() returned 0 (the promise under test).
 */
static int crash_loop(const char *dir, const char *journal)
{
	FILE *j = fopen(journal, "w");
	unsigned long i;

	if (!j || (mkdir(dir, 0755) && errno != EEXIST))
		return 1;
	setvbuf(j, NULL, _IONBF, 0);
	for (i = 0;; i++) {
		char path[4096];
		size_t n = crash_size(i);
		uint8_t *buf = malloc(n);
		int fd;

		snprintf(path, sizeof(path), "%s/f%lu", dir, i);
		for (size_t k = 0; k < n; k++)
			buf[k] = crash_byte(i, k);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd < 0 || write(fd, buf, n) != (ssize_t)n) {
			free(buf);
			break;
		}
		free(buf);
		if (close(fd))
			break;
		fprintf(j, "%lu\n", i);
	}
	fclose(j);
	printf("%lu\n", i);
	return 0;
}

static int crash_verify(const char *dir, const char *journal)
{
	FILE *j = fopen(journal, "r");
	unsigned long i, count = 0;

	if (!j)
		return 1;
	while (fscanf(j, "%lu", &i) == 1) {
		char path[4096];
		size_t n = crash_size(i);
		uint8_t *buf = malloc(n + 1);
		ssize_t got;
		int fd;

		snprintf(path, sizeof(path), "%s/f%lu", dir, i);
		fd = open(path, O_RDONLY);
		got = fd < 0 ? -1 : read(fd, buf, n + 1);
		if (fd >= 0)
			close(fd);
		if (got != (ssize_t)n) {
			printf("BAD %s: size %zd, want %zu\n", path, got, n);
			return 1;
		}
		for (size_t k = 0; k < n; k++) {
			if (buf[k] != crash_byte(i, k)) {
				printf("BAD %s: byte %zu\n", path, k);
				return 1;
			}
		}
		free(buf);
		count++;
	}
	fclose(j);
	printf("OK %lu\n", count);
	return 0;
}

/* Shared-writer test contents: a pure function of the offset and a seed. */
static uint8_t pattern_byte(unsigned long seed, uint64_t k)
{
	return (uint8_t)(k * 131 + seed * 29 + (k >> 12));
}

/* Write PATTERN(seed) bytes [off, end) to @fd in 64 KiB pwrites. */
static int pattern_write(int fd, unsigned long seed, uint64_t off,
			 uint64_t end)
{
	static uint8_t buf[1 << 16];

	while (off < end) {
		size_t n = (size_t)MIN(end - off, sizeof(buf));

		for (size_t k = 0; k < n; k++)
			buf[k] = pattern_byte(seed, off + k);
		if (pwrite(fd, buf, n, (off_t)off) != (ssize_t)n)
			return errno ? errno : EIO;
		off += n;
	}
	return 0;
}

/* Print PATTERN(seed) bytes [0, len) on stdout, for cmp(1). */
static int pattern_print(unsigned long seed, uint64_t len)
{
	for (uint64_t k = 0; k < len; k++)
		if (putchar(pattern_byte(seed, k)) == EOF)
			return 1;
	return fflush(stdout) ? 1 : 0;
}

static void put_byte(int fd, char c)
{
	if (write(fd, &c, 1) != 1)
		_exit(3);
}

static char get_byte(int fd)
{
	char c = 0;

	if (read(fd, &c, 1) != 1)
		_exit(3);
	return c;
}

static const char *err_name(int rc)
{
	return rc ? strerrorname_np(rc) : "OK";
}

/*
 * One process creates PATH, forks, and both write halves of PATTERN(seed)
 * through the one open file, then both close. MODE orders them:
 *   parent-last  both halves written; the child exits, the parent closes
 *   child-last   both halves written; the parent closes, the child exits
 *   child-early  the child writes the lower half and exits; the parent
 *                then writes the upper half (the file grows) and closes
 *   caveat       the parent writes the lower half and closes; the child
 *                then writes the upper half (grows: refused after the
 *                commit) and rewrites the lower half (inside: allowed)
 * Prints "parent=ERR child=ERR": OK or the errno name of the first failed
 * write or close of each side; in caveat mode child=GROW/INSIDE.
 */
enum fw_mode { FW_PARENT_LAST, FW_CHILD_LAST, FW_CHILD_EARLY, FW_CAVEAT };

static int fw_close(int fd, int rc)
{
	if (close(fd) && !rc)
		rc = errno;
	return rc;
}

static void fw_child(int fd, enum fw_mode m, unsigned long seed,
		     uint64_t len, int rd, int wr)
{
	uint64_t half = len / 2;
	char reply[64];
	int rc, inside;

	switch (m) {
	case FW_PARENT_LAST:
	case FW_CHILD_LAST:
		rc = pattern_write(fd, seed, half, len);
		put_byte(wr, 'w');		/* our half is written */
		get_byte(rd);			/* our turn to close */
		rc = fw_close(fd, rc);
		snprintf(reply, sizeof(reply), "%s", err_name(rc));
		break;
	case FW_CHILD_EARLY:
		rc = fw_close(fd, pattern_write(fd, seed, 0, half));
		snprintf(reply, sizeof(reply), "%s", err_name(rc));
		break;
	default:
		get_byte(rd);			/* the parent closed */
		rc = pattern_write(fd, seed, half, len);
		inside = pattern_write(fd, seed, 0, half);
		/* a writeback cache reports the refusal here instead */
		snprintf(reply, sizeof(reply), "%s/%s/%s", err_name(rc),
			 err_name(inside), err_name(fw_close(fd, 0)));
		break;
	}
	/* the reply, then EOF, tell the parent we are done */
	if (write(wr, reply, strlen(reply)) < 0)
		_exit(3);
	_exit(0);
}

static int fork_write(const char *path, uint64_t len, const char *mode,
		      unsigned long seed)
{
	static const char *const names[] = { "parent-last", "child-last",
					     "child-early", "caveat" };
	int to_child[2], to_parent[2], fd, rc = 0, status, m;
	uint64_t half = len / 2;
	char reply[64];
	ssize_t n;
	pid_t pid;

	for (m = 0; m < 4 && strcmp(mode, names[m]); m++)
		;
	if (m == 4)
		return 2;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0) {
		printf("open=%s\n", err_name(errno));
		return 1;
	}
	if (pipe(to_child) || pipe(to_parent))
		return 1;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0)
		fw_child(fd, (enum fw_mode)m, seed, len, to_child[0],
			 to_parent[1]);
	close(to_parent[1]);
	switch ((enum fw_mode)m) {
	case FW_PARENT_LAST:
		rc = pattern_write(fd, seed, 0, half);
		get_byte(to_parent[0]);
		put_byte(to_child[1], 'c');
		break;
	case FW_CHILD_LAST:
		rc = pattern_write(fd, seed, 0, half);
		get_byte(to_parent[0]);
		rc = fw_close(fd, rc);
		put_byte(to_child[1], 'c');
		break;
	case FW_CHILD_EARLY:
		break;
	case FW_CAVEAT:
		rc = fw_close(fd, pattern_write(fd, seed, 0, half));
		put_byte(to_child[1], 'c');
		break;
	}
	/* the child's reply; EOF means it has closed and is exiting */
	n = read(to_parent[0], reply, sizeof(reply) - 1);
	reply[n > 0 ? n : 0] = '\0';
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return 1;
	if (m == FW_CHILD_EARLY)
		rc = pattern_write(fd, seed, half, len);
	if (m == FW_PARENT_LAST || m == FW_CHILD_EARLY)
		rc = fw_close(fd, rc);
	printf("parent=%s child=%s\n", err_name(rc), reply);
	return 0;
}

/* Fill a file through a shared mapping, then read it back with pread. */
static int mmap_rw(const char *path)
{
	int fd = open(path, O_RDWR), rc = 0;
	struct stat st;
	uint8_t *p, *back;

	if (fd < 0 || fstat(fd, &st))
		return errno;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	if (p == MAP_FAILED) {
		rc = errno;
		close(fd);
		return rc;
	}
	for (off_t k = 0; k < st.st_size; k++)
		p[k] = (uint8_t)(k * 13 + 7);
	if (msync(p, (size_t)st.st_size, MS_SYNC))
		rc = errno;
	munmap(p, (size_t)st.st_size);
	back = malloc((size_t)st.st_size);
	if (!rc && pread(fd, back, (size_t)st.st_size, 0) != st.st_size)
		rc = EIO;
	for (off_t k = 0; !rc && k < st.st_size; k++)
		if (back[k] != (uint8_t)(k * 13 + 7))
			rc = EILSEQ;
	free(back);
	close(fd);
	return rc;
}

/*
 * Create @path, write one byte at 0 and say "ready"; on a line from stdin
 * write one byte at @off2, then close: prints the errno of that write and
 * of the close, so a test can change the filesystem between the writes.
 */
static int write_twice(const char *path, off_t off2, size_t len1)
{
	char line[16], *first = malloc(len1);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644), rc;

	if (!first)
		return 1;
	memset(first, 'a', len1);
	/* fsync: a writeback cache must allocate now, as a plain write does */
	if (fd < 0 || pwrite(fd, first, len1, 0) != (ssize_t)len1 ||
	    fsync(fd)) {
		result(errno);
		return 1;
	}
	free(first);
	puts("ready");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	rc = err_of((int)pwrite(fd, "b", 1, off2));
	result(rc);
	result(err_of(close(fd)));
	return 0;
}

/*
 * Write PATTERN(seed) into a new file in 4 KiB writes up to LEN bytes,
 * stopping at the first refused write; with a "pause" argument, stop
 * after the first MiB, print "ready" and wait for a line on stdin before
 * going on. Then fsync and close, and print
 * "written=BYTES write=ERR fsync=ERR close=ERR": where a refusal showed.
 */
static int fill(const char *path, uint64_t len, unsigned long seed,
		bool pause)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	int wrc = 0, src, crc;
	uint64_t off = 0;
	char line[16];

	if (fd < 0) {
		printf("open=%s\n", err_name(errno));
		return 1;
	}
	while (off < len && !wrc) {
		if (pause && off == (1 << 20)) {
			puts("ready");
			fflush(stdout);
			if (!fgets(line, sizeof(line), stdin))
				return 1;
		}
		wrc = pattern_write(fd, seed, off, MIN(len, off + 4096));
		if (!wrc)
			off = MIN(len, off + 4096);
	}
	src = err_of(fsync(fd));
	crc = err_of(close(fd));
	printf("written=%llu write=%s fsync=%s close=%s\n",
	       (unsigned long long)off, err_name(wrc), err_name(src),
	       err_name(crc));
	return 0;
}

/*
 * close() returning 0 must mean the file is in the log, even while
 * release cannot run yet: a holder process keeps a reference to the open
 * file, so FUSE's RELEASE waits for it and only FLUSH has happened.
 * Right after the writer's last close() returns, CHECK (a shell command)
 * runs; then the holder lets go. MODE:
 *   dup     open, dup, close the first descriptor before writing (as dd
 *           does), write PATTERN(seed) through the dup, close it
 *   fork    write the lower half, a child writes the upper half and
 *           exits, then the parent closes
 *   reader  another open of the file, read-only, is held throughout; the
 *           writer closes its descriptor before a child writes the whole
 *           file through it and exits: the commit must come when the
 *           last writer goes, whatever readers remain (CHECK polls)
 * Prints "close=ERR check=STATUS".
 */
static int held_close(const char *path, uint64_t len, const char *mode,
		      unsigned long seed, const char *check)
{
	int go[2], fd, fd2, rfd = -1, rc = 0, status;
	pid_t holder, child;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0 || pipe(go))
		return 1;
	fflush(stdout);
	/* the holder keeps the open file referenced until it reads EOF */
	holder = fork();
	if (holder == 0) {
		close(go[1]);
		get_byte(go[0]);
		_exit(0);
	}
	close(go[0]);
	if (!strcmp(mode, "dup")) {
		fd2 = dup(fd);
		close(fd);
		rc = fw_close(fd2, pattern_write(fd2, seed, 0, len));
	} else if (!strcmp(mode, "fork")) {
		rc = pattern_write(fd, seed, 0, len / 2);
		child = fork();
		if (child == 0)
			_exit(fw_close(fd, pattern_write(fd, seed, len / 2,
							 len)) ? 3 : 0);
		if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			rc = rc ? rc : EIO;
		rc = fw_close(fd, rc);
	} else if (!strcmp(mode, "reader")) {
		int turn[2];

		rfd = open(path, O_RDONLY);
		if (rfd < 0 || pipe(turn))
			return 1;
		child = fork();
		if (child == 0) {
			get_byte(turn[0]);	/* the parent closed first */
			_exit(fw_close(fd, pattern_write(fd, seed, 0, len)) ?
				      3 : 0);
		}
		rc = fw_close(fd, 0);
		put_byte(turn[1], 'w');
		if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			rc = rc ? rc : EIO;
		/* the holder may go now: the reader still holds a handle */
		close(go[1]);
		go[1] = -1;
	} else {
		return 2;
	}
	status = system(check);
	printf("close=%s check=%d\n", err_name(rc),
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128);
	if (go[1] >= 0)
		close(go[1]);
	waitpid(holder, NULL, 0);
	if (rfd >= 0)
		close(rfd);
	return 0;
}

/*
 * A descriptor closed while another one shares its open file: FUSE has
 * sent FLUSH from the opener but no RELEASE, just as while the RELEASE of
 * a closed file is still on its way (`: > f; truncate -s 4M f`: the
 * daemon cannot tell the two apart). Create PATH; MODE:
 *   flushed  dup the descriptor and close the first one
 *   written  as flushed, then write PATTERN(seed) bytes [0, 4096)
 *            through the dup (with the page cache bypassed, the daemon
 *            sees a writer again)
 *   open     keep the one descriptor (a writer that closed nothing)
 * then run CMD (a shell command: other processes), then write
 * PATTERN(seed) bytes [0, LEN) through the descriptor left and close it.
 * Prints "cmd=STATUS write=ERR close=ERR".
 */
static int held_dup(const char *path, uint64_t len, const char *mode,
		    unsigned long seed, const char *cmd)
{
	int fd, wrc, crc, status;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0)
		return 1;
	if (!strcmp(mode, "flushed") || !strcmp(mode, "written")) {
		int fd2 = dup(fd);

		if (fd2 < 0 || close(fd))
			return 1;
		fd = fd2;
		if (!strcmp(mode, "written") &&
		    pattern_write(fd, seed, 0, MIN(len, 4096)))
			return 1;
	} else if (strcmp(mode, "open")) {
		return 2;
	}
	fflush(stdout);
	status = system(cmd);
	wrc = pattern_write(fd, seed, 0, len);
	crc = err_of(close(fd));
	printf("cmd=%d write=%s close=%s\n",
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128, err_name(wrc),
	       err_name(crc));
	return 0;
}

static const char usage_text[] = "usage: fsop OP PATH [ARGS]\n";

/* A size or an offset: 0 or more, in decimal */
static long size_arg(const char *what, const char *arg)
{
	return number_arg(what, arg, 0, LONG_MAX, usage_text);
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";
	const char *p = argc > 2 ? argv[2] : "";
	/* a missing number is refused, not taken as 0 */
	const char *a3 = argc > 3 ? argv[3] : "";
	const char *a4 = argc > 4 ? argv[4] : "";

	if (!strcmp(op, "mkdir"))
		return result(err_of(mkdir(p, 0755)));
	if (!strcmp(op, "stat")) {
		struct stat st;

		return result(err_of(stat(p, &st)));
	}
	if (!strcmp(op, "read")) {
		char c;
		int fd = open(p, O_RDONLY), rc;

		if (fd < 0)
			return result(errno);
		rc = err_of((int)read(fd, &c, 1));
		close(fd);
		return result(rc);
	}
	if (!strcmp(op, "creat"))
		return result(write_at(p, O_WRONLY | O_CREAT | O_EXCL, 0, ""));
	if (!strcmp(op, "unlink"))
		return result(err_of(unlink(p)));
	if (!strcmp(op, "rmdir"))
		return result(err_of(rmdir(p)));
	if (!strcmp(op, "rename"))
		return result(err_of(rename(p, a3)));
	if (!strcmp(op, "link"))
		return result(err_of(link(p, a3)));
	if (!strcmp(op, "symlink"))
		return result(err_of(symlink(a3, p)));
	if (!strcmp(op, "mkfifo"))
		return result(err_of(mkfifo(p, 0644)));
	if (!strcmp(op, "truncate"))
		return result(err_of(truncate(p, size_arg("LENGTH", a3))));
	if (!strcmp(op, "chmod")) {
		mode_t mode = (mode_t)octal_arg("MODE", a3, 0, 07777,
						usage_text);

		return result(err_of(chmod(p, mode)));
	}
	if (!strcmp(op, "chown")) {
		uid_t uid = (uid_t)number_arg("UID", a3, 0, INT_MAX,
					      usage_text);
		gid_t gid = (gid_t)number_arg("GID", a4, 0, INT_MAX,
					      usage_text);

		return result(err_of(chown(p, uid, gid)));
	}
	if (!strcmp(op, "append"))
		return result(write_at(p, O_WRONLY | O_APPEND, 0, "x"));
	if (!strcmp(op, "pwrite"))
		return result(write_at(p, O_WRONLY, size_arg("OFFSET", a3),
				       a4));
	if (!strcmp(op, "open-trunc"))
		return result(write_at(p, O_WRONLY | O_TRUNC, 0, ""));
	if (!strcmp(op, "open-write"))
		return result(write_at(p, O_WRONLY, 0, ""));
	if (!strcmp(op, "fallocate")) {
		off_t off = size_arg("OFFSET", a3);
		off_t len = size_arg("LENGTH", a4);
		int fd = open(p, O_WRONLY), rc;

		if (fd < 0)
			return result(errno);
		/* the syscall itself: posix_fallocate() might write zeros */
		rc = err_of(fallocate(fd, 0, off, len));
		close(fd);
		return result(rc);
	}
	if (!strcmp(op, "mmap-rw"))
		return result(mmap_rw(p));
	if (!strcmp(op, "crash-loop") && argc == 4)
		return crash_loop(p, a3);
	if (!strcmp(op, "crash-verify") && argc == 4)
		return crash_verify(p, a3);
	if (!strcmp(op, "fork-write") && argc == 6)
		return fork_write(p, size_arg("LENGTH", a3), a4,
				  size_arg("SEED", argv[5]));
	if (!strcmp(op, "write-twice") && (argc == 4 || argc == 5))
		return write_twice(p, size_arg("OFFSET", a3),
				   argc == 5 ? number_arg("FIRST", a4, 1,
							  LONG_MAX,
							  usage_text) : 1);
	if (!strcmp(op, "held-close") && argc == 7)
		return held_close(p, size_arg("LENGTH", a3), a4,
				  size_arg("SEED", argv[5]), argv[6]);
	if (!strcmp(op, "held-dup") && argc == 7)
		return held_dup(p, size_arg("LENGTH", a3), a4,
				size_arg("SEED", argv[5]), argv[6]);
	if (!strcmp(op, "fill") &&
	    (argc == 5 || (argc == 6 && !strcmp(argv[5], "pause"))))
		return fill(p, size_arg("LENGTH", a3), size_arg("SEED", a4),
			    argc == 6);
	if (!strcmp(op, "pattern") && argc == 4)
		return pattern_print(size_arg("SEED", p),
				     size_arg("LENGTH", a3));
	fputs(usage_text, stderr);
	return 2;
}
