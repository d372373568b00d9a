/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the famfs subcommands: the dispatch table and edge helpers. */
#ifndef FAMFS_CLI_H
#define FAMFS_CLI_H

#include <stdio.h>
#include "famfs.h"

#define CLI_CMDS(X) \
	X(mount, "mount a famfs device (starts famfs_fused)") \
	X(umount, "unmount a famfs mount") \
	X(fsck, "check a famfs device or mount") \
	X(check, "verify every file of a mount maps to valid extents") \
	X(mkdir, "create a directory in a famfs mount") \
	X(creat, "create a file of a fixed size") \
	X(cp, "copy files into famfs") \
	X(verify, "verify seeded file contents written by creat") \
	X(flush, "flush/invalidate CPU caches for whole files") \
	X(logplay, "replay the log into a mount now") \
	X(getmap, "print the extent list of a file") \
	X(clone, "cross-link a file's extents (test tool)") \
	X(chkread, "compare read() with mmap() contents") \
	X(stat, "show famfs attributes of files") \
	X(ls, "list a famfs directory") \
	X(daxmode, "bind a devdax device to fsdev_dax or device_dax")

#define CLI_DECLARE(name, help) int cmd_##name(int argc, char **argv);
CLI_CMDS(CLI_DECLARE)
#undef CLI_DECLARE

/* Print "famfs: <what>: <reason>" to stderr (one line, printed once). */
void cli_error(const char *what, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A report sink printing "famfs: DEVICE: problem" lines to stderr. */
void cli_report_init(struct famfs_report *rep, const char *what, bool verbose);

#endif
