// SPDX-License-Identifier: Apache-2.0
/* Placeholder until its issue lands: refuses clearly instead of pretending. */
#include "cli.h"

int cmd_clone(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("clone", "not implemented yet");
	return 1;
}
