// SPDX-License-Identifier: Apache-2.0
/*
 * famfs mount [-d] [-f] [-s] [-o OPTS] DEVICE MOUNTPOINT
 *
 * Starts famfs_fused and waits on a pipe until the mount is live or the
 * daemon says why it is not; its reason becomes our one error line.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

#define MAX_OPTS 16

static void mount_usage(FILE *out)
{
	fprintf(out,
		"usage: famfs mount [-d] [-f] [-s] [-o OPTS] DEVICE MOUNTPOINT\n"
		"  -d, --debug          print FUSE traffic (stays in the foreground)\n"
		"  -f, --foreground     stay in the foreground until unmounted\n"
		"  -s, --single-thread  serve requests from one thread\n"
		"  -o OPTS              mount options (see famfs_fused(8))\n"
		"  -h, --help           this help\n");
}

/*
 * famfs_fused: $FAMFS_FUSED, else beside this famfs (installed), else in
 * the build tree (build/cli/famfs -> build/fuse/famfs_fused), else $PATH.
 */
static const char *find_daemon(char *buf, size_t len)
{
	static const char *const rel[] = { "famfs_fused", "../fuse/famfs_fused",
					   "../sbin/famfs_fused" };
	const char *env = getenv("FAMFS_FUSED");
	char self[PATH_MAX], *slash;
	ssize_t n;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash)
			*slash = '\0';
		for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
			if (snprintf(buf, len, "%s/%s", self, rel[i]) >=
			    (int)len)
				continue;
			if (!access(buf, X_OK))
				return buf;
		}
	}
	return "famfs_fused";
}

/* Read the daemon's verdict: "OK" or one "<thing>: <reason>" line. */
static int await_ready(int fd, pid_t pid, const char *device, bool foreground)
{
	char msg[FAMFS_PATH_MAX + 256];
	ssize_t n, len = 0;
	int status;

	while (len < (ssize_t)sizeof(msg) - 1 &&
	       (n = read(fd, msg + len, sizeof(msg) - 1 - (size_t)len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += n;
	}
	close(fd);
	msg[len] = '\0';
	if (len && msg[len - 1] == '\n')
		msg[--len] = '\0';
	if (!strcmp(msg, "OK")) {
		if (!foreground)
			return 0;	/* the daemon lives on by itself */
		if (waitpid(pid, &status, 0) < 0)
			return 1;
		return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	}
	waitpid(pid, &status, 0);
	if (len)
		fprintf(stderr, "famfs: %s\n", msg);
	else if (WIFSIGNALED(status))
		cli_error(device, "famfs_fused killed by signal %d",
			  WTERMSIG(status));
	else
		cli_error(device, "famfs_fused exited with status %d",
			  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	return 1;
}

int cmd_mount(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "debug", no_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "single-thread", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *args[8 + 2 * MAX_OPTS];
	char daemon[PATH_MAX], fdarg[32];
	bool debug = false, foreground = false, single = false;
	const char *opts[MAX_OPTS];
	int nopts = 0, nargs = 0, fds[2], c;
	pid_t pid;

	while ((c = cli_getopt(argc, argv, "dfso:h", longopts)) != -1) {
		switch (c) {
		case 'd':
			debug = true;
			foreground = true;
			break;
		case 'f':
			foreground = true;
			break;
		case 's':
			single = true;
			break;
		case 'o':
			if (nopts == MAX_OPTS) {
				cli_error("mount", "too many -o options");
				return 2;
			}
			opts[nopts++] = optarg;
			break;
		case 'h':
			mount_usage(stdout);
			return 0;
		default:
			mount_usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		mount_usage(stderr);
		return 2;
	}
	args[nargs++] = find_daemon(daemon, sizeof(daemon));
	if (debug)
		args[nargs++] = "-d";
	if (foreground)
		args[nargs++] = "-f";
	if (single)
		args[nargs++] = "-s";
	for (int i = 0; i < nopts; i++) {
		args[nargs++] = "-o";
		args[nargs++] = opts[i];
	}
	if (pipe2(fds, O_CLOEXEC)) {
		cli_error("mount", "pipe: %s", strerror(errno));
		return 1;
	}
	snprintf(fdarg, sizeof(fdarg), "--ready-fd=%d", fds[1]);
	args[nargs++] = fdarg;
	args[nargs++] = "--";
	args[nargs++] = argv[optind];
	args[nargs++] = argv[optind + 1];
	args[nargs] = NULL;

	pid = fork();
	if (pid < 0) {
		cli_error("mount", "fork: %s", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		close(fds[0]);
		fcntl(fds[1], F_SETFD, 0);	/* the daemon keeps this end */
		execvp(args[0], (char *const *)args);
		dprintf(fds[1], "%s: cannot run %s: %s\n", argv[optind],
			args[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	/* in the foreground ^C is the daemon's to handle; we report after */
	if (foreground)
		signal(SIGINT, SIG_IGN);
	return await_ready(fds[0], pid, argv[optind], foreground);
}
