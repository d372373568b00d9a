// SPDX-License-Identifier: Apache-2.0
/*
 * The in-memory namespace built by replay: nodes by inode number, and a
 * hash of (parent, name) for lookups. Nodes are never freed while the
 * filesystem is open (the log has no delete yet), so inode numbers stay
 * stable and equal to creation order: every host replaying the same log
 * assigns the same numbers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static uint32_t name_hash(uint64_t parent, const char *name, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ parent; /* FNV-1a */

	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)name[i];
		h *= 0x100000001b3ULL;
	}
	return (uint32_t)(h ^ (h >> 32));
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
	for (uint64_t i = 0; i < ns->nnodes; i++) {
		struct node *n = ns->by_ino[i];

		free(n->name);
		free(n->children);
		free(n->extents);
		free(n);
	}
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
	return n->state == FAMFS_NODE_GONE ? NULL : n;
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
	if (parent->nchildren == parent->children_cap &&
	    grow((void **)&parent->children, &parent->children_cap,
		 sizeof(*parent->children)))
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
	n->hash = name_hash(parent->ino, name, len);
	n->hash_next = ns->buckets[n->hash & (ns->nbuckets - 1)];
	ns->buckets[n->hash & (ns->nbuckets - 1)] = n;
	ns->nhashed++;
	ns->by_ino[ns->nnodes++] = n;
	parent->children[parent->nchildren++] = n;
	if (type == FAMFS_NODE_DIR) {
		parent->nsubdirs++;
		ns->ndirs++;
	} else {
		ns->nfiles++;
	}
	return n;
}

void ns_forget(struct namespace *ns, struct node *n)
{
	struct node **pp = &ns->buckets[n->hash & (ns->nbuckets - 1)];

	for (; *pp; pp = &(*pp)->hash_next) {
		if (*pp == n) {
			*pp = n->hash_next;
			ns->nhashed--;
			break;
		}
	}
	n->state = FAMFS_NODE_GONE;
	if (n->type == FAMFS_NODE_FILE) {
		ns->nfiles--;
	} else {
		ns->ndirs--;
		n->parent->nsubdirs--;
	}
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
	if (n->type == FAMFS_NODE_DIR) {
		st->nlink = 2 + n->nsubdirs;
	} else {
		st->nlink = 1;
		st->size = n->size;
		st->allocated = n->allocated;
		st->nextents = n->nextents;
		st->interleave = n->interleave;
	}
}
