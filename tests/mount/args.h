/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command-line numbers of the test programs: taken whole or refused as a
 * usage error, never in part ("12x" is not 12) nor as 0 ("x").
 */
#ifndef TESTS_MOUNT_ARGS_H
#define TESTS_MOUNT_ARGS_H

/*
 * @arg as a whole decimal number from @min to @max. Otherwise prints
 * "PROGRAM: @what '@arg': not a whole number from @min to @max", then
 * @usage, on stderr and exits 2 (the test programs' usage status).
 */
long number_arg(const char *what, const char *arg, long min, long max,
		const char *usage);

/*
 * number_arg() for a number written in octal (a file mode): "not an
 * octal number from @min to @max", the bounds in octal.
 */
long octal_arg(const char *what, const char *arg, long min, long max,
	       const char *usage);

#endif
