// SPDX-License-Identifier: Apache-2.0
/*
 * famfs ls [-l] [-R] [--json] [-D DEVICE] [PATH...]
 * Lists directories as the log records them. --json prints the same
 * objects as famfs stat --json, one per entry.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"

struct ls_opts {
	bool longfmt, recursive;
	struct json_object *arr;	/* --json */
	const char *device;
};

static void ls_usage(FILE *out)
{
	fprintf(out,
		"usage: famfs ls [-l] [-R] [--json] [-D DEVICE] [PATH...]\n"
		"  -l, --long           mode, owner, size, state and time\n"
		"  -R, --recursive      list subdirectories too\n"
		"  -j, --json           print a JSON array (objects as famfs stat)\n"
		"  -D, --device=DEVICE  PATHs are relative to the root of DEVICE\n"
		"  -h, --help           this help\n");
}

static void mode_text(const struct famfs_stat *st, char out[11])
{
	static const char rwx[] = "rwxrwxrwx";

	out[0] = st->type == FAMFS_NODE_DIR ? 'd' : '-';
	for (int i = 0; i < 9; i++)
		out[i + 1] = st->mode & (0400u >> i) ? rwx[i] : '-';
	out[10] = '\0';
}

static void show(const struct ls_opts *o, const char *path, const char *name,
		 const struct cli_target *t, const struct famfs_stat *st)
{
	char mode[11], when[32] = "?";
	time_t tt = (time_t)(st->time / 1000000000);
	struct tm tm;

	if (o->arr) {
		json_object_array_add(o->arr, cli_stat_json(path, t->mi.device,
							    st));
		return;
	}
	if (!o->longfmt) {
		printf("%s%s\n", cli_escaped(name, 0),
		       st->type == FAMFS_NODE_DIR ? "/" : "");
		return;
	}
	mode_text(st, mode);
	if (localtime_r(&tt, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
	printf("%s %5u %5u %12" PRIu64 " %-9s %s %s%s\n", mode, st->uid,
	       st->gid, st->size, cli_node_state_name(st->state), when,
	       cli_escaped(name, 0), st->type == FAMFS_NODE_DIR ? "/" : "");
}

static char *join(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s%s%s", dir, *dir && dir[strlen(dir) - 1] != '/' ?
		     "/" : "", name) < 0)
		return NULL;
	return p;
}

static void list_dir(const struct ls_opts *o, struct famfs_fs *fs,
		     const struct cli_target *t, const char *path, uint64_t ino)
{
	char name[FAMFS_NAME_MAX + 1];
	struct famfs_stat st;
	uint64_t cookie = 0;

	if (o->recursive && !o->arr)
		printf("%s:\n", cli_escaped(path, 0));
	while (famfs_readdir(fs, ino, &cookie, name, &st) == 1) {
		char *sub = join(path, name);

		if (!sub)
			return;
		show(o, sub, name, t, &st);
		free(sub);
	}
	if (!o->recursive)
		return;
	cookie = 0;
	while (famfs_readdir(fs, ino, &cookie, name, &st) == 1) {
		char *sub;

		if (st.type != FAMFS_NODE_DIR)
			continue;
		sub = join(path, name);
		if (!sub)
			return;
		if (!o->arr)
			printf("\n");
		list_dir(o, fs, t, sub, st.ino);
		free(sub);
	}
}

/*
 * The same listing through the mount, for a user who may not read the
 * device: readdir(3) and each entry's attributes from its daemon. At the
 * root, .meta is the daemon's, not the log's, and is left out.
 */
static int list_dir_mount(const struct ls_opts *o, const struct cli_target *t,
			  const char *path, bool at_root)
{
	struct dirent **names;
	struct famfs_stat st;
	struct stat sb;
	int n, status = 0;

	n = scandir(path, &names, NULL, NULL);
	if (n < 0) {
		cli_error(path, "%s", cli_strerror(errno));
		return 1;
	}
	if (o->recursive && !o->arr)
		printf("%s:\n", cli_escaped(path, 0));
	for (int pass = 0; pass < (o->recursive ? 2 : 1); pass++) {
		for (int i = 0; i < n; i++) {
			const char *name = names[i]->d_name;
			char *sub;

			if (!strcmp(name, ".") || !strcmp(name, "..") ||
			    (at_root && !strcmp(name, FAMFS_META_DIR)))
				continue;
			sub = join(path, name);
			if (!sub)
				continue;
			if (!pass) {
				int rc = cli_mount_stat(sub, &st);

				if (rc) {
					cli_error(sub, "%s", cli_strerror(rc));
					status = 1;
				} else {
					show(o, sub, name, t, &st);
				}
			} else if (!lstat(sub, &sb) && S_ISDIR(sb.st_mode)) {
				if (!o->arr)
					printf("\n");
				status |= list_dir_mount(o, t, sub, false);
			}
			free(sub);
		}
	}
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return status;
}

int cmd_ls(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "long", no_argument, NULL, 'l' },
		{ "recursive", no_argument, NULL, 'R' },
		{ "json", no_argument, NULL, 'j' },
		{ "device", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ls_opts o = { 0 };
	char *dot[] = { "." };
	char **paths;
	int c, npaths, status = 0;

	while ((c = cli_getopt(argc, argv, "lRjD:h", opts)) != -1) {
		switch (c) {
		case 'l':
			o.longfmt = true;
			break;
		case 'R':
			o.recursive = true;
			break;
		case 'j':
			o.arr = json_object_new_array();
			break;
		case 'D':
			o.device = optarg;
			break;
		case 'h':
			ls_usage(stdout);
			return 0;
		default:
			ls_usage(stderr);
			return 2;
		}
	}
	paths = argv + optind;
	npaths = argc - optind;
	if (!npaths) {
		dot[0] = o.device ? "/" : ".";
		paths = dot;
		npaths = 1;
	}
	for (int i = 0; i < npaths; i++) {
		struct famfs_stat st;
		struct cli_target t;
		struct famfs_fs *fs;

		if (cli_lookup(paths[i], o.device, &t, &fs, &st)) {
			status = 1;
			continue;
		}
		if (st.type == FAMFS_NODE_DIR && !fs)
			status |= list_dir_mount(&o, &t, paths[i], !t.rel[0]);
		else if (st.type == FAMFS_NODE_DIR)
			list_dir(&o, fs, &t, paths[i], st.ino);
		else
			show(&o, paths[i], paths[i], &t, &st);
	}
	if (o.arr) {
		printf("%s\n", json_object_to_json_string_ext(o.arr,
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o.arr);
	}
	cli_target_close_all();
	return status;
}
