// SPDX-License-Identifier: Apache-2.0
/*
 * The in-memory namespace built by replay: nodes by inode number, and a
 * hash of (parent, name) for lookups. Inode numbers are handed out in
 * creation order and never reused, so every host replaying the same log
 * assigns the same numbers. A deleted node leaves its directory at once
 * and is freed when nothing on this host holds it open any more.
 *
 * A directory keeps its entries in an array in the order they were
 * added, each with a cookie that only grows; removal leaves a hole that
 * is compacted away later, so a listing resumes after a cookie exactly.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/*
 * Eight bytes at a time: every lookup and every replayed entry hashes
 * each component of its path, and paths reach 4095 bytes (a byte-wise
 * hash was a fifth of a client's replay time on deep trees). In memory
 * only, never on the media.
 */
static uint32_t name_hash(uint64_t parent, const char *name, size_t len)
{
	uint64_t h = (parent ^ len) * 0x9e3779b97f4a7c15ULL, word;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&word, name + i, 8);
		h = (h ^ word) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	if (i < len) {
		word = 0;
		memcpy(&word, name + i, len - i);
		h = (h ^ word) * 0xff51afd7ed558ccdULL;
	}
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return (uint32_t)h;
}

static void node_free(struct node *n)
{
	if (!n)
		return;
	free(n->name);
	free(n->children);
	free(n->extents);
	free(n->target);
	node_logged_free(n);
	free(n);
}

static struct node *node_new(uint64_t ino, enum famfs_node_type type)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->ino = ino;
	n->type = type;
	return n;
}

int ns_init(struct namespace *ns)
{
	struct node *root;

	memset(ns, 0, sizeof(*ns));
	ns->nbuckets = 1024;
	ns->buckets = calloc(ns->nbuckets, sizeof(*ns->buckets));
	ns->nodes_cap = 1024;
	ns->by_ino = calloc(ns->nodes_cap, sizeof(*ns->by_ino));
	root = node_new(FAMFS_ROOT_INO, FAMFS_NODE_DIR);
	if (!ns->buckets || !ns->by_ino || !root) {
		free(root);
		ns_destroy(ns);
		return -ENOMEM;
	}
	root->name = strdup("");
	root->mode = 040755;
	root->parent = root;
	ns->by_ino[0] = root;
	ns->nnodes = 1;
	ns->ndirs = 1;
	return root->name ? 0 : -ENOMEM;
}

void ns_destroy(struct namespace *ns)
{
	for (uint64_t i = 0; i < ns->nnodes; i++)
		node_free(ns->by_ino[i]);
	free(ns->by_ino);
	free(ns->buckets);
	memset(ns, 0, sizeof(*ns));
}

struct node *ns_get(const struct namespace *ns, uint64_t ino)
{
	struct node *n;

	if (ino == 0 || ino > ns->nnodes)
		return NULL;
	n = ns->by_ino[ino - 1];
	return !n || n->state == FAMFS_NODE_GONE ? NULL : n;
}

struct node *ns_child(const struct namespace *ns, const struct node *dir,
		      const char *name, size_t len)
{
	uint32_t h = name_hash(dir->ino, name, len);

	for (struct node *n = ns->buckets[h & (ns->nbuckets - 1)]; n;
	     n = n->hash_next)
		if (n->hash == h && n->parent == dir && n->name_len == len &&
		    !memcmp(n->name, name, len))
			return n;
	return NULL;
}

