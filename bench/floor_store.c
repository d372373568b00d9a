// SPDX-License-Identifier: Apache-2.0
/* The FUSE floor daemons' namespace and file bytes (floor_store.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "floor_store.h"

struct floor_store store;

static uint64_t name_hash(uint64_t parent, const char *name)
{
	uint64_t h = 1469598103934665603ULL ^ parent;

	for (; *name; name++)
		h = (h ^ (uint8_t)*name) * 1099511628211ULL;
	return h;
}

struct node *child_of(const struct node *dir, const char *name)
{
	struct node *n = store.buckets[name_hash(dir->ino, name) &
				       (store.nbuckets - 1)];

	for (; n; n = n->hash_next)
		if (n->parent == dir && !strcmp(n->name, name))
			return n;
	return NULL;
}

static int grow_buckets(void)
{
	uint64_t count = store.nbuckets * 2;
	struct node **b = calloc(count, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (uint64_t i = 0; i < store.nbuckets; i++) {
		struct node *n = store.buckets[i], *next;

		for (; n; n = next) {
			uint64_t h = name_hash(n->parent->ino, n->name) &
				     (count - 1);

			next = n->hash_next;
			n->hash_next = b[h];
			b[h] = n;
		}
	}
	free(store.buckets);
	store.buckets = b;
	store.nbuckets = count;
	return 0;
}

/* Enter @n as @name in @dir. */
static int link_name(struct node *dir, struct node *n, const char *name)
{
	uint64_t h;

	if (store.nnames >= store.nbuckets && grow_buckets())
		return -ENOMEM;
	n->name = strdup(name);
	if (!n->name)
		return -ENOMEM;
	n->parent = dir;
	h = name_hash(dir->ino, name) & (store.nbuckets - 1);
	n->hash_next = store.buckets[h];
	store.buckets[h] = n;
	store.nnames++;
	n->prev_sibling = dir->last_child;
	if (dir->last_child)
		dir->last_child->next_sibling = n;
	else
		dir->first_child = n;
	dir->last_child = n;
	return 0;
}

static void unlink_name(struct node *n)
{
	struct node *dir = n->parent, **p;

	p = &store.buckets[name_hash(dir->ino, n->name) &
			   (store.nbuckets - 1)];
	while (*p != n)
		p = &(*p)->hash_next;
	*p = n->hash_next;
	store.nnames--;
	if (n->prev_sibling)
		n->prev_sibling->next_sibling = n->next_sibling;
	else
		dir->first_child = n->next_sibling;
	if (n->next_sibling)
		n->next_sibling->prev_sibling = n->prev_sibling;
	else
		dir->last_child = n->prev_sibling;
	n->parent = NULL;
	free(n->name);
	n->name = NULL;
}

struct node *node_of(uint64_t ino)
{
	return ino < store.nnodes ? store.nodes[ino] : NULL;
}

static struct node *new_node(uint32_t mode, uint32_t uid, uint32_t gid)
{
	struct node *n;

	if (store.nnodes == store.nodes_cap) {
		uint64_t cap = store.nodes_cap ? store.nodes_cap * 2 : 1024;
		struct node **v = realloc(store.nodes, cap * sizeof(*v));

		if (!v)
			return NULL;
		store.nodes = v;
		store.nodes_cap = cap;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->ino = store.nnodes;
	n->mode = mode;
	n->uid = uid;
	n->gid = gid;
	n->nlink = S_ISDIR(mode) ? 2 : 1;
	clock_gettime(CLOCK_REALTIME, &n->mtime);
	n->atime = n->ctime = n->mtime;
	store.nodes[store.nnodes++] = n;
	return n;
}

int make_node(uint64_t parent, const char *name, uint32_t mode,
	      uint32_t uid, uint32_t gid, struct node **out)
{
	struct node *dir = node_of(parent), *n;

	if (!dir || !S_ISDIR(dir->mode) || !dir->nlink)
		return -ENOENT;
	if (strlen(name) > NAME_MAX)
		return -ENAMETOOLONG;
	if (child_of(dir, name))
		return -EEXIST;
	n = new_node(mode, uid, gid);
	if (!n)
		return -ENOMEM;
	if (link_name(dir, n, name)) {
		n->nlink = 0;	/* stays in the table, unreachable */
		return -ENOMEM;
	}
	if (S_ISDIR(mode))
		dir->nlink++;
	dir->mtime = dir->ctime = n->mtime;
	*out = n;
	return 0;
}

int remove_name(uint64_t parent, const char *name, bool want_dir,
		struct node **out)
{
	struct node *dir = node_of(parent), *n;

