// SPDX-License-Identifier: Apache-2.0
/*
 * famfs fsck [-v] [-y|--repair [--drop] [--force]] [--json] DEVICE|MOUNTPOINT
 * Offline check of a device; given a mount, checks the device behind it.
 * Exit status as fsck(8); --json's "status" keeps the FAMFS_FSCK_* bits
 * of what is left (1 errors, 2 superblock, 4 log).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* fsck(8)'s exit codes */
#define FSCK_EXIT_CLEAN 0
#define FSCK_EXIT_CORRECTED 1
#define FSCK_EXIT_LEFT 4
#define FSCK_EXIT_OPERATIONAL 8
#define FSCK_EXIT_USAGE 16

static void fsck_usage(FILE *out)
{
	fprintf(out,
		"usage: famfs fsck [-v] [-y [--drop] [--force]] [--human] [--json]\n"
		"                  DEVICE|MOUNTPOINT\n"
		"  -v, --verbose  list every log entry\n"
		"  -y, --repair   repair what the device still knows: superblock\n"
		"                 copies, log header, tail word, a damaged log end\n"
		"      --drop     with --repair: drop (as type 11 entries) the log\n"
		"                 entries replay refuses or cannot read\n"
		"      --force    with --repair: even if the host table says other\n"
		"                 hosts have it mounted (they are gone)\n"
		"      --human    sizes in KiB/MiB/GiB\n"
		"      --json     print the summary as JSON\n"
		"  -h, --help     this help\n"
		"  -m, --mmap, -r, --read, --fuse\n"
		"                 accepted for upstream famfs (no effect)\n"
		"exit status as fsck(8): 0 clean, 1 errors corrected, 4 errors left,\n"
		"8 operational error, 16 usage\n");
}

static const char *kind_name(enum famfs_log_type type)
{
	static const char *const names[] = {
		[FAMFS_LOG_MKDIR] = "mkdir",	[FAMFS_LOG_FILE] = "file",
		[FAMFS_LOG_SETATTR] = "setattr", [FAMFS_LOG_DELETE] = "delete",
		[FAMFS_LOG_RENAME] = "rename",	[FAMFS_LOG_BADRANGE] = "poison",
		[FAMFS_LOG_ATTR] = "attr",	[FAMFS_LOG_CONTENTS] = "contents",
		[FAMFS_LOG_SYMLINK] = "symlink", [FAMFS_LOG_DROPPED] = "dropped",
	};

	return (unsigned int)type < ARRAY_LEN(names) && names[type] ?
		       names[type] : "?";
}

static void print_entry(void *ctx, const struct famfs_log_record *r)
{
	(void)ctx;

	printf("  %8" PRIu64 " %-7s ", r->seq, kind_name(r->type));
	switch (r->type) {
	case FAMFS_LOG_DROPPED:
		printf("(by fsck --repair)\n");
		return;
	case FAMFS_LOG_BADRANGE:
		printf("device offset %#" PRIx64 " length %#" PRIx64 "\n",
		       r->bad.offset, r->bad.len);
		return;
	case FAMFS_LOG_DELETE:
		printf("%s\n", cli_escaped(r->path, 0));
		return;
	case FAMFS_LOG_RENAME:
		printf("%s -> %s flags=%#x\n", cli_escaped(r->path, 0),
		       cli_escaped(r->new_path, 1), r->rename_flags);
		return;
	case FAMFS_LOG_SYMLINK:
		printf("%s -> %s uid=%u gid=%u\n", cli_escaped(r->path, 0),
		       cli_escaped(r->target, 1), r->uid, r->gid);
		return;
	default:
		break;
	}
	printf("%s", cli_escaped(r->path, 0));
	if (r->type == FAMFS_LOG_FILE || r->type == FAMFS_LOG_CONTENTS) {
		printf(" size=%" PRIu64 " extents=%u", r->size, r->nextents);
		if (r->interleave.nstrips)
			printf(" strips=%u chunk=%" PRIu64,
			       r->interleave.nstrips, r->interleave.chunk_size);
	}
	if ((r->type != FAMFS_LOG_SETATTR && r->type != FAMFS_LOG_ATTR) ||
	    (r->setattr_mask & FAMFS_SETATTR_MODE))
		printf(" mode=%o", r->mode & 07777);
	if (r->type == FAMFS_LOG_ATTR && (r->setattr_mask & FAMFS_SETATTR_ATIME))
		printf(" atime=%" PRIu64, r->atime);
	if (r->type == FAMFS_LOG_ATTR && (r->setattr_mask & FAMFS_SETATTR_MTIME))
		printf(" mtime=%" PRIu64, r->mtime);
	printf(" uid=%u gid=%u\n", r->uid, r->gid);
}

