/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the famfs subcommands: the dispatch table and edge helpers. */
#ifndef FAMFS_CLI_H
#define FAMFS_CLI_H

#include <getopt.h>
#include <stdio.h>
#include <time.h>
#include "famfs.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define CLI_CMDS(X) \
	X(mount, "mount a famfs device (starts famfs_fused)") \
	X(umount, "unmount a famfs mount") \
	X(fsck, "check a famfs device or mount") \
	X(check, "verify every file of a mount maps to valid extents") \
	X(mkdir, "create a directory in a famfs mount") \
	X(creat, "create a file of a fixed size") \
	X(cp, "copy files into famfs") \
	X(verify, "verify seeded file contents written by creat") \
	X(flush, "flush/invalidate CPU caches for whole files") \
	X(logplay, "replay the log into a mount now") \
	X(getmap, "print the extent list of a file") \
	X(clone, "cross-link a file's extents (test tool)") \
	X(chkread, "compare read() with mmap() contents") \
	X(stat, "show famfs attributes of files") \
	X(ls, "list a famfs directory") \
	X(daxmode, "bind a devdax device to fsdev_dax or device_dax") \
	X(run, "run a program whose mmaps of famfs files map the device") \
	X(status, "what the daemon serving a mount is doing") \
	X(rm, "delete files and directories in a famfs mount") \
	X(mv, "rename files and directories in a famfs mount") \
	X(ln, "make a symbolic link in a famfs mount") \
	X(hosts, "list the hosts of a filesystem; evict one")

#define CLI_DECLARE(name, help) int cmd_##name(int argc, char **argv);
CLI_CMDS(CLI_DECLARE)
#undef CLI_DECLARE

/* ---- option parsing conventions (getopt.c) ---------------------------- */

/*
 * An upstream famfs option that does not apply here: put it in the
 * command's option table with this value (and its letter in the short
 * options); cli_getopt refuses it with the reason, completion omits it.
 */
#define CLI_REFUSED(c) (0x10000 | (c))

/* Set by main before a command runs; @list: print the options and exit. */
void cli_getopt_begin(const char *cmd, bool list);
const char *cli_current_cmd(void);
/*
 * getopt_long() for every subcommand: "-?" returns the "help" option's
 * value, an unknown option or a missing value prints one "famfs: CMD:"
 * line and returns '?', a refused upstream option exits with the usage
 * status. Under `famfs --list-opts CMD` it prints the options and exits.
 */
int cli_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts);
/*
 * 0 when the running command has from @min to @max operands (@max < 0:
 * no limit), else -1 after one "famfs: CMD:" line: "missing NAME" with
 * the first missing word of @names ("DEVICE MOUNTPOINT"; its last word
 * repeats), or "ARG: extra argument". The caller prints its usage.
 */
int cli_operands(int argc, char **argv, int min, int max, const char *names);
/* The exit status of a usage error of @cmd (2; getmap 9, check 8, fsck 16). */
int cli_usage_status(const char *cmd);
/* exit(), after checking that stdout was written (else a failure status). */
void cli_exit(int status) __attribute__((noreturn));

/*
 * helpers.c: main() under the names mount(8) and fsck(8) run:
 * mount.famfs DEVICE DIR [-sfnv] [-o OPTS] and fsck.famfs [-apynfvV] DEV.
 */
int cli_mount_helper(int argc, char **argv);

/*
 * holders.c: the first other process with a file open or mapped under
 * mountpoint @mnt (a real path), or its current or root directory
 * there; its name in @comm. 0 when none is seen (another user's
 * processes are hidden from a non-root caller).
 */
pid_t cli_mount_user(const char *mnt, char *comm, size_t len);
/*
 * The first other process for which @uses(@arg, its /proc directory)
 * holds; its name in @comm. 0 when there is none.
 */
pid_t cli_proc_find(bool (*uses)(const void *arg, const char *pid_dir),
		    const void *arg, char *comm, size_t len);
/* Does @match(@arg, path) hold for some entry of directory @dir? */
bool cli_dir_any(const char *dir,
		 bool (*match)(const void *arg, const char *path),
		 const void *arg);
/* /proc, or $FAMFS_PROC in tests */
const char *cli_procfs(void);
int cli_fsck_helper(int argc, char **argv);

/*
 * @s escaped for a terminal (famfs_escape), in buffer @slot of this
 * thread's CLI_ESCAPED_SLOTS: valid until that slot is used again.
 */
#define CLI_ESCAPED_SLOTS 3
const char *cli_escaped(const char *s, unsigned int slot);

/*
 * Print "famfs: <what>: <reason>" to stderr (one line, printed once),
 * escaped: names in it may come from the log.
 */
