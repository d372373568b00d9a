// SPDX-License-Identifier: Apache-2.0
/*
 * famfs ln -s [-f] [-v] TARGET LINK
 * Make a symbolic link through the mount (symlink(2)); the master's
 * daemon logs it with its target. famfs has no hard links.
 */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static void ln_usage(FILE *out)
{
	fprintf(out,
		"usage: famfs ln -s [-f] [-v] TARGET LINK\n"
		"  -s, --symbolic  make a symbolic link (famfs has no hard links)\n"
		"  -f, --force     replace an existing LINK (atomically)\n"
		"  -v, --verbose   name the link made\n"
		"  -h, --help      this help\n");
}

/* symlink(2), or with @force a new link renamed over @link. */
static int make_link(const char *target, const char *link, bool force)
{
	char tmp[PATH_MAX];

	if (!force)
		return symlink(target, link) ? -errno : 0;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.famfs-ln-%d", link,
			     (int)getpid()) >= sizeof(tmp))
		return -ENAMETOOLONG;
	if (symlink(target, tmp))
		return -errno;
	if (rename(tmp, link)) {
		int rc = -errno;

		unlink(tmp);
		return rc;
	}
	return 0;
}

int cmd_ln(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "symbolic", no_argument, NULL, 's' },
		{ "force", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool symbolic = false, force = false, verbose = false;
	char link[PATH_MAX], copy[PATH_MAX];
	const char *target;
	struct cli_target t;
	struct stat st;
	int c, rc;

	while ((c = cli_getopt(argc, argv, "sfvh", opts)) != -1) {
		switch (c) {
		case 's':
			symbolic = true;
			break;
		case 'f':
			force = true;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			ln_usage(stdout);
			return 0;
		default:
			ln_usage(stderr);
			return 2;
		}
	}
	if (cli_operands(argc, argv, 2, 2, "TARGET LINK")) {
		ln_usage(stderr);
		return 2;
	}
	target = argv[optind];
	snprintf(link, sizeof(link), "%s", argv[optind + 1]);
	if (!symbolic) {
		cli_error(link, "famfs has no hard links (one name per file "
			  "in the log); use ln -s");
		return 1;
	}
	/* LINK an existing directory (not a link to one): the link goes in */
	if (lstat(link, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(copy, sizeof(copy), "%s", target);
		if ((size_t)snprintf(link, sizeof(link), "%s/%s",
				     argv[optind + 1], basename(copy)) >=
		    sizeof(link)) {
			cli_error(argv[optind + 1], "%s",
				  strerror(ENAMETOOLONG));
			return 1;
		}
	}
	rc = cli_name_target(link, &t);
	if (rc) {
		cli_error(link, "%s", rc == -ENOENT ? "not in a famfs mount" :
			  strerror(-rc));
		return 1;
	}
	rc = make_link(target, link, force);
	if (rc) {
		cli_error(link, "%s", cli_name_strerror(rc, "symbolic links"));
		return 1;
	}
	if (verbose)
		printf("famfs: '%s' -> '%s'\n", link, target);
	return 0;
}