static void size_text(uint64_t v, bool human, char *buf, size_t len)
{
	if (human)
		famfs_format_size(v, buf, len);
	else
		snprintf(buf, len, "%" PRIu64, v);
}

static void print_json(const char *device, int status, int corrected,
		       const struct famfs_fsck_result *r)
{
	struct json_object *o = json_object_new_object();
	char uuid[37];

	json_object_object_add(o, "device", json_object_new_string(device));
	json_object_object_add(o, "clean", json_object_new_boolean(status == 0));
	json_object_object_add(o, "status", json_object_new_int(status));
	json_object_object_add(o, "errors", json_object_new_int64((int64_t)r->nerrors));
	json_object_object_add(o, "corrected",
			       json_object_new_int(corrected > 0 ? corrected : 0));
	json_object_object_add(o, "entries_past_tail",
			       json_object_new_int64((int64_t)r->past_tail));
	json_object_object_add(o, "superblock_ok", json_object_new_boolean(r->sb_ok));
	json_object_object_add(o, "backup_superblock_ok",
			       json_object_new_boolean(r->backup_ok));
	json_object_object_add(o, "log_ok", json_object_new_boolean(r->log_ok));
	if (r->sb.version) {
		json_object_object_add(o, "format_version",
				       json_object_new_int((int)r->sb.version));
		famfs_uuid_unparse(r->sb.fs_uuid, uuid);
		json_object_object_add(o, "uuid", json_object_new_string(uuid));
		famfs_uuid_unparse(r->sb.master_uuid, uuid);
		json_object_object_add(o, "master_uuid",
				       json_object_new_string(uuid));
		json_object_object_add(o, "device_size",
				       json_object_new_int64((int64_t)r->sb.device_size));
	}
	json_object_object_add(o, "files", json_object_new_int64((int64_t)r->nfiles));
	json_object_object_add(o, "directories",
			       json_object_new_int64((int64_t)r->ndirs));
	json_object_object_add(o, "data_total",
			       json_object_new_int64((int64_t)r->data_total));
	json_object_object_add(o, "data_used",
			       json_object_new_int64((int64_t)r->data_used));
	json_object_object_add(o, "data_free",
			       json_object_new_int64((int64_t)r->data_free));
	json_object_object_add(o, "data_held",
			       json_object_new_int64((int64_t)r->data_held));
	json_object_object_add(o, "packed_units",
			       json_object_new_int64((int64_t)r->packed_units));
	json_object_object_add(o, "packed_bytes",
			       json_object_new_int64((int64_t)r->packed_bytes));
	json_object_object_add(o, "log_len", json_object_new_int64((int64_t)r->log_len));
	json_object_object_add(o, "log_used",
			       json_object_new_int64((int64_t)r->log_used));
	json_object_object_add(o, "log_entries",
			       json_object_new_int64((int64_t)r->log_entries));
	json_object_object_add(o, "poisoned_ranges",
			       json_object_new_int64((int64_t)r->bad_ranges));
	json_object_object_add(o, "poisoned_bytes",
			       json_object_new_int64((int64_t)r->bad_bytes));
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void print_summary(const char *device, int status, int corrected,
			  bool human, const struct famfs_fsck_result *r)
{
	char uuid[37], a[32], b[32], c[32];

	if (corrected >= 0)	/* a repair ran */
		printf("%s: %d correction%s made, %s\n", device, corrected,
		       corrected == 1 ? "" : "s",
		       status ? "ERRORS LEFT" : "clean now");
	else
		printf("%s: %s\n", device, status ? "ERRORS FOUND" : "clean");
	if (!r->sb.version)
		return;
	famfs_uuid_unparse(r->sb.fs_uuid, uuid);
	printf("  uuid:        %s\n", uuid);
	famfs_uuid_unparse(r->sb.master_uuid, uuid);
	printf("  master:      %s\n", uuid);
	printf("  format:      version %u\n", r->sb.version);
	printf("  files:       %" PRIu64 "\n", r->nfiles);
	printf("  directories: %" PRIu64 "\n", r->ndirs);
	size_text(r->data_used, human, a, sizeof(a));
	size_text(r->data_free, human, b, sizeof(b));
	size_text(r->data_total, human, c, sizeof(c));
	printf("  space:       %s used, %s free of %s\n", a, b, c);
	if (r->data_held) {
		size_text(r->data_held, human, a, sizeof(a));
		printf("  deleted:     %s waiting for hosts to let go "
		       "(famfs hosts)\n", a);
	}
	if (r->packed_units) {
		size_text(r->packed_bytes, human, a, sizeof(a));
		size_text(r->packed_units * r->sb.alloc_unit, human, b,
			  sizeof(b));
		printf("  packed:      %s of small files in %" PRIu64
		       " units (%s)\n", a, r->packed_units, b);
	}
	size_text(r->log_used, human, a, sizeof(a));
	size_text(r->log_len - r->log_used, human, b, sizeof(b));
	size_text(r->log_len, human, c, sizeof(c));
	printf("  log:         %" PRIu64 " entries, %s used, %s free of %s\n",
	       r->log_entries, a, b, c);
	if (r->bad_ranges) {
		size_text(r->bad_bytes, human, a, sizeof(a));
		printf("  poisoned:    %" PRIu64 " ranges, %s (never read or "
		       "allocated again)\n", r->bad_ranges, a);
	}
}

/* A mountpoint stands for the device named in the mount table. */
static const char *device_of(const char *arg, struct famfs_mount_info *mi)
{
	struct stat st;

	if (stat(arg, &st) == 0 && S_ISDIR(st.st_mode) &&
	    famfs_mount_of_path(arg, mi) == 0)
		return mi->device;
	return arg;
}

/*
 * Repair @device, refused while it is mounted here or (unless @force) by
 * any host of its host table. The number of corrections, or -1 after
 * saying why not.
 */
static int repair(const char *device, unsigned int flags, bool force)
{
	struct famfs_mount_info mi;
	struct famfs_report rep;
	struct famfs_sb_info sb;
	struct famfs_dev *dev;
	int rc, hosts;

	rc = famfs_dev_open(device, FAMFS_DEV_RDWR, &dev);
	if (rc) {
		cli_error(device, "cannot repair: %s", strerror(-rc));
		return -1;
	}
	if (famfs_device_mounted_here(dev, &mi) > 0) {
		cli_error(device, "cannot repair: mounted at %s (unmount it "
			  "first)", mi.mountpoint);
		famfs_dev_close(dev);
		return -1;
	}
	hosts = famfs_sb_read(dev, &sb, NULL, NULL) ? 0 :
		famfs_hosts_mounted(dev, &sb);
	if (hosts > 0 && !force) {
		cli_error(device, "cannot repair: %d host%s may have it mounted "
			  "(famfs hosts lists them); unmount them, or give "
			  "--force if they are gone", hosts,
			  hosts == 1 ? "" : "s");
		famfs_dev_close(dev);
		return -1;
	}
	/* every change is said, -v or not */
	cli_report_init(&rep, device, true);
	rc = famfs_fsck_repair(dev, flags, &rep);
	famfs_dev_close(dev);
	if (rc < 0) {
		cli_error(device, "cannot repair: %s", rc == -EBUSY ?
			  "in use by a famfs mount (its master holds it)" :
			  strerror(-rc));
		return -1;
	}
	return rc;
}

/* Check (again, quietly after a repair); FAMFS_FSCK_* bits or -errno. */
static int check(const char *device, struct famfs_report *rep,
		 struct famfs_fsck_result *res)
{
	struct famfs_dev *dev;
	int rc;

	rc = famfs_dev_open(device, FAMFS_DEV_RDONLY, &dev);
	if (rc)
		return rc;
	rc = famfs_fsck(dev, rep, res);
	famfs_dev_close(dev);
	return rc;
}

int cmd_fsck(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "repair", no_argument, NULL, 'y' },
		{ "drop", no_argument, NULL, 'D' },
		{ "force", no_argument, NULL, 'f' },
		{ "human", no_argument, NULL, 'H' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		/* upstream famfs's: how to read the device (no effect here) */
		{ "mmap", no_argument, NULL, 'm' },
		{ "read", no_argument, NULL, 'r' },
		{ "fuse", no_argument, NULL, 'u' },
		{ "nofuse", no_argument, NULL, CLI_REFUSED('F') },
		{ "set-daxmode", no_argument, NULL, CLI_REFUSED('M') },
		{ "load-module", no_argument, NULL, CLI_REFUSED('L') },
		{ NULL, 0, NULL, 0 },
	};
	bool verbose = false, human = false, json = false, fix = false;
	bool force = false;
	unsigned int flags = 0;
	struct famfs_mount_info mi;
	struct famfs_fsck_result res;
	struct famfs_report rep, quiet = { 0 };
	const char *device;
	int c, rc, status, corrected = -1;	/* -1: no repair ran */

	while ((c = cli_getopt(argc, argv, "vyhmrFML", opts)) != -1) {
		switch (c) {
		case 'm':
		case 'r':
		case 'u':
			break;
		case 'v':
			verbose = true;
			break;
		case 'y':
			fix = true;
			break;
		case 'D':
			flags |= FAMFS_REPAIR_DROP;
			break;
		case 'f':
			force = true;
			break;
		case 'H':
			human = true;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fsck_usage(stdout);
			return 0;
		default:
			fsck_usage(stderr);
			return FSCK_EXIT_USAGE;
		}
	}
	if (cli_operands(argc, argv, 1, 1, "DEVICE")) {
		fsck_usage(stderr);
		return FSCK_EXIT_USAGE;
	}
	if ((flags || force) && !fix) {
		cli_error("fsck", "--drop and --force go with --repair");
		return FSCK_EXIT_USAGE;
	}
	device = device_of(argv[optind], &mi);
	cli_report_init(&rep, device, verbose);
	rc = check(device, &rep, &res);
	/* a mount whose device this user may not read: ask its daemon */
	if (cli_device_denied(rc) && device != argv[optind])
		return cli_fsck_via_mount(argv[optind], json, human);
	if (rc < 0) {
		cli_error(device, "%s", rc == -ENOSPC ?
				"device too small to hold a famfs" :
				strerror(-rc));
		return FSCK_EXIT_OPERATIONAL;
	}
	if (res.not_famfs)
		return FSCK_EXIT_OPERATIONAL;	/* named by the report */
	status = rc;
	if (status && fix) {
		corrected = repair(device, flags, force);
		if (corrected < 0)
			return FSCK_EXIT_OPERATIONAL;
		rc = check(device, &quiet, &res);
		if (rc < 0) {
			cli_error(device, "%s", strerror(-rc));
			return FSCK_EXIT_OPERATIONAL;
		}
		status = rc;
	}
	if (verbose && res.sb.version) {
		struct famfs_fs *fs;

		if (famfs_fs_open(device, FAMFS_OPEN_RDONLY, &quiet, &fs) == 0) {
			printf("log entries:\n");
			famfs_log_walk(fs, print_entry, NULL, NULL);
			famfs_fs_close(fs);
		}
	}
	if (json)
		print_json(device, status, corrected, &res);
	else
		print_summary(device, status, corrected, human, &res);
	/* a repair that stopped short of --drop says what is left to do */
	if (corrected >= 0 && !(flags & FAMFS_REPAIR_DROP) &&
	    (status & (FAMFS_FSCK_ERRORS | FAMFS_FSCK_BAD_LOG)))
		cli_error(device, "log entries replay skips are left: "
			  "--repair --drop drops them (what they made is "
			  "lost)");
	if (!status)
		return corrected > 0 ? FSCK_EXIT_CORRECTED : FSCK_EXIT_CLEAN;
	return FSCK_EXIT_LEFT;
}
