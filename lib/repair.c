// SPDX-License-Identifier: Apache-2.0
/*
 * fsck --repair: put right what the device itself still knows. Each
 * superblock copy from the other, the log header from the superblock, the
 * tail word from the entry chain, unreadable bytes that end the log cut
 * off. Only on request (FAMFS_REPAIR_DROP) is anything that was once an
 * entry given up: refused entries and unreadable ones between intact
 * entries become dropped entries. Every change is reported.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* What replay skipped, in log order. */
struct problems {
	struct log_problem *list;
	size_t count, cap;
	bool lost;		/* out of memory: the list is incomplete */
};

static void note_problem(void *ctx, const struct log_problem *p)
{
	struct problems *pr = ctx;

	if (pr->count == pr->cap) {
		size_t cap = pr->cap ? pr->cap * 2 : 16;
		struct log_problem *l = realloc(pr->list, cap * sizeof(*l));

		if (!l) {
			pr->lost = true;
			return;
		}
		pr->list = l;
		pr->cap = cap;
	}
	pr->list[pr->count++] = *p;
}

static bool sb_usable(const struct famfs_dev *dev, uint64_t off)
{
	struct famfs_sb_info sb;
	const char *why;

	famfs_invalidate(dev->base + off, SB_SIZE);
	return famfs_sb_decode(dev->base + off, dev->size - off, &sb, &why) ==
		       0 &&
	       sb.device_size <= dev->size;
}

/* Each superblock copy from the other; the primary wins a disagreement. */
static int repair_superblocks(struct famfs_dev *dev, struct famfs_report *rep)
{
	uint8_t *primary = dev->base + FAMFS_SB_OFFSET;
	uint8_t *backup = dev->base + FAMFS_SB_BACKUP_OFFSET;
	bool primary_ok, backup_ok;

	if (dev->size < FAMFS_SB_BACKUP_OFFSET + SB_SIZE)
		return 0;
	primary_ok = sb_usable(dev, FAMFS_SB_OFFSET);
	backup_ok = sb_usable(dev, FAMFS_SB_BACKUP_OFFSET);
	if (primary_ok && (!backup_ok || memcmp(primary, backup, SB_SIZE))) {
		memcpy(backup, primary, SB_SIZE);
		famfs_flush(backup, SB_SIZE);
		report(rep, FAMFS_INFO, "backup superblock rewritten from the "
		       "primary");
		return 1;
	}
	if (!primary_ok && backup_ok) {
		memcpy(primary, backup, SB_SIZE);
		famfs_flush(primary, SB_SIZE);
		report(rep, FAMFS_INFO, "primary superblock restored from the "
		       "backup");
		return 1;
	}
	return 0;
}

/*
 * Unreadable bytes between intact entries: dropped entries in their place
 * carry the sequence numbers lost with them, so the chain reads whole.
 */
static int drop_unreadable(struct famfs_fs *fs, const struct log_problem *p,
			   uint64_t tail, struct famfs_report *rep)
{
	uint64_t next = p->pos + p->len, missing = 0, seq;
	const char *why;
	uint32_t len;

	if (log_entry_decode(&fs->coding, fs->log + next, tail - next,
			     &fs->scratch, &len, &why) != LOG_ENTRY_TORN &&
	    fs->scratch.rec.seq > p->seq)
		missing = fs->scratch.rec.seq - p->seq - 1;
	if (!missing || p->len / ENT_HDR_SIZE < missing) {
		report(rep, FAMFS_ERROR, "log: %" PRIu64 " unreadable bytes at "
		       "offset %" PRIu64 " cannot be dropped: they do not "
		       "stand for the missing entries; left as they are",
		       p->len, p->pos);
		return 0;
	}
	for (seq = p->seq + 1; seq <= p->seq + missing; seq++) {
		struct famfs_log_record r = {
			.type = FAMFS_LOG_DROPPED, .seq = seq,
			.time = log_now(&fs->coding),
		};
		uint64_t at = p->pos + (seq - p->seq - 1) * ENT_HDR_SIZE;
		/* the last one covers what is left */
		uint64_t n = seq == p->seq + missing ? next - at : ENT_HDR_SIZE;

		memset(fs->log + at, 0, n);
		log_record_encode(&fs->coding, &r, fs->log + at, n);
	}
	famfs_flush(fs->log + p->pos, p->len);
	report(rep, FAMFS_INFO, "log: %" PRIu64 " unreadable bytes at offset %"
	       PRIu64 " dropped (entries %" PRIu64 " to %" PRIu64 " are lost)",
	       p->len, p->pos, p->seq + 1, p->seq + missing);
	return 1;
}

