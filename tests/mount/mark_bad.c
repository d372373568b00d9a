// SPDX-License-Identifier: Apache-2.0
/*
 * mark_bad DEVICE PATH OFFSET LEN: record file bytes [OFFSET, OFFSET+LEN)
 * of PATH (relative to the famfs root) as poisoned memory in the log, as
 * the master's daemon does when fsdev_dax reports a memory failure. For
 * tests on hosts without the module; the device must not be mounted.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "famfs.h"

static const char usage_text[] =
	"usage: mark_bad DEVICE PATH OFFSET LEN\n";

int main(int argc, char **argv)
{
	uint64_t off, len, dev_off, contig;
	struct famfs_stat st;
	struct famfs_fs *fs;
	int rc;

	if (argc != 5) {
		fputs(usage_text, stderr);
		return 2;
	}
	off = (uint64_t)number_arg("OFFSET", argv[3], 0, LONG_MAX, usage_text);
	len = (uint64_t)number_arg("LEN", argv[4], 0, LONG_MAX, usage_text);
	rc = famfs_fs_open(argv[1], FAMFS_OPEN_RDWR, NULL, &fs);
	if (!rc) {
		rc = famfs_resolve(fs, argv[2], &st);
		if (!rc)
			rc = famfs_file_map(fs, st.ino, off, &dev_off, &contig);
		if (!rc && contig < len)
			rc = -ERANGE;
		if (!rc)
			rc = famfs_mark_bad(fs, dev_off, len);
		famfs_fs_close(fs);
	}
	if (rc) {
		fprintf(stderr, "mark_bad: %s: %s\n", argv[2], strerror(-rc));
		return 1;
	}
	printf("%" PRIu64 " bytes at device offset %" PRIu64 "\n", len,
	       dev_off);
	return 0;
}
