// SPDX-License-Identifier: Apache-2.0
/*
 * Cache maintenance order of the log, on a simulated non-coherent device.
 * Built with -Wl,--wrap of famfs_flush and famfs_invalidate, so every
 * call libfamfs makes comes here first.
 *
 * Writer side: "the device" is a shadow copy of the log that only sees
 * bytes when a flush writes their cache lines back. A cache line may be
 * evicted at any moment, so the moment the master stores a new tail it
 * is published: from then on (checked at every later flush and at the
 * end) each byte below the tail the master's caches hold must already be
 * on the device, and the tail itself must reach it.
 *
 * Reader side: the client's view of the log is made unreadable
 * (PROT_NONE) except for the pages it invalidated; a read anywhere else
 * faults, is counted as a read of possibly stale memory, and then allowed.
 */
#include <signal.h>
#include <sys/mman.h>

#include "tap.h"

#define CACHELINE 64

void __real_famfs_flush(const void *addr, size_t len);
void __real_famfs_invalidate(const void *addr, size_t len);

static struct {
	const uint8_t *log;	/* the master's mapping of the log */
	uint8_t *device;	/* what has been written back */
	uint64_t log_len;
	unsigned long violations;
	uint64_t first_bad;
} writer;

static struct {
	uint8_t *log;		/* the client's mapping of the log */
	uint64_t log_len;
	unsigned long stale_reads;
	long page;
} reader;

/* Every byte below the tail the CPU holds must be on the device. */
static void check_published(void)
{
	/* the tail is the low half of the word in both format versions */
	uint64_t tail = (uint32_t)get_le64(writer.log + LOG_OFF_TAIL);

	if (tail > writer.log_len)
		tail = writer.log_len;
	for (uint64_t i = LOG_HDR_SIZE; i < tail; i++) {
		if (writer.device[i] != writer.log[i]) {
			if (!writer.violations++)
				writer.first_bad = i;
			return;
		}
	}
}

void __wrap_famfs_flush(const void *addr, size_t len)
{
	const uint8_t *p = addr;

	if (writer.device && p >= writer.log &&
	    p < writer.log + writer.log_len) {
		uint64_t start = (uint64_t)(p - writer.log) & ~(CACHELINE - 1ULL);
		uint64_t end = (uint64_t)(p - writer.log) + len;

		check_published();
		if (len) {
			end = (end + CACHELINE - 1) & ~(CACHELINE - 1ULL);
			if (end > writer.log_len)
				end = writer.log_len;
			memcpy(writer.device + start, writer.log + start,
			       end - start);
		}
	}
	__real_famfs_flush(addr, len);
}

void __wrap_famfs_invalidate(const void *addr, size_t len)
{
	uint8_t *p = (uint8_t *)addr;

	if (reader.log && p >= reader.log && p < reader.log + reader.log_len &&
	    len) {
		uintptr_t start = (uintptr_t)p & ~(uintptr_t)(reader.page - 1);
		uintptr_t end = ((uintptr_t)p + len + reader.page - 1) &
				~(uintptr_t)(reader.page - 1);

		mprotect((void *)start, end - start, PROT_READ);
	}
	__real_famfs_invalidate(addr, len);
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	uint8_t *a = si->si_addr;

	(void)uc;
	if (!reader.log || a < reader.log || a >= reader.log + reader.log_len) {
		signal(sig, SIG_DFL);	/* a real crash: let it happen */
		return;
	}
	reader.stale_reads++;
	mprotect((void *)((uintptr_t)a & ~(uintptr_t)(reader.page - 1)),
		 (size_t)reader.page, PROT_READ);
}

static void start_writer(struct famfs_fs *fs)
{
	writer.log = famfs_fs_ptr(fs, SB_LOG_OFFSET);
	writer.log_len = famfs_fs_sb(fs)->log_len;
	writer.device = malloc(writer.log_len);
	memcpy(writer.device, writer.log, writer.log_len);
	writer.violations = 0;
}

