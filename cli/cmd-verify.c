// SPDX-License-Identifier: Apache-2.0
/*
 * famfs verify -f FILE -S SEED | -m FILE,SEED... [-t THREADS] [-v]
 * Checks that files hold the seeded pattern famfs creat wrote. Any file
 * can be checked; famfs files are read through the mount.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static void verify_usage(FILE *out)
{
	fprintf(out,
		"usage: famfs verify -f FILE -S SEED [-t THREADS] [-v|-q]\n"
		"       famfs verify -m FILE,SEED... [-t THREADS] [-v|-q]\n"
		"  -f, --filename=FILE   file to check\n"
		"  -S, --seed=SEED       seed it was written with (famfs creat -S)\n"
		"  -m, --multi=FILE,SEED another file and its seed (repeatable)\n"
		"  -t, --threads=N       check with N threads (default 1; --threadct)\n"
		"  -v, --verbose         report files that match too\n"
		"  -q, --quiet           report only files that differ (the default)\n"
		"  -h, --help            this help\n"
		"exit status: 0 all match, 1 a file differs or cannot be read\n");
}

/* FILE,SEED: the seed follows the last comma */
static int parse_multi(char *arg, struct cli_file_job *job)
{
	char *comma = strrchr(arg, ',');

	if (!comma || comma == arg || cli_parse_u64(comma + 1, &job->seed))
		return -EINVAL;
	*comma = '\0';
	job->dest = arg;
	return 0;
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "filename", required_argument, NULL, 'f' },
		{ "seed", required_argument, NULL, 'S' },
		{ "multi", required_argument, NULL, 'm' },
		{ "threads", required_argument, NULL, 't' },
		{ "threadct", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_file_job *jobs = calloc((size_t)argc + 1, sizeof(*jobs));
	const char *file = NULL;
	bool have_seed = false, verbose = false;
	unsigned int threads = 1;
	uint64_t seed = 0;
	size_t n = 0, ok;
	int c, status = 2;

	if (!jobs)
		return 1;
	while ((c = cli_getopt(argc, argv, "f:S:m:t:vqh", opts)) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case 'S':
			if (cli_parse_u64(optarg, &seed)) {
				cli_error(optarg, "invalid seed (an integer)");
				goto out;
			}
			have_seed = true;
			break;
		case 'm':
			if (parse_multi(optarg, &jobs[n])) {
				cli_error(optarg, "invalid -m (FILE,SEED)");
				goto out;
			}
			n++;
			break;
		case 't':
			if (cli_parse_threads(optarg, &threads)) {
				cli_error(optarg, "invalid thread count (1..256)");
				goto out;
			}
			break;
		case 'v':
			verbose = true;
			break;
		case 'q':
			verbose = false;
			break;
		case 'h':
			verify_usage(stdout);
			status = 0;
			goto out;
		default:
			verify_usage(stderr);
			goto out;
		}
	}
	if (optind != argc || (!file && !n) || (file && !have_seed)) {
		if (file && !have_seed) {
			cli_error(file, "seed required (-S SEED)");
		} else {
			if (optind != argc)
				cli_operands(argc, argv, 0, 0, "");
			else
				cli_error("verify", "missing -f FILE or "
					  "-m FILE,SEED");
			verify_usage(stderr);
		}
		goto out;
	}
	if (file) {
		jobs[n].dest = file;
		jobs[n].seed = seed;
		n++;
	}
	status = 0;
	ok = n;
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		const char *why = NULL;

		if (stat(jobs[i].dest, &st))
			why = strerror(errno);
		else if (!S_ISREG(st.st_mode))
			why = "not a regular file";
		if (why) {
			cli_error(jobs[i].dest, "%s", why);
			jobs[i].dest = NULL;
			status = 1;
			ok--;
			continue;
		}
		jobs[i].size = (uint64_t)st.st_size;
	}
	/* drop the files that could not be stat'ed */
	for (size_t i = 0, j = 0; i < n; i++)
		if (jobs[i].dest)
			jobs[j++] = jobs[i];
	n = ok;
	cli_chunks_run(jobs, n, CLI_CHUNK_VERIFY, threads, true);
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].err) {
			cli_error(jobs[i].dest, "%s", cli_strerror(jobs[i].err));
			status = 1;
		} else if (jobs[i].mismatch) {
			cli_error(jobs[i].dest,
				  "mismatch at offset %" PRIu64 " (seed %"
				  PRIu64 ")", jobs[i].bad_offset, jobs[i].seed);
			status = 1;
		} else if (verbose) {
			printf("famfs: %s: %" PRIu64 " bytes match seed %"
			       PRIu64 "\n", jobs[i].dest, jobs[i].size,
			       jobs[i].seed);
		}
	}
out:
	free(jobs);
	return status;
}
