// SPDX-License-Identifier: Apache-2.0
/*
 * direct_layout_get() against a scripted daemon: FAMFS_IOC_LAYOUT,
 * fstatfs64 and famfs_mount_of_fd are wrapped (-Wl,--wrap), so the
 * replies can change between the pages of one read, as they do when a
 * file's layout changes while a client reads it. The client must start
 * again, end with one layout whole (never a mix of two), and give up
 * with -EAGAIN when the layout never holds still.
 */
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>

#include "direct.h"
#include "famfs_ioctl.h"
#include "tap.h"

#define FUSE_MAGIC 0x65735546
#define UNIT (2ULL << 20)
#define MAX_RUNS 700

/* Two layouts of one file the fake daemon can serve. */
struct fake_layout {
	struct famfs_extent runs[MAX_RUNS];
	uint32_t nruns;
	uint64_t size;
};

static struct fake_layout layouts[2];
static int serving;		/* index into layouts */
static int calls;		/* FAMFS_IOC_LAYOUT calls answered */
static int switch_at;		/* before this call, serve the other one */
static bool switch_mid_pass;	/* before every reply at pos > 0 too */
static bool stall;		/* replies with no runs */

int __real_ioctl(int fd, unsigned long request, ...);
int __real_fstatfs64(int fd, struct statfs *buf);

static uint64_t mapped_of(const struct fake_layout *l)
{
	uint64_t sum = 0;

	for (uint32_t i = 0; i < l->nruns; i++)
		sum += l->runs[i].len;
	return sum;
}

static int answer(struct famfs_ioc_layout *reply)
{
	const struct fake_layout *l;
	uint64_t at = 0;
	uint32_t i = 0;

	calls++;
	if (calls == switch_at || (switch_mid_pass && reply->pos))
		serving ^= 1;
	l = &layouts[serving];
	while (i < l->nruns && at < reply->pos)
		at += l->runs[i++].len;
	if (at != reply->pos || at >= mapped_of(l)) {
		errno = EINVAL;
		return -1;
	}
	reply->size = l->size;
	reply->mapped = mapped_of(l);
	reply->total_runs = l->nruns;
	reply->crc = famfs_crc32c(0, l->runs, l->nruns * sizeof(l->runs[0]));
	reply->nruns = 0;
	while (!stall && i < l->nruns && reply->nruns < FAMFS_IOC_LAYOUT_RUNS) {
		reply->runs[reply->nruns].dev_offset = l->runs[i].offset;
		reply->runs[reply->nruns].len = l->runs[i].len;
		reply->nruns++;
		i++;
	}
	return 0;
}

int __wrap_ioctl(int fd, unsigned long request, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (request == FAMFS_IOC_LAYOUT)
		return answer(arg);
	return __real_ioctl(fd, request, arg);
}

/* Every file here is on "a FUSE mount". */
int __wrap_fstatfs64(int fd, struct statfs *buf)
{
	int rc = __real_fstatfs64(fd, buf);

	if (!rc)
		buf->f_type = FUSE_MAGIC;
	return rc;
}

int __wrap_famfs_mount_of_fd(int fd, struct famfs_mount_info *mi)
{
	(void)fd;
	memset(mi, 0, sizeof(*mi));
	snprintf(mi->device, sizeof(mi->device), "/dev/shm/fake-famfs");
	snprintf(mi->mountpoint, sizeof(mi->mountpoint), "/mnt/fake");
	return 0;
}

/* @nruns runs of one unit each, every other unit, from @first. */
static void make_layout(struct fake_layout *l, uint32_t nruns, uint64_t first)
{
	l->nruns = nruns;
	for (uint32_t i = 0; i < nruns; i++) {
		l->runs[i].offset = first + 2 * i * UNIT;
		l->runs[i].len = UNIT;
	}
	l->size = nruns * UNIT - 100;
}

static bool same_as(const struct direct_layout *got,
		    const struct fake_layout *want)
{
	return got->nruns == want->nruns && got->size == want->size &&
	       got->mapped == mapped_of(want) &&
	       !memcmp(got->runs, want->runs,
		       want->nruns * sizeof(want->runs[0]));
}

static void reset(int switch_before_call, bool every, bool no_runs)
{
	serving = 0;
	calls = 0;
	switch_at = switch_before_call;
	switch_mid_pass = every;
	stall = no_runs;
}

int main(void)
{
	char path[] = "/tmp/famfs-layout-replies.XXXXXX";
	struct direct_layout got;
	int fd = mkstemp(path);

	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	unlink(path);
	/* 600 runs: three replies of at most 252 */
	make_layout(&layouts[0], 600, 100 * UNIT);
	make_layout(&layouts[1], 601, 101 * UNIT);

	reset(0, false, false);
	CHECK_RC(direct_layout_get(fd, &got), 0, "a steady layout of 600 runs");
	CHECK(same_as(&got, &layouts[0]) && calls == 3,
	      "read whole in 3 replies (%d calls)", calls);
	CHECK(got.device && !strcmp(got.device, "/dev/shm/fake-famfs"),
	      "the device is the mount's");
	direct_layout_free(&got);

	/* the layout changes between the first and the second reply */
	reset(2, false, false);
	CHECK_RC(direct_layout_get(fd, &got), 0, "a layout that changed once");
	CHECK(same_as(&got, &layouts[1]),
	      "the result is the new layout whole, not a mix (%u runs)",
	      got.nruns);
	CHECK(calls == 2 + 3, "one pass cut short, one whole (%d calls)",
	      calls);
	direct_layout_free(&got);

	/* changes before the last reply of the first pass */
	reset(3, false, false);
	CHECK_RC(direct_layout_get(fd, &got), 0, "a change before the last reply");
	CHECK(same_as(&got, &layouts[1]), "the new layout whole");
	direct_layout_free(&got);

	/* a layout that never holds still */
	reset(0, true, false);
	CHECK_RC(direct_layout_get(fd, &got), -EAGAIN,
		 "a layout changing under every read: EAGAIN");
	CHECK(calls == 4 * 2, "four tries of two replies each (%d calls)",
	      calls);
	CHECK(!got.runs && !got.device, "nothing is left allocated");

	/* the same size and run count, other runs: only the CRC tells */
	layouts[1] = layouts[0];
	layouts[1].runs[400].offset += 2 * UNIT * 600;
	reset(2, false, false);
	CHECK_RC(direct_layout_get(fd, &got), 0,
		 "a change the counts do not show");
	CHECK(same_as(&got, &layouts[1]) && calls == 2 + 3,
	      "the CRC caught it: the new layout whole (%d calls)", calls);
	direct_layout_free(&got);

	/* a daemon whose replies make no progress */
	reset(0, false, true);
	CHECK_RC(direct_layout_get(fd, &got), -EAGAIN,
		 "replies without runs: EAGAIN, no endless loop");

	/* shrunk between replies: the next position is past its end */
	make_layout(&layouts[1], 300, 100 * UNIT);
	reset(3, false, false);
	CHECK_RC(direct_layout_get(fd, &got), 0,
		 "shrunk between replies (EINVAL for the next position)");
	CHECK(same_as(&got, &layouts[1]), "the shrunk layout whole");
	direct_layout_free(&got);

	close(fd);
	return tap_done();
}
