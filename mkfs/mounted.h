/* SPDX-License-Identifier: Apache-2.0 */
#ifndef MKFS_MOUNTED_H
#define MKFS_MOUNTED_H

#include "famfs.h"

/*
 * 0 when @dev may be formatted, else 1 after printing why: mounted on
 * this host, or (version 2) some host's slot says mounted, unless @force
 * is 2 or more (-f -f: those hosts are gone). A version 1 device cannot
 * tell: with @force it is formatted after a warning.
 */
int mkfs_refuse_mounted(const char *path, const struct famfs_dev *dev,
			unsigned int force);

#endif
