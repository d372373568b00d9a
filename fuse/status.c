// SPDX-License-Identifier: Apache-2.0
/*
 * .meta/.status: what this daemon is doing, as one JSON object generated
 * on each read, for `famfs status` and for operators. Any user who can
 * read the mount can read it: it names no file, so it leaks nothing that
 * the .meta permissions protect. Field names are documented in
 * famfs_fused(8) and kept stable for scripts.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "famfs_fused.h"
#include "famfs_ioctl.h"

static struct json_object *json_u64(uint64_t v)
{
	return json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

static struct json_object *json_str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static void count_entry(void *ctx, const struct famfs_log_record *r)
{
	(void)r;
	(*(uint64_t *)ctx)++;
}

/* Entries on the device this daemon has not replayed yet (a client's lag). */
static uint64_t log_lag(struct fused *d)
{
	struct famfs_report quiet = { 0 };
	uint64_t lag = 0;

	if (d->master || !famfs_fs_log_moved(d->fs))
		return 0;
	pthread_mutex_lock(&d->refresh_lock);
	famfs_fs_refresh(d->fs, &quiet, true, count_entry, &lag);
	pthread_mutex_unlock(&d->refresh_lock);
	return lag;
}

static struct json_object *log_json(struct fused *d,
				    const struct famfs_usage *u)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "length", json_u64(u->log_len));
	json_object_object_add(o, "used", json_u64(u->log_used));
	json_object_object_add(o, "reserved", json_u64(u->log_reserved));
	json_object_object_add(o, "entries", json_u64(u->log_entries));
	json_object_object_add(o, "lag_entries", json_u64(log_lag(d)));
	json_object_object_add(o, "replay_errors", json_u64(d->rep.nerrors));
	json_object_object_add(o, "replay_warnings",
			       json_u64(d->rep.nwarnings));
	return o;
}

static struct json_object *poison_json(struct fused *d)
{
	struct json_object *o = json_object_new_object();
	uint64_t bytes = 0;
	size_t ranges;

	pthread_mutex_lock(&d->poison_lock);
	ranges = d->poison_count;
	for (size_t i = 0; i < ranges; i++)
		bytes += d->poison[i].len;
	pthread_mutex_unlock(&d->poison_lock);
	json_object_object_add(o, "ranges", json_u64(ranges));
	json_object_object_add(o, "bytes", json_u64(bytes));
	json_object_object_add(o, "routing",
			       json_object_new_boolean(d->holder_fd >= 0));
	json_object_object_add(o, "routing_off_reason",
			       json_str_or_null(d->holder_fd >= 0 ? NULL :
						d->poison_off_reason));
	return o;
}

static struct json_object *files_json(struct fused *d,
				      const struct famfs_usage *u)
{
	struct json_object *o = json_object_new_object();
	uint64_t open = 0, pending = 0;

	pthread_mutex_lock(&d->lock);
	for (struct open_node *n = d->nodes; n; n = n->next) {
		if (n->handles)
			open++;
		if (n->pending)
			pending++;
	}
	pthread_mutex_unlock(&d->lock);
	json_object_object_add(o, "total", json_u64(u->nfiles));
	json_object_object_add(o, "directories", json_u64(u->ndirs));
	json_object_object_add(o, "open", json_u64(open));
	json_object_object_add(o, "pending", json_u64(pending));
	return o;
}

static struct json_object *space_json(const struct famfs_usage *u)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "total", json_u64(u->total_bytes));
	json_object_object_add(o, "used", json_u64(u->used_bytes));
	json_object_object_add(o, "free", json_u64(u->free_bytes));
	return o;
}

static struct json_object *requests_json(struct fused *d)
{
	struct json_object *o = json_object_new_object();
	struct fused_counters c;

	fused_counters_read(d, &c);
	json_object_object_add(o, "read_requests", json_u64(c.read_requests));
	json_object_object_add(o, "write_requests",
			       json_u64(c.write_requests));
	json_object_object_add(o, "read_bytes", json_u64(c.read_bytes));
	json_object_object_add(o, "write_bytes", json_u64(c.write_bytes));
	json_object_object_add(o, "opens_passthrough",
			       json_u64(c.opens_passthrough));
	json_object_object_add(o, "opens_daemon", json_u64(c.opens_daemon));
	json_object_object_add(o, "passthrough_views",
			       json_u64(c.passthrough_views));
	return o;
}

int status_text(struct fused *d, char **text, size_t *len)
{
	struct json_object *o = json_object_new_object();
	struct famfs_usage u;
	const char *json;
	char uuid[37];
	uint32_t why;

	if (!o)
		return -ENOMEM;
	famfs_fs_usage(d->fs, &u);
	json_object_object_add(o, "device", json_object_new_string(d->device));
	json_object_object_add(o, "mountpoint",
			       json_object_new_string(d->mountpoint));
	json_object_object_add(o, "pid", json_u64((uint64_t)getpid()));
	json_object_object_add(o, "mode", json_object_new_string(
		d->master ? "master" : "client"));
	json_object_object_add(o, "read_only_reason", json_str_or_null(
		d->master ? famfs_fs_readonly_reason(d->fs) : NULL));
	json_object_object_add(o, "stopped_reason",
			       json_str_or_null(fence_reason(d)));
	famfs_uuid_unparse(d->sb->fs_uuid, uuid);
	json_object_object_add(o, "fs_uuid", json_object_new_string(uuid));
	famfs_uuid_unparse(d->system_uuid, uuid);
	json_object_object_add(o, "system_uuid", json_object_new_string(uuid));
	json_object_object_add(o, "format_version", json_u64(d->sb->version));
	why = passthrough_mount_why(d);
	json_object_object_add(o, "passthrough",
			       json_object_new_boolean(why == FAMFS_WHY_NONE));
	json_object_object_add(o, "passthrough_off_reason", json_str_or_null(
		why == FAMFS_WHY_NONE ? NULL : famfs_why_text(why)));
	json_object_object_add(o, "direct_io",
			       json_object_new_boolean(d->opts.direct_io));
	json_object_object_add(o, "timeout",
			       json_object_new_double(fused_timeout(d)));
	json_object_object_add(o, "log", log_json(d, &u));
	json_object_object_add(o, "poisoned", poison_json(d));
	json_object_object_add(o, "files", files_json(d, &u));
	json_object_object_add(o, "space", space_json(&u));
	json_object_object_add(o, "requests", requests_json(d));
	json = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						 JSON_C_TO_STRING_NOSLASHESCAPE);
	*text = json ? malloc(strlen(json) + 2) : NULL;
	if (*text) {
		*len = strlen(json) + 1;
		memcpy(*text, json, *len - 1);
		(*text)[*len - 1] = '\n';
		(*text)[*len] = '\0';
	}
	json_object_put(o);
	return *text ? 0 : -ENOMEM;
}
