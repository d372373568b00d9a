// SPDX-License-Identifier: Apache-2.0
/*
 * famfs logplay [-nv] MOUNTPOINT
 *
 * Asks a client mount's daemon to replay the master's new log entries now
 * (it also does so by itself within a second). With -n, lists the entries
 * it has not applied yet and changes nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli.h"
#include "famfs_ioctl.h"

static void logplay_usage(FILE *out)
{
	fprintf(out, "usage: famfs logplay [-nv] MOUNTPOINT\n"
		     "  -n, --dry-run  show what would be applied (--dryrun)\n"
		     "  -v, --verbose  say what was applied\n"
		     "  -r, --read, -m, --mmap, -c, --client\n"
		     "                 accepted for upstream famfs: the daemon reads\n"
		     "                 the log itself, and the superblock sets the role\n"
		     "  -h, --help     this help\n");
}

struct pending_list {
	uint64_t skip;		/* entries the daemon already has */
	uint64_t index;
	uint64_t shown;
};

static void show_new(void *ctx, const struct famfs_log_record *r)
{
	struct pending_list *p = ctx;

	if (p->index++ < p->skip || r->type == FAMFS_LOG_DROPPED)
		return;
	p->shown++;
	switch (r->type) {
	case FAMFS_LOG_MKDIR:
		printf("mkdir   %s mode=%o\n", cli_escaped(r->path, 0), r->mode & 07777);
		break;
	case FAMFS_LOG_FILE:
		printf("file    %s size=%" PRIu64 " mode=%o\n", cli_escaped(r->path, 0),
		       r->size, r->mode & 07777);
		break;
	case FAMFS_LOG_SETATTR:
		printf("setattr %s mode=%o uid=%u gid=%u\n", cli_escaped(r->path, 0),
		       r->mode & 07777, r->uid, r->gid);
		break;
	default:
		printf("entry   %s (type %d)\n", cli_escaped(r->path, 0), (int)r->type);
	}
}

/* List the log entries past what the daemon has replayed. */
/* The device is not readable here: the daemon counts what it would apply. */
static int dry_run_via_mount(const struct famfs_mount_info *mi)
{
	struct famfs_mount_info status_mi;
	struct json_object *o, *log, *lag;
	int rc = cli_status_read(mi->mountpoint, &status_mi, &o);

	if (rc) {
		cli_error(mi->mountpoint, "%s", cli_strerror(rc));
		return 1;
	}
	if (!json_object_object_get_ex(o, "log", &log) ||
	    !json_object_object_get_ex(log, "lag_entries", &lag)) {
		json_object_put(o);
		cli_error(mi->mountpoint, "its famfs_fused gives no log lag");
		return 1;
	}
	printf("%s: %" PRId64 " log entries would be applied (counted by "
	       "famfs_fused: %s is not readable here)\n", mi->mountpoint,
	       json_object_get_int64(lag), mi->device);
	json_object_put(o);
	return 0;
}

static int dry_run(const struct famfs_mount_info *mi,
		   const struct famfs_ioc_status *st)
{
	struct pending_list p = { .skip = st->log_entries };
	struct famfs_report rep;
	struct famfs_fs *fs;
	int rc;

	cli_report_init(&rep, mi->device, false);
	rc = famfs_fs_open(mi->device, FAMFS_OPEN_RDONLY, &rep, &fs);
	if (cli_device_denied(rc))
		return dry_run_via_mount(mi);
	if (rc) {
		cli_error(mi->device, "%s", strerror(-rc));
		return 1;
	}
	rc = famfs_log_walk(fs, show_new, &p, &rep);
	famfs_fs_close(fs);
	if (rc < 0) {
		cli_error(mi->device, "log walk: %s", strerror(-rc));
		return 1;
	}
	printf("%s: %" PRIu64 " log entries would be applied\n",
	       mi->mountpoint, p.shown);
	return 0;
}

int cmd_logplay(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "dryrun", no_argument, NULL, 'n' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "read", no_argument, NULL, 'r' },
		{ "mmap", no_argument, NULL, 'm' },
		{ "client", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "shadow", required_argument, NULL, CLI_REFUSED('S') },
		{ "shadowtest", no_argument, NULL, CLI_REFUSED('s') },
		{ "daxdev", required_argument, NULL, CLI_REFUSED('d') },
		{ "set-daxmode", no_argument, NULL, CLI_REFUSED('M') },
		{ NULL, 0, NULL, 0 },
	};
	struct famfs_ioc_logplay lp = { 0 };
	struct famfs_ioc_status st;
	struct famfs_mount_info mi;
	bool dry = false, verbose = false, by_read = false, by_mmap = false;
	const char *arg;
	int c, fd, rc;

	while ((c = cli_getopt(argc, argv, "nvrmchS:sd:M", longopts)) != -1) {
		switch (c) {
		case 'n':
			dry = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'r':
			by_read = true;
			break;
		case 'm':
			by_mmap = true;
			break;
		case 'c':
			break;
		case 'h':
			logplay_usage(stdout);
			return 0;
		default:
			logplay_usage(stderr);
			return 2;
		}
	}
	if (by_read && by_mmap) {
		cli_error("logplay", "-r and -m exclude each other");
		return 2;
	}
	if (cli_operands(argc, argv, 1, 1, "MOUNTPOINT")) {
		logplay_usage(stderr);
		return 2;
	}
	arg = argv[optind];
	rc = famfs_mount_of_path(arg, &mi);
	if (rc) {
		cli_error(arg, "%s", rc == -ENOENT ? "not in a famfs mount" :
			  strerror(-rc));
		return 1;
	}
	fd = open(mi.mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, FAMFS_IOC_STATUS, &st)) {
		cli_error(mi.mountpoint, "cannot reach famfs_fused: %s",
			  strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	if (st.role == FAMFS_IOC_ROLE_MASTER) {
		close(fd);
		printf("%s: master: its log is always current\n",
		       mi.mountpoint);
		return 0;
	}
	if (dry) {
		close(fd);
		return dry_run(&mi, &st);
	}
	rc = ioctl(fd, FAMFS_IOC_LOGPLAY, &lp);
	close(fd);
	if (rc || lp.error) {
		cli_error(mi.mountpoint, "log replay: %s",
			  strerror(rc ? errno : -lp.error));
		return 1;
	}
	printf("%s: %" PRIu64 " log entries applied\n", mi.mountpoint,
	       lp.entries);
	if (verbose)
		printf("%s: device %s, %" PRIu64 " entries replayed in all\n",
		       mi.mountpoint, mi.device, st.log_entries + lp.entries);
	return 0;
}
