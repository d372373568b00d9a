// SPDX-License-Identifier: Apache-2.0
/*
 * fsdev-backing DEV MNT: a view is a FUSE passthrough backing file.
 *
 * A view of two 4 MiB extents is a regular file that can be opened again
 * by path. A small FUSE server, speaking the raw /dev/fuse protocol,
 * negotiates passthrough, registers the view with
 * FUSE_DEV_IOC_BACKING_OPEN (the device node itself is refused: it is not
 * a regular file) and serves one file, MNT/file, whose opens it passes
 * through to the view. Through the mount: read() and write() reach the
 * device bytes; a MAP_SHARED mapping maps the device pages themselves
 * (same pfns as a raw mapping of DEV) with one PMD fault per 2 MiB.
 *
 * Then "ready" is printed and a line awaited on stdin while the script
 * unbinds the device: afterwards the mount's mapping raises SIGBUS, its
 * read() fails with ENXIO and a new open through the mount fails.
 */
#include <linux/fuse.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include "fsdev_test.h"

/* ABI of FUSE 7.40, newer than the libc headers of Debian 12 (7.38). */
#define TEST_FUSE_PASSTHROUGH		(1ULL << 37)
#define TEST_FOPEN_PASSTHROUGH		(1U << 7)
struct test_fuse_backing_map {
	int32_t fd;
	uint32_t flags;
	uint64_t padding;
};
#define TEST_FUSE_DEV_IOC_BACKING_OPEN \
	_IOW(229, 1, struct test_fuse_backing_map)

#define ROOT_NODE	1
#define FILE_NODE	2
#define FILE_NAME	"file"
#define MAX_WRITE	(128 * 1024)

static const struct fsdev_dax_extent view_extents[] = {
	{ .offset = 16 * MiB, .len = 4 * MiB },
	{ .offset = 6 * MiB, .len = 4 * MiB },
};
#define VIEW_SIZE	(8 * MiB)

/* What the server tells the client once it has registered the view. */
struct server_report {
	int backing_id;		/* > 0, or -errno of the view's BACKING_OPEN */
	int node_errno;		/* errno of the device node's BACKING_OPEN */
};

static void fill_attr(struct fuse_attr *attr, uint64_t node)
{
	memset(attr, 0, sizeof(*attr));
	attr->ino = node;
	if (node == ROOT_NODE) {
		attr->mode = S_IFDIR | 0755;
		attr->nlink = 2;
	} else {
		attr->mode = S_IFREG | 0644;
		attr->nlink = 1;
		attr->size = VIEW_SIZE;
		attr->blocks = VIEW_SIZE / 512;
	}
	attr->blksize = 4096;
}

static void reply(int fuse_fd, uint64_t unique, int error, const void *out,
		  size_t len)
{
	struct fuse_out_header head = {
		.len = sizeof(head) + (error ? 0 : len),
		.error = error,
		.unique = unique,
	};
	struct iovec iov[2] = {
		{ .iov_base = &head, .iov_len = sizeof(head) },
		{ .iov_base = (void *)out, .iov_len = error ? 0 : len },
	};

	if (writev(fuse_fd, iov, 2) < 0 && errno != ENOENT)
		printf("server: reply to %llu: %s\n",
		       (unsigned long long)unique, strerror(errno));
}

static void answer_init(int fuse_fd, const struct fuse_in_header *in,
			const struct fuse_init_in *init)
{
	struct fuse_init_out out;
	uint64_t flags = FUSE_INIT_EXT | TEST_FUSE_PASSTHROUGH;

	memset(&out, 0, sizeof(out));
	out.major = FUSE_KERNEL_VERSION;
	out.minor = init->minor < 41 ? init->minor : 41;
	out.max_readahead = init->max_readahead;
	out.flags = (uint32_t)flags;
	out.flags2 = (uint32_t)(flags >> 32);
	out.max_background = 16;
	out.congestion_threshold = 12;
	out.max_write = MAX_WRITE;
	out.time_gran = 1;
	out.max_pages = MAX_WRITE / 4096;
	out.unused[0] = 1;	/* max_stack_depth: backing files on base fs */
	reply(fuse_fd, in->unique, 0, &out, sizeof(out));
}

