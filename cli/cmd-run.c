// SPDX-License-Identifier: Apache-2.0
/*
 * famfs run [-v] [--] COMMAND [ARG...]
 * Runs COMMAND with libfamfs-direct.so preloaded, so that its shared
 * mappings of committed famfs files map the device memory itself (shared
 * with every host) instead of a page-cache copy. The library is appended
 * to LD_PRELOAD: libraries the caller preloads stay first.
 *
 * Where the library is: $FAMFS_DIRECT_LIBRARY, else where the install
 * puts it relative to this program (a relocated install works), else in
 * the build tree beside it, else the configured install path.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define PRELOAD_NAME "libfamfs-direct.so"

static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: famfs run [-v] [--] COMMAND [ARG...]\n"
		"  -v, --verbose  the library says on stderr how each mapping of a\n"
		"                 famfs file was made (FAMFS_DIRECT_DEBUG=1)\n"
		"  -h, --help     this help\n");
}

/* The library's path (malloc'ed), or NULL with the places tried in @tried. */
static char *find_library(char *tried, size_t len)
{
	const char *env = getenv("FAMFS_DIRECT_LIBRARY");
	const char *beside[] = { FAMFS_DIRECT_RELATIVE,
				 "../preload/" PRELOAD_NAME };
	char exe[PATH_MAX], *slash, *path;
	ssize_t n;

	if (env && *env) {
		snprintf(tried, len, "%s", env);
		return access(env, R_OK) ? NULL : strdup(env);
	}
	tried[0] = '\0';
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			slash[1] = '\0';
		for (size_t i = 0; i < sizeof(beside) / sizeof(beside[0]); i++) {
			if (beside[i][0] == '/')
				continue;	/* no relative install path */
			if (asprintf(&path, "%s%s", exe, beside[i]) < 0)
				return NULL;
			if (!access(path, R_OK)) {
				/* LD_PRELOAD is hard to read with ".." in it */
				char *real = realpath(path, NULL);

				if (real) {
					free(path);
					path = real;
				}
				return path;
			}
			snprintf(tried + strlen(tried), len - strlen(tried),
				 "%s, ", path);
			free(path);
		}
	}
	snprintf(tried + strlen(tried), len - strlen(tried), "%s",
		 FAMFS_DIRECT_INSTALLED);
	return access(FAMFS_DIRECT_INSTALLED, R_OK) ? NULL :
						      strdup(FAMFS_DIRECT_INSTALLED);
}

/* LD_PRELOAD with the library appended (a space separates entries). */
static int set_preload(const char *library)
{
	const char *old = getenv("LD_PRELOAD");
	char *value;
	int rc;

	if (old && *old) {
		if (asprintf(&value, "%s %s", old, library) < 0)
			return -ENOMEM;
	} else {
		value = strdup(library);
		if (!value)
			return -ENOMEM;
	}
	rc = setenv("LD_PRELOAD", value, 1) ? -errno : 0;
	free(value);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char tried[3 * PATH_MAX + 16], *library;
	bool verbose = false;
	int c, rc;

	/* "+": options end at COMMAND, whose own options are its own */
	while ((c = cli_getopt(argc, argv, "+vh", opts)) != -1) {
		switch (c) {
		case 'v':
			verbose = true;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			run_usage(stderr);
			return 2;
		}
	}
	if (cli_operands(argc, argv, 1, -1, "COMMAND")) {
		run_usage(stderr);
		return 2;
	}
	library = find_library(tried, sizeof(tried));
	if (!library) {
		cli_error("run", "%s not found (looked at %s; set FAMFS_DIRECT_LIBRARY)",
			  PRELOAD_NAME, tried);
		return 1;
	}
	rc = set_preload(library);
	free(library);
	if (!rc && verbose)
		rc = setenv("FAMFS_DIRECT_DEBUG", "1", 1) ? -errno : 0;
	if (rc) {
		cli_error("run", "%s", strerror(-rc));
		return 1;
	}
	execvp(argv[optind], argv + optind);
	rc = errno;
	cli_error(argv[optind], "%s", strerror(rc));
	/* as env(1) and the shells: 127 not found, 126 not runnable */
	return rc == ENOENT ? 127 : 126;
}
