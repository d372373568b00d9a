// SPDX-License-Identifier: Apache-2.0
/*
 * famfs rm [-r] [-f] [-v] PATH...
 * Delete files, symbolic links and (with -r) directory trees through the
 * mount: the master's daemon logs each delete; the memory of a deleted
 * file is reused once no host has it open or mapped any more.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

struct rm_opts {
	bool recursive, force, verbose;
};

static void rm_usage(FILE *out)
{
	fprintf(out,
		"usage: famfs rm [-r] [-f] [-v] PATH...\n"
		"  -r, -R, --recursive\n"
		"                   remove directories and what they hold\n"
		"  -f, --force      no error for names that do not exist\n"
		"  -v, --verbose    name each thing removed\n"
		"  -h, --help       this help\n");
}

static int remove_path(const char *path, const struct rm_opts *o);

/* Everything in directory @path, then @path itself. */
static int remove_tree(const char *path, const struct rm_opts *o)
{
	char child[PATH_MAX];
	struct dirent *de;
	int status = 0;
	DIR *dir;

	dir = opendir(path);
	if (!dir) {
		cli_error(path, "%s", cli_strerror(-errno));
		return 1;
	}
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", path,
				     de->d_name) >= sizeof(child)) {
			cli_error(path, "%s", strerror(ENAMETOOLONG));
			status = 1;
			continue;
		}
		status |= remove_path(child, o);
	}
	closedir(dir);
	if (status)
		return status;
	if (rmdir(path)) {
		cli_error(path, "%s", cli_name_strerror(-errno,
							 "removing directories"));
		return 1;
	}
	if (o->verbose)
		printf("famfs: removed directory '%s'\n", path);
	return 0;
}

static int remove_path(const char *path, const struct rm_opts *o)
{
	struct stat st;

	if (lstat(path, &st)) {
		if (errno == ENOENT && o->force)
			return 0;
		cli_error(path, "%s", cli_strerror(-errno));
		return 1;
	}
	if (S_ISDIR(st.st_mode)) {
		if (!o->recursive) {
			cli_error(path, "is a directory (use -r)");
			return 1;
		}
		return remove_tree(path, o);
	}
	if (unlink(path)) {
		if (errno == ENOENT && o->force)
			return 0;
		cli_error(path, "%s", cli_name_strerror(-errno,
							 "deleting files"));
		return 1;
	}
	if (o->verbose)
		printf("famfs: removed '%s'\n", path);
	return 0;
}

static int rm_arg(const char *arg, const struct rm_opts *o)
{
	struct cli_target t;
	const char *base;
	int rc;

	rc = cli_name_target(arg, &t);
	if (rc == -ENOENT) {
		/* the mount itself has its parent outside famfs */
		if (cli_target_find(arg, &t) == 0 && !t.rel[0]) {
			cli_error(arg, "is the root of a famfs mount");
			return 1;
		}
		if (o->force && access(arg, F_OK))
			return 0;
	}
	if (rc) {
		cli_error(arg, "%s", rc == -ENOENT ? "not in a famfs mount" :
			  strerror(-rc));
		return 1;
	}
	base = strrchr(arg, '/');
	base = base ? base + 1 : arg;
	if (!strcmp(base, ".") || !strcmp(base, "..")) {
		cli_error(arg, "refusing to remove '.' or '..'");
		return 1;
	}
	if (!t.rel[0] && !strcmp(base, FAMFS_META_DIR)) {
		cli_error(arg, "is famfs's own read-only directory");
		return 1;
	}
	return remove_path(arg, o);
}

int cmd_rm(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "recursive", no_argument, NULL, 'r' },
		{ "force", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rm_opts o = { 0 };
	int c, status = 0;

	while ((c = cli_getopt(argc, argv, "rRfvh", opts)) != -1) {
		switch (c) {
		case 'r':
		case 'R':
			o.recursive = true;
			break;
		case 'f':
			o.force = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'h':
			rm_usage(stdout);
			return 0;
		default:
			rm_usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		if (o.force)
			return 0;
		cli_operands(argc, argv, 1, -1, "PATH");
		rm_usage(stderr);
		return 2;
	}
	for (int i = optind; i < argc; i++)
		status |= rm_arg(argv[i], &o);
	return status;
}
