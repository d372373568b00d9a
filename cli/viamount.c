// SPDX-License-Identifier: Apache-2.0
/*
 * Queries answered through the mount, for a user who may read a file
 * through it but not the device behind it (a root-only device node):
 * stat(2) gives the attributes, famfs_fused's FAMFS_IOC_LAYOUT on the
 * opened file gives its state and extents (file-order runs), and
 * .meta/.status the log's health. What the user may not open is
 * "permission denied", never "not a famfs file".
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "direct.h"

bool cli_device_denied(int err)
{
	return err == -EACCES || err == -EPERM;
}

/* The file's runs from its daemon; 0, -EBUSY (pending) or -errno. */
static int layout_of(const char *path, struct direct_layout *l)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int rc;

	if (fd < 0)
		return -errno;
	rc = direct_layout_get(fd, l);
	close(fd);
	return rc;
}

int cli_mount_stat(const char *path, struct famfs_stat *st)
{
	struct direct_layout l;
	struct stat sb;
	int rc;

	if (lstat(path, &sb))
		return -errno;
	memset(st, 0, sizeof(*st));
	st->ino = (uint64_t)sb.st_ino;
	st->mode = sb.st_mode & 07777;
	st->uid = sb.st_uid;
	st->gid = sb.st_gid;
	st->nlink = (uint32_t)sb.st_nlink;
	st->size = (uint64_t)sb.st_size;
	st->time = (uint64_t)sb.st_mtim.tv_sec;
	st->state = FAMFS_NODE_COMMITTED;
	if (S_ISDIR(sb.st_mode)) {
		st->type = FAMFS_NODE_DIR;
		return 0;
	}
	if (S_ISLNK(sb.st_mode)) {
		st->type = FAMFS_NODE_SYMLINK;
		return 0;
	}
	if (!S_ISREG(sb.st_mode))
		return -EINVAL;
	st->type = FAMFS_NODE_FILE;
	rc = layout_of(path, &l);
	switch (rc) {
	case 0:
		st->nextents = l.nruns;
		st->allocated = l.mapped;
		direct_layout_free(&l);
		return 0;
	case -ENODATA:		/* committed empty */
		return 0;
	case -EBUSY:
		st->state = FAMFS_NODE_PENDING;
		st->allocated = (uint64_t)sb.st_blocks * 512;
		return 0;
	default:
		return rc;
	}
}

int cli_mount_extents(const char *path, struct famfs_extent **ext,
		      uint64_t *size)
{
	struct direct_layout l;
	int rc = layout_of(path, &l), n;

	*ext = NULL;
	if (rc == -ENODATA) {
		*size = 0;
		return 0;
	}
	if (rc)
		return rc;
	*size = l.size;
	*ext = l.runs;		/* handed over: the caller frees it */
	n = (int)l.nruns;
	l.runs = NULL;
	direct_layout_free(&l);
	return n;
}

int cli_fsck_via_mount(const char *arg, bool json, bool human)
{
	struct famfs_mount_info mi;
	struct json_object *o, *out;
	uint64_t errors;
	char a[32], b[32];
	int rc, status;

	rc = cli_status_read(arg, &mi, &o);
	if (rc) {
		cli_error(arg, "cannot read the device, nor ask famfs_fused: %s",
			  cli_strerror(rc));
		return 8;
	}
	errors = cli_status_u64(o, "log", "replay_errors");
	status = errors ? 4 : 0;
	if (json) {
		out = json_object_new_object();
		json_object_object_add(out, "device",
				       json_object_new_string(mi.device));
		json_object_object_add(out, "mountpoint",
				       json_object_new_string(mi.mountpoint));
		json_object_object_add(out, "checked_by",
				       json_object_new_string("famfs_fused"));
		json_object_object_add(out, "clean",
				       json_object_new_boolean(!status));
		json_object_object_add(out, "status",
				       json_object_new_int(status));
		json_object_object_add(out, "errors",
				       json_object_new_int64((int64_t)errors));
		json_object_object_add(out, "files", json_object_new_int64(
			(int64_t)cli_status_u64(o, "files", "total")));
		json_object_object_add(out, "directories", json_object_new_int64(
			(int64_t)cli_status_u64(o, "files", "directories")));
		json_object_object_add(out, "log_len", json_object_new_int64(
			(int64_t)cli_status_u64(o, "log", "length")));
		json_object_object_add(out, "log_used", json_object_new_int64(
			(int64_t)cli_status_u64(o, "log", "used")));
		json_object_object_add(out, "log_entries", json_object_new_int64(
			(int64_t)cli_status_u64(o, "log", "entries")));
		json_object_object_add(out, "poisoned_ranges",
			json_object_new_int64((int64_t)cli_status_u64(o, "poisoned",
								  "ranges")));
		printf("%s\n", json_object_to_json_string_ext(out,
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(out);
	} else {
		printf("%s: %s (checked by famfs_fused: %s is not readable "
		       "here)\n", mi.mountpoint, status ? "ERRORS FOUND" :
		       "clean", mi.device);
		printf("  replay errors: %" PRIu64 "\n", errors);
		printf("  files:       %" PRIu64 "\n",
		       cli_status_u64(o, "files", "total"));
		printf("  directories: %" PRIu64 "\n",
		       cli_status_u64(o, "files", "directories"));
		if (human) {
			famfs_format_size(cli_status_u64(o, "log", "used"), a,
					  sizeof(a));
			famfs_format_size(cli_status_u64(o, "log", "length"), b,
					  sizeof(b));
		} else {
			snprintf(a, sizeof(a), "%" PRIu64,
				 cli_status_u64(o, "log", "used"));
			snprintf(b, sizeof(b), "%" PRIu64,
				 cli_status_u64(o, "log", "length"));
		}
		printf("  log:         %" PRIu64 " entries, %s used of %s\n",
		       cli_status_u64(o, "log", "entries"), a, b);
	}
	json_object_put(o);
	return status;
}
