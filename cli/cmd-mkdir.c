// SPDX-License-Identifier: Apache-2.0
/*
 * famfs mkdir [-p] [-m MODE] [-u UID] [-g GID] [-v] DIR...
 * Directories are made through the mount (mkdir(2)): the daemon of a
 * master mount logs them; a client mount refuses with EROFS.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

struct mkdir_opts {
	bool parents, verbose, set_uid, set_gid;
	uint32_t mode, uid, gid;
};

static void mkdir_usage(FILE *out)
{
	fprintf(out,
		"usage: famfs mkdir [-p] [-m MODE] [-u UID] [-g GID] [-v] DIR...\n"
		"  -p, --parents   make parents as needed; no error if DIR exists\n"
		"  -m, --mode=MODE octal mode of the directories made (umask ignored)\n"
		"  -u, --uid=UID   owner of the directories made\n"
		"  -g, --gid=GID   group of the directories made\n"
		"  -v, --verbose   name each directory made\n"
		"  -h, --help      this help\n");
}

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* 0 made, 1 already there (-p), or -errno. */
static int make_one(char *path, const struct mkdir_opts *o)
{
	char *slash;
	int rc;

	if (mkdir(path, o->mode) == 0)
		goto made;
	rc = -errno;
	if (rc == -EEXIST && o->parents && is_dir(path))
		return 1;
	if (rc != -ENOENT || !o->parents)
		return rc;
	/* make the parent, then try again */
	slash = strrchr(path, '/');
	while (slash && slash > path && slash[-1] == '/')
		slash--;
	if (!slash || slash == path)
		return rc;
	*slash = '\0';
	rc = make_one(path, o);
	*slash = '/';
	if (rc < 0)
		return rc;
	if (mkdir(path, o->mode))
		return -errno;
made:
	if ((o->set_uid || o->set_gid) &&
	    chown(path, o->set_uid ? o->uid : (uid_t)-1,
		  o->set_gid ? o->gid : (gid_t)-1))
		return -errno;
	if (o->verbose)
		printf("famfs: created directory '%s'\n", path);
	return 0;
}

static int mkdir_path(const char *arg, const struct mkdir_opts *o)
{
	char path[PATH_MAX];
	struct cli_target t;
	size_t n = strlen(arg);
	int rc;

	while (n > 1 && arg[n - 1] == '/')
		n--;
	if (n >= sizeof(path)) {
		cli_error(arg, "%s", strerror(ENAMETOOLONG));
		return 1;
	}
	memcpy(path, arg, n);
	path[n] = '\0';
	rc = cli_target_find(path, &t);
	if (rc) {
		cli_error(arg, "%s", rc == -ENOENT ? "not in a famfs mount" :
			  strerror(-rc));
		return 1;
	}
	rc = make_one(path, o);
	if (rc == -ENOENT && !o->parents) {
		cli_error(arg, "parent directory does not exist (use -p)");
		return 1;
	}
	if (rc < 0) {
		cli_error(arg, "%s", cli_strerror(rc));
		return 1;
	}
	return 0;
}

int cmd_mkdir(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "parents", no_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct mkdir_opts o = { .mode = 0755 };
	bool set_mode = false;
	int c, status = 0;

	while ((c = cli_getopt(argc, argv, "pm:u:g:vh", opts)) != -1) {
		switch (c) {
		case 'p':
			o.parents = true;
			break;
		case 'm':
			if (cli_parse_mode(optarg, &o.mode)) {
				cli_error(optarg, "invalid mode (octal, e.g. 0755)");
				return 2;
			}
			set_mode = true;
			break;
		case 'u':
		case 'g':
			if (cli_parse_id(optarg, c == 'u' ? &o.uid : &o.gid)) {
				cli_error(optarg, "invalid %s", c == 'u' ?
					  "uid" : "gid");
				return 2;
			}
			*(c == 'u' ? &o.set_uid : &o.set_gid) = true;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'h':
			mkdir_usage(stdout);
			return 0;
		default:
			mkdir_usage(stderr);
			return 2;
		}
	}
	if (cli_operands(argc, argv, 1, -1, "DIR")) {
		mkdir_usage(stderr);
		return 2;
	}
	if (set_mode)
		umask(0);	/* -m means exactly MODE */
	for (int i = optind; i < argc; i++)
		status |= mkdir_path(argv[i], &o);
	return status;
}