	n = dir ? child_of(dir, name) : NULL;
	if (!n)
		return -ENOENT;
	if (want_dir != !!S_ISDIR(n->mode))
		return want_dir ? -ENOTDIR : -EISDIR;
	if (want_dir && n->first_child)
		return -ENOTEMPTY;
	unlink_name(n);
	clock_gettime(CLOCK_REALTIME, &dir->mtime);
	dir->ctime = n->ctime = dir->mtime;
	if (want_dir)
		dir->nlink--;
	n->nlink = 0;		/* no hard links: the one name is gone */
	*out = n;
	return 0;
}

/* Give the bytes back; the address range is not reused. */
void drop_data(struct node *n)
{
	if (n->capacity)
		madvise(store.arena + n->data, n->capacity, MADV_DONTNEED);
	n->capacity = 0;
	n->size = 0;
}

/* Room for @end bytes, moving the file if it must. */
int reserve(struct node *n, uint64_t end)
{
	uint64_t cap = n->capacity ? n->capacity : PAGE_BYTES;
	uint64_t at;

	if (end <= n->capacity)
		return 0;
	while (cap < end)
		cap *= 2;
	/* the newest file (a stream being written) grows in place */
	if (n->capacity && n->data + n->capacity == store.arena_used) {
		if (n->data + cap > ARENA_BYTES)
			return -ENOSPC;
		store.arena_used = n->data + cap;
		n->capacity = cap;
		return 0;
	}
	at = store.arena_used;
	if (at + cap > ARENA_BYTES)
		return -ENOSPC;
	store.arena_used = at + cap;
	if (n->size)
		memcpy(store.arena + at, store.arena + n->data, n->size);
	if (n->capacity)
		madvise(store.arena + n->data, n->capacity, MADV_DONTNEED);
	n->data = at;
	n->capacity = cap;
	return 0;
}

/* Set the size, zeroing what a grown file newly shows. */
int resize(struct node *n, uint64_t size)
{
	int rc = reserve(n, size);

	if (rc)
		return rc;
	if (size > n->size)
		memset(store.arena + n->data + n->size, 0, size - n->size);
	n->size = size;
	return 0;
}

/*
 * Room for a write of @len bytes at @off: bytes between the size and
 * @off may be left from a shrink, so they read as zeros again.
 */
int reserve_write(struct node *n, uint64_t off, uint64_t len)
{
	int rc = reserve(n, off + len);

	if (!rc && off > n->size)
		memset(store.arena + n->data + n->size, 0, off - n->size);
	return rc;
}

int store_init(void)
{
	struct node *root;

	store.nbuckets = 1024;
	store.buckets = calloc(store.nbuckets, sizeof(*store.buckets));
	store.arena = mmap(NULL, ARENA_BYTES, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!store.buckets || store.arena == MAP_FAILED)
		return -ENOMEM;
	/* inode 0 is no inode; FUSE's root is 1 */
	if (!new_node(S_IFDIR | 0755, getuid(), getgid()))
		return -ENOMEM;
	root = new_node(S_IFDIR | 0755, getuid(), getgid());
	if (!root || root->ino != 1)
		return -ENOMEM;
	store.nodes[0]->nlink = 0;
	return pthread_rwlock_init(&store.lock, NULL) ? -ENOMEM : 0;
}

void tune_readahead(const char *mountpoint, const char *subtype,
		    unsigned int kb)
{
	char line[8192], mnt[4096], dev[64], devno[64] = "", path[128];
	char type[128];
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return;
	snprintf(type, sizeof(type), " fuse.%s ", subtype);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %63s %*s %4095s", dev, mnt) == 2 &&
		    !strcmp(mnt, mountpoint) && strstr(line, type))
			snprintf(devno, sizeof(devno), "%s", dev);
	fclose(f);
	if (!devno[0])
		return;
	snprintf(path, sizeof(path), "/sys/class/bdi/%s/read_ahead_kb", devno);
	f = fopen(path, "we");
	if (f) {
		fprintf(f, "%u\n", kb);
		fclose(f);
	}
}
