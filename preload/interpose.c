// SPDX-License-Identifier: Apache-2.0
/*
 * libfamfs-direct.so, for LD_PRELOAD (or `famfs run -- COMMAND`): a
 * MAP_SHARED mmap() of a committed famfs file becomes a direct mapping of
 * the file's memory on the device, so the program shares that memory with
 * every other host instead of holding a page-cache copy. Everything else
 * goes to the C library unchanged, and so does a famfs mapping that
 * cannot be made direct (one line on stderr says why when
 * FAMFS_DIRECT_DEBUG is set). munmap and mremap keep the direct mappings
 * right; the file stays open through the mount until its last byte is
 * unmapped.
 */
/* mmap and mmap64 are both defined here: no header renaming of either */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "table.h"

#define EXPORT __attribute__((visibility("default")))
#define FUSE_SUPER_MAGIC 0x65735546

/* flags a direct mapping carries over to the device mapping */
#define PASSED_FLAGS (MAP_POPULATE | MAP_NONBLOCK | MAP_NORESERVE | \
		      MAP_LOCKED | MAP_SYNC)
/* flags that change nothing for a file mapping */
#define IGNORED_FLAGS (MAP_STACK | MAP_DENYWRITE | MAP_EXECUTABLE)
#define PLACEMENT_FLAGS (MAP_FIXED | MAP_FIXED_NOREPLACE)

typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);
typedef int (*munmap_fn)(void *, size_t);
typedef void *(*mremap_fn)(void *, size_t, size_t, int, ...);

static mmap_fn next_mmap;
static munmap_fn next_munmap;
static mremap_fn next_mremap;
static int debug = -1;

/* The C library's calls; raw system calls until dlsym has answered. */
static void *real_mmap(void *addr, size_t len, int prot, int flags, int fd,
		       off_t off)
{
	if (next_mmap)
		return next_mmap(addr, len, prot, flags, fd, off);
	return direct_sys_mmap(addr, len, prot, flags, fd, (uint64_t)off);
}

static int real_munmap(void *addr, size_t len)
{
	if (next_munmap)
		return next_munmap(addr, len);
	return direct_sys_munmap(addr, len);
}

static void *real_mremap(void *old, size_t old_len, size_t new_len, int flags,
			 void *new_addr)
{
	if (next_mremap)
		return next_mremap(old, old_len, new_len, flags, new_addr);
	return direct_sys_mremap(old, old_len, new_len, flags, new_addr);
}

__attribute__((constructor)) static void resolve_next(void)
{
	const char *env = getenv("FAMFS_DIRECT_DEBUG");

	debug = env && *env && strcmp(env, "0");
	next_mmap = (mmap_fn)dlsym(RTLD_NEXT, "mmap");
	next_munmap = (munmap_fn)dlsym(RTLD_NEXT, "munmap");
	next_mremap = (mremap_fn)dlsym(RTLD_NEXT, "mremap");
}

static uintptr_t page_size(void)
{
	static uintptr_t page;

	if (!page)
		page = (uintptr_t)sysconf(_SC_PAGESIZE);
	return page;
}

static uintptr_t page_round(uintptr_t len)
{
	return (len + page_size() - 1) & ~(page_size() - 1);
}

