// SPDX-License-Identifier: Apache-2.0
/*
 * Device memory that disappears under a live mount (a truncated device
 * file, a hot-removed range, a machine check on a read) raises SIGBUS in
 * whichever thread touches it. That must not kill the daemon: the handler
 * puts anonymous memory over the lost piece of the mapping, so the
 * interrupted access completes (into memory nobody shares), and notes the
 * offset. The request that met it fails with EIO (sigbus_since), the lost
 * range joins the poisoned ones (never read or written through famfs
 * again; for a truncated device file, all of its lost tail), and the
 * daemon says so once. Lost metadata (anything
 * before the data area) stops the daemon from serving at all (fence.c).
 *
 * The handler only does async-signal-safe work: mmap, atomics, a ring.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "famfs_fused.h"

#define RING_SIZE 1024	/* faults between two drains before overflow */

static struct {
	uint8_t *base;		/* the device mapping */
	uint64_t size;
	uint64_t granule;	/* what one fault replaces: a page, or 2 MiB */
	uint64_t ring[RING_SIZE];	/* offsets of replaced granules */
	unsigned int head;	/* next slot to fill; atomic */
	unsigned int tail;	/* next slot to drain; under the drain lock */
	bool overflow;		/* more faults than the ring held; atomic */
	uint64_t faults;	/* all threads; atomic */
} bus;

static __thread uint64_t thread_faults;
static pthread_mutex_t drain_lock = PTHREAD_MUTEX_INITIALIZER;

static void on_sigbus(int sig, siginfo_t *si, void *uctx)
{
	uint8_t *addr = si->si_addr;
	uint64_t off;
	unsigned int slot;

	(void)sig;
	(void)uctx;
	/* not device memory: a real bug, die of it as usual */
	if (!bus.base || addr < bus.base || addr >= bus.base + bus.size) {
		signal(SIGBUS, SIG_DFL);
		return;
	}
	off = (uint64_t)(addr - bus.base) & ~(bus.granule - 1);
	if (mmap(bus.base + off, bus.granule, PROT_READ | PROT_WRITE,
		 MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED) {
		signal(SIGBUS, SIG_DFL);
		return;
	}
	slot = __atomic_fetch_add(&bus.head, 1, __ATOMIC_ACQ_REL);
	if (slot - __atomic_load_n(&bus.tail, __ATOMIC_ACQUIRE) >= RING_SIZE)
		__atomic_store_n(&bus.overflow, true, __ATOMIC_RELEASE);
	else
		__atomic_store_n(&bus.ring[slot % RING_SIZE], off + 1,
				 __ATOMIC_RELEASE);
	thread_faults++;
	__atomic_add_fetch(&bus.faults, 1, __ATOMIC_RELEASE);
}

int sigbus_start(struct fused *d)
{
	struct famfs_dev *dev = famfs_fs_dev(d->fs);
	struct sigaction sa;

	bus.base = dev->base;
	bus.size = dev->size;
	bus.granule = dev->align > (uint64_t)sysconf(_SC_PAGESIZE) ?
			      dev->align : (uint64_t)sysconf(_SC_PAGESIZE);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGBUS, &sa, NULL) ? -errno : 0;
}

/* Lost memory is said once per daemon; .meta/.poison lists it all. */
static void say_lost(struct fused *d, uint64_t off)
{
	static bool said;

	if (__atomic_exchange_n(&said, true, __ATOMIC_ACQ_REL))
		return;
	fused_log(LOG_ERR, "%s: device memory is gone (SIGBUS at device "
		  "offset %#" PRIx64 ": the device shrank or lost memory); "
		  "requests touching lost memory fail with EIO (.meta/.poison "
		  "lists it)", d->device, off);
}

/*
 * A device file that was truncated: everything past its new end is gone,
 * not only the pages that faulted so far.
 */
static void lost_tail(struct fused *d)
{
	struct famfs_dev *dev = famfs_fs_dev(d->fs);
	struct stat st;
	uint64_t end;

	if (dev->kind != FAMFS_DEV_FILE || fstat(dev->fd, &st) ||
	    (uint64_t)st.st_size >= dev->size)
		return;
	end = (uint64_t)st.st_size & ~(bus.granule - 1);
	if (!poison_overlaps(d, end, dev->size - end))
		poison_remember(d, end, dev->size - end);
}

/* Take what the handler noted: poisoned ranges, and lost metadata. */
static void drain(struct fused *d)
{
	const struct famfs_sb_info *sb = d->sb;

	pthread_mutex_lock(&drain_lock);
	while (bus.tail != __atomic_load_n(&bus.head, __ATOMIC_ACQUIRE)) {
		uint64_t *slot = &bus.ring[bus.tail % RING_SIZE];
		uint64_t off = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
		uint64_t len = bus.granule;

		if (!off)
			break;	/* noted, not yet written: next time */
		__atomic_store_n(slot, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&bus.tail, bus.tail + 1, __ATOMIC_RELEASE);
		off--;
		if (off < sb->data_offset &&
		    !__atomic_exchange_n(&d->metadata_gone, true,
					 __ATOMIC_ACQ_REL))
			fused_log(LOG_ERR, "%s: the filesystem's metadata "
				  "(device offset %#" PRIx64 ") is gone "
				  "(SIGBUS: the device shrank or lost memory); "
				  "every access fails with EIO: unmount it",
				  d->device, off);
		say_lost(d, off);
		lost_tail(d);
		if (!poison_overlaps(d, off, len))
			poison_remember(d, off, len);
	}
	if (__atomic_load_n(&bus.overflow, __ATOMIC_ACQUIRE) &&
	    !__atomic_exchange_n(&d->metadata_gone, true, __ATOMIC_ACQ_REL))
		fused_log(LOG_ERR, "%s: too much device memory is gone "
			  "(SIGBUS) to track; every access fails with EIO: "
			  "unmount it", d->device);
	pthread_mutex_unlock(&drain_lock);
}

uint64_t sigbus_mark(void)
{
	return thread_faults;
}

bool sigbus_since(struct fused *d, uint64_t mark)
{
	sigbus_poll(d);
	return thread_faults != mark;
}

void sigbus_copy_refused(struct fused *d, const void *p, uint64_t len,
			 const char *what)
{
	static bool said;

	if (__atomic_exchange_n(&said, true, __ATOMIC_ACQ_REL))
		return;
	fused_log(LOG_ERR, "%s: device memory refused the kernel's copy of a "
		  "%s at device offset %#" PRIx64 " (+%#" PRIx64 "): lost or "
		  "poisoned; requests touching it fail with EIO", d->device,
		  what, (uint64_t)((const uint8_t *)p - bus.base), len);
}

void sigbus_poll(struct fused *d)
{
	static uint64_t drained;	/* faults seen by the last drain */
	uint64_t now = __atomic_load_n(&bus.faults, __ATOMIC_ACQUIRE);

	if (now == __atomic_load_n(&drained, __ATOMIC_ACQUIRE))
		return;
	drain(d);
	__atomic_store_n(&drained, now, __ATOMIC_RELEASE);
}
