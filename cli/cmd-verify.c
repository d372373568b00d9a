// SPDX-License-Identifier: Apache-2.0
/* Placeholder until its issue lands: refuses clearly instead of pretending. */
#include "cli.h"

int cmd_verify(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("verify", "not implemented yet");
	return 1;
}
