// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for a client's incremental replay: the log grows
 * under a live namespace, as it does under famfs_fused on a client.
 *
 * The input is a structure-aware program (fuzz_common.h) whose publish
 * operations move the tail: after each one the client catches up
 * (famfs_fs_refresh, as the housekeeping tick does) and, when the
 * publish says so, serves lookups, listings and mappings from what it
 * has (always at the end). Entries come from two writers:
 * the builder writing raw (and hostile) entries, and a real master
 * appending through libfamfs (mkdir, files, pending files, attributes,
 * poison), which must first replay whatever the raw writer published.
 * A publish may also rewrite entries the client already replayed, or
 * move the tail backwards, as a hostile or reformatting master would.
 * After every catch-up no two files overlap and every applied entry
 * passes the independent checks; at the end, when nothing already
 * replayed was rewritten and no entry was damaged, a fresh full replay
 * gives the same namespace.
 */
/* the master zeroes what it allocates: a small device bounds the memory */
#define FUZZ_DEV_SIZE (64ULL << 20)
#include "fuzz_common.h"

static struct famfs_fs *client, *master;
static struct famfs_report client_rep;

/*
 * The client catches up; with @serve it then answers lookups, listings
 * and mappings (the input chooses: serving costs more than the replay,
 * and the client serves at the end of every input anyway).
 */
static void catch_up(bool serve)
{
	int rc = famfs_fs_refresh(client, &client_rep, false, check_applied,
				  NULL);

	fuzz_assert(rc >= 0 || rc == -ESTALE || rc == -EBADMSG,
		    "refresh failed: %d", rc);
	check_namespace(client);
	if (serve)
		fuzz_exercise(client);
}

static uint64_t ino_of(const char *path)
{
	struct famfs_stat st;

	return famfs_resolve(master, path, &st) ? 0 : st.ino;
}

/* One change made by the master through libfamfs; refusals are fine. */
static void master_op(struct model *m, struct fuzz_input *in)
{
	uint8_t op = take8(in), pick = take8(in);
	const char *parent = m->dirs[pick % m->ndirs];
	char path[FAMFS_PATH_MAX + 1], *name;
	struct famfs_interleave il = { 2, 2, FUZZ_UNIT };
	uint64_t dir = ino_of(parent);
	struct famfs_stat st;
	uint64_t size;
	int rc = -1;

	if (!make_path(in, parent, path) || !dir)
		return;
	name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	switch (op % 5) {
	case 0:
		rc = famfs_mkdir(master, dir, name, 0755, 0, 0, &st);
		if (!rc && m->ndirs < MODEL_MAX)
			strcpy(m->dirs[m->ndirs++], path);
		return;
	case 1:
		/*
		 * The master zeroes every byte of a new file, the cost of an
		 * input: mostly up to 64 KiB (packed pieces, odd tails), one
		 * in eight a unit or two give or take a page.
		 */
		size = take16(in);
		if ((op & 0x70) == 0x70)
			size = (1 + size % 2) * FUZZ_UNIT - 4096 +
			       take16(in) % 8192;
		rc = famfs_create_file(master, dir, name, 0644, 1, 2, size,
				       op & 0x80 ? &il : NULL, &st);
		break;
	case 2:
		if (m->nfiles)
			famfs_setattr(master, ino_of(m->files[pick % m->nfiles]),
				      take8(in) & 7, take16(in), 5, 6, NULL);
		return;
	case 3:
		famfs_mark_bad(master, FUZZ_DATA_AT +
					       (uint64_t)take32(in) % (64 * FUZZ_UNIT),
			       take16(in) + 1);
		return;
	default:
		/* a pending file: grown a little, then committed or dropped */
		rc = famfs_pending_create(master, dir, name, 0600, 0, 0, &st);
		if (rc)
			return;
		famfs_pending_resize(master, st.ino, take16(in));
		if (op & 0x80) {
			famfs_pending_abandon(master, st.ino);
			return;
		}
		rc = famfs_pending_commit(master, st.ino);
		break;
	}
	if (!rc && m->nfiles < MODEL_MAX)
		strcpy(m->files[m->nfiles++], path);
}

static void publish(struct model *m, struct fuzz_input *in)
{
	uint8_t how = take8(in);
	bool serve = how & 0x40;

	switch (how % 8) {
	case 0:		/* the tail moves backwards, then forwards again */
		if (m->published >= 8) {
			fuzz_set_tail(m->published - 8);
			catch_up(serve);
			fuzz_set_tail(m->published);
			catch_up(serve);
		}
		return;
	case 1:		/* an entry the client replayed is rewritten */
		if (m->nentries && m->published) {
			uint32_t at = m->at[how / 8 % m->nentries];

			if (at < m->published) {
				fuzz_entries()[at + ENT_HDR_SIZE] ^= 0x20;
				m->rewrote = true;
			}
		}
		break;
	case 2:
	case 3:
		/* the master appends after what the raw writer published */
		m->published = m->used;
		fuzz_set_tail(m->published);
		/* a master replays foreign entries before its own appends */
		famfs_fs_refresh(master, NULL, false, NULL, NULL);
		master_op(m, in);
		m->used = m->published = master->log_pos - LOG_HDR_SIZE;
		m->seq = master->last_seq;
		catch_up(serve);
		return;
	default:
		break;
	}
	m->published = m->used;
	fuzz_set_tail(m->published);
	catch_up(serve);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct model m;
	struct fuzz_input in = { data, size };
	struct famfs_report rep = { 0 };
	struct famfs_fs *full;
	uint64_t incremental;

	fuzz_begin();
	fuzz_set_tail(0);
	memset(&client_rep, 0, sizeof(client_rep));
	client = fuzz_mount(&client_rep);
	master = fuzz_master();
	model_init(&m);
	fuzz_dirty = fuzz_build(&in, &m, publish);
	{
		struct fuzz_input last = { (const uint8_t *)"\x07", 1 };

		publish(&m, &last);	/* whatever is left */
	}
	if (master->log_pos - LOG_HDR_SIZE > fuzz_dirty)
		fuzz_dirty = master->log_pos - LOG_HDR_SIZE;
	incremental = check_namespace(client);
	fuzz_exercise(client);

	full = fuzz_mount(&rep);
	if (!m.rewrote && !client->log_damage && !full->log_damage)
		fuzz_assert(check_namespace(full) == incremental,
			    "incremental and full replay differ");
	famfs_fs_close(full);
	famfs_fs_close(client);
	famfs_fs_close(master);
	return 0;
}
