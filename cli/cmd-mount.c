// SPDX-License-Identifier: Apache-2.0
/*
 * famfs mount [-fdsvup] [-t SECONDS] [-o OPTS] [--foreground] DEVICE MOUNTPOINT
 *
 * Starts famfs_fused and waits on a pipe until the mount is live or the
 * daemon says why it is not; its reason becomes our one error line. A
 * live mount gets one line saying how it serves files (passthrough or
 * the daemon, and why).
 * Upstream famfs's spellings are accepted: -f is --fuse (FUSE is the only
 * mode here, so it changes nothing), -t/--timeout, -u/--nouseraccess,
 * -p/--nodefaultperm, -v; the kernel-module ("v1") options are refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

#define MAX_OPTS 16

/* Long-only options; upstream famfs gave -f to --fuse. */
enum { OPT_FOREGROUND = 0x100, OPT_READ, OPT_MMAP };

static void mount_usage(FILE *out)
{
	fprintf(out,
		"usage: famfs mount [-fdsvup] [-t SECONDS] [-o OPTS] [--foreground]\n"
		"                   DEVICE MOUNTPOINT\n"
		"  -d, --debug          print FUSE traffic (stays in the foreground)\n"
		"      --foreground     stay in the foreground until unmounted\n"
		"  -s, --single-thread  serve requests from one thread\n"
		"  -o OPTS              mount options (see famfs_fused(8))\n"
		"  -t, --timeout=SECS   kernel attribute and name cache (default 5\n"
		"                       on the master, 1 on a client)\n"
		"  -u, --nouseraccess   only the mounting user may use the mount\n"
		"                       (no allow_other)\n"
		"  -p, --nodefaultperm  the kernel does not check file modes\n"
		"                       (no default_permissions)\n"
		"  -f, --fuse           accepted for upstream famfs (FUSE is the only mode)\n"
		"      --read, --mmap   accepted for upstream famfs (no effect)\n"
		"  -v, --verbose        say what was mounted\n"
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
static int await_ready(int fd, pid_t pid, const char *device,
		       const char *mountpoint, bool foreground)
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
		cli_serving_print_mount(mountpoint);
		fflush(stdout);
		if (!foreground)
			return 0;	/* the daemon lives on by itself */
		if (waitpid(pid, &status, 0) < 0)
			return 1;
		return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	}
	waitpid(pid, &status, 0);
	/* a bad -o value: famfs_fused said which on stderr before the pipe */
	if (!len && WIFEXITED(status) && WEXITSTATUS(status) == 2)
		return 2;
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

/* A -o value for famfs_fused, kept (not copied) in @opts. */
static int add_opt(const char **opts, int *nopts, const char *opt)
{
	if (*nopts == MAX_OPTS) {
		cli_error("mount", "too many -o options");
		return -E2BIG;
	}
	opts[(*nopts)++] = opt;
	return 0;
}

/* Upstream's FAMFS_MODE picks v1 or fuse; only fuse exists here. */
static int check_mode_env(void)
{
	const char *mode = getenv("FAMFS_MODE");

	if (!mode || !*mode || !strcmp(mode, "fuse"))
		return 0;
	cli_error("FAMFS_MODE", "%s: only \"fuse\" is supported (famfs runs "
		  "on FUSE; there is no v1 kernel module)", mode);
	return -EINVAL;
}

int cmd_mount(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "debug", no_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, OPT_FOREGROUND },
		{ "single-thread", no_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "nouseraccess", no_argument, NULL, 'u' },
		{ "nodefaultperm", no_argument, NULL, 'p' },
		{ "fuse", no_argument, NULL, 'f' },
		{ "read", no_argument, NULL, OPT_READ },
		{ "mmap", no_argument, NULL, OPT_MMAP },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "nofuse", no_argument, NULL, CLI_REFUSED('F') },
		{ "remount", no_argument, NULL, CLI_REFUSED('R') },
		{ "load-module", no_argument, NULL, CLI_REFUSED('L') },
		{ "set-daxmode", no_argument, NULL, CLI_REFUSED('M') },
		{ "shadow", required_argument, NULL, CLI_REFUSED('S') },
		{ "dummy", no_argument, NULL, CLI_REFUSED('D') },
		{ "bouncedax", no_argument, NULL, CLI_REFUSED(0x200) },
		{ NULL, 0, NULL, 0 },
	};
	const char *args[8 + 2 * MAX_OPTS];
	char daemon[PATH_MAX], fdarg[32], timeout_opt[64];
	bool debug = false, foreground = false, single = false;
	bool verbose = false;
	const char *opts[MAX_OPTS];
	int nopts = 0, nargs = 0, fds[2], c, rc;
	pid_t pid;

	while ((c = cli_getopt(argc, argv, "dfso:t:upvhFRLMS:D",
			       longopts)) != -1) {
		switch (c) {
		case 'd':
			debug = true;
			foreground = true;
			break;
		case OPT_FOREGROUND:
			foreground = true;
			break;
		case 'f':
		case OPT_READ:
		case OPT_MMAP:
			break;
		case 's':
			single = true;
			break;
		case 'o':
			if (add_opt(opts, &nopts, optarg))
				return 2;
			break;
		case 't': {
			uint64_t secs;

			if (cli_parse_u64(optarg, &secs) || secs > 1000000000) {
				cli_error(optarg, "invalid timeout (seconds)");
				return 2;
			}
			snprintf(timeout_opt, sizeof(timeout_opt),
				 "timeout=%" PRIu64, secs);
			if (add_opt(opts, &nopts, timeout_opt))
				return 2;
			break;
		}
		case 'u':
			if (add_opt(opts, &nopts, "no_allow_other"))
				return 2;
			break;
		case 'p':
			if (add_opt(opts, &nopts, "no_default_permissions"))
				return 2;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			mount_usage(stdout);
			return 0;
		default:
			mount_usage(stderr);
			return 2;
		}
	}
	if (cli_operands(argc, argv, 2, 2, "DEVICE MOUNTPOINT")) {
		mount_usage(stderr);
		return 2;
	}
	if (check_mode_env())
		return 2;
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
	rc = await_ready(fds[0], pid, argv[optind], argv[optind + 1],
			 foreground);
	if (!rc && verbose && !foreground)
		printf("famfs: %s mounted at %s\n", argv[optind],
		       argv[optind + 1]);
	return rc;
}
