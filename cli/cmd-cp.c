// SPDX-License-Identifier: Apache-2.0
/*
 * famfs cp [-r] [-t THREADS] [-m MODE] [-u UID] [-g GID] [-c]
 *          [-N NSTRIPS [-B NBUCKETS] [-C CHUNK]] [-v] SRC... DEST
 * Copies into famfs through the mount. Each file is first created at its
 * final size (so famfs can allocate it in one piece and commit it on
 * close), then its data is copied in parallel chunks; -c reads both back
 * and compares. A destination of the same size is overwritten, so an
 * interrupted copy can be rerun (as upstream); any other is refused.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

struct cp_state {
	bool recursive, compare, verbose;
	struct cli_newfile nf;	/* mode filled per file unless -m */
	struct cli_file_job *jobs;
	size_t njobs, cap;
	int status;
};

static void cp_usage(FILE *out)
{
	fprintf(out,
		"usage: famfs cp [-r] [-t THREADS] [-m MODE] [-u UID] [-g GID] [-c]\n"
		"                [-N NSTRIPS [-B NBUCKETS] [-C CHUNK]] [-v] SRC... DEST\n"
		"  -r, --recursive   copy directories and their contents\n"
		"  -t, --threads=N   copy with N threads (default 4; --threadct)\n"
		"  -m, --mode=MODE   octal mode of the new files (default: the source's)\n"
		"  -u, --uid=UID     owner of the new files\n"
		"  -g, --gid=GID     group of the new files\n"
		"  -c, --compare     read back and compare after copying\n"
		"  -N, --nstrips=N   interleave each file across N strips\n"
		"  -B, --nbuckets=N  buckets the strips come from (default N)\n"
		"  -C, --chunk=SIZE  interleave chunk (multiple of 2M, default 2M;\n"
		"                    --chunksize)\n"
		"  -v, --verbose     name each file copied\n"
		"  -h, --help        this help\n"
		"DEST must be in a famfs mount. An existing file of the source's size\n"
		"is overwritten (so an interrupted copy can be run again); one of\n"
		"another size is refused.\n");
}

static char *join(const char *dir, const char *name)
{
	size_t n = strlen(dir);
	char *p;

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (asprintf(&p, "%.*s/%s", (int)n, dir, name) < 0)
		return NULL;
	return p;
}

static const char *base_name(const char *path, char *buf, size_t len)
{
	size_t n = strlen(path);
	const char *b;

	while (n > 1 && path[n - 1] == '/')
		n--;
	snprintf(buf, len, "%.*s", (int)n, path);
	b = strrchr(buf, '/');
	return b && b[1] ? b + 1 : buf;
}

static int add_file(struct cp_state *s, const char *src, char *dest,
		    const struct stat *st)
{
	struct cli_file_job *j;

	if (s->njobs == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		void *p = realloc(s->jobs, cap * sizeof(*s->jobs));

		if (!p)
			return -ENOMEM;
		s->jobs = p;
		s->cap = cap;
	}
	j = &s->jobs[s->njobs++];
	memset(j, 0, sizeof(*j));
	j->src = strdup(src);
	j->dest = dest;
	j->size = (uint64_t)st->st_size;
	j->mode = st->st_mode & 07777;
	return j->src ? 0 : -ENOMEM;
}

static int copy_tree(struct cp_state *s, const char *src, char *dest);

/* One source path (file or directory) to @dest (a path it becomes). */
static void copy_one(struct cp_state *s, const char *src, char *dest,
		     bool top)
{
	struct stat st;
	int rc;

	if ((top ? stat(src, &st) : lstat(src, &st))) {
		cli_error(src, "%s", strerror(errno));
		goto fail;
	}
	if (S_ISREG(st.st_mode)) {
		rc = add_file(s, src, dest, &st);
		if (rc) {
			cli_error(src, "%s", strerror(-rc));
			goto fail;
		}
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		cli_error(src, "not a regular file or directory, skipped");
		goto fail;
	}
	if (!s->recursive) {
		cli_error(src, "is a directory (use -r)");
		goto fail;
	}
	if (mkdir(dest, st.st_mode & 07777)) {
		struct stat dst;

		if (errno != EEXIST || stat(dest, &dst) || !S_ISDIR(dst.st_mode)) {
			cli_error(dest, "%s", cli_strerror(errno));
			goto fail;
		}
	} else if (s->verbose) {
		printf("famfs: created directory '%s'\n", dest);
	}
	if (copy_tree(s, src, dest))
		s->status = 1;
	free(dest);
	return;
fail:
	s->status = 1;
	free(dest);
}

static int copy_tree(struct cp_state *s, const char *src, char *dest)
{
	DIR *d = opendir(src);
	struct dirent *e;

	if (!d) {
		cli_error(src, "%s", strerror(errno));
		return 1;
	}
	while ((e = readdir(d))) {
		char *from, *to;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		from = join(src, e->d_name);
		to = join(dest, e->d_name);
		if (!from || !to) {
			free(from);
			free(to);
			closedir(d);
			cli_error(src, "%s", strerror(ENOMEM));
			return 1;
		}
		copy_one(s, from, to, false);
		free(from);
	}
	closedir(d);
	return 0;
}