static void stop_writer(void)
{
	free(writer.device);
	writer.device = NULL;
}

/* The client may read nothing of its log it has not invalidated. */
static void hide_client_log(struct famfs_fs *client)
{
	reader.log = famfs_fs_ptr(client, SB_LOG_OFFSET);
	reader.log_len = famfs_fs_sb(client)->log_len;
	mprotect(reader.log, reader.log_len, PROT_NONE);
}

static void show_client_log(void)
{
	mprotect(reader.log, reader.log_len, PROT_READ);
	reader.log = NULL;
}

int main(void)
{
	char *dev = make_famfs("order", 64 * MiB, 0);
	struct sigaction sa = { .sa_sigaction = on_fault,
				.sa_flags = SA_SIGINFO };
	struct famfs_fs *fs, *client;
	struct famfs_stat st, d;
	char name[32];
	int rc = 0;

	reader.page = sysconf(_SC_PAGESIZE);
	sigaction(SIGSEGV, &sa, NULL);
	be_master();
	CHECK_RC(famfs_fs_open(dev, FAMFS_OPEN_RDWR, NULL, &fs), 0,
		 "master opens");
	be_client();
	CHECK_RC(famfs_fs_open(dev, FAMFS_OPEN_RDONLY, NULL, &client), 0,
		 "client opens");
	be_master();

	start_writer(fs);
	rc |= famfs_mkdir(fs, FAMFS_ROOT_INO, "d", 0755, 0, 0, &d);
	rc |= famfs_create_file(fs, d.ino, "f", 0644, 0, 0, 3 * MiB, NULL,
				&st);
	rc |= famfs_setattr(fs, st.ino, FAMFS_SETATTR_MODE, 0600, 0, 0, NULL);
	/* enough entries to cross several cache lines and a page */
	for (int i = 0; i < 100 && !rc; i++) {
		snprintf(name, sizeof(name), "dir-%03d", i);
		rc = famfs_mkdir(fs, d.ino, name, 0755, 0, 0, NULL);
	}
	/*
	 * committed pending files take the group-commit path: written
	 * deferred, published through log_publish_through()
	 */
	for (int i = 0; i < 10 && !rc; i++) {
		struct famfs_stat pst;

		snprintf(name, sizeof(name), "file-%02d", i);
		rc = famfs_pending_create(fs, d.ino, name, 0644, 0, 0, &pst);
		rc = rc ? rc : famfs_pending_prepare_write(fs, pst.ino, 0,
							   1000 * (i + 1));
		rc = rc ? rc : famfs_pending_commit(fs, pst.ino);
	}
	check_published();
	CHECK(rc == 0, "113 appends (10 of them commits)");
	CHECK(writer.violations == 0,
	      "every entry reached the device before a tail covering it was "
	      "stored (%lu violations, first at log offset %" PRIu64 ")",
	      writer.violations, writer.first_bad);
	CHECK(get_le64(writer.device + LOG_OFF_TAIL) ==
		      get_le64(writer.log + LOG_OFF_TAIL),
	      "the last tail itself was written back");
	stop_writer();

	hide_client_log(client);
	CHECK_RC(famfs_fs_refresh(client, NULL, false, NULL, NULL), 113,
		 "the client catches up with 113 entries");
	CHECK(reader.stale_reads == 0,
	      "the client read only log memory it had invalidated first "
	      "(%lu pages read stale)", reader.stale_reads);
	show_client_log();
	CHECK_RC(famfs_resolve(client, "d/dir-099", &st), 0,
		 "and sees the last directory");
	CHECK(famfs_resolve(client, "d/file-09", &st) == 0 &&
		      st.size == 10000,
	      "and the last committed file, with its size");

	famfs_fs_close(client);
	famfs_fs_close(fs);
	unlink(dev);
	return tap_done();
}
