/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libfamfs's full API, for the tools built with it: mkfs.famfs, the famfs
 * CLI and the famfs_fused daemon use only what is declared here (and link
 * libfamfs statically). The part installed for other programs is
 * include/libfamfs.h, which this header includes; the on-media layout
 * itself lives in format.h and is private to lib/.
 *
 * Conventions: functions return 0 (or a count) on success and a negative
 * errno on failure. The library never prints; problems found while reading
 * the device are handed to a struct famfs_report callback so that the
 * caller (CLI, daemon) prints them once, at the edge.
 */
#ifndef FAMFS_H
#define FAMFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "libfamfs.h"	/* the installed part of the API */

#define FAMFS_VERSION_STRING "0.1.0"

#define FAMFS_ALLOC_UNIT (2ULL << 20)	/* 2 MiB: one PMD mapping */
#define FAMFS_DEFAULT_LOG_LEN (8ULL << 20)
#define FAMFS_MIN_LOG_LEN (2ULL << 20)
#define FAMFS_MAX_LOG_LEN (1ULL << 30)
#define FAMFS_NAME_MAX 255	/* bytes per path component */
#define FAMFS_PATH_MAX 4095	/* bytes per path, without the NUL */
#define FAMFS_ROOT_INO 1ULL
#define FAMFS_META_DIR ".meta"	/* reserved at the root, served by the daemon */

/* ---- problems found on the device ---------------------------------- */

enum famfs_severity { FAMFS_INFO, FAMFS_WARN, FAMFS_ERROR };

/*
 * Where replay and fsck send what they find. @fn may be NULL (counting
 * only). nerrors/nwarnings are incremented by the library.
 */
struct famfs_report {
	void (*fn)(void *ctx, enum famfs_severity sev, const char *msg);
	void *ctx;
	unsigned long nerrors;
	unsigned long nwarnings;
};

/* ---- CRC and cache maintenance --------------------------------------- */

/* CRC32C (Castagnoli), the checksum used everywhere on the media. */
uint32_t famfs_crc32c(uint32_t crc, const void *buf, size_t len);

/*
 * famfs_flush(), famfs_invalidate() and famfs_copy_to_device() are public
 * (libfamfs.h). Flushing uses CLWB, else CLFLUSHOPT, else CLFLUSH, then
 * SFENCE, chosen once by CPUID.
 */
const char *famfs_flush_method(void);

/* ---- device access ----------------------------------------------------- */

enum famfs_dev_kind { FAMFS_DEV_FILE, FAMFS_DEV_DAX, FAMFS_DEV_PMEM };

struct famfs_dev {
	char *path;
	int fd;
	enum famfs_dev_kind kind;
	bool writable;
	uint64_t size;		/* usable bytes */
	uint64_t align;		/* mapping alignment (devdax), else page size */
	uint8_t *base;		/* whole device mapped MAP_SHARED */
};

#define FAMFS_DEV_RDONLY 0x0
#define FAMFS_DEV_RDWR 0x1

int famfs_dev_open(const char *path, unsigned int flags, struct famfs_dev **out);
void famfs_dev_close(struct famfs_dev *dev);
const char *famfs_dev_kind_name(enum famfs_dev_kind kind);

/*
 * Host-wide append lock on a device: every process on this host that
 * appends to the log (daemon, CLI, mkfs) takes it. It is an flock() on the
 * device node, so it dies with its holder (kill -9 included).
 * famfs_dev_trylock() returns -EWOULDBLOCK when another process holds it.
 */
int famfs_dev_lock(struct famfs_dev *dev);
int famfs_dev_trylock(struct famfs_dev *dev);
void famfs_dev_unlock(struct famfs_dev *dev);

/* ---- superblock -------------------------------------------------------- */

/*
 * On-media format versions (famfs(5)). mkfs writes FAMFS_FORMAT_VERSION;
 * version 1 devices still mount with version-1 rules.
 */
#define FAMFS_FORMAT_V1 1
#define FAMFS_FORMAT_V2 2
#define FAMFS_FORMAT_VERSION FAMFS_FORMAT_V2

struct famfs_sb_info {
	uint32_t version;	/* FAMFS_FORMAT_V1 or FAMFS_FORMAT_V2 */
	uint8_t fs_uuid[16];
	uint8_t master_uuid[16];
	uint64_t device_size;
	uint64_t log_offset;
	uint64_t log_len;
	uint64_t alloc_unit;
	uint64_t data_offset;	/* first allocatable byte */
	uint64_t flags;
	uint64_t create_time;	/* seconds since the epoch */
	uint32_t root_mode;	/* root directory permissions (0: 0755) */
	uint32_t root_uid;
	uint32_t root_gid;
	/* version 2; all 0 on version 1 */
	uint32_t page_size;	/* granule of packed files, 4096 */
	uint64_t host_table_offset;	/* 64 KiB */
	uint32_t host_slots;	/* 240 */
	uint32_t host_slot_size;	/* 4096 */
};

