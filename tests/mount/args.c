// SPDX-License-Identifier: Apache-2.0
/* Command-line numbers of the test programs (args.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "args.h"

long number_arg(const char *what, const char *arg, long min, long max,
		const char *usage)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max) {
		fprintf(stderr, "%s: %s '%s': not a whole number from %ld "
			"to %ld\n%s", program_invocation_short_name, what, arg,
			min, max, usage);
		exit(2);
	}
	return v;
}
