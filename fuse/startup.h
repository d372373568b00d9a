/* SPDX-License-Identifier: Apache-2.0 */
/* famfs_fused startup steps (startup.c), in the order main() runs them. */
#ifndef FAMFS_FUSED_STARTUP_H
#define FAMFS_FUSED_STARTUP_H

#include "famfs_fused.h"

/* Fork into the background unless told otherwise; returns in the child. */
void startup_detach(struct fused_opts *o);
/* Refuse a bad mountpoint, a missing device, a duplicate mount. */
int startup_check(struct fused *d);
/* Open the filesystem and learn the role; errors are reported. */
int startup_open(struct fused *d);
/* Report "<what>: <reason>" to the starter (or stderr); returns @err. */
int startup_fail(struct fused_opts *o, int err, const char *what,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Tell the starter the mount is live. */
void startup_ready(struct fused_opts *o);
/* Detach stdio and cwd once mounted in the background. */
void startup_daemonize_io(void);

#endif