/*
 * The version gate: 0 when @sb's format has everything of @version, else
 * -EOPNOTSUPP. Every version-2-only operation calls it first; the CLI and
 * daemon then say "format version 1 does not support X; reformat with
 * mkfs.famfs".
 */
int famfs_require_version(const struct famfs_sb_info *sb, uint32_t version);

/* Offsets of the primary and backup superblocks. */
#define FAMFS_SB_OFFSET 0ULL
#define FAMFS_SB_BACKUP_OFFSET (1ULL << 20)

/*
 * Decode and validate a superblock copy found at @buf (@len bytes readable).
 * Returns 0, -ENOENT (not famfs: wrong magic), -EBADMSG (CRC), -EINVAL
 * (fields out of range) or -EPROTONOSUPPORT (newer version). @why gets a
 * short reason on failure.
 */
int famfs_sb_decode(const void *buf, size_t len, struct famfs_sb_info *out,
		    const char **why);
void famfs_sb_encode(const struct famfs_sb_info *sb, void *buf);

/*
 * Read the superblock of @dev: the primary, else the backup. @used_backup
 * (may be NULL) tells which. Problems go to @rep (may be NULL).
 */
int famfs_sb_read(const struct famfs_dev *dev, struct famfs_sb_info *out,
		  bool *used_backup, struct famfs_report *rep);

/* ---- system identity --------------------------------------------------- */

/*
 * This host's system UUID: $FAMFS_SYSTEM_UUID, else the file named by
 * $FAMFS_CONFIG (default /etc/famfs/system_uuid), else /etc/machine-id.
 * @source (may be NULL) tells where it came from.
 */
int famfs_system_uuid(uint8_t uuid[16], const char **source);
void famfs_uuid_unparse(const uint8_t uuid[16], char out[37]);
int famfs_uuid_parse(const char *text, uint8_t uuid[16]);

/* ---- mkfs -------------------------------------------------------------- */

struct famfs_mkfs_opts {
	uint64_t log_len;	/* 0: default */
	bool force;		/* overwrite an existing famfs */
	const uint8_t *master_uuid;	/* NULL: this host's system UUID */
	uint32_t root_mode;	/* root directory permission bits; 0: 0755 */
	uint32_t root_uid;
	uint32_t root_gid;
	uint32_t version;	/* 0: FAMFS_FORMAT_VERSION; 1 for old readers */
};

/*
 * Write a fresh superblock (both copies), an empty log and (version 2) a
 * zeroed host table. Refuses
 * (-EEXIST) to overwrite a valid famfs unless opts->force; -ENOSPC when the
 * device cannot hold superblock + log + one allocation unit; -EINVAL for a
 * bad log length; -EBUSY when another process holds the append lock.
 */
int famfs_mkfs(struct famfs_dev *dev, const struct famfs_mkfs_opts *opts,
	       struct famfs_sb_info *out);
/* Zero both superblock copies (mkfs -k). */
int famfs_wipe_sb(struct famfs_dev *dev);

/*
 * The smallest device mkfs formats with a @log_len log: superblock unit,
 * log, one data unit.
 */
uint64_t famfs_min_device_size(uint64_t log_len);

/* Log capacity in entries of the smallest useful kind (estimate). */
uint64_t famfs_log_capacity_entries(uint64_t log_len);

/* ---- extents and log records ------------------------------------------ */

struct famfs_extent {
	uint64_t offset;	/* device byte offset, unit aligned */
	uint64_t len;		/* bytes, unit multiple */
};

/*
 * Interleave: the file's data is cut into chunk_size pieces dealt round
 * robin over nstrips strips; strip i is extents[i] and all strips have the
 * same length. nstrips == 0 means a plain extent list in file order.
 */
struct famfs_interleave {
	uint32_t nstrips;
	uint32_t nbuckets;	/* informative: buckets the strips came from */
	uint64_t chunk_size;
};

enum famfs_log_type {
	FAMFS_LOG_MKDIR = 1,
	FAMFS_LOG_FILE = 2,
	FAMFS_LOG_SETATTR = 3,
	/* version 2 (famfs(5)): */
	FAMFS_LOG_DELETE = 4,
	FAMFS_LOG_RENAME = 5,
	FAMFS_LOG_ADD_DEVICE = 6,	/* reserved */
	/* memory poison the master learned: never allocate, never read */
	FAMFS_LOG_BADRANGE = 7,
	/* format version 2 */
	FAMFS_LOG_ATTR = 8,	/* mode, owner, atime, mtime */
	FAMFS_LOG_CONTENTS = 9,	/* new size and extents of a file */
	FAMFS_LOG_SYMLINK = 10,
	/* written by fsck --repair over an entry the operator dropped */
	FAMFS_LOG_DROPPED = 11,
};

