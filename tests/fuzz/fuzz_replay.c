// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for a client's incremental replay: the log grows
 * under a live namespace, as it does under famfs_fused on a client.
 *
 * The input is a structure-aware program (fuzz_common.h) whose publish
 * operations move the tail: after each one the client catches up
 * (famfs_fs_refresh, as the housekeeping tick does) and serves lookups,
 * listings and mappings from what it has. A publish may also rewrite
 * entries the client already replayed, or move the tail backwards, as a
 * hostile or reformatting master would. After every catch-up no two
 * files overlap and every applied entry passes the independent checks;
 * at the end, when nothing already replayed was rewritten and no entry
 * was damaged, a fresh full replay gives the same namespace.
 */
#include "fuzz_common.h"

static struct famfs_fs *client;
static struct famfs_report client_rep;

static void catch_up(void)
{
	int rc = famfs_fs_refresh(client, &client_rep, false, check_applied,
				  NULL);

	fuzz_assert(rc >= 0 || rc == -ESTALE || rc == -EBADMSG,
		    "refresh failed: %d", rc);
	check_namespace(client);
	fuzz_exercise(client);
}

static void publish(struct model *m, uint8_t how)
{
	switch (how % 8) {
	case 0:		/* the tail moves backwards, then forwards again */
		if (m->published >= 8) {
			fuzz_set_tail(m->published - 8);
			catch_up();
			fuzz_set_tail(m->published);
			catch_up();
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
	default:
		break;
	}
	m->published = m->used;
	fuzz_set_tail(m->published);
	catch_up();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	static struct model m;
	struct fuzz_input in = { data, size };
	struct famfs_report rep = { 0 };
	struct famfs_fs *full;
	uint64_t incremental;

	if (!ready) {
		fuzz_setup();
		ready = true;
	}
	fuzz_clear();
	fuzz_set_tail(0);
	memset(&client_rep, 0, sizeof(client_rep));
	client = fuzz_mount(&client_rep);
	model_init(&m);
	fuzz_dirty = fuzz_build(&in, &m, publish);
	publish(&m, 2);		/* whatever is left */
	incremental = check_namespace(client);

	full = fuzz_mount(&rep);
	if (!m.rewrote && !client->log_damage && !full->log_damage)
		fuzz_assert(check_namespace(full) == incremental,
			    "incremental and full replay differ");
	famfs_fs_close(full);
	famfs_fs_close(client);
	return 0;
}