void cli_error(const char *what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The one-line reason for a failed operation on a famfs path: errno
 * text, with the famfs meaning where there is one (EROFS on a client).
 */
const char *cli_strerror(int err);

/* A report sink printing "famfs: DEVICE: problem" lines to stderr. */
void cli_report_init(struct famfs_report *rep, const char *what, bool verbose);

/* ---- option values (opts.c): 0 or -EINVAL, no printing ---------------- */

int cli_parse_mode(const char *text, uint32_t *mode);	/* octal, <= 07777 */
int cli_parse_id(const char *text, uint32_t *id);	/* uid or gid */
int cli_parse_u64(const char *text, uint64_t *v);	/* decimal or 0x */
int cli_parse_threads(const char *text, unsigned int *n);	/* 1..256 */

/* -N/-B/-C as given on the command line; finished by cli_interleave_get */
struct cli_interleave {
	const char *nstrips, *nbuckets, *chunk;
};
/*
 * Validate the interleave options: *il zeroed when none were given,
 * else filled (nbuckets defaults to nstrips, chunk to 2 MiB). Prints the
 * problem and returns -EINVAL.
 */
int cli_interleave_get(const struct cli_interleave *opt,
		       struct famfs_interleave *il);

/* ---- paths inside famfs mounts (mountpath.c) -------------------------- */

struct cli_target {
	struct famfs_mount_info mi;	/* mountpoint "" with -D DEVICE */
	char rel[FAMFS_PATH_MAX + 1];	/* relative to the famfs root */
};

/*
 * Locate @path (which need not exist yet) in a famfs mount: the device
 * behind it and the path relative to the famfs root. -ENOENT when the
 * path is not inside a famfs mount.
 */
int cli_target_find(const char *path, struct cli_target *t);

/* ---- names in famfs mounts (names.c): rm, mv, ln ----------------------- */

/*
 * The famfs mount holding the name @path: its parent directory is
 * resolved, the last component is not (a symbolic link is the link).
 * -ENOENT when it is not in a famfs mount.
 */
int cli_name_target(const char *path, struct cli_target *t);
/* The reason for a failed name change; EOPNOTSUPP names @what. */
const char *cli_name_strerror(int err, const char *what);
/* No mount: @path names a file relative to the root of @device. */
int cli_target_device(const char *device, const char *path,
		      struct cli_target *t);
/*
 * Open the device behind @t read-only (replaying its log), reusing the
 * previous open of the same device. Problems in the log are counted,
 * not printed. Closed by cli_target_close_all().
 */
int cli_target_open(const struct cli_target *t, struct famfs_fs **fs);
void cli_target_close_all(void);
/*
 * Resolve @path (in a mount, or in @device when not NULL) to its node in
 * the log; prints the reason and returns a negative errno on failure.
 * When this user may not read the device behind a mount, *fs is NULL
 * and *st comes through the mount (cli_mount_stat).
 */
int cli_lookup(const char *path, const char *device, struct cli_target *t,
	       struct famfs_fs **fs, struct famfs_stat *st);
/* A file's extents, allocated (free *ext); returns the count or -errno. */
int cli_extents(struct famfs_fs *fs, uint64_t ino, struct famfs_extent **ext,
		struct famfs_interleave *il);
/* Bytes of file data @ext can hold. */
uint64_t cli_mapped_bytes(const struct famfs_extent *ext, uint32_t n,
			  const struct famfs_interleave *il);

/* ---- queries through the mount (viamount.c, cmd-status.c) --------------- */

/* The device cannot be opened by this user (EACCES, EPERM). */
bool cli_device_denied(int err);
/*
 * @path's attributes from the mount (stat(2)) and its state and extent
 * count from its daemon (FAMFS_IOC_LAYOUT): for a user who may read the
 * file but not the device. -EACCES when the file cannot be opened.
 */
int cli_mount_stat(const char *path, struct famfs_stat *st);
/*
 * @path's extents as its daemon serves them (file-order runs; free
 * *ext): the count, 0 for an empty file, -EBUSY pending, -errno.
 */
int cli_mount_extents(const char *path, struct famfs_extent **ext,
		      uint64_t *size);
struct json_object;
/* famfs_fused's .meta/.status of the mount holding @path, parsed. */
int cli_status_read(const char *path, struct famfs_mount_info *mi,
		    struct json_object **out);
/* The number at @key (or @key.@sub) of a parsed status; 0 when absent. */
uint64_t cli_status_u64(struct json_object *o, const char *key,
			const char *sub);
/*
 * fsck of a mount whose device this user cannot read: the daemon's
 * checks of every entry it replayed, from .meta/.status. Returns 0 clean
 * or 4 (errors left), 8 when even that cannot be read.
 */
int cli_fsck_via_mount(const char *arg, bool json, bool human);

/* ---- the .meta files as files (meta.c) ---------------------------------- */

/*
 * When @rel (relative to the famfs root) is .meta/.superblock or
 * .meta/.log: 1, with *st and its one extent *ext filled (upstream
 * famfs's scripts getmap, stat and flush them). 0 for any other path;
 * -EISDIR for .meta itself, -ENODATA for the generated files (.poison,
 * .status), -ENOENT for other names in .meta.
 */
int cli_meta_file(struct famfs_fs *fs, const char *rel, struct famfs_stat *st,
		  struct famfs_extent *ext);
/* The reason for cli_meta_file's negative returns. */
const char *cli_meta_strerror(int err);

/* ---- seeded pseudo-random contents (seeded.c) -------------------------- */

/*
 * Byte @pos of a seeded file is a pure function of (seed, pos), so any
 * range can be written or checked on its own, by any thread.
 */
void cli_seeded_fill(void *buf, size_t len, uint64_t seed, uint64_t pos);
/* Index of the first byte of @buf that differs, or @len. */
size_t cli_seeded_check(const void *buf, size_t len, uint64_t seed,
			uint64_t pos);
/* A seed for -r (from getrandom). */
uint64_t cli_random_seed(void);

/* ---- creating files through a mount (newfile.c) ----------------------- */

struct cli_newfile {
	uint32_t mode;		/* permission bits (the umask applies) */
	bool set_mode;		/* -m given: exactly mode, umask ignored */
	bool set_uid, set_gid;
	uint32_t uid, gid;
	struct famfs_interleave il;	/* nstrips 0: contiguous */
};

/*
 * Create @path through its famfs mount with @size bytes, owner and mode
 * set, and close it (the daemon commits it to the log on close). Prints
 * the error and returns a negative errno.
 */
int cli_newfile_create(const char *path, uint64_t size,
		       const struct cli_newfile *nf);
/*
 * Whether a rerun of an interrupted creat or cp may reuse @path (as
 * upstream famfs does): 1 when it is a regular file in a famfs mount of
 * *size bytes (of any size with @any_size; *size is then set), 0 when it
 * does not exist, a negative errno (printed) when it is in the way.
 */
int cli_newfile_existing(const char *path, uint64_t *size, bool any_size);

/* ---- chunked parallel file work (chunks.c) ----------------------------- */

enum cli_chunk_op {
	CLI_CHUNK_FILL,		/* write seeded data into dest */
	CLI_CHUNK_VERIFY,	/* check seeded data in dest */
	CLI_CHUNK_COPY,		/* copy src to dest */
	CLI_CHUNK_COMPARE,	/* compare src with dest */
};

struct cli_file_job {
	const char *dest;	/* the famfs file */
	const char *src;	/* COPY/COMPARE */
	uint64_t size;
	uint64_t seed;		/* FILL/VERIFY */
	uint32_t mode;		/* for the caller (cp: the source's mode) */
	/* results */
	int err;		/* first negative errno, 0 */
	bool mismatch;
	uint64_t bad_offset;	/* lowest mismatching byte */
};

/*
 * Run @op over every file in @threads threads, files cut into chunks.
 * Fills in each job's results; returns the number of jobs that failed
 * (errors and mismatches are left for the caller to print). A progress
 * bar goes to a terminal stderr when @progress and the total is large.
 */
size_t cli_chunks_run(struct cli_file_job *jobs, size_t njobs,
		      enum cli_chunk_op op, unsigned int threads,
		      bool progress);

/* ---- progress bar (progress.c) ----------------------------------------- */

struct cli_progress;
/* NULL (and no output) unless stderr is a terminal and @total is large. */
struct cli_progress *cli_progress_start(const char *label, uint64_t total);
void cli_progress_add(struct cli_progress *p, uint64_t bytes);
void cli_progress_stop(struct cli_progress *p);
/* Seconds on CLOCK_MONOTONIC since @t0 (taken from that clock). */
double cli_seconds_since(const struct timespec *t0);

/* ---- JSON / text attribute output (attrs.c) ---------------------------- */

struct json_object;
/* The one object shape used by stat and ls. */
struct json_object *cli_stat_json(const char *path, const char *device,
				  const struct famfs_stat *st);
void cli_stat_print(const char *path, const struct famfs_stat *st);
const char *cli_node_state_name(enum famfs_node_state s);

/* ---- how the daemon serves opens (serving.c) ---------------------------- */

struct famfs_ioc_serving;
/* FAMFS_IOC_SERVING on @mountpoint for st_ino @ino (0: the mount). */
int cli_serving(const char *mountpoint, uint64_t ino,
		struct famfs_ioc_serving *sv);
/* "passthrough" or "daemon". */
const char *cli_served_name(const struct famfs_ioc_serving *sv);
/* famfs mount's one line: which mode the mount is in, and why. */
void cli_serving_print_mount(const char *mountpoint);

#endif