#define FAMFS_SETATTR_MODE 0x1
#define FAMFS_SETATTR_UID 0x2
#define FAMFS_SETATTR_GID 0x4
#define FAMFS_SETATTR_ATIME 0x8	/* attributes entries (version 2) */
#define FAMFS_SETATTR_MTIME 0x10

/* rename flags, as renameat2(2) and the rename entry have them */
#define FAMFS_RENAME_NOREPLACE 0x1
#define FAMFS_RENAME_EXCHANGE 0x2

#define FAMFS_SYMLINK_MAX 4095	/* bytes of a symbolic link's target */

/* A decoded log entry. Pointers refer into caller or decoder storage. */
struct famfs_log_record {
	enum famfs_log_type type;
	uint64_t seq;
	uint64_t time;		/* ns since the epoch (v1 seconds converted) */
	const char *path;	/* relative to the root, NUL terminated */
	uint32_t mode;		/* full st_mode bits */
	uint32_t uid;
	uint32_t gid;
	uint32_t setattr_mask;	/* FAMFS_SETATTR_* */
	uint64_t atime, mtime;	/* ATTR, as the mask says */
	const char *new_path;	/* RENAME: the destination */
	uint32_t rename_flags;	/* RENAME: FAMFS_RENAME_* */
	const char *target;	/* SYMLINK */
	uint64_t size;		/* FILE, CONTENTS */
	struct famfs_interleave interleave;	/* FILE, CONTENTS */
	uint32_t nextents;	/* FILE, CONTENTS */
	const struct famfs_extent *extents;	/* FILE, CONTENTS */
	struct famfs_extent bad;	/* BADRANGE: device bytes */
};

/* ---- the filesystem: superblock + namespace + allocator ---------------- */

enum famfs_node_type {
	FAMFS_NODE_DIR = 1,
	FAMFS_NODE_FILE = 2,
	FAMFS_NODE_SYMLINK = 3,
};

enum famfs_node_state {
	FAMFS_NODE_COMMITTED = 0,	/* in the log */
	FAMFS_NODE_PENDING = 1,		/* master only: not yet logged */
	FAMFS_NODE_GONE = 2,		/* pending file abandoned */
};

/* A snapshot of a node's attributes (copied under the namespace lock). */
struct famfs_stat {
	uint64_t ino;
	uint64_t parent;
	enum famfs_node_type type;
	enum famfs_node_state state;
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	uint32_t nlink;
	uint64_t size;
	uint64_t allocated;	/* bytes of device space held */
	uint64_t time;		/* creation time from the log, ns */
	uint64_t atime, mtime, ctime;	/* famfs(5) Times, ns */
	uint64_t identity;	/* sequence number of the creating entry */
	uint32_t nextents;
	struct famfs_interleave interleave;
};

struct famfs_fs;

#define FAMFS_OPEN_RDONLY 0x0	/* read the device; no appends */
#define FAMFS_OPEN_RDWR 0x1	/* map writable (writes; a master appends) */
#define FAMFS_OPEN_NO_LOCK 0x2	/* master RDWR without taking the append lock */
/*
 * A mount: keep a slot of the host table (version 2) from before the
 * first replay until famfs_fs_close(). -EROFS when the device is not
 * writable, -EUSERS when every slot is taken.
 */
#define FAMFS_OPEN_HOST 0x4

/*
 * Open a famfs device: read the superblock, replay the whole log into the
 * namespace. A master opened RDWR holds the host append lock until
 * famfs_fs_close() (-EBUSY if another process holds it) unless
 * FAMFS_OPEN_NO_LOCK. Problems in the log go to @rep and are skipped.
 */
int famfs_fs_open(const char *devpath, unsigned int flags,
		  struct famfs_report *rep, struct famfs_fs **out);
void famfs_fs_close(struct famfs_fs *fs);

/*
 * Where problems found after open go when the call that meets them has no
 * report of its own (a damaged tail word met by an append). @rep must
 * outlive @fs; NULL stops it.
 */
void famfs_fs_set_report(struct famfs_fs *fs, struct famfs_report *rep);

const struct famfs_sb_info *famfs_fs_sb(const struct famfs_fs *fs);
struct famfs_dev *famfs_fs_dev(const struct famfs_fs *fs);
bool famfs_fs_is_master(const struct famfs_fs *fs);
bool famfs_fs_writable(const struct famfs_fs *fs);

/*
 * Replay entries appended since the last replay (a client's catch-up).
 * Returns the number of entries applied, or a negative errno. With
 * @dry_run, nothing is applied; the records that would be are passed to
 * @each (may be NULL). Cheap when the tail has not moved.
 */
