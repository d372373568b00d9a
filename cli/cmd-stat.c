// SPDX-License-Identifier: Apache-2.0
/*
 * famfs stat [--json] [-D DEVICE] PATH...
 * Attributes of files and directories as the log records them (state,
 * allocation, extents, interleave), not as the kernel caches them; in a
 * mount, also how the daemon serves the file's opens.
 */
#include <getopt.h>
#include <json-c/json.h>
#include <sys/stat.h>

#include "cli.h"
#include "famfs_ioctl.h"

static void stat_usage(FILE *out)
{
	fprintf(out,
		"usage: famfs stat [--json] [-D DEVICE] PATH...\n"
		"  -j, --json           print a JSON array of objects\n"
		"  -D, --device=DEVICE  PATHs are relative to the root of DEVICE\n"
		"  -h, --help           this help\n");
}

int cmd_stat(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "device", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *arr = NULL;
	const char *device = NULL;
	bool json = false;
	int c, status = 0;

	while ((c = cli_getopt(argc, argv, "jD:h", opts)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'D':
			device = optarg;
			break;
		case 'h':
			stat_usage(stdout);
			return 0;
		default:
			stat_usage(stderr);
			return 2;
		}
	}
	if (cli_operands(argc, argv, 1, -1, "PATH")) {
		stat_usage(stderr);
		return 2;
	}
	if (json)
		arr = json_object_new_array();
	for (int i = optind; i < argc; i++) {
		struct famfs_ioc_serving sv;
		struct famfs_stat st;
		struct cli_target t;
		struct famfs_fs *fs;
		bool have_serving;
		struct stat kst;

		if (cli_lookup(argv[i], device, &t, &fs, &st)) {
			status = 1;
			continue;
		}
		/* directories are always the daemon's: nothing to say */
		have_serving = st.type == FAMFS_NODE_FILE &&
			       t.mi.mountpoint[0] && !stat(argv[i], &kst) &&
			       !cli_serving(t.mi.mountpoint, kst.st_ino, &sv);
		if (json) {
			struct json_object *o = cli_stat_json(argv[i],
							      t.mi.device, &st);

			if (have_serving) {
				json_object_object_add(o, "served",
					json_object_new_string(cli_served_name(&sv)));
				json_object_object_add(o, "served_why",
					json_object_new_string(famfs_why_word(sv.why)));
			}
			json_object_array_add(arr, o);
		} else {
			cli_stat_print(argv[i], &st);
			if (have_serving && sv.why)
				printf("  Served: %s (%s)\n",
				       cli_served_name(&sv),
				       famfs_why_text(sv.why));
			else if (have_serving)
				printf("  Served: %s\n", cli_served_name(&sv));
		}
	}
	if (json) {
		printf("%s\n", json_object_to_json_string_ext(arr,
			JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(arr);
	}
	cli_target_close_all();
	return status;
}
