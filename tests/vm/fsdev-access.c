// SPDX-License-Identifier: Apache-2.0
/*
 * fsdev-access DEV: who may do what with the device node, and what a
 * hostile caller can make the driver do. DEV must be mode 0666 (the
 * script sets it) so that an unprivileged user can open it.
 *
 *   - a view never allows more than the node's fd it is made through: a
 *     read-only opener gets read-only views only (EPERM otherwise), a
 *     write-only opener no readable view; a read-only view cannot be
 *     opened again for writing (the path FUSE passthrough takes);
 *   - the holder slot needs a writable open or CAP_SYS_ADMIN;
 *   - GET_INFO gives physical addresses to CAP_SYS_ADMIN only;
 *   - hostile extent lists: too many, wrapping, huge, unaligned, out of
 *     range, unreadable; allocations for a list are charged to the
 *     caller's memory cgroup (ENOMEM over its limit, nothing logged).
 */
#include <signal.h>
#include <sys/wait.h>
#include "fsdev_test.h"

#define NOBODY	65534

static int view_of(int fd, int open_flags)
{
	const struct fsdev_dax_extent ext = { .offset = 8 * MiB, .len = MiB };

	return create_view(fd, &ext, 1, open_flags, NULL);
}

/* create_view() as a check: @want_errno 0 for success. */
static void expect_view(int fd, int open_flags, int want_errno,
			const char *what)
{
	int vfd = view_of(fd, open_flags), err = errno;

	check(want_errno ? vfd < 0 && err == want_errno : vfd >= 0,
	      "%s (%s)", what, vfd >= 0 ? "created" : strerror(err));
	if (vfd >= 0)
		close(vfd);
}

static void view_access(const char *dev)
{
	char path[64], byte = 0;
	int ro, wo, vfd, again, err;

	ro = open(dev, O_RDONLY | O_CLOEXEC);
	wo = open(dev, O_WRONLY | O_CLOEXEC);
	if (ro < 0 || wo < 0)
		die(dev);
	expect_view(ro, O_RDWR, EPERM, "a read-only opener cannot make a read-write view");
	expect_view(ro, O_WRONLY, EPERM, "nor a write-only one");
	expect_view(ro, O_RDONLY, 0, "a read-only opener makes read-only views");
	expect_view(wo, O_RDONLY, EPERM, "a write-only opener cannot make a readable view");
	expect_view(wo, O_WRONLY, 0, "a write-only opener makes write-only views");
	expect_view(ro, O_RDONLY | O_NONBLOCK, EINVAL,
		    "open flags other than access and O_CLOEXEC are refused");
	expect_view(ro, O_ACCMODE, EINVAL, "an access mode that is none of the three is refused");

	/* a read-only view stays read-only when opened again by path */
	vfd = view_of(ro, O_RDONLY);
	if (vfd < 0)
		die("read-only view");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", vfd);
	again = open(path, O_RDWR);
	err = errno;
	check(again < 0 && err == EPERM,
	      "a read-only view refuses to open again for writing (%s)",
	      again < 0 ? strerror(err) : "opened");
	again = open(path, O_RDONLY);
	check(again >= 0 && pread(again, &byte, 1, 0) == 1,
	      "and opens again for reading");
	if (again >= 0)
		close(again);
	close(vfd);
	close(wo);
	close(ro);
}

/* Run @fn as user nobody in a child; its exit status says pass/fail. */
static void as_nobody(void (*fn)(const char *dev), const char *dev,
		      const char *what)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (setgid(NOBODY) || setuid(NOBODY))
			_exit(99);
		fn(dev);
		_exit(test_failures ? 1 : 0);
	}
	waitpid(pid, &status, 0);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "%s (as uid %d)", what, NOBODY);
}

static void claim_unprivileged(const char *dev)
{
	int ro = open(dev, O_RDONLY | O_CLOEXEC), rw, rc, err;

	if (ro < 0)
		die(dev);
	rc = ioctl(ro, FSDEV_DAX_IOC_CLAIM_HOLDER);
	err = errno;
	check(rc < 0 && err == EPERM,
	      "a read-only opener without CAP_SYS_ADMIN cannot claim the holder (%s)",
	      rc < 0 ? strerror(err) : "claimed");
	close(ro);
	rw = open(dev, O_RDWR | O_CLOEXEC);
	if (rw < 0)
		die(dev);
	check(ioctl(rw, FSDEV_DAX_IOC_CLAIM_HOLDER) == 0,
	      "a read-write opener can");
	close(rw);
}