int famfs_fs_refresh(struct famfs_fs *fs, struct famfs_report *rep,
		     bool dry_run,
		     void (*each)(void *ctx, const struct famfs_log_record *r),
		     void *ctx);
/* True when the log tail on the device differs from what was replayed. */
bool famfs_fs_log_moved(struct famfs_fs *fs);

/*
 * Is the filesystem on the device still the one that was opened? A new
 * mkfs (on any host) gives the device a new UUID: from then on its memory
 * belongs to other files, so a host must stop serving it.
 * famfs_fs_check_identity() reads the superblock as a mount would (the
 * primary, else the backup) and returns 0, or -ESTALE when its UUID is
 * another (or no famfs is there any more); famfs_fs_replaced() is cheap
 * enough for every data request (16 bytes compared, the full check only
 * when they differ). Once replaced, always replaced. famfs_fs_refresh()
 * returns -ESTALE, replaying nothing, on a replaced filesystem.
 */
int famfs_fs_check_identity(struct famfs_fs *fs);
bool famfs_fs_replaced(struct famfs_fs *fs);

/*
 * One past the largest inode number the namespace has given out (numbers
 * are never reused; deleted ones leave holes): for a walk over every
 * inode the kernel may have cached.
 */
uint64_t famfs_fs_ino_end(struct famfs_fs *fs);

struct famfs_usage {
	uint64_t total_bytes;	/* allocatable data area */
	uint64_t used_bytes;	/* committed + pending allocations */
	uint64_t free_bytes;
	uint64_t packed_units;	/* units cut into pages for small files */
	uint64_t packed_bytes;	/* bytes of the pieces in them */
	uint64_t held_bytes;	/* released, waiting for hosts to let go */
	uint64_t log_len;
	uint64_t log_used;
	uint64_t log_reserved;	/* held for pending files' commit entries */
	uint64_t log_entries;
	uint64_t last_seq;	/* sequence number of the last entry replayed */
	uint64_t nfiles;
	uint64_t ndirs;
};
void famfs_fs_usage(struct famfs_fs *fs, struct famfs_usage *u);

/* ---- namespace queries (thread safe) ----------------------------------- */

int famfs_lookup(struct famfs_fs *fs, uint64_t parent, const char *name,
		 struct famfs_stat *st);
int famfs_getattr(struct famfs_fs *fs, uint64_t ino, struct famfs_stat *st);
/* Resolve a path relative to the root ("" or "/" is the root). */
int famfs_resolve(struct famfs_fs *fs, const char *path, struct famfs_stat *st);
/* Full path of @ino relative to the root, into buf. */
int famfs_path_of(struct famfs_fs *fs, uint64_t ino, char *buf, size_t len);

/*
 * Directory listing: entries are handed out by index, skipping gone ones.
 * Returns 1 with *name and *st filled and *cookie advanced, 0 at the end.
 * The name is copied into @name (FAMFS_NAME_MAX + 1 bytes).
 */
int famfs_readdir(struct famfs_fs *fs, uint64_t dir, uint64_t *cookie,
		  char *name, struct famfs_stat *st);

/* Extents of a file, copied (at most @max); returns the total count. */
int famfs_get_extents(struct famfs_fs *fs, uint64_t ino,
		      struct famfs_extent *ext, uint32_t max,
		      struct famfs_interleave *il);

/*
 * Map a file range to device memory: the device offset of file byte @pos
 * and how many bytes are contiguous from there (capped at the file size,
 * or for pending files at the allocated size). -ENXIO past the end.
 */
int famfs_file_map(struct famfs_fs *fs, uint64_t ino, uint64_t pos,
		   uint64_t *dev_offset, uint64_t *contig);

/*
 * A file's layout for direct mappings (layout.c): its bytes in file order
 * as runs contiguous on the device, back to back from file byte 0 to the
 * end of its allocation. Copies at most @max runs starting at file byte
 * @pos (a run containing @pos is cut there) and returns how many; @info
 * describes the whole list. -ENOENT, -EISDIR, -EINVAL (@pos past the
 * allocation).
 */
struct famfs_layout {
	uint64_t size;		/* file bytes */
	uint64_t mapped;	/* bytes the whole list covers (>= size) */
	uint32_t total_runs;
	uint32_t crc;		/* CRC32C of the whole list */
	enum famfs_node_state state;
};
int famfs_file_layout(struct famfs_fs *fs, uint64_t ino, uint64_t pos,
		      struct famfs_extent *runs, uint32_t max,
		      struct famfs_layout *info);

/* Pointer into the device mapping. */
void *famfs_fs_ptr(struct famfs_fs *fs, uint64_t dev_offset);

