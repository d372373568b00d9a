// SPDX-License-Identifier: Apache-2.0
/* The daemon's notify thread held stopped: see notify_hold.h. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "notify_hold.h"

static void die(const char *prog, const char *what, const char *path)
{
	fprintf(stderr, "%s: %s %s: %s\n", prog, what, path,
		strerror(errno));
	exit(2);
}

/* The first line of /proc/PID/task/TID/NAME, newline dropped. */
static int task_file(long pid, const char *tid, const char *name,
		     char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/task/%s/%s", pid, tid, name);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

pid_t notify_hold(const char *prog, long pid)
{
	char dirpath[64], buf[256], futex[32];
	struct dirent *e;
	pid_t tid = 0;
	int status;
	DIR *dir;

	alarm(60);
	snprintf(dirpath, sizeof(dirpath), "/proc/%ld/task", pid);
	dir = opendir(dirpath);
	if (!dir)
		die(prog, "opendir", dirpath);
	while ((e = readdir(dir)) && !tid)
		if (!task_file(pid, e->d_name, "comm", buf, sizeof(buf)) &&
		    !strcmp(buf, "famfs-notify"))
			tid = (pid_t)atol(e->d_name);
	closedir(dir);
	if (!tid) {
		errno = ESRCH;
		die(prog, "no famfs-notify thread in", dirpath);
	}
	snprintf(buf, sizeof(buf), "%d", (int)tid);
	snprintf(futex, sizeof(futex), "%ld ", (long)SYS_futex);
	for (int i = 0;; i++) {
		char sys[256];

		if (task_file(pid, buf, "syscall", sys, sizeof(sys)))
			die(prog, "read syscall of thread", buf);
		if (!strncmp(sys, futex, strlen(futex)))
			break;
		if (i == 1000) {
			errno = EBUSY;
			die(prog, "not waiting in futex(2): thread", buf);
		}
		usleep(1000);
	}
	if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) ||
	    ptrace(PTRACE_INTERRUPT, tid, NULL, NULL))
		die(prog, "ptrace thread", buf);
	if (waitpid(tid, &status, __WALL) != tid || !WIFSTOPPED(status))
		die(prog, "waitpid thread", buf);
	return tid;
}

void notify_release(pid_t tid)
{
	ptrace(PTRACE_DETACH, tid, NULL, NULL);
	alarm(0);
}
