// SPDX-License-Identifier: Apache-2.0
/*
 * Daemon messages after startup. Until the mount is live, errors travel
 * up the ready pipe (main.c); afterwards a detached daemon has no
 * terminal, so its messages go to syslog.
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "famfs_fused.h"

static bool use_syslog;

void fused_log_to_syslog(void)
{
	openlog("famfs_fused", LOG_PID, LOG_DAEMON);
	use_syslog = true;
}

void fused_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (use_syslog) {
		vsyslog(prio, fmt, ap);
	} else {
		fputs("famfs_fused: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

static void report_to_log(void *ctx, enum famfs_severity sev,
			  const char *msg)
{
	const char *device = ctx;

	if (sev == FAMFS_INFO)
		return;
	fused_log(sev == FAMFS_ERROR ? LOG_ERR : LOG_WARNING, "%s: %s%s",
		  device, sev == FAMFS_WARN ? "warning: " : "", msg);
}

/* Log problems found while replaying (skipped entries) are worth a line. */
void fused_report_init(struct famfs_report *rep, const char *device)
{
	rep->fn = report_to_log;
	rep->ctx = (void *)device;
	rep->nerrors = 0;
	rep->nwarnings = 0;
}