/*
 * Which file owns device byte @dev_offset (poison routing). 0 and the
 * file's ino, or -ENOENT for free space / -EFAULT for metadata.
 * *file_pos gets the byte offset inside the file.
 */
int famfs_owner_of(struct famfs_fs *fs, uint64_t dev_offset, uint64_t *ino,
		   uint64_t *file_pos);

/* ---- master mutations (append to the log, then apply) ------------------ */

/*
 * All return -EROFS on a client or a read-only open, -EEXIST, -ENOENT
 * (parent), -ENOTDIR, -ENAMETOOLONG, -EINVAL (bad name) or -ENOSPC (device
 * or log full: famfs_fs_log_room() tells which).
 */
/*
 * Free bytes left in the log (an entry needs at least 48 + path bytes),
 * less the room held for the commit entries of pending files: a pending
 * file holds room for its entry from its creation (famfs_pending_create
 * fails with -ENOSPC otherwise) and more as it gains extents (a resize or
 * write needing more fails with -ENOSPC), so its commit cannot fail for
 * lack of room.
 */
uint64_t famfs_fs_log_room(struct famfs_fs *fs);
/*
 * NULL when this master may append; otherwise why it may not (the log
 * state allows no valid next entry, e.g. its last sequence number is
 * 2^64 - 1). Every mutation then fails with -EROFS.
 */
const char *famfs_fs_readonly_reason(struct famfs_fs *fs);
int famfs_mkdir(struct famfs_fs *fs, uint64_t parent, const char *name,
		uint32_t mode, uint32_t uid, uint32_t gid,
		struct famfs_stat *st);
int famfs_setattr(struct famfs_fs *fs, uint64_t ino, uint32_t mask,
		  uint32_t mode, uint32_t uid, uint32_t gid,
		  struct famfs_stat *st);
/*
 * Attributes including times (FAMFS_SETATTR_ATIME/MTIME need format
 * version 2: -EOPNOTSUPP on version 1). Times are in the unit entries
 * carry. The root has no entry to change: -EINVAL.
 */
struct famfs_attr {
	uint32_t mask;		/* FAMFS_SETATTR_* */
	uint32_t mode, uid, gid;
	uint64_t atime, mtime;
};
int famfs_set_attr(struct famfs_fs *fs, uint64_t ino,
		   const struct famfs_attr *attr, struct famfs_stat *st);

/*
 * Name changes (format version 2; -EOPNOTSUPP on version 1), as the
 * system calls define them. famfs_unlink() removes a file or symbolic
 * link, or with @dir an empty directory (-EISDIR, -ENOTDIR, -ENOTEMPTY);
 * a pending file simply leaves the namespace. A deleted file's memory is
 * reused only once no host holds it (famfs_reclaim()).
 * famfs_rename() takes FAMFS_RENAME_* flags (-EEXIST, -EINVAL for a
 * directory into its own subtree, -ENOTEMPTY, -EISDIR, -ENOTDIR; -EBUSY
 * when either name is a pending file: commit it first; -ENAMETOOLONG
 * when a node below a moved directory would get a path longer than
 * FAMFS_PATH_MAX bytes).
 * famfs_symlink(): targets of 1 to FAMFS_SYMLINK_MAX bytes.
 * famfs_readlink() copies the target (NUL terminated, truncated to fit)
 * and returns its length; -EINVAL for a node that is not a link.
 */
int famfs_unlink(struct famfs_fs *fs, uint64_t parent, const char *name,
		 bool dir);
int famfs_rename(struct famfs_fs *fs, uint64_t parent, const char *name,
		 uint64_t newparent, const char *newname, uint32_t flags);
int famfs_symlink(struct famfs_fs *fs, uint64_t parent, const char *name,
		  const char *target, uint32_t uid, uint32_t gid,
		  struct famfs_stat *st);
int famfs_readlink(struct famfs_fs *fs, uint64_t ino, char *buf, size_t len);

/*
 * Create a fully sized file in one step: allocate (contiguous first fit,
 * or interleaved when @il && il->nstrips), log, apply. Contents are not
 * touched; callers zero or fill them.
 */
int famfs_create_file(struct famfs_fs *fs, uint64_t parent, const char *name,
		      uint32_t mode, uint32_t uid, uint32_t gid, uint64_t size,
		      const struct famfs_interleave *il, struct famfs_stat *st);

/*
 * Pending files (the daemon's write-then-commit path). A pending file is
 * visible in this process's namespace only; its space is reserved in
 * memory and grows in allocation units as famfs_pending_resize() asks.
 * famfs_pending_commit() logs it with its current size, after which its
 * size is fixed. famfs_pending_abandon() frees it.
 */
int famfs_pending_create(struct famfs_fs *fs, uint64_t parent,
			 const char *name, uint32_t mode, uint32_t uid,
			 uint32_t gid, struct famfs_stat *st);
