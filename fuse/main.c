// SPDX-License-Identifier: Apache-2.0
/*
 * famfs_fused: serve a famfs device through FUSE on a stock kernel.
 *
 *   famfs_fused [-d] [-f] [-s] [-o OPTS] DEVICE MOUNTPOINT
 *
 * Usually started by "famfs mount", which passes --ready-fd so that it
 * can wait for the mount to be live and report our errors as its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "famfs_fused.h"
#include "startup.h"

/* The daemon's state; one filesystem per process. */
static struct fused fused;

static void usage(FILE *out)
{
	fprintf(out,
		"usage: famfs_fused [-d] [-f] [-s] [-o OPTS] DEVICE MOUNTPOINT\n"
		"  -d, --debug          print FUSE traffic (implies -f)\n"
		"  -f, --foreground     stay in the foreground\n"
		"  -s, --single-thread  serve requests from one thread\n"
		"  -o OPTS              mount options: direct_io, nopassthrough,\n"
		"                       timeout=SECONDS, no_allow_other,\n"
		"                       no_default_permissions, or FUSE's\n"
		"  -h, --help           this text\n"
		"  -V, --version        print the version\n");
}

/* exit(0) once what was printed reached stdout, else exit(1) saying why. */
static void __attribute__((noreturn)) exit_written(void)
{
	if (fflush(stdout) || ferror(stdout) || fclose(stdout)) {
		fprintf(stderr, "famfs_fused: standard output: %s\n",
			strerror(errno));
		exit(1);
	}
	exit(0);
}

/* Keep famfs's own -o options; collect the rest for libfuse. */
static int take_mount_opts(struct fused_opts *o, const char *list)
{
	char *copy = strdup(list), *save = NULL, *opt;
	size_t len;

	if (!copy)
		return -ENOMEM;
	for (opt = strtok_r(copy, ",", &save); opt;
	     opt = strtok_r(NULL, ",", &save)) {
		if (!strcmp(opt, "direct_io")) {
			o->direct_io = true;
			continue;
		}
		if (!strcmp(opt, "passthrough") ||
		    !strcmp(opt, "nopassthrough")) {
			o->passthrough = opt[0] == 'p';
			o->passthrough_asked = o->passthrough;
			continue;
		}
		if (!strcmp(opt, "no_allow_other")) {
			o->no_allow_other = true;
			continue;
		}
		if (!strcmp(opt, "no_default_permissions")) {
			o->no_default_permissions = true;
			continue;
		}
		if (!strncmp(opt, "timeout=", 8)) {
			char *end;

			o->timeout = strtod(opt + 8, &end);
			if (end == opt + 8 || *end || !(o->timeout >= 0) ||
			    o->timeout > 1e9) {
				fprintf(stderr, "famfs_fused: -o %s: seconds "
					"expected\n", opt);
				free(copy);
				return -EINVAL;
			}
			continue;
		}
		/* a read-only mount gets read-only views */
		if (!strcmp(opt, "ro"))
			o->read_only = true;	/* and on to libfuse */
		if (!strncmp(opt, "fsname=", 7) ||
		    !strncmp(opt, "subtype=", 8)) {
			fprintf(stderr, "famfs_fused: -o %s: set by famfs\n",
				opt);
			free(copy);
			return -EINVAL;
		}
		len = o->fuse_opts ? strlen(o->fuse_opts) : 0;
		o->fuse_opts = realloc(o->fuse_opts, len + strlen(opt) + 2);
		if (!o->fuse_opts) {
			free(copy);
			return -ENOMEM;
		}
		sprintf(o->fuse_opts + len, "%s%s", len ? "," : "", opt);
	}
	free(copy);
	return 0;
}