/* One line on stderr, only when asked for: the file and what happened. */
static void say(int fd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(int fd, const char *fmt, ...)
{
	char path[256] = "?", link[64], msg[256];
	va_list ap;
	ssize_t n;

	if (debug <= 0)
		return;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	path[n > 0 ? n : 1] = '\0';
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dprintf(STDERR_FILENO, "famfs-direct: %s: %s\n", path, msg);
}

/* Only a shared mapping of a file on a FUSE mount is worth looking at. */
static bool worth_a_look(size_t len, int flags, int fd, off_t off)
{
	int type = flags & MAP_TYPE;
	struct statfs sfs;

	if (fd < 0 || !len || off < 0 || (flags & MAP_ANONYMOUS))
		return false;
	if (type != MAP_SHARED && type != MAP_SHARED_VALIDATE)
		return false;
	return !fstatfs(fd, &sfs) && sfs.f_type == FUSE_SUPER_MAGIC;
}

/* Why the mapping cannot be direct, before asking the daemon (or NULL). */
static const char *refusal(size_t len, int prot, int flags, int fd, off_t off,
			   int *access)
{
	int known = MAP_TYPE | PASSED_FLAGS | IGNORED_FLAGS | PLACEMENT_FLAGS;

	if (flags & ~known)
		return "mmap flags a direct mapping does not offer";
	if ((flags & MAP_SYNC) && (flags & MAP_TYPE) != MAP_SHARED_VALIDATE)
		return "MAP_SYNC without MAP_SHARED_VALIDATE";
	if ((uintptr_t)off % page_size())
		return "offset not page aligned";
	if (len > SIZE_MAX - page_size())
		return "length too large";
	*access = fcntl(fd, F_GETFL);
	if (*access < 0)
		return "cannot read the file's access mode";
	*access &= O_ACCMODE;
	if (*access == O_WRONLY)
		return "file opened write-only";
	if ((prot & PROT_WRITE) && *access != O_RDWR)
		return "PROT_WRITE on a file not opened for writing";
	return NULL;
}

/* Why the daemon's answer rules a direct mapping out. */
static const char *layout_refusal(int err)
{
	switch (err) {
	case EBUSY:
		return "not committed yet (still being written on the master)";
	case EHWPOISON:
		return "some of its memory is poisoned";
	case ENODATA:
		return "empty file";
	default:
		return "no layout from the daemon";
	}
}

/* Track a new direct mapping, which takes over @layout on success. */
static int track(int fd, struct direct_layout *layout,
		 const struct direct_request *req, void *addr,
		 uint64_t length)
{
	struct tracked *t = calloc(1, sizeof(*t));
	int rc;

	if (!t)
		return -ENOMEM;
	rc = direct_hold(fd, &t->hold);
	if (rc) {
		free(t);
		return rc;
	}
	t->proto = *req;
	t->layout = *layout;
	rc = ranges_add(&t->ranges, (uintptr_t)addr,
			(uintptr_t)addr + length, req->offset);
	if (!rc) {
		table_lock();
		/* whatever this replaced is gone (MAP_FIXED) */
		table_forget((uintptr_t)addr, (uintptr_t)addr + length);
		rc = table_add(t);
		table_unlock();
	}
	if (rc) {
		memset(&t->layout, 0, sizeof(t->layout));	/* still ours */
		tracked_free(t);
		return rc;
	}
	memset(layout, 0, sizeof(*layout));
	return 0;
}

/* The direct mapping, or MAP_FAILED with *why (*err for errno text). */
static void *map_direct(void *addr, size_t len, int prot, int flags, int fd,
			off_t off, const char **why, int *err)
{
	struct direct_request req = {
		.offset = (uint64_t)off,
		.length = len,
		.prot = prot,
		.map_type = flags & MAP_TYPE,
		.map_flags = flags & PASSED_FLAGS,
		.where = DIRECT_ANYWHERE,
		.addr = addr,
	};
	struct direct_layout layout;
	uint64_t length;
	void *p;
	int access;

	*err = 0;
	*why = refusal(len, prot, flags, fd, off, &access);
	if (*why)
		return MAP_FAILED;
	if (flags & MAP_FIXED)
		req.where = DIRECT_FIXED;
	else if (flags & MAP_FIXED_NOREPLACE)
		req.where = DIRECT_FIXED_NOREPLACE;
	req.device_rdwr = access == O_RDWR;
	*err = -direct_layout_get(fd, &layout);
	if (*err) {
		*why = layout_refusal(*err);
		return MAP_FAILED;
	}
	if (req.offset + page_round(len) > page_round(layout.size)) {
		*why = "the mapping reaches past the end of the file";
		goto fail;
	}
	*err = -direct_map(&layout, &req, &p, &length);
	if (*err) {
		*why = "mapping the device failed";
		goto fail;
	}
	*err = -track(fd, &layout, &req, p, length);
	if (*err) {
		*why = "cannot keep the file open while mapped";
		direct_sys_munmap(p, length);
		goto fail;
	}
	say(fd, "direct mapping of %zu bytes at file offset %lld", len,
	    (long long)off);
	return p;
fail:
	direct_layout_free(&layout);
	return MAP_FAILED;
}

static void *do_mmap(void *addr, size_t len, int prot, int flags, int fd,
		     off_t off)
{
	const char *why = NULL;
	int err = 0;
	void *p;

	if (!table_busy() && worth_a_look(len, flags, fd, off)) {
		p = map_direct(addr, len, prot, flags, fd, off, &why, &err);
		if (p != MAP_FAILED)
			return p;
		/* a FUSE file of another filesystem is none of our business */
		if (err != ENOTTY)
			say(fd, "plain mmap: %s%s%s", why, err ? ": " : "",
			    err ? strerror(err) : "");
	}
	p = real_mmap(addr, len, prot, flags, fd, off);
	if (p != MAP_FAILED && (flags & PLACEMENT_FLAGS) && !table_empty() &&
	    !table_busy()) {
		table_lock();
		table_forget((uintptr_t)p, (uintptr_t)p + page_round(len));
		table_unlock();
	}
	return p;
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off)
{
	return do_mmap(addr, len, prot, flags, fd, off);
}

EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd,
		    off64_t off)
{
	return do_mmap(addr, len, prot, flags, fd, (off_t)off);
}