int famfs_pending_resize(struct famfs_fs *fs, uint64_t ino, uint64_t size);
/*
 * May growing this pending file move the bytes it has (copy them to other
 * device memory)? True while it holds a packed piece; a file holding
 * units only ever gains units. A caller that copies into or out of the
 * file's memory without the library's lock (the daemon's data path) must
 * keep such copies out while it grows the file; commit, abandon and a
 * shrinking resize always give memory back.
 */
bool famfs_pending_may_move(struct famfs_fs *fs, uint64_t ino);
/*
 * Make a file cover [pos, pos+len) for a write about to fill it: a pending
 * file grows (only the gap between its old end and @pos is zeroed); a
 * committed file must already cover the range (-EPERM otherwise).
 */
int famfs_pending_prepare_write(struct famfs_fs *fs, uint64_t ino,
				uint64_t pos, uint64_t len);
/*
 * Give an empty pending file an interleave layout (before any resize):
 * its size may then grow up to what one allocation of nstrips strips
 * holds; -EINVAL when it already has space or @il is malformed.
 */
int famfs_pending_set_interleave(struct famfs_fs *fs, uint64_t ino,
				 const struct famfs_interleave *il);
int famfs_pending_setattr(struct famfs_fs *fs, uint64_t ino, uint32_t mask,
			  uint32_t mode, uint32_t uid, uint32_t gid);
/*
 * The modification time (ns) a pending file is to be logged with: a
 * writer's kernel that caches writes keeps its own and says it at
 * write-back, and every host must show the same. Its commit entry then
 * carries this time; without one, a new file's entry carries its
 * creation time and a changed file's the time of its commit.
 */
int famfs_pending_set_mtime(struct famfs_fs *fs, uint64_t ino, uint64_t mtime);
/*
 * -EIO, and the file stays pending (abandon it), when its commit entry is
 * one replay would refuse: its new space holds memory a poison entry
 * marked bad while it was pending. famfs_commit_refusal() says why, until
 * the next commit; NULL when the last commit was not refused so.
 */
int famfs_pending_commit(struct famfs_fs *fs, uint64_t ino);
const char *famfs_commit_refusal(struct famfs_fs *fs);
/*
 * A file committed empty (no size, no extents) may still be given its
 * contents once: this makes it pending again. Committing it then logs a
 * file entry that fills the empty one; committing it still empty, or
 * abandoning it, leaves it as the log already has it. -EPERM for any
 * other committed file.
 */
int famfs_pending_reopen(struct famfs_fs *fs, uint64_t ino);
int famfs_pending_abandon(struct famfs_fs *fs, uint64_t ino);

/*
 * Test tool only (famfs clone): append @r without any namespace or extent
 * check, so fsck and replay can be shown catching what it writes. Works
 * on a master opened with FAMFS_OPEN_NO_LOCK beside a running daemon.
 */
int famfs_debug_append_unchecked(struct famfs_fs *fs,
				 struct famfs_log_record *r);

/*
 * Poisoned device memory, kept in the log so that every host, and every
 * later mount, knows it: such bytes are never read through famfs again,
 * and free units holding them are never allocated. famfs_mark_bad()
 * (master only; -EROFS elsewhere) appends a record unless the range is
 * already known. famfs_bad_ranges() copies up to @max merged ranges and
 * returns how many there are; famfs_bad_overlaps() asks about one range.
 */
int famfs_mark_bad(struct famfs_fs *fs, uint64_t offset, uint64_t len);
int famfs_bad_ranges(struct famfs_fs *fs, struct famfs_extent *out,
		     uint32_t max);
bool famfs_bad_overlaps(struct famfs_fs *fs, uint64_t offset, uint64_t len);

/* ---- allocator (exposed for tests and the CLI's planning) -------------- */

int famfs_alloc_contiguous(struct famfs_fs *fs, uint64_t bytes,
			   struct famfs_extent *out);
int famfs_alloc_interleaved(struct famfs_fs *fs, uint64_t bytes,
			    const struct famfs_interleave *il,
			    struct famfs_extent *strips /* il->nstrips */);
void famfs_alloc_release(struct famfs_fs *fs, const struct famfs_extent *ext,
			 uint32_t n);

/* ---- host table (format version 2) --------------------------------------- */

/*
 * Every host that mounts a version 2 filesystem keeps one slot of the
 * host table (famfs(5) Host table): how far it has replayed, a
 * heartbeat, and the released nodes it still has open or mapped (pins).
 * The master frees released space only when no slot can still touch it
 * (famfs_reclaim()).
 */
#define FAMFS_HOST_SLOTS 240
#define FAMFS_HOST_MAX_PINS 485