static int backing_open(int fuse_fd, int fd)
{
	struct test_fuse_backing_map map = { .fd = fd };
	int id = ioctl(fuse_fd, TEST_FUSE_DEV_IOC_BACKING_OPEN, &map);

	return id < 0 ? -errno : id;
}

/* Serve the mount until it goes away; report on @report_fd after INIT. */
static void serve(int fuse_fd, int view_fd, int node_fd, int report_fd)
{
	static char buf[MAX_WRITE + 4096];
	struct server_report report = { 0 };

	for (;;) {
		struct fuse_in_header *in = (struct fuse_in_header *)buf;
		void *arg = buf + sizeof(*in);
		ssize_t n = read(fuse_fd, buf, sizeof(buf));

		if (n < 0 && (errno == EINTR || errno == ENOENT))
			continue;
		if (n < (ssize_t)sizeof(*in))
			return;	/* ENODEV: unmounted */

		switch (in->opcode) {
		case FUSE_INIT:
			answer_init(fuse_fd, in, arg);
			report.backing_id = backing_open(fuse_fd, view_fd);
			report.node_errno = -backing_open(fuse_fd, node_fd);
			if (write(report_fd, &report, sizeof(report)) < 0)
				return;
			break;
		case FUSE_LOOKUP: {
			struct fuse_entry_out out;

			if (in->nodeid != ROOT_NODE || strcmp(arg, FILE_NAME)) {
				reply(fuse_fd, in->unique, -ENOENT, NULL, 0);
				break;
			}
			memset(&out, 0, sizeof(out));
			out.nodeid = FILE_NODE;
			out.generation = 1;
			out.entry_valid = 3600;
			out.attr_valid = 3600;
			fill_attr(&out.attr, FILE_NODE);
			reply(fuse_fd, in->unique, 0, &out, sizeof(out));
			break;
		}
		case FUSE_GETATTR: {
			struct fuse_attr_out out;

			memset(&out, 0, sizeof(out));
			out.attr_valid = 3600;
			fill_attr(&out.attr, in->nodeid);
			reply(fuse_fd, in->unique, 0, &out, sizeof(out));
			break;
		}
		case FUSE_OPEN: {
			struct fuse_open_out out;

			memset(&out, 0, sizeof(out));
			out.open_flags = TEST_FOPEN_PASSTHROUGH;
			out.padding = report.backing_id;	/* backing_id */
			reply(fuse_fd, in->unique, 0, &out, sizeof(out));
			break;
		}
		case FUSE_FLUSH:
		case FUSE_RELEASE:
		case FUSE_ACCESS:
			reply(fuse_fd, in->unique, 0, NULL, 0);
			break;
		case FUSE_DESTROY:
			reply(fuse_fd, in->unique, 0, NULL, 0);
			return;
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
		case FUSE_INTERRUPT:
			break;
		default:
			reply(fuse_fd, in->unique, -ENOSYS, NULL, 0);
			break;
		}
	}
}

static sigjmp_buf fault_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(fault_jmp, 1);
}

/* 1 if reading *p raises SIGBUS. */
static int faults(volatile uint64_t *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	int hit = 0;

	sigaction(SIGBUS, &sa, NULL);
	if (sigsetjmp(fault_jmp, 1) == 0)
		(void)*p;
	else
		hit = 1;
	signal(SIGBUS, SIG_DFL);
	return hit;
}

/* Device offset of byte @pos of the view. */
static uint64_t device_offset(uint64_t pos)
{
	unsigned int i;

	for (i = 0; pos >= view_extents[i].len; i++)
		pos -= view_extents[i].len;
	return view_extents[i].offset + pos;
}

