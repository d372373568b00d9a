// SPDX-License-Identifier: Apache-2.0
/*
 * Option parsing conventions shared by every subcommand (cli_getopt):
 * -? is help, errors are one "famfs: CMD: ..." line, upstream famfs
 * options that do not apply here are refused with the reason, and under
 * `famfs --list-opts CMD` the option table itself is printed, so shell
 * completion is generated from what the command really accepts.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *current_cmd;	/* NULL: no command runs */
static bool listing;

/* Why an upstream famfs option has no meaning here, by long name. */
static const struct {
	const char *name;
	const char *reason;
} refusals[] = {
	{ "nofuse", "the famfs v1 kernel module is not supported; famfs "
		    "runs on FUSE only" },
	{ "load-module", "there is no famfs kernel module to load; famfs "
			 "runs on FUSE only" },
	{ "remount", "remounting is not supported; umount and mount again" },
	{ "shadow", "shadow (YAML) file systems are not supported" },
	{ "set-daxmode", "use 'famfs daxmode DEVICE famfs' before mounting" },
	{ "bouncedax", "not supported (the daemon maps the device itself)" },
	{ "dummy", "dummy mounts are not needed (the CLI reads devices "
		   "directly)" },
};

void cli_getopt_begin(const char *cmd, bool list)
{
	current_cmd = cmd;
	listing = list;
}

const char *cli_current_cmd(void)
{
	return current_cmd;
}

static const struct option *refused_short(const struct option *longopts,
					  int c)
{
	for (const struct option *o = longopts; o->name; o++)
		if (o->val == CLI_REFUSED(c))
			return o;
	return NULL;
}

static const char *refusal_reason(const char *name)
{
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++)
		if (!strcmp(refusals[i].name, name))
			return refusals[i].reason;
	return "not supported";
}

static int help_value(const struct option *longopts)
{
	for (const struct option *o = longopts; o->name; o++)
		if (!strcmp(o->name, "help"))
			return o->val;
	return 'h';
}

/*
 * One option per line, as typed, with " VALUE" when it takes one; the
 * refused upstream spellings are left out.
 */
static void list_options(const char *shortopts,
			 const struct option *longopts)
{
	for (const struct option *o = longopts; o->name; o++) {
		if (o->val & CLI_REFUSED(0))
			continue;
		printf("--%s%s\n", o->name,
		       o->has_arg == required_argument ? " VALUE" : "");
	}
	for (const char *s = shortopts; *s; s++) {
		if (*s == ':' || *s == '+' || *s == '-')
			continue;
		if (refused_short(longopts, *s))
			continue;
		printf("-%c%s\n", *s, s[1] == ':' ? " VALUE" : "");
	}
	cli_exit(0);
}

int cli_operands(int argc, char **argv, int min, int max, const char *names)
{
	int given = argc - optind;
	const char *word = names, *space;

	if (given < min) {
		/* the name of operand number @given, or the last one */
		for (int i = 0; i < given && (space = strchr(word, ' ')); i++)
			word = space + 1;
		cli_error(current_cmd, "missing %.*s",
			  (int)strcspn(word, " "), word);
		return -1;
	}
	if (max >= 0 && given > max) {
		cli_error(current_cmd, "%s: extra argument",
			  argv[optind + max]);
		return -1;
	}
	return 0;
}

int cli_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts)
{
	char spec[128];
	const struct option *o;
	int c, index = -1;

	if (listing)
		list_options(shortopts, longopts);
	/*
	 * ':' first (after a '+' that stops at the first non-option): a
	 * missing value is told apart from an unknown option
	 */
	if (snprintf(spec, sizeof(spec), "%s:%s", *shortopts == '+' ? "+" : "",
		     shortopts + (*shortopts == '+')) >= (int)sizeof(spec))
		abort();	/* a programming error, caught by every test */
	opterr = 0;
	c = getopt_long(argc, argv, spec, longopts, &index);
	if (c == -1)
		return c;
	/* a refusal is the whole answer: one line, the usage status */
	if (c & CLI_REFUSED(0)) {
		cli_error(current_cmd, "--%s: %s", longopts[index].name,
			  refusal_reason(longopts[index].name));
		cli_exit(cli_usage_status(current_cmd));
	}
	o = refused_short(longopts, c);
	if (o) {
		cli_error(current_cmd, "-%c (--%s): %s", c, o->name,
			  refusal_reason(o->name));
		cli_exit(cli_usage_status(current_cmd));
	}
	if (c == ':') {
		cli_error(current_cmd, "%s: needs a value", argv[optind - 1]);
		return '?';
	}
	if (c == '?') {
		if (optopt == '?')
			return help_value(longopts);
		if (optopt && strncmp(argv[optind - 1], "--", 2))
			cli_error(current_cmd, "-%c: unknown option", optopt);
		else if (optopt)
			cli_error(current_cmd, "%s: takes no value",
				  argv[optind - 1]);
		else
			cli_error(current_cmd, "%s: unknown option",
				  argv[optind - 1]);
		return '?';
	}
	return c;
}
