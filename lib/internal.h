/* SPDX-License-Identifier: Apache-2.0 */
/* libfamfs internals shared between lib/ files; never installed. */
#ifndef FAMFS_INTERNAL_H
#define FAMFS_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>

#include "famfs.h"
#include "format.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* The smallest granule a file is mapped with; extents are aligned to it. */
#define MAP_PAGE 4096ULL

uint32_t famfs_crc32c_portable(uint32_t crc, const void *buf, size_t len);

/* Hand one formatted problem to a report (counts it, calls the sink). */
void report(struct famfs_report *rep, enum famfs_severity sev,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * What kind of device @fd is, its usable size and the alignment its
 * mappings need (devdax: from sysfs; else the page size). -ENODEV when it
 * is none of file, devdax, block device.
 */
int dev_probe_fd(int fd, enum famfs_dev_kind *kind, uint64_t *size,
		 uint64_t *align);

/* ---- log entry coding (log.c) ------------------------------------------ */

/*
 * How one filesystem codes its entries and tail word, from its superblock:
 * version 2 seeds every CRC with the filesystem UUID and keeps times in
 * ns; version 1 has unseeded CRCs and times in seconds.
 */
struct log_coding {
	uint32_t version;
	uint32_t crc_seed;	/* CRC32C state after the fs UUID; 0 in v1 */
};
void log_coding_init(struct log_coding *c, const struct famfs_sb_info *sb);
/* Now, in ns, as precise as the media keeps it (v1: whole seconds). */
uint64_t log_now(const struct log_coding *c);
/* The entry CRC over bytes [8, len) of the entry at @p. */
uint32_t log_entry_crc(const struct log_coding *c, const uint8_t *p,
		       uint32_t len);
/* The tail word that publishes @tail. */
uint64_t log_tail_word(const struct log_coding *c, uint64_t tail);
/* The tail in @word, or UINT64_MAX when the word fails its check. */
uint64_t log_tail_from_word(const struct log_coding *c, uint64_t word);

/* Bytes an encoded record occupies (8-aligned), 0 if it cannot be encoded. */
size_t log_record_size(const struct famfs_log_record *r);
/* Encode into buf (log_record_size() bytes, zeroed by the caller). */
void log_record_encode(const struct log_coding *c,
		       const struct famfs_log_record *r, uint8_t *buf,
		       size_t len);

/*
 * Decoded entry storage: the record points into it (path, extents), so it
 * must outlive the record's use.
 */
struct log_decoded {
	struct famfs_log_record rec;
	char path[FAMFS_PATH_MAX + 1];
	char path2[FAMFS_PATH_MAX + 1];	/* rename destination, link target */
	struct famfs_extent *extents;
	uint32_t extents_cap;
	uint16_t flags;
};
void log_decoded_free(struct log_decoded *d);

enum log_decode_status {
	LOG_ENTRY_OK,		/* rec is valid */
	LOG_ENTRY_UNKNOWN,	/* well-formed, of a kind we do not know */
	LOG_ENTRY_BAD,		/* corrupt; *why says how; length trustworthy */
	LOG_ENTRY_TORN,		/* header unusable: length cannot be trusted */
};

/*
 * Decode the entry at @p with @avail bytes up to the tail. *len gets the
 * entry length when it can be trusted. Times come out in ns whatever the
 * version; types a version never writes are LOG_ENTRY_UNKNOWN.
 */
enum log_decode_status log_entry_decode(const struct log_coding *c,
					const uint8_t *p, uint64_t avail,
					struct log_decoded *d, uint32_t *len,
					const char **why);
/*
 * Overwrite the intact entry at @p with a dropped entry (type 11) of the
 * same length and sequence number (fsck --repair).
 */
void log_entry_drop(const struct log_coding *c, uint8_t *p);

/* ---- namespace (namespace.c) ------------------------------------------ */

/* A directory's entry: cookies only grow, so a listing resumes exactly. */
struct dir_slot {
	uint64_t cookie;
	struct node *node;	/* NULL: removed, compacted away later */
};

/* What the log says of a reopened file (pending.c). */
struct node_logged {
	struct famfs_extent *extents;
	uint32_t nextents;
	uint64_t size;
	uint32_t mode, uid, gid;
	struct famfs_interleave interleave;
};

struct node {
	uint64_t ino;
	/* famfs(5): the sequence number of the entry that created it */
	uint64_t identity;
	struct node *parent;	/* the root for an unlinked node */
	char *name;
	uint32_t name_len;
	uint32_t hash;
	struct node *hash_next;
	enum famfs_node_type type;
	enum famfs_node_state state;
	uint32_t mode, uid, gid;
	uint64_t time;		/* creation, as the entry says */
	uint64_t atime, mtime, ctime;	/* entry times (famfs(5) Times) */
	/* pending: the modification time to log, given by the writer */
	uint64_t pending_mtime;
	uint64_t dir_cookie;	/* this node's place in its parent */
	/* directories */
	struct dir_slot *children;
	uint32_t nslots, slots_cap, nlive;
	uint32_t nsubdirs;
	uint64_t next_cookie;
	/* files */
	uint64_t size;
	struct famfs_extent *extents;
	uint32_t nextents, extents_cap;
	struct famfs_interleave interleave;
	uint64_t allocated;
	/* symbolic links */
	char *target;
	/* pending again: committed empty, now being given its contents */
	bool refill;
	/* pending: log bytes held for its commit entry (log_hold()) */
	uint32_t log_held;
	/* pending again (version 2): what the log says of it meanwhile */
	struct node_logged *logged;
	/* open or mapped on this host (famfs_hold) */
	uint32_t holds;
	struct node *held_next, *held_prev;
	bool unlinked;		/* no name any more; kept while held */
	bool released;		/* an entry released it or extents of it */
	/*
	 * Version 2 master: files created here that the log lacks yet are
	 * listed in their directory (a short list: they are open), which
	 * shows the newest one's creation time as its own (ns_stat): the
	 * commit of such a file left untouched logs that time, so the
	 * directory's attributes, cached by the kernel, stay as they are
	 * (a written one logs its writer's mtime, often a little older:
	 * famfs_fused tells the kernel). A listed file's time does not
	 * change while it is listed.
	 */
	struct node *unlogged;		/* directories: the list */
	uint64_t unlogged_newest;	/* the list's newest time, 0: empty */
	struct node *unlogged_next, *unlogged_prev;
	bool in_unlogged;
};

struct namespace {
	struct node **by_ino;	/* index ino - 1; NULL once freed */
	uint64_t nnodes, nodes_cap;
	struct node **buckets;
	uint64_t nbuckets, nhashed;
	uint64_t nfiles, ndirs;	/* linked nodes; symbolic links are files */
	struct node *held;	/* nodes with holds, for the host's pins */
};

int ns_init(struct namespace *ns);
void ns_destroy(struct namespace *ns);
struct node *ns_get(const struct namespace *ns, uint64_t ino);
struct node *ns_child(const struct namespace *ns, const struct node *dir,
		      const char *name, size_t name_len);
struct node *ns_add(struct namespace *ns, struct node *parent,
		    const char *name, size_t name_len,
		    enum famfs_node_type type);
/* Mark a pending node gone: lookups stop finding it. */
void ns_forget(struct namespace *ns, struct node *n);
/*
 * Take a node out of its directory (delete, replaced by a rename): it
 * keeps its inode number while held, and is freed once nothing holds it.
 */
void ns_unlink(struct namespace *ns, struct node *n);
/* List a file created here, not logged yet, in directory @dir. */
void ns_unlogged_add(struct node *dir, struct node *n);
/* Its entry is in the log, or it left the namespace without one. */
void ns_unlogged_remove(struct node *n);
/* Give a linked node a new parent and name (rename). */
int ns_move(struct namespace *ns, struct node *n, struct node *parent,
	    const char *name, size_t name_len);
/* Two linked nodes trade names and places (rename exchange). */
void ns_exchange(struct namespace *ns, struct node *a, struct node *b);
/* Is @n @dir or below it? */
bool ns_is_within(const struct node *n, const struct node *dir);
/*
 * The longest path below directory @top, counted from the end of @top's
 * own path ("/a/b" is 4 bytes); 0 for anything else or an empty
 * directory. Stops as soon as the answer exceeds @limit.
 */
size_t ns_longest_below(const struct node *top, size_t limit);
/* Holds on a node (this host has it open); unlinked nodes free at 0. */
void ns_hold(struct namespace *ns, struct node *n);
void ns_unhold(struct namespace *ns, struct node *n);
/* Directory listing from after @cookie; NULL at the end. */
struct node *ns_next_child(const struct node *dir, uint64_t *cookie);
/*
 * Walk a validated relative path to the parent of its last component.
 * Returns the parent (or NULL with *err set) and the last component.
 */
struct node *ns_walk_parent(const struct namespace *ns, const char *path,
			    const char **last, size_t *last_len, int *err,
			    const char **why);
int ns_path_of(const struct namespace *ns, const struct node *n, char *buf,
	       size_t len);
void ns_stat(const struct node *n, struct famfs_stat *st);

/* Check a log path: relative, components valid, total length bounded. */
int check_rel_path(const char *path, const char **why);

/* ---- allocator (alloc.c) ---------------------------------------------- */

struct packed_unit;

struct allocator {
	uint64_t unit;
	uint64_t first_unit;	/* data area start, in units */
	uint64_t nunits;	/* whole device, in units */
	uint64_t *bits;		/* 1 = in use */
	uint32_t *owner;	/* ino owning each unit; 0 free; META_OWNER */
	uint64_t used_units;	/* in the data area, packed units included */
	uint64_t hint;		/* next-fit start */
	uint64_t bad_units;	/* whole units out because of poison */
	/* packed units (pack.c); pages_per_unit == 1: no pieces (v1) */
	uint64_t page;
	uint32_t pages_per_unit;
	struct packed_unit **packed;	/* per unit, NULL unless packed */
	uint64_t *packed_list;	/* the packed units' indices */
	uint64_t npacked, packed_cap;
	uint64_t packed_pages;	/* pages with an owner, in packed units */
	uint64_t packed_bad_pages;	/* of which held out for poison */
	uint64_t pack_hint;	/* unit the last piece went to */
};

#define META_OWNER UINT32_MAX
#define RESERVED_OWNER (UINT32_MAX - 1)	/* famfs_alloc_*() callers */
#define BAD_OWNER (UINT32_MAX - 2)	/* free units or pages holding poison */
#define PACKED_OWNER (UINT32_MAX - 3)	/* a unit cut into pages (pack.c) */
#define MAX_OWNER_INO (UINT32_MAX - 16)	/* inode numbers stay below */
/* released, waiting until no host can touch it (reclaim.c) */
#define HELD_OWNER (UINT32_MAX - 4)

/* @page: the granule of pieces (0 or the unit itself: none, version 1). */
int alloc_init(struct allocator *a, const struct famfs_sb_info *sb,
	       uint64_t page);
void alloc_destroy(struct allocator *a);
/*
 * Are all units of [off, off+len) free (and inside the data area)? Held
 * units count as free: the log may reuse what the master reclaimed.
 */
int alloc_check_free(const struct allocator *a, uint64_t off, uint64_t len,
		     const char **why);
void alloc_mark(struct allocator *a, uint64_t off, uint64_t len,
		uint32_t owner);
void alloc_clear(struct allocator *a, uint64_t off, uint64_t len);
/* First fit of @units contiguous free units, from @start; -ENOSPC. */
int alloc_find(const struct allocator *a, uint64_t units, uint64_t lo,
	       uint64_t hi, uint64_t *found);
bool alloc_unit_free(const struct allocator *a, uint64_t unit);

/* ---- packed units (pack.c) -------------------------------------------- */

int pack_init(struct allocator *a, uint64_t page);
void pack_destroy(struct allocator *a);
/* Whether this filesystem has pieces at all (version 2). */
bool pack_enabled(const struct allocator *a);
/*
 * Is [off, off+len) a well-formed packed piece (page aligned, shorter
 * than a unit, inside one unit of the data area) on free pages, in a
 * free or packed unit? 0, or -EINVAL/-ERANGE/-EEXIST with *why.
 */
int pack_check_free(const struct allocator *a, uint64_t off, uint64_t len,
		    const char **why);
/* Give the (checked) pages to @owner; a free unit becomes packed. */
int pack_mark(struct allocator *a, uint64_t off, uint64_t len, uint32_t owner);
/*
 * Give the free pages of [off, off+len) (inside one unit) to @owner,
 * leaving taken ones as they are: one pass over the unit's page table.
 */
int pack_mark_free(struct allocator *a, uint64_t off, uint64_t len,
		   uint32_t owner);
/* Free the pages; the unit goes back to the bitmap when it empties. */
void pack_clear(struct allocator *a, uint64_t off, uint64_t len);
/* Give pages that already have an owner to another one (poison). */
void pack_retag(struct allocator *a, uint64_t off, uint64_t len,
		uint32_t owner);
/* Owner of the page holding @off in a packed unit; 0 if none. */
uint32_t pack_owner(const struct allocator *a, uint64_t off);
/* Is @unit a packed unit whose every taken page is held (reclaim.c)? */
bool pack_only_held(const struct allocator *a, uint64_t unit);
/*
 * Where a piece of @len bytes (rounded up to pages) fits: next fit over
 * the packed units, else a free unit. Nothing is marked. -ENOSPC.
 */
int pack_find(struct allocator *a, uint64_t len, struct famfs_extent *out);
/* Free bytes right after device offset @end inside its packed unit. */
uint64_t pack_free_after(const struct allocator *a, uint64_t end);
/*
 * A unit held whole by @owner becomes a packed unit whose only piece,
 * [0, len), is @owner's (a file shrunk below a unit: no copy).
 */
int pack_adopt_unit(struct allocator *a, uint64_t unit, uint64_t len,
		    uint32_t owner);
/*
 * The reverse: a packed unit whose only piece is @owner's, starting at
 * its first page, becomes a unit held whole by @owner. -EBUSY when other
 * pages are taken, -ENOENT when it is not such a unit.
 */
int pack_release_unit(struct allocator *a, uint64_t unit, uint32_t owner);

/* ---- device space of files (space.c) ---------------------------------- */

/*
 * The one interface the rest of lib uses for file extents, whether unit
 * extents or packed pieces. space_check_free() is replay's validation
 * (0 or a negative errno with *why); space_mark() may fail with -ENOMEM
 * (a new packed unit); space_clear() undoes a mark exactly.
 */
int space_check_free(const struct allocator *a, uint64_t off, uint64_t len,
		     const char **why);
int space_mark(struct allocator *a, uint64_t off, uint64_t len,
	       uint32_t owner);
void space_clear(struct allocator *a, uint64_t off, uint64_t len);
/*
 * Space for a new plain file of @bytes: one packed piece below a unit
 * (version 2), else whole units, next fit. Nothing is marked.
 */
int space_plan(struct allocator *a, uint64_t bytes, struct famfs_extent *out);
/* Whole units for @bytes (at least one), next fit. Nothing is marked. */
int space_plan_units(struct allocator *a, uint64_t bytes,
		     struct famfs_extent *out);
/* Bytes held out because of poison (whole units and packed pages). */
uint64_t space_bad_bytes(const struct allocator *a);
/* Bytes of the data area in use (files, packed units' used pages, poison). */
uint64_t space_used_bytes(const struct allocator *a);

/* ---- the filesystem object (fs.c) ------------------------------------- */

/* This open's host slot (hosts.c). */
struct host_self {
	pthread_mutex_t lock;	/* slot writes */
	bool claimed;
	bool evicted;		/* sticky; read atomically */
	uint64_t table;		/* device offset of the host table */
	uint32_t count;		/* slots */
	uint32_t slot;
	uint64_t beats;
	struct famfs_host_info info;	/* what we last wrote */
	uint8_t buf[HOST_SLOT_SIZE];	/* encoding */
	uint8_t check[HOST_SLOT_SIZE];	/* reading it back */
};

/* One released extent waiting for every host to let go (reclaim.c). */
struct release {
	uint64_t seq;		/* the entry that released it */
	uint64_t identity;	/* of the node it belonged to */
	uint64_t ino;		/* that node here, for this host's own holds */
	struct famfs_extent ext;
};

/* What the host table said when it was last read (reclaim.c). */
struct host_horizon {
	/*
	 * Every live host replayed up to here, and no later than the last
	 * entry this host had replayed when it read the table: a host that
	 * mounted since then replays at least that far before it serves.
	 */
	uint64_t replayed;
	bool pins_all;		/* a live host pins everything released */
	uint64_t *pins;		/* sorted identities pinned by live hosts */
	size_t npins, pins_cap;
};

/* What replay could not apply, for fsck --repair (log_replay's hook). */
enum log_problem_kind {
	LOG_PROBLEM_TORN,	/* unreadable bytes [pos, pos + len) */
	LOG_PROBLEM_STALE,	/* sequence number not after the previous */
	LOG_PROBLEM_BAD,	/* intact, but its payload is invalid */
	LOG_PROBLEM_REFUSED,	/* valid, refused by the namespace */
};

struct log_problem {
	enum log_problem_kind kind;
	uint64_t pos, len;
	uint64_t seq;		/* the entry's; TORN: the last one before */
};

struct famfs_fs {
	struct famfs_dev *dev;
	bool own_dev;
	struct famfs_sb_info sb;
	bool master;
	bool writable;
	bool locked;
	pthread_rwlock_t lock;	/* namespace + allocator + log position */
	struct namespace ns;
	struct allocator alloc;
	/* log replay position */
	uint8_t *log;		/* base of the log in the mapping */
	uint64_t log_pos;	/* next byte to replay (== replayed tail) */
	uint64_t last_seq;
	uint64_t log_entries;	/* entries that decoded (valid or not) */
	uint64_t log_damage;	/* structural problems: CRC, torn, sequence */
	uint64_t log_refused;	/* intact entries the namespace refused */
	struct log_coding coding;
	bool header_damaged;	/* bad log header: superblock values used */
	/* tail word last read and what it gave (log_tail()) */
	uint64_t tail_word;
	uint64_t tail;
	/* the word of the last replay that applied: lockless "moved?" test */
	uint64_t replayed_word;
	bool tail_known;
	bool tail_rebuilt;	/* the word failed its check: tail rebuilt */
	struct famfs_report *rep;	/* famfs_fs_set_report(); may be NULL */
	bool replaced;		/* another mkfs since open; atomic, latched */
	/* log bytes held for pending files' commit entries (master) */
	uint64_t log_reserved;
	/* why this master may not append (NULL: may), e.g. sequence 2^64-1 */
	const char *append_refused;
	/* why the last famfs_pending_commit() refused ("": it did not) */
	char commit_refused[128];
	/* poisoned device ranges from the log: sorted, merged */
	struct famfs_extent *bad;
	size_t nbad, bad_cap;	/* nbad also read atomically, unlocked */
	struct log_decoded scratch;	/* replay decoding buffer */
	uint8_t system_uuid[16];	/* this host */
	struct host_self host;
	/* released extents still held for other hosts */
	struct release *releases;
	size_t nreleases, releases_cap;
	uint64_t held_bytes;	/* their total */
	bool first_replay;	/* fs_attach's replay: releases only listed */
	struct host_horizon horizon;
	/* fsck --repair: told of every entry replay skips (may be NULL) */
	void (*problem)(void *ctx, const struct log_problem *p);
	void *problem_ctx;
	/*
	 * Group commit (log.c): entries written under the lock up to
	 * written_end (atomic), the tail published up to published_end
	 * (written under the lock, read atomically); a committer that
	 * deferred publishing waits on publish_lock for a leader.
	 */
	pthread_mutex_t publish_lock;
	uint64_t written_end;
	uint64_t published_end;
	uint64_t tail_publishes;	/* statistics: tails published */
};

/* fs_attach flag: superblock problems were already reported (fsck). */
#define FS_ATTACH_SB_QUIET 0x100
/* fs_attach flag: stop before the replay (the caller replays, with hooks). */
#define FS_ATTACH_NO_REPLAY 0x200

/* Attach a filesystem object to an already opened device. */
int fs_attach(struct famfs_dev *dev, bool own_dev, unsigned int flags,
	      struct famfs_report *rep, struct famfs_fs **out);

/*
 * A mount's first replay of the whole log, and what follows it (held
 * space judged, host record synced); fs_attach's, or the caller's after
 * FS_ATTACH_NO_REPLAY. @each (may be NULL) sees every applied entry.
 */
int fs_first_replay(struct famfs_fs *fs, struct famfs_report *rep,
		    void (*each)(void *ctx, const struct famfs_log_record *r),
		    void *ctx);

/* The raw tail word on the device (after invalidating its line). */
uint64_t log_read_tail_word(const struct famfs_fs *fs);
/*
 * The tail published on the device. A word that fails its check (or is
 * out of bounds or misaligned) is reported once and the tail rebuilt by
 * walking the entry chain; a writable master writes the rebuilt word back.
 * Caller holds the write lock.
 */
uint64_t log_tail(struct famfs_fs *fs, struct famfs_report *rep);
/* The tail found by walking intact entries with consecutive numbers. */
uint64_t log_walk_chain(struct famfs_fs *fs);
/*
 * Intact entries chained from @from on, numbered after @after (written
 * past the tail): their count, the first one's offset in *@first.
 */
uint64_t log_intact_past(struct famfs_fs *fs, uint64_t from, uint64_t after,
			 uint64_t *first);
/* Publish @tail: one aligned 8-byte store, then written back. */
void log_publish_tail(struct famfs_fs *fs, uint64_t tail);
/*
 * Append with the publication deferred (group commit): the entry is
 * written and applied like log_append_held()'s, but not yet visible to
 * other hosts; *end gets where it ends. The caller drops the lock and
 * calls log_publish_through(fs, end), which returns once the published
 * tail covers @end: one writer-back and fence of every entry written
 * meanwhile, and one tail, serve all the committers waiting.
 */
int log_append_deferred(struct famfs_fs *fs, struct famfs_log_record *r,
			uint32_t *held, uint64_t *end);
void log_publish_through(struct famfs_fs *fs, uint64_t end);
/*
 * Replay [fs->log_pos, tail): validate and apply each entry (unless
 * dry_run). Caller holds the write lock. Returns entries applied.
 */
int log_replay(struct famfs_fs *fs, uint64_t tail, struct famfs_report *rep,
	       bool dry_run,
	       void (*each)(void *ctx, const struct famfs_log_record *r),
	       void *ctx);
/*
 * Append one record and publish it; caller holds the write lock and has
 * already applied it in memory (and undoes that if this fails). -ENOSPC
 * when the log's free room, less what pending files hold, is too small;
 * -EROFS when the log state allows no valid next entry (append_refused
 * says why); -EIO when the written entry does not read back as replay
 * will read it (nothing is published then).
 */
int log_append(struct famfs_fs *fs, struct famfs_log_record *r);
/*
 * The same for an entry whose room was held by log_hold() in *held: that
 * room counts as free for it, and is released once it is appended.
 */
int log_append_held(struct famfs_fs *fs, struct famfs_log_record *r,
		    uint32_t *held);
/*
 * Hold log room so that a later entry of @bytes cannot fail for lack of
 * it: *held grows to @bytes (never shrinks); -ENOSPC when the log cannot
 * give that much. log_release() gives the room back.
 */
int log_hold(struct famfs_fs *fs, uint32_t *held, size_t bytes);
void log_release(struct famfs_fs *fs, uint32_t *held);
/* Bytes of a file entry with @nextents extents and a path of @path_len. */
size_t log_file_entry_size(size_t path_len, uint32_t nextents);
/* Refuse appends if the log state allows no valid next entry (master). */
void log_check_appendable(struct famfs_fs *fs, struct famfs_report *rep);
/* Write the log header from @sb and an empty tail (mkfs, fsck repair). */
void log_write_header(uint8_t *log, const struct famfs_sb_info *sb);
/* Write an empty log: header, tail at the first entry (mkfs). */
void log_format(uint8_t *log, const struct famfs_sb_info *sb);
/* Validate the log header; 0 or -EBADMSG/-EINVAL with *why. */
int log_header_check(const uint8_t *log, const struct famfs_sb_info *sb,
		     const char **why);

/* File byte -> device byte; caller holds the lock. -ENXIO past EOF. */
int node_map(const struct node *n, uint64_t pos, uint64_t *dev_off,
	     uint64_t *contig);
/* The same anywhere in the allocation (past EOF); -EIO past it. */
int node_map_alloc(const struct node *n, uint64_t pos, uint64_t *dev_off,
		   uint64_t *contig);
/* Zero file bytes [from, to) on the device; caller holds the lock. */
void zero_range(struct famfs_fs *fs, const struct node *n, uint64_t from,
		uint64_t to);
/* Zero the rest of the file's last page past its size (mappings see it). */
void zero_page_tail(struct famfs_fs *fs, const struct node *n);

/*
 * Start of every create (mutate.c): master, parent is a directory, name
 * valid and free; @path (FAMFS_PATH_MAX + 1 bytes) gets "parent/name".
 * Caller holds the write lock.
 */
int create_begin(struct famfs_fs *fs, uint64_t parent_ino, const char *name,
		 struct node **parent, char *path);

/* Find strips for an interleaved file (not marked); caller holds lock. */
int plan_interleaved(struct famfs_fs *fs, uint64_t bytes,
		     const struct famfs_interleave *il,
		     struct famfs_extent *strips);

/*
 * space.c, caller holds the write lock. space_take_bad(): newly poisoned
 * device bytes; the free units and packed pages they touch are held out
 * (a whole unit on version 1, only the poisoned pages on version 2).
 * space_release(): a file's extent (unit extent or piece) is free again,
 * except its poisoned parts, which stay out.
 */
int space_take_bad(struct famfs_fs *fs, uint64_t off, uint64_t len);
/* Does [off, off+len) hold known poison? */
bool space_poisoned(const struct famfs_fs *fs, uint64_t off, uint64_t len);
void space_release(struct famfs_fs *fs, uint64_t off, uint64_t len);

/* ---- host table (hosts.c) ---------------------------------------------- */

void host_slot_decode(const uint8_t *p, const uint8_t fs_uuid[16],
		      uint32_t slot, struct famfs_host_info *h);
void host_slot_encode(const struct famfs_host_info *h,
		      const uint8_t fs_uuid[16], uint8_t *p);
/* Mounted (or damaged) and not evicted: may still touch memory. */
bool host_may_be_live(const struct famfs_host_info *h);
/* Claim a slot before the first replay (version 2; 0 on version 1). */
int host_claim(struct famfs_fs *fs, struct famfs_report *rep);
/* Write replayed, pins and heartbeat; caller holds fs->lock. */
int host_sync_locked(struct famfs_fs *fs);
/* Clean unmount: state unmounted, no pins. */
void host_unmount(struct famfs_fs *fs);

/*
 * fsck.c: no extent both free and referenced: every file's extents and
 * every held release are marked as theirs (problems go to @rep).
 */
bool fsck_check_marked(struct famfs_fs *fs, struct famfs_report *rep);

/* ---- reclaiming released space (reclaim.c) ---------------------------- */

/* Read the host table into fs->horizon; caller holds fs->lock. */
int reclaim_read_hosts(struct famfs_fs *fs);
/*
 * Extent @ext of node @n was released by entry @seq: free it at once
 * when no host can touch it, else hold it. Caller holds the write lock.
 */
int reclaim_release(struct famfs_fs *fs, const struct node *n, uint64_t seq,
		    const struct famfs_extent *ext);
/*
 * After the first replay: of the releases met, those whose space no
 * later entry reused are held if some host may still touch them.
 */
int reclaim_after_first_replay(struct famfs_fs *fs);
/* Replay reused [off, off+len): whatever of it was held is no longer. */
void reclaim_forget(struct famfs_fs *fs, uint64_t off, uint64_t len);
/* Free what no host can touch any more; write lock held. Bytes freed. */
uint64_t reclaim_locked(struct famfs_fs *fs);
void reclaim_destroy(struct famfs_fs *fs);

/* ---- pending files (pending.c) ------------------------------------------ */

/*
 * A pending node back to what the log says; 1 when the log does not
 * have it at all (the caller drops it). Write lock held.
 */
int pending_revert(struct famfs_fs *fs, struct node *n);
/* Give back every extent of a node the log never had. Write lock held. */
void pending_free_space(struct famfs_fs *fs, struct node *n);
void node_logged_free(struct node *n);

/* Build "parent/name" for a log record (mutate.c). */
int child_path(struct famfs_fs *fs, struct node *parent, const char *name,
	       char *buf, size_t len);
/* The time of an entry made now, in ns, as precise as @fs's log keeps it. */
uint64_t entry_time_now(const struct famfs_fs *fs);

/* -EOPNOTSUPP unless the filesystem is format version @version or later. */
static inline int fs_check_version(const struct famfs_fs *fs,
				   uint32_t version)
{
	return fs->sb.version >= version ? 0 : -EOPNOTSUPP;
}

/* A node made by an entry of @time: all three times (replay.c). */
void node_times_created(struct node *n, uint64_t time);

/* Apply a validated record to the namespace (replay.c). */
int replay_apply(struct famfs_fs *fs, const struct famfs_log_record *r,
		 const char **why);
/*
 * Every check replay_apply() makes, nothing changed: a master checks an
 * entry this way, appends it, then applies it (changes that cannot be
 * undone, such as releasing space, happen only once it is in the log).
 */
int replay_check(struct famfs_fs *fs, const struct famfs_log_record *r,
		 const char **why);

#endif
