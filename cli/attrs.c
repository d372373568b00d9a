// SPDX-License-Identifier: Apache-2.0
/*
 * Attributes of a famfs node as the log knows them, as text and as the
 * one JSON object shape that stat and ls share (so scripts parse one).
 */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <time.h>

#include "cli.h"

const char *cli_node_state_name(enum famfs_node_state s)
{
	switch (s) {
	case FAMFS_NODE_COMMITTED:
		return "committed";
	case FAMFS_NODE_PENDING:
		return "pending";
	default:
		return "gone";
	}
}

static struct json_object *json_u64(uint64_t v)
{
	return json_object_new_int64((int64_t)v);
}

struct json_object *cli_stat_json(const char *path, const char *device,
				  const struct famfs_stat *st)
{
	struct json_object *o = json_object_new_object();
	struct json_object *il = NULL;
	char mode[8];

	snprintf(mode, sizeof(mode), "%04o", st->mode & 07777);
	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "device", json_object_new_string(device));
	json_object_object_add(o, "type", json_object_new_string(
		st->type == FAMFS_NODE_DIR ? "directory" : "file"));
	json_object_object_add(o, "state",
			       json_object_new_string(cli_node_state_name(st->state)));
	json_object_object_add(o, "ino", json_u64(st->ino));
	json_object_object_add(o, "mode", json_object_new_string(mode));
	json_object_object_add(o, "uid", json_u64(st->uid));
	json_object_object_add(o, "gid", json_u64(st->gid));
	json_object_object_add(o, "nlink", json_u64(st->nlink));
	json_object_object_add(o, "size", json_u64(st->size));
	json_object_object_add(o, "allocated", json_u64(st->allocated));
	/* seconds as before; the log's nanoseconds beside them */
	json_object_object_add(o, "time", json_u64(st->time / 1000000000));
	json_object_object_add(o, "time_ns", json_u64(st->time));
	json_object_object_add(o, "extents", json_u64(st->nextents));
	if (st->interleave.nstrips) {
		il = json_object_new_object();
		json_object_object_add(il, "nstrips",
				       json_u64(st->interleave.nstrips));
		json_object_object_add(il, "nbuckets",
				       json_u64(st->interleave.nbuckets));
		json_object_object_add(il, "chunk_size",
				       json_u64(st->interleave.chunk_size));
	}
	json_object_object_add(o, "interleave", il);
	return o;
}

void cli_stat_print(const char *path, const struct famfs_stat *st)
{
	char when[64] = "?";
	time_t t = (time_t)(st->time / 1000000000);
	struct tm tm;

	if (localtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %z", &tm);
	printf("  File: %s\n", path);
	printf("  Type: %-10s State: %-10s Inode: %" PRIu64 "\n",
	       st->type == FAMFS_NODE_DIR ? "directory" : "file",
	       cli_node_state_name(st->state), st->ino);
	printf("  Size: %-14" PRIu64 " Allocated: %-14" PRIu64
	       " Extents: %u\n", st->size, st->allocated, st->nextents);
	printf("  Mode: %04o  Uid: %u  Gid: %u  Links: %u\n",
	       st->mode & 07777, st->uid, st->gid, st->nlink);
	if (st->interleave.nstrips)
		printf("  Interleave: %u strips over %u buckets, chunk %"
		       PRIu64 "\n", st->interleave.nstrips,
		       st->interleave.nbuckets, st->interleave.chunk_size);
	printf("  Created: %s\n", when);
}
