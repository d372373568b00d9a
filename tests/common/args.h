/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command-line numbers of the test programs (tests/mount's, and
 * tests/vm's built for the guest): taken whole or refused as a usage
 * error, never in part ("12x" is not 12), as 0 ("x") nor with a blank
 * or a sign before it (" 12", "+12", and "-0" where no negative is).
 */
#ifndef TESTS_COMMON_ARGS_H
#define TESTS_COMMON_ARGS_H

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

/*
 * number_arg() for a number written in decimal or, after "0x", in hex
 * (device offsets, stamp tags): "not a decimal or 0x hex number from
 * @min to @max". A decimal with a leading 0 ("010") is refused: C's
 * own reading of it is octal.
 */
long hex_arg(const char *what, const char *arg, long min, long max,
	     const char *usage);

#endif
