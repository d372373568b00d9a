/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the two FUSE floor daemons share (fuse_floor.c over libfuse,
 * uring_floor.c over raw /dev/fuse or io_uring): the in-memory namespace
 * they serve, with nodes by inode number, names in one hash table and
 * file bytes in one anonymous mapping, and the mount's readahead. The
 * callers take store.lock: a read lock to look, the write lock for every
 * function here that changes something.
 */
#ifndef FLOOR_STORE_H
#define FLOOR_STORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* address space only: what is never written costs nothing */
#define ARENA_BYTES (256ULL << 30)
#define PAGE_BYTES 4096ULL

struct node {
	uint64_t ino;
	uint32_t mode;
	uint32_t uid;
	uint32_t gid;
	uint32_t nlink;
	uint64_t size;
	struct timespec atime, mtime, ctime;
	uint64_t data;		/* arena offset of the bytes */
	uint64_t capacity;	/* bytes reserved there */
	unsigned int opens;	/* fuse_floor's open files */
	char *name;
	struct node *parent;	/* NULL for the root and once unlinked */
	struct node *hash_next;
	/* a directory's entries in creation (= inode) order */
	struct node *first_child, *last_child;
	struct node *next_sibling, *prev_sibling;
};

extern struct floor_store {
	pthread_rwlock_t lock;
	struct node **nodes;	/* by inode number; never freed */
	uint64_t nnodes, nodes_cap;
	struct node **buckets;	/* (parent, name) -> node */
	uint64_t nbuckets, nnames;
	uint8_t *arena;
	uint64_t arena_used;
} store;

/* The tables, the arena and the root (inode 1, owned by this process). */
int store_init(void);
struct node *node_of(uint64_t ino);
struct node *child_of(const struct node *dir, const char *name);
/* A new @mode node @name in directory @parent, owned by @uid/@gid. */
int make_node(uint64_t parent, const char *name, uint32_t mode,
	      uint32_t uid, uint32_t gid, struct node **out);
/* Unlink @name from @parent (its bytes are the caller's to drop). */
int remove_name(uint64_t parent, const char *name, bool want_dir,
		struct node **out);
void drop_data(struct node *n);
int reserve(struct node *n, uint64_t end);
int resize(struct node *n, uint64_t size);
int reserve_write(struct node *n, uint64_t off, uint64_t len);
/*
 * famfs_fused's readahead.c: the read_ahead_kb of the fuse.@subtype
 * mount at @mountpoint raised to @kb before INIT is answered
 * (page-cache mounts, root).
 */
void tune_readahead(const char *mountpoint, const char *subtype,
		    unsigned int kb);

#endif