enum famfs_host_state {
	FAMFS_HOST_FREE = 0,
	FAMFS_HOST_MOUNTED = 1,
	FAMFS_HOST_UNMOUNTED = 2,
};

enum famfs_host_role { FAMFS_HOST_MASTER = 1, FAMFS_HOST_CLIENT = 2 };

enum famfs_slot_status {
	FAMFS_SLOT_EMPTY,	/* no slot magic: never used */
	FAMFS_SLOT_OK,		/* a slot of this filesystem */
	FAMFS_SLOT_DAMAGED,	/* slot magic, but the CRC fails (torn) */
	FAMFS_SLOT_FOREIGN,	/* intact, of another filesystem */
};

struct famfs_host_info {
	uint32_t slot;
	enum famfs_slot_status status;
	bool evicted;		/* eviction word equals the nonce */
	uint8_t system_uuid[16];
	uint64_t nonce;
	enum famfs_host_state state;
	enum famfs_host_role role;
	uint64_t replayed;	/* entries up to this sequence are applied */
	uint64_t heartbeat;	/* counter */
	uint64_t heartbeat_time;	/* ns since the epoch */
	uint64_t mount_time;	/* ns since the epoch */
	bool pins_overflow;	/* more pins than fit: pins every release */
	uint32_t npins;
	uint64_t pins[FAMFS_HOST_MAX_PINS];	/* node identities */
};

/*
 * Read every slot of the host table of @dev (whose superblock is @sb)
 * and call @each for each one that is not empty, in slot order; a
 * non-zero return from @each stops the walk and is returned. Damaged
 * slots are passed with status FAMFS_SLOT_DAMAGED and whatever fields
 * could be read. -EOPNOTSUPP on a version 1 filesystem (no table).
 */
int famfs_hosts_read(const struct famfs_dev *dev,
		     const struct famfs_sb_info *sb,
		     int (*each)(void *ctx, const struct famfs_host_info *h),
		     void *ctx);
/*
 * How many slots a host may still be using: mounted and not evicted,
 * or damaged and not evicted (a torn slot may be a live host's). Used by
 * mkfs to refuse a device some host has mounted. -EOPNOTSUPP on v1.
 */
int famfs_hosts_mounted(const struct famfs_dev *dev,
			const struct famfs_sb_info *sb);
/*
 * Master only: evict slot @slot, whose mount nonce the caller read as
 * @nonce (the eviction word gets it). -ESTALE when the slot now holds
 * another mount, -EROFS when this is not a writable master open.
 */
int famfs_host_evict(struct famfs_fs *fs, uint32_t slot, uint64_t nonce);

/*
 * This open's own slot (opened with FAMFS_OPEN_HOST): its number, or -1
 * when it has none (read-only open, version 1 device).
 */
int famfs_host_slot(struct famfs_fs *fs);
/*
 * The heartbeat of a mount, at least once a second: checks the eviction
 * word, then writes replayed, pins and the heartbeat. -EIO once this
 * host was evicted (it then never writes its slot again).
 */
int famfs_host_beat(struct famfs_fs *fs);
/* Whether the master evicted this mount (reads the eviction word). */
bool famfs_host_evicted(struct famfs_fs *fs);

/*
 * Free released space that no host can touch any more (famfs(5)
 * Reclaiming space), after reading the host table; returns the bytes
 * freed. The master calls it to reuse space (it also does when an
 * allocation finds the device full); clients to keep df exact.
 */
uint64_t famfs_reclaim(struct famfs_fs *fs);
/*
 * This host has @ino open or mapped (each open counts once): a deleted
 * node stays readable by inode number and its memory pinned until the
 * last famfs_unhold(). -ENOENT for an unknown inode.
 */
int famfs_hold(struct famfs_fs *fs, uint64_t ino);
void famfs_unhold(struct famfs_fs *fs, uint64_t ino);

/* ---- offline check ---------------------------------------------------- */

struct famfs_fsck_result {
	struct famfs_sb_info sb;
	bool sb_ok;
	bool backup_ok;
	bool backup_matches;
	bool log_ok;
	bool not_famfs;		/* no superblock copy at all */
	uint64_t past_tail;	/* intact entries written past the log tail */
	uint64_t nfiles;
	uint64_t ndirs;
	uint64_t log_entries;
	uint64_t log_used;
	uint64_t log_len;
	uint64_t data_total;
	uint64_t data_used;
	uint64_t data_free;
	uint64_t data_held;	/* deleted, waiting for hosts to let go */
	uint64_t packed_units;	/* units cut into pages for small files */
	uint64_t packed_bytes;	/* bytes of the pieces in them */
	uint64_t bad_ranges;	/* poisoned ranges recorded in the log */
	uint64_t bad_bytes;
	unsigned long nerrors;
	unsigned long nwarnings;
};

