// SPDX-License-Identifier: Apache-2.0
/*
 * famfs status [--json] MOUNTPOINT
 * What the daemon serving a mount is doing: role, data path, log
 * position and lag, replay errors, poison, open and pending files,
 * request counters. famfs_fused writes it as JSON into .meta/.status
 * when read, so any user who can read the mount can ask; no socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define STATUS_MAX (1 << 20)	/* far more than the daemon ever writes */

static void status_usage(FILE *out)
{
	fprintf(out,
		"usage: famfs status [--json] MOUNTPOINT\n"
		"  -j, --json  print the daemon's JSON object\n"
		"  -h, --help  this help\n"
		"MOUNTPOINT may be any path in the mount.\n");
}

int cli_status_read(const char *path, struct famfs_mount_info *mi,
		    struct json_object **out)
{
	char file[PATH_MAX], *buf;
	ssize_t n, len = 0;
	int fd, rc;

	mi->mountpoint[0] = '\0';
	rc = famfs_mount_of_path(path, mi);
	if (rc)
		return rc;
	if ((size_t)snprintf(file, sizeof(file), "%s/%s/.status",
			     mi->mountpoint, FAMFS_META_DIR) >= sizeof(file))
		return -ENAMETOOLONG;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(STATUS_MAX + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len < STATUS_MAX &&
	       (n = read(fd, buf + len, STATUS_MAX - (size_t)len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	*out = rc ? NULL : json_tokener_parse(buf);
	free(buf);
	if (!rc && !*out)
		rc = -EBADMSG;
	return rc;
}

uint64_t cli_status_u64(struct json_object *o, const char *key,
			const char *sub)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (sub && !json_object_object_get_ex(v, sub, &v))
		return 0;
	return (uint64_t)json_object_get_int64(v);
}

static const char *get_str(struct json_object *o, const char *a,
			   const char *b)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, a, &v))
		return NULL;
	if (b && !json_object_object_get_ex(v, b, &v))
		return NULL;
	return json_object_is_type(v, json_type_string) ?
	       json_object_get_string(v) : NULL;
}

/* A field that is always there; "?" keeps printf from a NULL. */
static const char *get_text(struct json_object *o, const char *a)
{
	const char *s = get_str(o, a, NULL);

	return s ? s : "?";
}

static bool get_bool(struct json_object *o, const char *a, const char *b)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, a, &v))
		return false;
	if (b && !json_object_object_get_ex(v, b, &v))
		return false;
	return json_object_get_boolean(v);
}

static const char *size_text(uint64_t v, char *buf, size_t len)
{
	famfs_format_size(v, buf, len);
	return buf;
}

static void print_status(const struct famfs_mount_info *mi,
			 struct json_object *o)
{
	const char *why = get_str(o, "read_only_reason", NULL);
	const char *stopped = get_str(o, "stopped_reason", NULL);
	const char *pt_why = get_str(o, "passthrough_off_reason", NULL);
	const char *poison_why = get_str(o, "poisoned", "routing_off_reason");
	char a[32], b[32], c[32];

	printf("%s: famfs %s, %s\n", mi->mountpoint, get_text(o, "mode"),
	       stopped ? "STOPPED" : why ? "read-only" : "serving");
	if (stopped)
		printf("  stopped:    %s\n", stopped);
	if (why)
		printf("  read-only:  %s\n", why);
	printf("  device:     %s (famfs_fused pid %" PRIu64 ", format %" PRIu64
	       ")\n", get_text(o, "device"), cli_status_u64(o, "pid", NULL),
	       cli_status_u64(o, "format_version", NULL));
	printf("  fs uuid:    %s\n", get_text(o, "fs_uuid"));
	printf("  host uuid:  %s\n", get_text(o, "system_uuid"));
	if (get_bool(o, "passthrough", NULL))
		printf("  data path:  passthrough\n");
	else
		printf("  data path:  %s%s%s%s\n",
		       get_bool(o, "direct_io", NULL) ? "direct_io" :
							"page cache",
		       pt_why ? " (passthrough off: " : "",
		       pt_why ? pt_why : "", pt_why ? ")" : "");
	printf("  log:        %" PRIu64 " entries, %s of %s used, %" PRIu64
	       " behind the device, %" PRIu64 " replay errors\n",
	       cli_status_u64(o, "log", "entries"),
	       size_text(cli_status_u64(o, "log", "used"), a, sizeof(a)),
	       size_text(cli_status_u64(o, "log", "length"), b, sizeof(b)),
	       cli_status_u64(o, "log", "lag_entries"),
	       cli_status_u64(o, "log", "replay_errors"));
	printf("  poison:     %" PRIu64 " ranges, %s; routing %s%s%s\n",
	       cli_status_u64(o, "poisoned", "ranges"),
	       size_text(cli_status_u64(o, "poisoned", "bytes"), a, sizeof(a)),
	       get_bool(o, "poisoned", "routing") ? "on" : "off",
	       poison_why ? ": " : "", poison_why ? poison_why : "");
	printf("  files:      %" PRIu64 " files, %" PRIu64 " directories; %"
	       PRIu64 " open, %" PRIu64 " pending\n",
	       cli_status_u64(o, "files", "total"), cli_status_u64(o, "files", "directories"),
	       cli_status_u64(o, "files", "open"), cli_status_u64(o, "files", "pending"));
	printf("  space:      %s used, %s free of %s\n",
	       size_text(cli_status_u64(o, "space", "used"), a, sizeof(a)),
	       size_text(cli_status_u64(o, "space", "free"), b, sizeof(b)),
	       size_text(cli_status_u64(o, "space", "total"), c, sizeof(c)));
	printf("  requests:   %" PRIu64 " reads (%s), %" PRIu64
	       " writes (%s); opens: %" PRIu64 " by the daemon, %" PRIu64
	       " passed through\n",
	       cli_status_u64(o, "requests", "read_requests"),
	       size_text(cli_status_u64(o, "requests", "read_bytes"), a, sizeof(a)),
	       cli_status_u64(o, "requests", "write_requests"),
	       size_text(cli_status_u64(o, "requests", "write_bytes"), b, sizeof(b)),
	       cli_status_u64(o, "requests", "opens_daemon"),
	       cli_status_u64(o, "requests", "opens_passthrough"));
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct famfs_mount_info mi;
	struct json_object *o;
	bool json = false;
	int c, rc;

	while ((c = cli_getopt(argc, argv, "jh", opts)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			status_usage(stdout);
			return 0;
		default:
			status_usage(stderr);
			return 2;
		}
	}
	if (cli_operands(argc, argv, 1, 1, "MOUNTPOINT")) {
		status_usage(stderr);
		return 2;
	}
	rc = cli_status_read(argv[optind], &mi, &o);
	if (rc) {
		if (!mi.mountpoint[0])
			cli_error(argv[optind], "%s", rc == -ENOENT ?
				  "not in a famfs mount" : cli_strerror(rc));
		else if (rc == -ENOENT || rc == -EBADMSG)
			cli_error(mi.mountpoint, "its famfs_fused gives no "
				  "status (an older daemon?)");
		else
			cli_error(argv[optind], "%s", cli_strerror(rc));
		return 1;
	}
	if (json)
		printf("%s\n", json_object_to_json_string_ext(o,
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		print_status(&mi, o);
	json_object_put(o);
	return 0;
}
