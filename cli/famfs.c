// SPDX-License-Identifier: Apache-2.0
/*
 * famfs: the command-line tool. One table of subcommands; each lives in
 * cli/cmd-<name>.c and parses its own options (as ndctl and git do).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

#define CLI_ENTRY(name, help) { #name, cmd_##name, help },
static const struct cli_cmd commands[] = { CLI_CMDS(CLI_ENTRY) };
#undef CLI_ENTRY

static const char *cli_what;
static bool cli_verbose;

void cli_error(const char *what, const char *fmt, ...)
{
	va_list ap;

	fputs("famfs: ", stderr);
	if (what)
		fprintf(stderr, "%s: ", what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *cli_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case EROFS:
		return "read-only file system (client)";
	case ENOTCONN:
		return "famfs mount is not connected (daemon gone?)";
	case ENOSPC:
		return "no space left on the famfs device";
	default:
		return strerror(err);
	}
}

static void cli_report_print(void *ctx, enum famfs_severity sev,
			     const char *msg)
{
	(void)ctx;
	if (sev == FAMFS_INFO && !cli_verbose)
		return;
	fprintf(sev == FAMFS_INFO ? stdout : stderr, "famfs: %s: %s%s\n",
		cli_what, sev == FAMFS_WARN ? "warning: " : "", msg);
}

void cli_report_init(struct famfs_report *rep, const char *what, bool verbose)
{
	memset(rep, 0, sizeof(*rep));
	cli_what = what;
	cli_verbose = verbose;
	rep->fn = cli_report_print;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: famfs [--version] [--help] <command> [<args>]\n\n"
		     "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\nRun 'famfs <command> --help' for a command's options.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("famfs %s\n", FAMFS_VERSION_STRING);
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	cli_error(argv[1], "unknown command (see 'famfs --help')");
	return 2;
}