static void view_is_a_regular_file(int view_fd, volatile uint64_t *dev_map)
{
	char path[64], buf[8];
	struct statfs sfs = { 0 };
	struct stat st = { 0 };
	int again;

	if (fstat(view_fd, &st))
		die("fstat view");
	if (fstatfs(view_fd, &sfs))
		die("fstatfs view");
	check(S_ISREG(st.st_mode) && st.st_size == (off_t)VIEW_SIZE,
	      "the view is a regular file of %llu bytes (mode %o)",
	      (unsigned long long)st.st_size, st.st_mode);
	check((unsigned long)sfs.f_type == FSDEV_DAX_VIEW_MAGIC,
	      "on the module's view filesystem (f_type %#lx)",
	      (unsigned long)sfs.f_type);
	/* what FUSE does on every open: open the same inode again */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", view_fd);
	again = open(path, O_RDONLY);
	check(again >= 0 && pread(again, buf, 8, 4 * MiB) == 8 &&
	      !memcmp(buf, (void *)&dev_map[device_offset(4 * MiB) / 8], 8),
	      "the view opens again by path and reads the device bytes");
	if (again >= 0)
		close(again);
}

static int run(const char *dev, const char *mnt)
{
	char sysdir[256], path[300], opts[128], line[16];
	struct server_report report = { 0 };
	volatile uint64_t *dev_map, *map;
	long long pmd0, pte0, pmd1, pte1;
	int node_fd, view_fd, fuse_fd, file_fd, pipefd[2], status, bad;
	uint64_t vsize, pos, dev_size, buf[512];
	ssize_t got;
	int err;
	struct fsdev_dax_info info;
	pid_t server;

	snprintf(sysdir, sizeof(sysdir), "/sys/bus/dax/devices/%s/fsdev",
		 strrchr(dev, '/') + 1);
	node_fd = open_dev(dev);
	get_info(node_fd, &info, NULL, 0);
	dev_size = info.size;
	dev_map = mmap(NULL, dev_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       node_fd, 0);
	if (dev_map == MAP_FAILED)
		die("mmap device");
	for (pos = 0; pos < VIEW_SIZE; pos += 8)
		dev_map[device_offset(pos) / 8] = pattern(pos, 0xfeed);

	view_fd = create_view(node_fd, view_extents, 2, O_RDWR, &vsize);
	if (view_fd < 0)
		die("create view");
	check(vsize == VIEW_SIZE, "view size %llu", (unsigned long long)vsize);
	view_is_a_regular_file(view_fd, dev_map);

	fuse_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fuse_fd < 0)
		die("/dev/fuse");
	if (pipe(pipefd))
		die("pipe");
	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0", fuse_fd);
	if (mount("fsdev-backing", mnt, "fuse", MS_NOSUID | MS_NODEV, opts))
		die("mount fuse");
	server = fork();
	if (server < 0)
		die("fork");
	if (server == 0) {
		close(pipefd[0]);
		serve(fuse_fd, view_fd, node_fd, pipefd[1]);
		_exit(0);
	}
	close(pipefd[1]);
	close(fuse_fd);

	/* the first request makes the kernel wait for INIT's answer */
	snprintf(path, sizeof(path), "%s/%s", mnt, FILE_NAME);
	file_fd = open(path, O_RDWR);
	if (read(pipefd[0], &report, sizeof(report)) != sizeof(report))
		die("server report");
	check(report.backing_id > 0,
	      "FUSE_DEV_IOC_BACKING_OPEN accepts the view: backing id %d",
	      report.backing_id);
	check(report.node_errno == EINVAL,
	      "and refuses the device node itself (%s)",
	      strerror(report.node_errno));
	if (file_fd < 0)
		die(path);

	/* read() and write() through the mount reach the device bytes */
	check(pread(file_fd, buf, sizeof(buf), 5 * MiB) == sizeof(buf) &&
	      buf[0] == pattern(5 * MiB, 0xfeed) &&
	      buf[511] == pattern(5 * MiB + 511 * 8, 0xfeed),
	      "read() through the mount returns the device bytes");
	buf[0] = 0x1122334455667788ULL;
	check(pwrite(file_fd, buf, 8, 3 * MiB) == 8 &&
	      dev_map[device_offset(3 * MiB) / 8] == buf[0],
	      "write() through the mount lands at device offset %#llx",
	      (unsigned long long)device_offset(3 * MiB));

	/* a mapping through the mount maps the device pages themselves */
	map = mmap(NULL, VIEW_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		   file_fd, 0);
	if (map == MAP_FAILED)
		die("mmap through the mount");
	check((uintptr_t)map % (2 * MiB) == 0,
	      "the mount places the mapping at a 2 MiB boundary (%p)",
	      (void *)map);
	snprintf(path, sizeof(path), "%s/pmd_faults", sysdir);
	pmd0 = read_counter(path);
	snprintf(path, sizeof(path), "%s/pte_faults", sysdir);
	pte0 = read_counter(path);
	bad = 0;
	for (pos = 0; pos < VIEW_SIZE; pos += PAGE)
		if (map[pos / 8] != (pos == 3 * MiB ? buf[0] :
				     pattern(pos, 0xfeed)))
			bad++;
	snprintf(path, sizeof(path), "%s/pmd_faults", sysdir);
	pmd1 = read_counter(path);
	snprintf(path, sizeof(path), "%s/pte_faults", sysdir);
	pte1 = read_counter(path);
	check(!bad, "the mapping shows the device bytes (%d pages differ)",
	      bad);
	check(pmd1 - pmd0 == VIEW_SIZE / (2 * MiB) && pte1 == pte0,
	      "one PMD fault per 2 MiB touched: %lld PMD, %lld PTE faults for %llu MiB",
	      pmd1 - pmd0, pte1 - pte0, VIEW_SIZE / MiB);
	bad = 0;
	for (pos = 0; pos < VIEW_SIZE; pos += 2 * MiB)
		if (!virt_to_pfn(&map[pos / 8]) ||
		    virt_to_pfn(&map[pos / 8]) !=
		    virt_to_pfn(&dev_map[device_offset(pos) / 8]))
			bad++;
	check(!bad, "its pages are the device's pages (pfns of the raw mapping)");
	map[7 * MiB / 8] = 0xabcdefULL;
	check(dev_map[device_offset(7 * MiB) / 8] == 0xabcdefULL,
	      "a store through the mount's mapping is in device memory");

	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		die("waiting for the unbind");

	check(faults(map) && faults(&map[VIEW_SIZE / 8 - 1]),
	      "after unbind the mount's mapping raises SIGBUS");
	got = pread(file_fd, buf, 8, 0);
	err = errno;
	check(got < 0 && err == ENXIO,
	      "read() through the mount fails with ENXIO (%s)",
	      got < 0 ? strerror(err) : "read");
	got = pwrite(file_fd, buf, 8, 0);
	err = errno;
	check(got < 0 && err == ENXIO,
	      "write() through the mount fails with ENXIO (%s)",
	      got < 0 ? strerror(err) : "written");
	/*
	 * the view's open fails with ENXIO; FUSE reports a failed backing
	 * open as EIO
	 */
	snprintf(path, sizeof(path), "%s/%s", mnt, FILE_NAME);
	got = open(path, O_RDONLY);
	err = errno;
	check(got < 0 && err == EIO,
	      "a new open through the mount fails with EIO (%s)",
	      got < 0 ? strerror(err) : "opened");

	munmap((void *)map, VIEW_SIZE);
	close(file_fd);
	if (umount(mnt))
		die("umount");
	waitpid(server, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the server saw the mount go");
	munmap((void *)dev_map, dev_size);
	close(view_fd);
	close(node_fd);
	return test_failures != 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: fsdev-backing DEV MNT\n");
		return 2;
	}
	return run(argv[1], argv[2]);
}
