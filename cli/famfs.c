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

const char *cli_escaped(const char *s, unsigned int slot)
{
	/* per thread: cp and creat report from several */
	static _Thread_local char buf[CLI_ESCAPED_SLOTS][FAMFS_ESCAPED_MAX];

	return famfs_escape(s ? s : "", buf[slot % CLI_ESCAPED_SLOTS],
			    sizeof(buf[0]));
}
static bool cli_verbose;

void cli_error(const char *what, const char *fmt, ...)
{
	va_list ap;

	char msg[FAMFS_PATH_MAX + 512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* names in it may come from the log: escaped, as the device's */
	fputs("famfs: ", stderr);
	if (what)
		fprintf(stderr, "%s: ", cli_escaped(what, 0));
	fprintf(stderr, "%s\n", cli_escaped(msg, 1));
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
		cli_escaped(cli_what, 0), sev == FAMFS_WARN ? "warning: " : "",
		cli_escaped(msg, 1));
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
	fprintf(out, "usage: famfs [--version] [--help] <command> [<args>]\n"
		     "       famfs -h <command>         that command's help\n"
		     "       famfs --list-cmds | --list-opts <command>\n\n"
		     "commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\nRun 'famfs <command> --help' for a command's options.\n");
}

/* Upstream famfs commands with no meaning here, and why. */
static const struct {
	const char *name;
	const char *reason;
} refused_commands[] = {
	{ "mkmeta", "not needed: famfs mount shows .meta itself (FUSE only, "
		    "no kernel module)" },
};

int cli_usage_status(const char *cmd)
{
	if (!strcmp(cmd, "getmap"))
		return EBADF;	/* upstream's */
	if (!strcmp(cmd, "check"))
		return 8;
	if (!strcmp(cmd, "fsck"))
		return 16;	/* fsck(8) */
	return 2;
}

/* A failed write of the output is an operational failure of the command. */
static int write_failure_status(const char *cmd)
{
	if (cmd && (!strcmp(cmd, "fsck") || !strcmp(cmd, "check")))
		return 8;
	return 1;
}

/*
 * What was printed must have reached stdout: a full disk or a closed
 * pipe turns success into failure (as ndctl's run_builtin does).
 */
static int finish(int status)
{
	bool failed = fflush(stdout) != 0 || ferror(stdout);
	int err = errno;

	if (fclose(stdout) && !failed) {
		failed = true;
		err = errno;
	}
	if (!failed)
		return status;
	cli_error(cli_current_cmd(), "write error on standard output: %s",
		  strerror(err));
	return status ? status : write_failure_status(cli_current_cmd());
}

void cli_exit(int status)
{
	exit(finish(status));
}

static const struct cli_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

/* Unknown or refused: says which, exits 2. */
static int no_such_cmd(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(refused_commands); i++) {
		if (!strcmp(name, refused_commands[i].name)) {
			cli_error(name, "%s", refused_commands[i].reason);
			return 2;
		}
	}
	cli_error(name, "unknown command (see 'famfs --help')");
	return 2;
}

static int run(const struct cli_cmd *cmd, int argc, char **argv, bool list)
{
	cli_getopt_begin(cmd->name, list);
	return finish(cmd->fn(argc, argv));
}

int main(int argc, char **argv)
{
	const char *self = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 :
						     argv[0];
	const struct cli_cmd *cmd;
	const char *arg = argc > 1 ? argv[1] : "";

	/* the names mount(8) and fsck(8) run helpers by */
	if (!strcmp(self, "mount.famfs"))
		return finish(cli_mount_helper(argc, argv));
	if (!strcmp(self, "fsck.famfs"))
		return finish(cli_fsck_helper(argc, argv));

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(arg, "--version") || !strcmp(arg, "-V")) {
		printf("famfs %s\n", FAMFS_VERSION_STRING);
		return finish(0);
	}
	if (!strcmp(arg, "--dryrun")) {
		/* upstream's global option: never run a command as if dry */
		cli_error(arg, "not supported (for a dry run of log replay: "
			  "famfs logplay -n)");
		return 2;
	}
	if (!strcmp(arg, "--list-cmds")) {
		for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
			printf("%s\n", commands[i].name);
		return finish(0);
	}
	if (!strcmp(arg, "--help") || !strcmp(arg, "-h") ||
	    !strcmp(arg, "-?") || !strcmp(arg, "help") ||
	    !strcmp(arg, "--list-opts")) {
		bool list = !strcmp(arg, "--list-opts");
		char *help[] = { NULL, "--help", NULL };

		if (argc == 2 && !list) {
			usage(stdout);
			return finish(0);
		}
		if (argc != 3) {
			usage(stderr);
			return 2;
		}
		cmd = find_cmd(argv[2]);
		if (!cmd)
			return no_such_cmd(argv[2]);
		help[0] = argv[2];
		return run(cmd, list ? 1 : 2, help, list);
	}
	cmd = find_cmd(arg);
	if (!cmd)
		return no_such_cmd(arg);
	return run(cmd, argc - 1, argv + 1, false);
}
