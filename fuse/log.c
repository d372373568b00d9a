// SPDX-License-Identifier: Apache-2.0
/*
 * Daemon messages after startup. Until the mount is live, errors travel
 * up the ready pipe (main.c); afterwards a detached daemon has no
 * terminal, so its messages go to syslog.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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
	char msg[FAMFS_PATH_MAX + 512], *safe;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* names in it may come from the log: escaped for whoever reads it */
	safe = malloc(FAMFS_ESCAPED_MAX);
	if (safe)
		famfs_escape(msg, safe, FAMFS_ESCAPED_MAX);
	if (use_syslog)
		syslog(prio, "%s", safe ? safe : "(out of memory)");
	else
		fprintf(stderr, "famfs_fused: %s\n",
			safe ? safe : "(out of memory)");
	free(safe);
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