static void info_unprivileged(const char *dev)
{
	struct fsdev_dax_range ranges[4];
	struct fsdev_dax_info info;
	int fd = open(dev, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die(dev);
	memset(ranges, 0xff, sizeof(ranges));
	get_info(fd, &info, ranges, 4);
	check(!(info.flags & FSDEV_DAX_INFO_PHYS) && ranges[0].phys == 0 &&
	      ranges[0].len == info.size && ranges[0].offset == 0,
	      "GET_INFO hides physical addresses (phys %#llx, flags %#llx) but not the layout",
	      (unsigned long long)ranges[0].phys,
	      (unsigned long long)info.flags);
	close(fd);
}

static void privileged(const char *dev)
{
	struct fsdev_dax_range ranges[4];
	struct fsdev_dax_info info;
	int ro = open(dev, O_RDONLY | O_CLOEXEC);

	if (ro < 0)
		die(dev);
	get_info(ro, &info, ranges, 4);
	check((info.flags & FSDEV_DAX_INFO_PHYS) && ranges[0].phys != 0,
	      "CAP_SYS_ADMIN sees physical address %#llx",
	      (unsigned long long)ranges[0].phys);
	check(ioctl(ro, FSDEV_DAX_IOC_CLAIM_HOLDER) == 0,
	      "CAP_SYS_ADMIN claims the holder through a read-only open");
	close(ro);
}

/* GET_INFO with a struct of another size: older and newer programs. */
static void info_sizes(const char *dev)
{
	struct {
		struct fsdev_dax_info info;
		uint64_t future[2];
	} big;
	struct fsdev_dax_info info;
	int fd = open_dev(dev);

	memset(&big, 0, sizeof(big));
	big.info.struct_size = sizeof(big);
	check(ioctl(fd, _IOWR(FSDEV_DAX_IOC_MAGIC, 0x44, big), &big) == 0 &&
	      big.info.struct_size == sizeof(info) && big.info.size,
	      "a larger struct: the driver fills what it knows (%u bytes)",
	      big.info.struct_size);
	big.info.struct_size = sizeof(big);
	big.future[1] = 1;
	check(ioctl(fd, _IOWR(FSDEV_DAX_IOC_MAGIC, 0x44, big), &big) < 0 &&
	      errno == E2BIG,
	      "a larger struct asking for something unknown: E2BIG");
	memset(&info, 0, sizeof(info));
	info.struct_size = 8;
	check(ioctl(fd, FSDEV_DAX_IOC_GET_INFO, &info) < 0 && errno == EINVAL,
	      "a struct smaller than the first version: EINVAL");
	get_info(fd, &info, NULL, 0);
	check(info.max_view_extents >= 16 &&
	      info.event_size == sizeof(struct fsdev_dax_event),
	      "GET_INFO reports the limits: %u extents a view, %u-byte events",
	      info.max_view_extents, info.event_size);
	close(fd);
}

static int create_raw(int fd, const struct fsdev_dax_extent *ext,
		      uint32_t nr)
{
	struct fsdev_dax_view_create req = {
		.extents_ptr = (uintptr_t)ext,
		.nr_extents = nr,
		.open_flags = O_RDWR | O_CLOEXEC,
	};

	return ioctl(fd, FSDEV_DAX_IOC_CREATE_VIEW, &req);
}

static void expect_list(int fd, const struct fsdev_dax_extent *ext,
			uint32_t nr, int want_errno, const char *what)
{
	int vfd = create_raw(fd, ext, nr), err = errno;

	check(vfd < 0 && err == want_errno, "%s: %s", what,
	      vfd < 0 ? strerror(err) : "accepted");
	if (vfd >= 0)
		close(vfd);
}

static void hostile_lists(const char *dev)
{
	struct fsdev_dax_info info;
	struct fsdev_dax_extent *ext, one;
	uint32_t max, i;
	int fd = open_dev(dev), vfd;

	get_info(fd, &info, NULL, 0);
	max = info.max_view_extents;
	ext = calloc(max + 1, sizeof(*ext));
	if (!ext)
		die("calloc");
	for (i = 0; i <= max; i++)
		ext[i] = (struct fsdev_dax_extent){ .offset = (i % 64) * 2 * PAGE,
						    .len = PAGE };
	vfd = create_raw(fd, ext, max);
	check(vfd >= 0, "%u extents, the limit, make a view", max);
	if (vfd >= 0)
		close(vfd);
	expect_list(fd, ext, max + 1, E2BIG, "one extent over the limit");
	expect_list(fd, ext, UINT32_MAX, E2BIG, "4294967295 extents");
	expect_list(fd, NULL, 4, EFAULT, "an unreadable list");

	one = (struct fsdev_dax_extent){ .offset = ~0ULL & ~(PAGE - 1),
					 .len = 2 * PAGE };
	expect_list(fd, &one, 1, EINVAL, "an extent whose end wraps");
	one = (struct fsdev_dax_extent){ .offset = PAGE, .len = ~0ULL & ~(PAGE - 1) };
	expect_list(fd, &one, 1, EINVAL, "a length near 2^64");
	one = (struct fsdev_dax_extent){ .offset = info.size, .len = PAGE };
	expect_list(fd, &one, 1, EINVAL, "an extent past the device");
	one = (struct fsdev_dax_extent){ .offset = PAGE + 512, .len = PAGE };
	expect_list(fd, &one, 1, EINVAL, "an unaligned offset");
	one = (struct fsdev_dax_extent){ .offset = PAGE, .len = 100 };
	expect_list(fd, &one, 1, EINVAL, "an unaligned length");
	free(ext);
	close(fd);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f))
		die(path);
}