static int repair_log(struct famfs_fs *fs, unsigned int flags,
		      const struct problems *pr, struct famfs_report *rep)
{
	uint64_t tail = fs->tail;
	int fixed = 0;

	if (fs->header_damaged) {
		log_write_header(fs->log, &fs->sb);
		report(rep, FAMFS_INFO, "log header rewritten from the "
		       "superblock");
		fixed++;
	}
	for (size_t i = 0; i < pr->count; i++) {
		const struct log_problem *p = &pr->list[i];

		switch (p->kind) {
		case LOG_PROBLEM_TORN:
			if (p->pos + p->len >= tail) {
				/* nothing intact after them: never committed */
				report(rep, FAMFS_INFO, "log: %" PRIu64
				       " unreadable bytes end the log; tail "
				       "cut back to %" PRIu64, tail - p->pos,
				       p->pos);
				tail = p->pos;
				fixed++;
			} else if (flags & FAMFS_REPAIR_DROP) {
				fixed += drop_unreadable(fs, p, tail, rep);
			}
			break;
		case LOG_PROBLEM_BAD:
		case LOG_PROBLEM_REFUSED:
			if (!(flags & FAMFS_REPAIR_DROP))
				break;
			log_entry_drop(&fs->coding, fs->log + p->pos);
			famfs_flush(fs->log + p->pos, p->len);
			report(rep, FAMFS_INFO, "log entry %" PRIu64 " at offset %"
			       PRIu64 " dropped", p->seq, p->pos);
			fixed++;
			break;
		case LOG_PROBLEM_STALE:
			/* its number is at fault: a dropped entry keeps it */
			break;
		}
	}
	if (tail != fs->tail) {
		log_publish_tail(fs, tail);	/* the cut, said above */
	} else if (fs->tail_rebuilt) {
		log_publish_tail(fs, tail);
		report(rep, FAMFS_INFO, "log tail word rewritten: %" PRIu64,
		       tail);
		fixed++;
	}
	return fixed;
}

int famfs_fsck_repair(struct famfs_dev *dev, unsigned int flags,
		      struct famfs_report *rep)
{
	struct problems pr = { 0 };
	struct famfs_report quiet = { 0 };
	struct famfs_fs *fs;
	int fixed, rc;

	if (!dev->writable)
		return -EROFS;
	/* a master on this host holds it while it may append */
	rc = famfs_dev_trylock(dev);
	if (rc)
		return rc == -EWOULDBLOCK ? -EBUSY : rc;
	fixed = repair_superblocks(dev, rep);
	rc = fs_attach(dev, false, FAMFS_OPEN_RDONLY | FS_ATTACH_SB_QUIET |
				   FS_ATTACH_NO_REPLAY, &quiet, &fs);
	if (rc) {
		/* nothing more to do from here: fsck says what is left */
		famfs_dev_unlock(dev);
		return rc == -EBADMSG || rc == -EINVAL || rc == -ENOENT ?
			       fixed : rc;
	}
	fs->problem = note_problem;
	fs->problem_ctx = &pr;
	rc = log_replay(fs, log_tail(fs, &quiet), &quiet, false, NULL, NULL);
	if (rc >= 0 && pr.lost)
		rc = -ENOMEM;
	if (rc >= 0)
		fixed += repair_log(fs, flags, &pr, rep);
	free(pr.list);
	famfs_fs_close(fs);
	famfs_dev_unlock(dev);
	return rc < 0 ? rc : fixed;
}