static int parse_args(int argc, char **argv, struct fused_opts *o)
{
	static const struct option longopts[] = {
		{ "debug", no_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "single-thread", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "ready-fd", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->ready_fd = -1;
	o->timeout = -1;
	o->passthrough = true;	/* wherever the device allows it */
	while ((c = getopt_long(argc, argv, "dfso:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->debug = true;
			o->foreground = true;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 's':
			o->single_thread = true;
			break;
		case 'o':
			if (take_mount_opts(o, optarg))
				return 2;
			break;
		case 'R':
			o->ready_fd = atoi(optarg);
			break;
		case 'h':
			usage(stdout);
			exit_written();
		case 'V':
			printf("famfs_fused %s (libfuse %s)\n", FAMFS_VERSION_STRING,
			       fuse_pkgversion());
			exit_written();
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	o->device = argv[optind];
	o->mountpoint = argv[optind + 1];
	return 0;
}

/* fsname goes through libfuse's option parser: escape ',' and '\'. */
static char *escape_opt(const char *s)
{
	char *out = malloc(strlen(s) * 2 + 1), *p = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		if (*s == ',' || *s == '\\')
			*p++ = '\\';
		*p++ = *s;
	}
	*p = '\0';
	return out;
}

static int build_fuse_args(struct fused *d, struct fuse_args *args)
{
	char *fsname = escape_opt(d->device), *opts;
	int rc;

	if (!fsname)
		return -ENOMEM;
	/* the mount table names the device: famfs's mount helpers rely on it */
	rc = asprintf(&opts, "fsname=%s,subtype=famfs%s%s", fsname,
		      d->opts.no_default_permissions ? "" :
		      ",default_permissions",
		      geteuid() == 0 && !d->opts.no_allow_other ?
		      ",allow_other" : "");
	free(fsname);
	if (rc < 0)
		return -ENOMEM;
	rc = fuse_opt_add_arg(args, "famfs_fused") ||
	     fuse_opt_add_arg(args, "-o") || fuse_opt_add_arg(args, opts);
	free(opts);
	if (!rc && d->opts.fuse_opts)
		rc = fuse_opt_add_arg(args, "-o") ||
		     fuse_opt_add_arg(args, d->opts.fuse_opts);
	if (!rc && d->opts.debug)
		rc = fuse_opt_add_arg(args, "-d");
	return rc ? -ENOMEM : 0;
}

/*
 * libfuse's first complaint before the mount is live becomes our error
 * line; it may arrive in pieces (one per unknown option), up to a '\n'.
 */
static char fuse_last_error[512];
static bool fuse_error_done;

static void capture_fuse_log(enum fuse_log_level level, const char *fmt,
			     va_list ap)
{
	char line[sizeof(fuse_last_error)];
	int saved_errno = errno;	/* callers still look at theirs */
	size_t n, have;

	if (level == FUSE_LOG_DEBUG) {
		if (fused.opts.debug)
			vfprintf(stderr, fmt, ap);	/* -d: the traffic */
		errno = saved_errno;
		return;
	}
	vsnprintf(line, sizeof(line), fmt, ap);
	if (level <= FUSE_LOG_ERR && !fuse_error_done) {
		have = strlen(fuse_last_error);
		snprintf(fuse_last_error + have, sizeof(fuse_last_error) - have,
			 "%s", line);
		fuse_error_done = strchr(line, '\n') != NULL;
	}
	n = strlen(fuse_last_error);
	while (n && fuse_last_error[n - 1] == '\n')
		fuse_last_error[--n] = '\0';
	n = strlen(line);
	while (n && line[n - 1] == '\n')
		line[--n] = '\0';
	if (fused.se && level <= FUSE_LOG_WARNING && n)
		fused_log(level <= FUSE_LOG_ERR ? LOG_ERR : LOG_WARNING, "%s",
			  line);
	errno = saved_errno;
}

/*
 * An unprivileged mount goes through fusermount3, which explains a
 * refusal (allow_other without user_allow_other, no such user, ...) on
 * the stderr it inherits, not through libfuse's log, and the starter
 * would see that line followed by ours. Catch what is written to stderr
 * while mounting: its last line becomes the reason of our one error line,
 * anything else goes on to the real stderr. Still single-threaded here.
 */
struct stderr_catch {
	int saved;		/* the real stderr, -1 when not catching */
	int rd;			/* read end of the pipe now behind fd 2 */
};

static void stderr_catch_start(struct stderr_catch *c)
{
	int p[2];

	c->saved = -1;
	c->rd = -1;
	fflush(stderr);
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK))
		return;
	c->saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	/* dup2 leaves fd 2 inheritable: fusermount3 writes into the pipe */
	if (c->saved < 0 || dup2(p[1], STDERR_FILENO) < 0) {
		if (c->saved >= 0)
			close(c->saved);
		c->saved = -1;
		close(p[0]);
	} else {
		c->rd = p[0];
	}
	close(p[1]);
}

/* Restore stderr; the last line caught goes to @last (may be NULL). */
static void stderr_catch_end(struct stderr_catch *c, char *last,
			     size_t size)
{
	char buf[4096], *end, *line;
	ssize_t n, len = 0;

	if (last && size)
		last[0] = '\0';
	if (c->saved < 0)
		return;
	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	/* non-blocking: a helper still running must not hold us up */
	while (len < (ssize_t)sizeof(buf) - 1 &&
	       (n = read(c->rd, buf + len, sizeof(buf) - 1 - (size_t)len)) > 0)
		len += n;
	close(c->rd);
	buf[len] = '\0';
	end = buf + len;
	while (end > buf && (end[-1] == '\n' || end[-1] == ' '))
		*--end = '\0';
	line = strrchr(buf, '\n');
	line = line ? line + 1 : buf;
	if (last && size && *line) {
		n = (ssize_t)MIN(strlen(line), size - 1);
		memcpy(last, line, (size_t)n);
		last[n] = '\0';
		*line = '\0';
	}
	if (*buf)
		fprintf(stderr, "%s%s", buf, last && *last ? "" : "\n");
}

static int run_loop(struct fused *d)
{
	struct fuse_loop_config *cfg;
	int rc;

	if (d->opts.single_thread)
		return fuse_session_loop(d->se);
	cfg = fuse_loop_cfg_create();
	if (!cfg)
		return -ENOMEM;
	/* a /dev/fuse clone per thread: less contention on the queue */
	fuse_loop_cfg_set_clone_fd(cfg, 1);
	rc = fuse_session_loop_mt(d->se, cfg);
	fuse_loop_cfg_destroy(cfg);
	return rc;
}

static int serve(struct fused *d)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	char helper_said[sizeof(fuse_last_error)];
	struct stderr_catch caught;
	int rc;

	if (build_fuse_args(d, &args))
		return startup_fail(&d->opts, ENOMEM, d->device,
				    "out of memory");
	d->se = fuse_session_new(&args, &fused_ops, sizeof(fused_ops), d);
	fuse_opt_free_args(&args);
	if (!d->se)
		return startup_fail(&d->opts, EINVAL, d->opts.mountpoint,
				    "bad mount options: %s", fuse_last_error);
	if (fuse_set_signal_handlers(d->se)) {
		rc = startup_fail(&d->opts, EIO, d->opts.mountpoint,
				  "cannot install signal handlers");
		goto out_session;
	}
	stderr_catch_start(&caught);
	rc = fuse_session_mount(d->se, d->mountpoint);
	stderr_catch_end(&caught, rc ? helper_said : NULL,
			 sizeof(helper_said));
	if (rc) {
		rc = startup_fail(&d->opts, EIO, d->opts.mountpoint,
				  "mount failed: %s",
				  fuse_last_error[0] ? fuse_last_error :
				  helper_said[0] ? helper_said :
						   "see the system log");
		goto out_signals;
	}
	/* device memory may vanish under us: survive it (sigbus.c) */
	rc = sigbus_start(d);
	if (rc) {
		rc = startup_fail(&d->opts, -rc, d->opts.mountpoint,
				  "cannot catch SIGBUS: %s", strerror(-rc));
		goto out_unmount;
	}
	/* before INIT is answered: it decides whether to negotiate */
	passthrough_start(d);
	/* before INIT is answered: the kernel caps readahead at INIT */
	readahead_tune(d);
	rc = notify_start(d);
	if (!rc)
		rc = housekeeping_start(d);
	if (rc) {
		notify_stop(d);
		startup_fail(&d->opts, -rc, d->opts.mountpoint,
			     "cannot start a thread: %s", strerror(-rc));
		goto out_unmount;
	}
	/* before the mount is live: no read may slip past known poison */
	rc = poison_start(d);
	if (rc) {
		startup_fail(&d->opts, -rc, d->opts.mountpoint,
			     "cannot start a thread: %s", strerror(-rc));
		poison_stop(d);
		housekeeping_stop(d);
		notify_stop(d);
		goto out_unmount;
	}
	/* requests wait in the kernel until the loop below answers INIT */
	startup_ready(&d->opts);
	if (!d->opts.foreground)
		startup_daemonize_io();
	poison_announce(d);
	passthrough_announce(d);
	rc = run_loop(d);
	poison_stop(d);
	housekeeping_stop(d);
	notify_stop(d);
out_unmount:
	fuse_session_unmount(d->se);
	passthrough_stop(d);
out_signals:
	fuse_remove_signal_handlers(d->se);
out_session:
	fuse_session_destroy(d->se);
	d->se = NULL;
	return rc < 0 ? -rc : rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct fused *d = &fused;
	int rc;

	rc = parse_args(argc, argv, &d->opts);
	if (rc)
		return rc;
	if (!d->opts.foreground && d->opts.ready_fd < 0)
		startup_detach(&d->opts);
	if (!d->opts.foreground && setsid() < 0 && errno != EPERM)
		perror("famfs_fused: setsid");
	fuse_set_log_func(capture_fuse_log);
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->refresh_lock, NULL);
	if (famfs_system_uuid(d->system_uuid, NULL))
		memset(d->system_uuid, 0, sizeof(d->system_uuid));
	rc = startup_check(d);
	if (!rc) {
		fused_report_init(&d->rep, d->device);
		rc = startup_open(d);
	}
	if (!rc) {
		rc = serve(d) ? 1 : 0;
		famfs_fs_close(d->fs);
	} else {
		rc = 1;
	}
	pthread_mutex_destroy(&d->refresh_lock);
	pthread_mutex_destroy(&d->lock);
	free(d->device);
	free(d->mountpoint);
	free(d->opts.fuse_opts);
	return rc;
}
