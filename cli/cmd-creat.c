// SPDX-License-Identifier: Apache-2.0
/* Placeholder until its issue lands: refuses clearly instead of pretending. */
#include "cli.h"

int cmd_creat(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	cli_error("creat", "not implemented yet");
	return 1;
}