EXPORT int munmap(void *addr, size_t len)
{
	int rc = real_munmap(addr, len);

	if (!rc && !table_empty() && !table_busy()) {
		table_lock();
		table_forget((uintptr_t)addr, (uintptr_t)addr + page_round(len));
		table_unlock();
	}
	return rc;
}

/*
 * Map @req of @t's file and track the new range with its file offset;
 * MAP_FAILED with errno set (ENOMEM for an occupied fixed target, as
 * the kernel says) and nothing left mapped when either step fails.
 */
static void *map_tracked(struct tracked *t, const struct direct_request *req)
{
	uint64_t length;
	void *p;
	int rc;

	rc = direct_map(&t->layout, req, &p, &length);
	if (rc) {
		errno = -rc == EEXIST ? ENOMEM : -rc;
		return MAP_FAILED;
	}
	if (ranges_add(&t->ranges, (uintptr_t)p, (uintptr_t)p + length,
		       req->offset)) {
		direct_sys_munmap(p, length);
		errno = ENOMEM;
		return MAP_FAILED;
	}
	return p;
}

/*
 * A direct mapping that grows or moves is mapped again from the layout
 * it was made from (the kernel would extend it over whatever follows the
 * file on the device); inside the file's pages only. Lock held.
 */
static void *remap_direct(struct tracked *t, uint64_t file_off, uintptr_t old,
			  size_t old_len, size_t new_len, int flags,
			  void *new_addr)
{
	struct direct_request req = t->proto;
	uint64_t length;
	void *p;
	int rc;

	if (file_off + new_len > page_round(t->layout.size)) {
		errno = ENOMEM;	/* as if it could not grow: map it anew */
		return MAP_FAILED;
	}
	if (flags & MREMAP_FIXED) {
		req.where = DIRECT_FIXED;
		req.addr = new_addr;
	} else {
		/* grow in place when the addresses after it are free */
		req.where = DIRECT_FIXED_NOREPLACE;
		req.addr = (void *)(old + old_len);
		req.offset = file_off + old_len;
		req.length = new_len - old_len;
		rc = direct_map(&t->layout, &req, &p, &length);
		if (!rc) {
			ranges_add(&t->ranges, (uintptr_t)p,
				   (uintptr_t)p + length, req.offset);
			return (void *)old;
		}
		if (!(flags & MREMAP_MAYMOVE)) {
			errno = ENOMEM;
			return MAP_FAILED;
		}
		req.where = DIRECT_ANYWHERE;
		req.addr = NULL;
	}
	req.offset = file_off;
	req.length = new_len;
	p = map_tracked(t, &req);
	if (p == MAP_FAILED)
		return MAP_FAILED;
	direct_sys_munmap((void *)old, old_len);
	ranges_cut(&t->ranges, old, old + old_len);
	return p;
}