/* fsck exit status bits, as documented in famfs(1) */
#define FAMFS_FSCK_OK 0
#define FAMFS_FSCK_ERRORS 1	/* intact entries refused: bad path, overlap */
#define FAMFS_FSCK_BAD_SB 2	/* a superblock copy bad or the two differ */
#define FAMFS_FSCK_BAD_LOG 4	/* log damage: header, CRC, torn, sequence */

/*
 * Check a device: both superblock copies, the log header and every entry
 * (through the same replay that mounts use), extent bounds and overlaps,
 * allocation totals. Each problem goes to @rep. Returns FAMFS_FSCK_* bits,
 * or a negative errno when the device cannot be read at all.
 */
int famfs_fsck(struct famfs_dev *dev, struct famfs_report *rep,
	       struct famfs_fsck_result *res);

/* famfs_fsck_repair flag: also drop entries replay refuses or cannot read */
#define FAMFS_REPAIR_DROP 0x1

/*
 * Repair what the device still allows (fsck --repair), reporting every
 * change to @rep: a damaged superblock copy from the intact one, the log
 * header from the superblock, the tail word from the entry chain, damaged
 * bytes that end the log cut off. With FAMFS_REPAIR_DROP, entries replay
 * refuses become dropped entries (type 11, same sequence number and
 * length), and unreadable bytes between intact entries become dropped
 * entries with the lost sequence numbers. @dev must be open read-write
 * and not mounted anywhere. Returns the number of corrections, -EBUSY
 * when a process on this host holds the device's append lock (a master).
 */
int famfs_fsck_repair(struct famfs_dev *dev, unsigned int flags,
		      struct famfs_report *rep);

/* ---- log walking (fsck -v, logplay -n, dumps) -------------------------- */

/*
 * Walk the committed log of @fs from the first entry, calling @each for
 * every entry that decodes (valid or not for the namespace).
 */
int famfs_log_walk(struct famfs_fs *fs,
		   void (*each)(void *ctx, const struct famfs_log_record *r),
		   void *ctx, struct famfs_report *rep);

/* ---- mounts on this host ------------------------------------------------ */

/*
 * famfs_fused mounts with fsname=DEVICE and subtype famfs, so the mount
 * table names the device of every famfs mount ("fuse.famfs").
 */
struct famfs_mount_info {
	char mountpoint[FAMFS_PATH_MAX + 1];
	char device[FAMFS_PATH_MAX + 1];
	dev_t dev;		/* st_dev of the files in the mount */
};

/* The famfs mount that contains @path (-ENOENT when it is not in one). */
int famfs_mount_of_path(const char *path, struct famfs_mount_info *mi);
/* The famfs mount that holds the open file @fd (-ENOENT: none). */
int famfs_mount_of_fd(int fd, struct famfs_mount_info *mi);
/* Call @fn for every famfs mount; stops early when @fn returns non-zero. */
int famfs_list_mounts(int (*fn)(void *ctx, const struct famfs_mount_info *mi),
		      void *ctx);
/*
 * Is @dev (the same device node, or the same file) mounted on this host?
 * 1 with *@mi filled, 0 when not (or the mount table cannot be read).
 */
int famfs_device_mounted_here(const struct famfs_dev *dev,
			      struct famfs_mount_info *mi);

/* ---- helpers ---------------------------------------------------------- */

/*
 * Add [offset, offset+len) to a sorted array of disjoint byte ranges,
 * merging with every range it touches; the array grows as needed.
 * Returns the new count (for the caller to publish), or -ENOMEM with the
 * array unchanged. Used for poisoned ranges by libfamfs and the daemon.
 */
long famfs_ranges_merge(struct famfs_extent **ranges, size_t count,
			size_t *cap, uint64_t offset, uint64_t len);

/* The current time, nanoseconds since the epoch (log entry times). */
uint64_t famfs_now_ns(void);
/* Parse "8M", "2G", "4096", "1T" (binary units) into bytes. */
int famfs_parse_size(const char *text, uint64_t *bytes);
/* Format bytes with a binary unit ("2.0 GiB"). */
void famfs_format_size(uint64_t bytes, char *buf, size_t len);
/*
 * @in for a human to read, in @out (@len bytes, always terminated, cut
 * short when too small): control bytes, DEL, C1 controls and bytes that
 * are not UTF-8 become \xNN, a backslash \\; other UTF-8 stays. Returns
 * @out. Room for any path: FAMFS_ESCAPED_MAX.
 */
const char *famfs_escape(const char *in, char *out, size_t len);
#define FAMFS_ESCAPED_MAX (4 * FAMFS_PATH_MAX + 1)
/* Validate one path component (no '/', not "." or "..", 1..255 bytes). */
int famfs_check_name(const char *name);

#endif /* FAMFS_H */