/* Create every file at its size; failed ones are dropped from the list. */
static void create_files(struct cp_state *s)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->njobs; i++) {
		struct cli_file_job *j = &s->jobs[i];
		struct cli_newfile nf = s->nf;

		uint64_t size = j->size;
		int rc;

		if (!nf.set_mode)
			nf.mode = j->mode;
		/* an existing file of the same size is overwritten (restart) */
		rc = cli_newfile_existing(j->dest, &size, false);
		if (rc < 0 ||
		    (rc == 0 && cli_newfile_create(j->dest, j->size, &nf))) {
			s->status = 1;
			free((char *)j->src);
			free((char *)j->dest);
			continue;
		}
		s->jobs[kept++] = *j;
	}
	s->njobs = kept;
}

/* Print the outcome of each file; failed ones leave the list. */
static void report(struct cp_state *s, bool compare)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->njobs; i++) {
		struct cli_file_job *j = &s->jobs[i];
		bool failed = j->err || j->mismatch;

		if (j->err) {
			cli_error(j->dest, "%s%s", compare ? "compare: " : "",
				  j->err == -ENODATA ? "source shrank while copying" :
				  cli_strerror(j->err));
			s->status = 1;
		} else if (j->mismatch) {
			cli_error(j->dest, "differs from %s at offset %" PRIu64,
				  j->src, j->bad_offset);
			s->status = 1;
		} else if (!compare && s->verbose) {
			printf("famfs: '%s' -> '%s'\n", j->src, j->dest);
		}
		if (failed) {
			free((char *)j->src);
			free((char *)j->dest);
			continue;
		}
		s->jobs[kept++] = *j;
	}
	s->njobs = kept;
}

static int parse_cp_opts(int argc, char **argv, struct cp_state *s,
			 unsigned int *threads)
{
	static const struct option opts[] = {
		{ "recursive", no_argument, NULL, 'r' },
		{ "threads", required_argument, NULL, 't' },
		{ "threadct", required_argument, NULL, 't' },
		{ "mode", required_argument, NULL, 'm' },
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		{ "compare", no_argument, NULL, 'c' },
		{ "nstrips", required_argument, NULL, 'N' },
		{ "nbuckets", required_argument, NULL, 'B' },
		{ "chunk", required_argument, NULL, 'C' },
		{ "chunksize", required_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_interleave il = { 0 };
	int c;

	while ((c = cli_getopt(argc, argv, "rt:m:u:g:cN:B:C:vh",
				opts)) != -1) {
		switch (c) {
		case 'r':
			s->recursive = true;
			break;
		case 't':
			if (cli_parse_threads(optarg, threads)) {
				cli_error(optarg, "invalid thread count (1..256)");
				return 2;
			}
			break;
		case 'm':
			if (cli_parse_mode(optarg, &s->nf.mode)) {
				cli_error(optarg, "invalid mode (octal, e.g. 0644)");
				return 2;
			}
			s->nf.set_mode = true;
			break;
		case 'u':
		case 'g':
			if (cli_parse_id(optarg, c == 'u' ? &s->nf.uid :
							    &s->nf.gid)) {
				cli_error(optarg, "invalid %s",
					  c == 'u' ? "uid" : "gid");
				return 2;
			}
			*(c == 'u' ? &s->nf.set_uid : &s->nf.set_gid) = true;
			break;
		case 'c':
			s->compare = true;
			break;
		case 'N':
			il.nstrips = optarg;
			break;
		case 'B':
			il.nbuckets = optarg;
			break;
		case 'C':
			il.chunk = optarg;
			break;
		case 'v':
			s->verbose = true;
			break;
		case 'h':
			cp_usage(stdout);
			return -1;
		default:
			cp_usage(stderr);
			return 2;
		}
	}
	if (cli_interleave_get(&il, &s->nf.il))
		return 2;
	if (cli_operands(argc, argv, 2, -1, "SOURCE DEST")) {
		cp_usage(stderr);
		return 2;
	}
	return 0;
}

int cmd_cp(int argc, char **argv)
{
	struct cp_state s = { 0 };
	unsigned int threads = 4;
	const char *dest;
	struct cli_target t;
	struct stat st;
	bool dest_dir;
	int rc;

	rc = parse_cp_opts(argc, argv, &s, &threads);
	if (rc)
		return rc < 0 ? 0 : rc;
	dest = argv[argc - 1];
	rc = cli_target_find(dest, &t);
	if (rc) {
		cli_error(dest, "%s", rc == -ENOENT ? "not in a famfs mount" :
			  strerror(-rc));
		return 1;
	}
	dest_dir = stat(dest, &st) == 0 && S_ISDIR(st.st_mode);
	if (argc - optind > 2 && !dest_dir) {
		cli_error(dest, "not a directory");
		return 1;
	}
	for (int i = optind; i < argc - 1; i++) {
		char name[PATH_MAX];
		char *to = dest_dir ? join(dest, base_name(argv[i], name,
							   sizeof(name))) :
				      strdup(dest);

		if (!to) {
			cli_error(argv[i], "%s", strerror(ENOMEM));
			s.status = 1;
			continue;
		}
		copy_one(&s, argv[i], to, true);
	}
	create_files(&s);
	cli_target_close_all();
	cli_chunks_run(s.jobs, s.njobs, CLI_CHUNK_COPY, threads, true);
	report(&s, false);
	if (s.compare) {
		cli_chunks_run(s.jobs, s.njobs, CLI_CHUNK_COMPARE, threads,
			       true);
		report(&s, true);
	}
	for (size_t i = 0; i < s.njobs; i++) {
		free((char *)s.jobs[i].src);
		free((char *)s.jobs[i].dest);
	}
	free(s.jobs);
	return s.status;
}