/* mremap of a range inside one direct mapping; lock held. */
static void *mremap_tracked(struct tracked *t, uint64_t file_off,
			    uintptr_t old, size_t old_len, size_t new_len,
			    int flags, void *new_addr)
{
	uintptr_t target = (uintptr_t)new_addr;
	void *p;

	if (flags & MREMAP_DONTUNMAP) {
		/* both ranges map the file afterwards */
		p = real_mremap((void *)old, old_len, new_len, flags, new_addr);
		if (p != MAP_FAILED) {
			table_forget((uintptr_t)p, (uintptr_t)p + new_len);
			ranges_add(&t->ranges, (uintptr_t)p,
				   (uintptr_t)p + new_len, file_off);
		}
		return p;
	}
	if (new_len <= old_len && !(flags & MREMAP_FIXED)) {
		/* shrinking in place: the kernel does it right */
		p = real_mremap((void *)old, old_len, new_len, flags, NULL);
		if (p != MAP_FAILED)
			table_forget(old + new_len, old + old_len);
		return p;
	}
	if ((flags & MREMAP_FIXED) &&
	    (!(flags & MREMAP_MAYMOVE) || target % page_size() ||
	     (target < old + old_len && old < target + new_len))) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	/* the target does not overlap the old range: t survives this */
	if (flags & MREMAP_FIXED)
		table_forget(target, target + new_len);
	return remap_direct(t, file_off, old, old_len, new_len, flags,
			    new_addr);
}

/*
 * mremap(old, 0, new_len, MREMAP_MAYMOVE): a second mapping of the bytes
 * a shared mapping shows from @old. For a direct mapping the kernel
 * would map new_len contiguous device bytes, which past the run are
 * another file's: map the file range again, tracked with the original
 * so the hold lasts until both are gone. Lock held.
 */
static void *duplicate_tracked(struct tracked *t, uint64_t file_off,
			       uintptr_t old, size_t new_len, int flags,
			       void *new_addr)
{
	struct direct_request req = t->proto;
	uintptr_t target = (uintptr_t)new_addr;

	/*
	 * Refused as the kernel refuses them, and a fixed target over the
	 * page it copies (replacing that page would end t's last range
	 * before the copy is tracked)
	 */
	if (!(flags & MREMAP_MAYMOVE) || (flags & MREMAP_DONTUNMAP) ||
	    ((flags & MREMAP_FIXED) &&
	     (target % page_size() ||
	      (target < old + page_size() && old < target + new_len)))) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	if (new_len > page_round(t->layout.size) - file_off) {
		errno = ENOMEM;
		return MAP_FAILED;
	}
	req.offset = file_off;
	req.length = new_len;
	req.where = flags & MREMAP_FIXED ? DIRECT_FIXED : DIRECT_ANYWHERE;
	req.addr = flags & MREMAP_FIXED ? new_addr : NULL;
	if (flags & MREMAP_FIXED)
		table_forget(target, target + new_len);
	return map_tracked(t, &req);
}

EXPORT void *mremap(void *old_addr, size_t old_len, size_t new_len, int flags,
		    ...)
{
	uintptr_t old = (uintptr_t)old_addr;
	struct mapped_range *range;
	void *new_addr = NULL, *p;
	struct tracked *t;
	va_list ap;

	if (flags & MREMAP_FIXED) {
		va_start(ap, flags);
		new_addr = va_arg(ap, void *);
		va_end(ap);
	}
	if (table_empty() || table_busy() || !new_len || old % page_size())
		return real_mremap(old_addr, old_len, new_len, flags, new_addr);
	old_len = page_round(old_len);
	new_len = page_round(new_len);
	table_lock();
	t = table_find(old, old + (old_len ? old_len : page_size()), &range);
	if (t && !old_len) {
		p = duplicate_tracked(t, range->file_off + (old - range->start),
				      old, new_len, flags, new_addr);
	} else if (t) {
		p = mremap_tracked(t, range->file_off + (old - range->start),
				   old, old_len, new_len, flags, new_addr);
	} else if (table_overlaps(old, old + old_len) &&
		   (new_len > old_len || (flags & MREMAP_FIXED))) {
		/*
		 * Part direct mapping, part something else: the kernel
		 * could only grow it over the device; refuse as it does
		 * when it cannot grow.
		 */
		errno = ENOMEM;
		p = MAP_FAILED;
	} else {
		p = real_mremap(old_addr, old_len, new_len, flags, new_addr);
		if (p == old_addr) {
			table_forget(old + new_len, old + old_len);
		} else if (p != MAP_FAILED) {
			table_forget(old, old + old_len);
			table_forget((uintptr_t)p, (uintptr_t)p + new_len);
		}
	}
	table_unlock();
	return p;
}
