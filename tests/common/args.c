// SPDX-License-Identifier: Apache-2.0
/* Command-line numbers of the test programs (args.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* program_invocation_short_name: built alone too */
#endif
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

/* "0x..." or a decimal without a leading 0 (which C would read octal) */
static int base_of(const char *arg)
{
	if (!strncmp(arg, "0x", 2) || !strncmp(arg, "0X", 2))
		return 16;
	return arg[0] == '0' && arg[1] ? -1 : 10;
}

/*
 * A digit first, or a '-' and a digit where @min is negative: strtol()
 * itself would skip leading blanks and take a '+' (" 12", "+12"), and
 * read "-0" as 0 in a range of no negatives.
 */
static bool starts_whole(const char *arg, long min)
{
	if (min < 0 && arg[0] == '-')
		arg++;
	return isdigit((unsigned char)arg[0]);
}

/* @arg whole in @base from @min to @max, or exit 2 saying it is not */
static long whole_arg(const char *what, const char *arg, int base,
		      long min, long max, const char *usage)
{
	bool hex = base == 0;
	bool ok = starts_whole(arg, min);
	char *end = NULL;
	long v = 0;

	if (ok && hex)
		base = base_of(arg + (arg[0] == '-'));
	errno = 0;
	if (ok && base > 0)
		v = strtol(arg, &end, base);
	if (!ok || base < 0 || errno || end == arg || *end || v < min ||
	    v > max) {
		fprintf(stderr, "%s: %s '%s': not ",
			program_invocation_short_name, what, arg);
		if (base == 8)
			fprintf(stderr, "an octal number from %lo to %lo\n",
				(unsigned long)min, (unsigned long)max);
		else if (hex)
			fprintf(stderr, "a decimal or 0x hex number from "
				"%ld to %ld\n", min, max);
		else
			fprintf(stderr, "a whole number from %ld to %ld\n",
				min, max);
		fputs(usage, stderr);
		exit(2);
	}
	return v;
}

long number_arg(const char *what, const char *arg, long min, long max,
		const char *usage)
{
	return whole_arg(what, arg, 10, min, max, usage);
}

long octal_arg(const char *what, const char *arg, long min, long max,
	       const char *usage)
{
	return whole_arg(what, arg, 8, min, max, usage);
}

long hex_arg(const char *what, const char *arg, long min, long max,
	     const char *usage)
{
	return whole_arg(what, arg, 0, min, max, usage);
}
