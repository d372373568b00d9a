// SPDX-License-Identifier: Apache-2.0
/*
 * famfs mv [-n | -x] [-T] [-v] SOURCE... DEST
 * Rename through the mount (rename(2), renameat2(2)): the master's daemon
 * logs it; a file replaced by the rename keeps its memory until no host
 * has it open or mapped. Both names must be in the same famfs mount.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

struct mv_opts {
	unsigned int flags;	/* RENAME_NOREPLACE or RENAME_EXCHANGE */
	bool no_target_dir, verbose;
};

static void mv_usage(FILE *out)
{
	fprintf(out,
		"usage: famfs mv [-n | -x] [-T] [-v] SOURCE... DEST\n"
		"  -n, --no-clobber          fail rather than replace DEST\n"
		"  -x, --exchange            SOURCE and DEST trade places\n"
		"  -T, --no-target-directory DEST is a name, even a directory's\n"
		"  -v, --verbose             name each rename\n"
		"  -h, --help                this help\n");
}

static int move_one(const char *src, const char *dest,
		    const struct mv_opts *o)
{
	struct cli_target ts, td;
	int rc;

	rc = cli_name_target(src, &ts);
	if (!rc)
		rc = cli_name_target(dest, &td);
	if (rc) {
		cli_error(rc == -ENOENT && cli_name_target(src, &ts) ? src :
			  dest, "%s", rc == -ENOENT ? "not in a famfs mount" :
			  strerror(-rc));
		return 1;
	}
	if (strcmp(ts.mi.mountpoint, td.mi.mountpoint)) {
		cli_error(dest, "%s", cli_name_strerror(-EXDEV, "renaming"));
		return 1;
	}
	if (renameat2(AT_FDCWD, src, AT_FDCWD, dest, o->flags)) {
		rc = -errno;
		/* name the side the error is about */
		cli_error(rc == -EEXIST || rc == -ENOTEMPTY || rc == -EISDIR ?
				  dest : src,
			  "%s", cli_name_strerror(rc, "renaming"));
		return 1;
	}
	if (o->verbose)
		printf("famfs: renamed '%s' -> '%s'\n", src, dest);
	return 0;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int cmd_mv(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "no-clobber", no_argument, NULL, 'n' },
		{ "exchange", no_argument, NULL, 'x' },
		{ "no-target-directory", no_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mv_opts o = { 0 };
	const char *dest;
	int c, nsrc, status = 0;

	while ((c = cli_getopt(argc, argv, "nxTvh", opts)) != -1) {
		switch (c) {
		case 'n':
			o.flags |= RENAME_NOREPLACE;
			break;
		case 'x':
			o.flags |= RENAME_EXCHANGE;
			break;
		case 'T':
			o.no_target_dir = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'h':
			mv_usage(stdout);
			return 0;
		default:
			mv_usage(stderr);
			return 2;
		}
	}
	nsrc = argc - optind - 1;
	if (nsrc < 1 || o.flags == (RENAME_NOREPLACE | RENAME_EXCHANGE)) {
		if (nsrc >= 1)
			cli_error(NULL, "-n and -x exclude each other");
		else
			cli_operands(argc, argv, 2, -1, "SOURCE DEST");
		mv_usage(stderr);
		return 2;
	}
	dest = argv[argc - 1];
	/* into a directory, as mv(1) does, unless -T or -x */
	if (!o.no_target_dir && !(o.flags & RENAME_EXCHANGE) && is_dir(dest)) {
		for (int i = optind; i < argc - 1; i++) {
			char target[PATH_MAX], copy[PATH_MAX];

			snprintf(copy, sizeof(copy), "%s", argv[i]);
			if ((size_t)snprintf(target, sizeof(target), "%s/%s",
					     dest, basename(copy)) >=
			    sizeof(target)) {
				cli_error(argv[i], "%s", strerror(ENAMETOOLONG));
				status = 1;
				continue;
			}
			status |= move_one(argv[i], target, &o);
		}
		return status;
	}
	if (nsrc > 1) {
		cli_error(dest, "not a directory (several sources)");
		return 1;
	}
	return move_one(argv[optind], dest, &o);
}
