// SPDX-License-Identifier: Apache-2.0
/*
 * The famfs binary under the names mount(8) and fsck(8) look for:
 * mount.famfs (`mount -t famfs`, fstab) and fsck.famfs (`fsck -t famfs`).
 * Each turns its caller's calling convention into a famfs command and
 * its result into the caller's exit codes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* mount(8)'s exit codes */
#define MOUNT_EX_USAGE 1
#define MOUNT_EX_FAIL 32

#define MAX_HELPER_ARGS 64

/*
 * Options that mean something to mount(8), fstab or systemd and nothing
 * to the filesystem: never passed to famfs_fused.
 */
static bool mount_generic_option(const char *opt)
{
	static const char *const exact[] = {
		"defaults", "auto", "noauto", "user", "nouser", "users",
		"owner", "group", "nofail", "_netdev", "rw",
	};

	for (size_t i = 0; i < ARRAY_SIZE(exact); i++)
		if (!strcmp(opt, exact[i]))
			return true;
	return !strncmp(opt, "x-", 2) || !strncmp(opt, "comment=", 8);
}

struct helper_args {
	char *argv[MAX_HELPER_ARGS];
	int argc;
};

static int push(struct helper_args *a, char *arg)
{
	if (a->argc == MAX_HELPER_ARGS - 1)
		return -E2BIG;
	a->argv[a->argc++] = arg;
	a->argv[a->argc] = NULL;
	return 0;
}

/* Split one -o list into famfs mount's -o arguments (in place). */
static int push_mount_options(struct helper_args *a, char *list)
{
	char *save = NULL;

	for (char *opt = strtok_r(list, ",", &save); opt;
	     opt = strtok_r(NULL, ",", &save)) {
		if (!*opt || mount_generic_option(opt))
			continue;
		if (push(a, "-o") || push(a, opt))
			return -E2BIG;
	}
	return 0;
}

static void mount_helper_usage(FILE *out)
{
	fprintf(out,
		"usage: mount.famfs DEVICE MOUNTPOINT [-sfnv] [-o OPTIONS]\n"
		"  (called by mount -t famfs and for fstab lines of type famfs)\n"
		"  -o OPTIONS  famfs_fused(8) and FUSE options; mount(8)'s own\n"
		"              (defaults, noauto, nofail, _netdev, x-*, ...) are dropped\n"
		"  -f          fake: check the arguments, mount nothing\n"
		"  -v          say what was mounted\n"
		"  -s, -n      accepted (mount(8) passes them)\n"
		"exit status: 0 mounted, 1 usage, 32 mount failure (as mount(8))\n");
}

int cli_mount_helper(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct helper_args a = { .argc = 0 };
	bool fake = false;
	int c, rc;

	cli_getopt_begin("mount.famfs", false);
	push(&a, "mount");
	/* mount(8) puts the device and mountpoint first: permute */
	while ((c = cli_getopt(argc, argv, "sfnvo:t:N:h", longopts)) != -1) {
		switch (c) {
		case 's':
		case 'n':
		case 't':	/* famfs, or fuse.famfs */
			break;
		case 'f':
			fake = true;
			break;
		case 'v':
			push(&a, "-v");
			break;
		case 'o':
			if (push_mount_options(&a, optarg)) {
				cli_error("mount.famfs", "too many options");
				return MOUNT_EX_USAGE;
			}
			break;
		case 'N':
			cli_error("mount.famfs", "-N: mount namespaces are "
				  "not supported");
			return MOUNT_EX_USAGE;
		case 'h':
			mount_helper_usage(stdout);
			return 0;
		default:
			mount_helper_usage(stderr);
			return MOUNT_EX_USAGE;
		}
	}
	if (cli_operands(argc, argv, 2, 2, "DEVICE MOUNTPOINT")) {
		mount_helper_usage(stderr);
		return MOUNT_EX_USAGE;
	}
	if (fake)
		return 0;
	if (push(&a, "--") || push(&a, argv[optind]) ||
	    push(&a, argv[optind + 1])) {
		cli_error("mount.famfs", "too many options");
		return MOUNT_EX_USAGE;
	}
	optind = 0;	/* a new parse for famfs mount */
	cli_getopt_begin("mount", false);
	rc = cmd_mount(a.argc, a.argv);
	if (rc == 0)
		return 0;
	return rc == 2 ? MOUNT_EX_USAGE : MOUNT_EX_FAIL;
}

static void fsck_helper_usage(FILE *out)
{
	fprintf(out,
		"usage: fsck.famfs [-a|-p|-y|-n] [-fvV] [-C FD] [--json] DEVICE\n"
		"  (called by fsck -t famfs; see famfs fsck)\n"
		"  -a, -p, -y  repair what can be repaired (famfs fsck --repair)\n"
		"  -n          check only (the default)\n"
		"  -v, -V      list every log entry\n"
		"  -f, -C FD, -r, -l  accepted (fsck(8) passes them)\n"
		"exit status as fsck(8): 0 clean, 1 errors corrected, 4 errors left,\n"
		"8 operational error, 16 usage\n");
}

int cli_fsck_helper(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "human", no_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct helper_args a = { .argc = 0 };
	bool repair = false, check_only = false;
	int c;

	cli_getopt_begin("fsck.famfs", false);
	push(&a, "fsck");
	while ((c = cli_getopt(argc, argv, "apynfvVC:rlh", longopts)) != -1) {
		switch (c) {
		case 'a':
		case 'p':
		case 'y':
			repair = true;
			break;
		case 'n':
			check_only = true;
			break;
		case 'f':
		case 'C':
		case 'r':
		case 'l':
			break;
		case 'v':
		case 'V':
			push(&a, "-v");
			break;
		case 'j':
			push(&a, "--json");
			break;
		case 'H':
			push(&a, "--human");
			break;
		case 'h':
			fsck_helper_usage(stdout);
			return 0;
		default:
			fsck_helper_usage(stderr);
			return 16;
		}
	}
	if (argc - optind != 1 || (repair && check_only)) {
		if (repair && check_only)
			cli_error("fsck.famfs", "-n excludes -a, -p and -y");
		else
			cli_operands(argc, argv, 1, 1, "DEVICE");
		fsck_helper_usage(stderr);
		return 16;
	}
	if (repair)
		push(&a, "--repair");
	push(&a, "--");
	push(&a, argv[optind]);
	optind = 0;
	cli_getopt_begin("fsck", false);
	return cmd_fsck(a.argc, a.argv);
}