static int ns_rehash(struct namespace *ns)
{
	uint64_t nb = ns->nbuckets * 2;
	struct node **b = calloc(nb, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (uint64_t i = 0; i < ns->nbuckets; i++) {
		struct node *n = ns->buckets[i], *next;

		for (; n; n = next) {
			next = n->hash_next;
			n->hash_next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(ns->buckets);
	ns->buckets = b;
	ns->nbuckets = nb;
	return 0;
}

static int grow(void **arr, uint32_t *cap, size_t elem)
{
	uint32_t ncap = *cap ? *cap * 2 : 8;
	void *p;

	if (ncap < *cap)
		return -ENOMEM;
	p = realloc(*arr, (size_t)ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

/* Make room for one more entry in @dir (compacting holes first). */
static int dir_reserve(struct node *dir)
{
	uint32_t j = 0;

	if (dir->nslots < dir->slots_cap)
		return 0;
	if (dir->nlive < dir->nslots / 2) {
		for (uint32_t i = 0; i < dir->nslots; i++)
			if (dir->children[i].node)
				dir->children[j++] = dir->children[i];
		dir->nslots = j;
		return 0;
	}
	return grow((void **)&dir->children, &dir->slots_cap,
		    sizeof(*dir->children));
}

/* Put @n in @dir; room was reserved. */
static void dir_insert(struct node *dir, struct node *n)
{
	n->dir_cookie = ++dir->next_cookie;
	dir->children[dir->nslots].cookie = n->dir_cookie;
	dir->children[dir->nslots].node = n;
	dir->nslots++;
	dir->nlive++;
	if (n->type == FAMFS_NODE_DIR)
		dir->nsubdirs++;
}

/* Index of the first entry with a cookie above @cookie. */
static uint32_t dir_find(const struct node *dir, uint64_t cookie)
{
	uint32_t lo = 0, hi = dir->nslots;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (dir->children[mid].cookie <= cookie)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void dir_remove(struct node *dir, struct node *n)
{
	uint32_t i = dir_find(dir, n->dir_cookie - 1);

	if (i < dir->nslots && dir->children[i].node == n) {
		dir->children[i].node = NULL;
		dir->nlive--;
		if (n->type == FAMFS_NODE_DIR)
			dir->nsubdirs--;
	}
	/* trailing holes go at once: a directory emptied shrinks back */
	while (dir->nslots && !dir->children[dir->nslots - 1].node)
		dir->nslots--;
}

struct node *ns_next_child(const struct node *dir, uint64_t *cookie)
{
	for (uint32_t i = dir_find(dir, *cookie); i < dir->nslots; i++) {
		if (!dir->children[i].node)
			continue;
		*cookie = dir->children[i].cookie;
		return dir->children[i].node;
	}
	return NULL;
}

static void hash_insert(struct namespace *ns, struct node *n)
{
	n->hash = name_hash(n->parent->ino, n->name, n->name_len);
	n->hash_next = ns->buckets[n->hash & (ns->nbuckets - 1)];
	ns->buckets[n->hash & (ns->nbuckets - 1)] = n;
	ns->nhashed++;
}

static void hash_remove(struct namespace *ns, struct node *n)
{
	struct node **pp = &ns->buckets[n->hash & (ns->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->hash_next) {
		if (*pp == n) {
			*pp = n->hash_next;
			ns->nhashed--;
			break;
		}
	}
}

struct node *ns_add(struct namespace *ns, struct node *parent,
		    const char *name, size_t len, enum famfs_node_type type)
{
	struct node *n;

	if (ns->nnodes == ns->nodes_cap) {
		struct node **p = realloc(ns->by_ino, ns->nodes_cap * 2 *
							      sizeof(*p));

		if (!p)
			return NULL;
		ns->by_ino = p;
		ns->nodes_cap *= 2;
	}
	if (ns->nhashed + 1 > ns->nbuckets && ns_rehash(ns))
		return NULL;
	if (dir_reserve(parent))
		return NULL;
	n = node_new(ns->nnodes + 1, type);
	if (!n)
		return NULL;
	n->name = strndup(name, len);
	if (!n->name) {
		free(n);
		return NULL;
	}
	n->name_len = (uint32_t)len;
	n->parent = parent;
	hash_insert(ns, n);
	ns->by_ino[ns->nnodes++] = n;
	dir_insert(parent, n);
	if (type == FAMFS_NODE_DIR)
		ns->ndirs++;
	else
		ns->nfiles++;
	return n;
}

void ns_unlogged_add(struct node *dir, struct node *n)
{
	n->unlogged_prev = NULL;
	n->unlogged_next = dir->unlogged;
	if (dir->unlogged)
		dir->unlogged->unlogged_prev = n;
	dir->unlogged = n;
	n->in_unlogged = true;
	if (n->time > dir->unlogged_newest)
		dir->unlogged_newest = n->time;
}

/* The newest time in @dir's list, found by a walk (0: empty). */
static uint64_t unlogged_newest_walk(const struct node *dir)
{
	uint64_t newest = 0;

	for (const struct node *c = dir->unlogged; c; c = c->unlogged_next)
		if (c->time > newest)
			newest = c->time;
	return newest;
}

void ns_unlogged_remove(struct node *n)
{
	struct node *dir = n->parent;

	if (!n->in_unlogged)
		return;
	if (n->unlogged_prev)
		n->unlogged_prev->unlogged_next = n->unlogged_next;
	else
		dir->unlogged = n->unlogged_next;
	if (n->unlogged_next)
		n->unlogged_next->unlogged_prev = n->unlogged_prev;
	n->unlogged_next = n->unlogged_prev = NULL;
	n->in_unlogged = false;
	/* the newest left (or one as new): the others say what is newest */
	if (n->time == dir->unlogged_newest)
		dir->unlogged_newest = unlogged_newest_walk(dir);
}

/* Out of the hash and of its directory; counts follow. */
static void ns_detach(struct namespace *ns, struct node *n)
{
	ns_unlogged_remove(n);	/* before it loses its parent */
	hash_remove(ns, n);
	dir_remove(n->parent, n);
	if (n->type == FAMFS_NODE_DIR)
		ns->ndirs--;
	else
		ns->nfiles--;
}

static void node_release_slot(struct namespace *ns, struct node *n)
{
	ns->by_ino[n->ino - 1] = NULL;
	node_free(n);
}

void ns_unlink(struct namespace *ns, struct node *n)
{
	ns_detach(ns, n);
	n->unlinked = true;
	n->parent = ns->by_ino[0];
	if (!n->holds)
		node_release_slot(ns, n);
}

int ns_move(struct namespace *ns, struct node *n, struct node *parent,
	    const char *name, size_t len)
{
	char *copy = strndup(name, len);

	if (!copy || dir_reserve(parent)) {
		free(copy);
		return -ENOMEM;
	}
	hash_remove(ns, n);
	dir_remove(n->parent, n);
	free(n->name);
	n->name = copy;
	n->name_len = (uint32_t)len;
	n->parent = parent;
	hash_insert(ns, n);
	dir_insert(parent, n);
	return 0;
}

/* The slot of @n in its parent's entries. */
static struct dir_slot *dir_slot_of(struct node *n)
{
	struct node *dir = n->parent;
	uint32_t i = dir_find(dir, n->dir_cookie - 1);

	return i < dir->nslots && dir->children[i].node == n ?
		       &dir->children[i] :
		       NULL;
}

void ns_exchange(struct namespace *ns, struct node *a, struct node *b)
{
	struct dir_slot *sa = dir_slot_of(a), *sb = dir_slot_of(b);
	struct node *pa = a->parent, *pb = b->parent;
	uint64_t cookie = a->dir_cookie;
	uint32_t len = a->name_len;
	char *name = a->name;

	/* each takes the other's place: no memory needed, nothing can fail */
	hash_remove(ns, a);
	hash_remove(ns, b);
	sa->node = b;
	sb->node = a;
	a->dir_cookie = b->dir_cookie;
	b->dir_cookie = cookie;
	a->name = b->name;
	a->name_len = b->name_len;
	b->name = name;
	b->name_len = len;
	a->parent = pb;
	b->parent = pa;
	if (pa != pb && a->type != b->type) {
		int da = a->type == FAMFS_NODE_DIR, db = b->type == FAMFS_NODE_DIR;

		pa->nsubdirs += (uint32_t)(db - da);
		pb->nsubdirs += (uint32_t)(da - db);
	}
	hash_insert(ns, a);
	hash_insert(ns, b);
}

bool ns_is_within(const struct node *n, const struct node *dir)
{
	for (;;) {
		if (n == dir)
			return true;
		if (n->ino == FAMFS_ROOT_INO)
			return false;
		n = n->parent;
	}
}

size_t ns_longest_below(const struct node *top, size_t limit)
{
	const struct node *dir = top;
	size_t len = 0, longest = 0;
	uint64_t cookie = 0;

	if (top->type != FAMFS_NODE_DIR)
		return 0;
	/* depth first through the parent links: no stack to size */
	for (;;) {
		const struct node *child = ns_next_child(dir, &cookie);

		if (child) {
			len += 1 + child->name_len;
			if (len > longest)
				longest = len;
			if (longest > limit)
				return longest;
			if (child->type == FAMFS_NODE_DIR) {
				dir = child;
				cookie = 0;
			} else {
				len -= 1 + child->name_len;
			}
			continue;
		}
		if (dir == top)
			return longest;
		cookie = dir->dir_cookie;
		len -= 1 + dir->name_len;
		dir = dir->parent;
	}
}

void ns_hold(struct namespace *ns, struct node *n)
{
	if (n->holds++)
		return;
	n->held_prev = NULL;
	n->held_next = ns->held;
	if (ns->held)
		ns->held->held_prev = n;
	ns->held = n;
}

void ns_unhold(struct namespace *ns, struct node *n)
{
	if (!n->holds || --n->holds)
		return;
	if (n->held_prev)
		n->held_prev->held_next = n->held_next;
	else
		ns->held = n->held_next;
	if (n->held_next)
		n->held_next->held_prev = n->held_prev;
	n->held_next = n->held_prev = NULL;
	if (n->unlinked || n->state == FAMFS_NODE_GONE)
		node_release_slot(ns, n);
}

void ns_forget(struct namespace *ns, struct node *n)
{
	ns_detach(ns, n);
	n->state = FAMFS_NODE_GONE;
	n->parent = ns->by_ino[0];
	if (!n->holds)
		node_release_slot(ns, n);
}

int check_rel_path(const char *path, const char **why)
{
	size_t total = strnlen(path, FAMFS_PATH_MAX + 1);
	const char *p = path;

	if (total == 0 || total > FAMFS_PATH_MAX) {
		*why = "path empty or too long";
		return -ENAMETOOLONG;
	}
	if (*p == '/') {
		*why = "absolute path";
		return -EINVAL;
	}
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (len == 0) {
			*why = "empty path component";
			return -EINVAL;
		}
		if (len > FAMFS_NAME_MAX) {
			*why = "path component longer than 255 bytes";
			return -ENAMETOOLONG;
		}
		if ((len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.')) {
			*why = "'.' or '..' in path";
			return -EINVAL;
		}
		if (p == path && len == strlen(FAMFS_META_DIR) &&
		    !memcmp(p, FAMFS_META_DIR, len)) {
			*why = "'.meta' is reserved at the root";
			return -EINVAL;
		}
		if (!slash)
			break;
		p = slash + 1;
		if (!*p) {
			*why = "trailing '/' in path";
			return -EINVAL;
		}
	}
	return 0;
}

struct node *ns_walk_parent(const struct namespace *ns, const char *path,
			    const char **last, size_t *last_len, int *err,
			    const char **why)
{
	struct node *dir = ns->by_ino[0];
	const char *p = path;

	for (;;) {
		const char *slash = strchr(p, '/');
		struct node *n;

		if (!slash) {
			*last = p;
			*last_len = strlen(p);
			return dir;
		}
		n = ns_child(ns, dir, p, (size_t)(slash - p));
		if (!n) {
			*err = -ENOENT;
			*why = "parent directory does not exist";
			return NULL;
		}
		if (n->type != FAMFS_NODE_DIR) {
			*err = -ENOTDIR;
			*why = "parent is not a directory";
			return NULL;
		}
		dir = n;
		p = slash + 1;
	}
}

int ns_path_of(const struct namespace *ns, const struct node *n, char *buf,
	       size_t len)
{
	const struct node *chain[FAMFS_PATH_MAX / 2 + 1];
	size_t depth = 0, pos = 0;

	(void)ns;
	if (n->unlinked || n->state == FAMFS_NODE_GONE)
		return -ENOENT;
	for (; n->ino != FAMFS_ROOT_INO; n = n->parent) {
		if (depth == ARRAY_SIZE(chain))
			return -ENAMETOOLONG;
		chain[depth++] = n;
	}
	if (len < 1)
		return -ENAMETOOLONG;
	buf[0] = '\0';
	while (depth--) {
		const struct node *c = chain[depth];

		if (pos + c->name_len + 2 > len)
			return -ENAMETOOLONG;
		if (pos)
			buf[pos++] = '/';
		memcpy(buf + pos, c->name, c->name_len);
		pos += c->name_len;
		buf[pos] = '\0';
	}
	return 0;
}

void ns_stat(const struct node *n, struct famfs_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->ino = n->ino;
	st->parent = n->parent->ino;
	st->type = n->type;
	st->state = n->state;
	st->mode = n->mode;
	st->uid = n->uid;
	st->gid = n->gid;
	st->time = n->time;
	st->atime = n->atime;
	st->mtime = n->mtime;
	st->ctime = n->ctime;
	st->identity = n->identity;
	if (n->type == FAMFS_NODE_DIR) {
		st->nlink = 2 + n->nsubdirs;
		/* what the commits of its new files will log (see node) */
		if (n->unlogged_newest > st->mtime)
			st->mtime = n->unlogged_newest;
		if (n->unlogged_newest > st->ctime)
			st->ctime = n->unlogged_newest;
	} else if (n->type == FAMFS_NODE_SYMLINK) {
		st->nlink = 1;
		st->size = n->target ? strlen(n->target) : 0;
	} else {
		st->nlink = n->unlinked ? 0 : 1;
		st->size = n->size;
		st->allocated = n->allocated;
		st->nextents = n->nextents;
		st->interleave = n->interleave;
	}
}