static int open_procs(const char *cgroup)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	return fd;
}

/*
 * A view of max_view_extents extents needs more than a few pages of
 * kernel memory: in a memory cgroup allowed almost nothing it fails with
 * ENOMEM, because the allocation is charged to the caller. Between
 * joining the cgroup and leaving it the process allocates nothing of
 * its own (no stdio), so the limit meets only the driver's allocations.
 */
static void charged(const char *dev, const char *cgroup)
{
	char path[256], pid[32];
	struct fsdev_dax_info info;
	struct fsdev_dax_extent *ext;
	int fd = open_dev(dev), vfd, err, in, out, len;
	uint32_t i;

	get_info(fd, &info, NULL, 0);
	ext = calloc(info.max_view_extents, sizeof(*ext));
	if (!ext)
		die("calloc");
	for (i = 0; i < info.max_view_extents; i++)
		ext[i] = (struct fsdev_dax_extent){ .offset = 2 * i * PAGE,
						    .len = PAGE };
	snprintf(path, sizeof(path), "%s/memory.max", cgroup);
	write_file(path, "8192");
	in = open_procs(cgroup);
	out = open_procs("/sys/fs/cgroup");
	len = snprintf(pid, sizeof(pid), "%d", getpid());
	if (write(in, pid, len) != len)
		die("join the cgroup");
	vfd = create_raw(fd, ext, info.max_view_extents);
	err = errno;
	if (write(out, pid, len) != len)
		die("leave the cgroup");
	close(in);
	close(out);
	check(vfd < 0 && err == ENOMEM,
	      "in a cgroup limited to 8 KiB a large view fails with ENOMEM (%s)",
	      vfd < 0 ? strerror(err) : "created");
	if (vfd >= 0)
		close(vfd);
	vfd = create_raw(fd, ext, info.max_view_extents);
	check(vfd >= 0, "and succeeds outside it");
	if (vfd >= 0)
		close(vfd);
	free(ext);
	close(fd);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "modes")) {
		view_access(argv[2]);
		as_nobody(claim_unprivileged, argv[2], "holder claim rules");
		as_nobody(info_unprivileged, argv[2], "GET_INFO for users");
		privileged(argv[2]);
		info_sizes(argv[2]);
		return test_failures != 0;
	}
	if (argc == 3 && !strcmp(argv[1], "lists")) {
		hostile_lists(argv[2]);
		return test_failures != 0;
	}
	if (argc == 4 && !strcmp(argv[1], "charged")) {
		charged(argv[2], argv[3]);
		return test_failures != 0;
	}
	fprintf(stderr, "usage: fsdev-access modes|lists DEV | charged DEV CGROUP\n");
	return 2;
}
