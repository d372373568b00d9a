// SPDX-License-Identifier: Apache-2.0
/*
 * famfs creat -s SIZE [-S SEED] [-r] [-m MODE] [-u UID] [-g GID]
 *             [-M NAME,SIZE[,SEED]]... [-t THREADS] [-N NSTRIPS
 *             [-B NBUCKETS] [-C CHUNK]] [-v] [FILE]
 * Files are made through the mount at their final size (committed on
 * close), then filled with the seeded pattern when a seed is given, in
 * parallel chunks. verify checks them later from the same seed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

struct creat_file {
	char *name;
	uint64_t size;
	bool seeded;
	uint64_t seed;
};

static void creat_usage(FILE *out)
{
	fprintf(out,
		"usage: famfs creat -s SIZE [-S SEED | -r] [-m MODE] [-u UID] [-g GID]\n"
		"                   [-t THREADS] [-N NSTRIPS [-B NBUCKETS] [-C CHUNK]]\n"
		"                   [-v] FILE\n"
		"       famfs creat -M NAME,SIZE[,SEED]... [options]\n"
		"  -s, --size=SIZE       file size (K, M, G, T suffixes)\n"
		"  -S, --seed=SEED       fill with the pattern of SEED (see verify)\n"
		"  -r, --randomize       fill with a random seed (printed)\n"
		"  -m, --mode=MODE       octal mode (default 0644, umask ignored)\n"
		"  -u, --uid=UID         owner\n"
		"  -g, --gid=GID         group\n"
		"  -M, --multi=NAME,SIZE[,SEED]  create another file (repeatable)\n"
		"  -t, --threads=N       fill with N threads (default 1; --threadct)\n"
		"  -N, --nstrips=N       interleave across N strips\n"
		"  -B, --nbuckets=N      buckets the strips come from (default N)\n"
		"  -C, --chunk=SIZE      interleave chunk (multiple of 2M, default 2M;\n"
		"                        --chunksize)\n"
		"  -v, --verbose         print what is created\n"
		"  -h, --help            this help\n"
		"An existing famfs FILE of the same size (any size without -s) is\n"
		"reused, and filled again when a seed is given.\n");
}

/* NAME,SIZE[,SEED] */
static int parse_multi(char *arg, struct creat_file *f)
{
	char *size = strchr(arg, ','), *seed;

	if (!size || size == arg)
		return -EINVAL;
	*size++ = '\0';
	seed = strchr(size, ',');
	if (seed)
		*seed++ = '\0';
	if (famfs_parse_size(size, &f->size) || !f->size)
		return -EINVAL;
	if (seed && cli_parse_u64(seed, &f->seed))
		return -EINVAL;
	f->name = arg;
	f->seeded = seed != NULL;
	return 0;
}

static int create_all(struct creat_file *files, size_t n, unsigned int threads,
		      const struct cli_newfile *nf, bool verbose)
{
	struct cli_file_job *jobs = calloc(n ? n : 1, sizeof(*jobs));
	size_t nfill = 0;
	int status = 0;

	if (!jobs) {
		cli_error("creat", "%s", strerror(ENOMEM));
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		/* a rerun reuses what an interrupted run made (as upstream) */
		int rc = cli_newfile_existing(files[i].name, &files[i].size,
					      !files[i].size);

		if (rc < 0) {
			status = 1;
			continue;
		}
		if (rc == 0 && cli_newfile_create(files[i].name,
						  files[i].size, nf)) {
			status = 1;
			continue;
		}
		if (verbose)
			printf("famfs: %s '%s' (%" PRIu64 " bytes)\n",
			       rc ? "reused" : "created", files[i].name,
			       files[i].size);
		if (!files[i].seeded)
			continue;
		jobs[nfill].dest = files[i].name;
		jobs[nfill].size = files[i].size;
		jobs[nfill].seed = files[i].seed;
		nfill++;
	}
	if (nfill && cli_chunks_run(jobs, nfill, CLI_CHUNK_FILL, threads,
				    true)) {
		for (size_t j = 0; j < nfill; j++)
			if (jobs[j].err)
				cli_error(jobs[j].dest, "fill: %s",
					  cli_strerror(jobs[j].err));
		status = 1;
	}
	free(jobs);
	return status;
}

int cmd_creat(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "randomize", no_argument, NULL, 'r' },
		{ "mode", required_argument, NULL, 'm' },
		{ "uid", required_argument, NULL, 'u' },
		{ "gid", required_argument, NULL, 'g' },
		{ "multi", required_argument, NULL, 'M' },
		{ "threads", required_argument, NULL, 't' },
		{ "threadct", required_argument, NULL, 't' },
		{ "nstrips", required_argument, NULL, 'N' },
		{ "nbuckets", required_argument, NULL, 'B' },
		{ "chunk", required_argument, NULL, 'C' },
		{ "chunksize", required_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_newfile nf = { .mode = 0644 };
	struct cli_interleave ilopt = { 0 };
	struct creat_file *files;
	const char *size_arg = NULL;
	bool seeded = false, randomize = false, verbose = false;
	uint64_t size = 0, seed = 0;
	unsigned int threads = 1;
	size_t n = 0;
	int c, status = 2;

	files = calloc((size_t)argc + 1, sizeof(*files));
	if (!files)
		return 1;
	while ((c = cli_getopt(argc, argv, "s:S:rm:u:g:M:t:N:B:C:vh",
				opts)) != -1) {
		switch (c) {
		case 's':
			size_arg = optarg;
			if (famfs_parse_size(optarg, &size) || !size) {
				cli_error(optarg, "invalid size");
				goto out;
			}
			break;
		case 'S':
			if (cli_parse_u64(optarg, &seed)) {
				cli_error(optarg, "invalid seed (an integer)");
				goto out;
			}
			seeded = true;
			break;
		case 'r':
			randomize = true;
			break;
		case 'm':
			if (cli_parse_mode(optarg, &nf.mode)) {
				cli_error(optarg, "invalid mode (octal, e.g. 0644)");
				goto out;
			}
			nf.set_mode = true;
			break;
		case 'u':
		case 'g':
			if (cli_parse_id(optarg, c == 'u' ? &nf.uid : &nf.gid)) {
				cli_error(optarg, "invalid %s",
					  c == 'u' ? "uid" : "gid");
				goto out;
			}
			*(c == 'u' ? &nf.set_uid : &nf.set_gid) = true;
			break;
		case 'M':
			if (parse_multi(optarg, &files[n])) {
				cli_error(optarg, "invalid -M (NAME,SIZE[,SEED])");
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
		case 'N':
			ilopt.nstrips = optarg;
			break;
		case 'B':
			ilopt.nbuckets = optarg;
			break;
		case 'C':
			ilopt.chunk = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			creat_usage(stdout);
			status = 0;
			goto out;
		default:
			creat_usage(stderr);
			goto out;
		}
	}
	if (cli_interleave_get(&ilopt, &nf.il))
		goto out;
	if (optind < argc - 1 || (optind == argc && !n)) {
		cli_operands(argc, argv, 1, 1, "FILE");
		creat_usage(stderr);
		goto out;
	}
	if (optind == argc - 1) {
		/* without -s an existing file keeps its size */
		if (!size_arg && access(argv[optind], F_OK)) {
			cli_error(argv[optind], "size required (-s SIZE)");
			goto out;
		}
		files[n].name = argv[optind];
		files[n].size = size;
		n++;
	}
	if (randomize && !seeded) {
		seed = cli_random_seed();
		printf("famfs: seed %" PRIu64 "\n", seed);
	}
	/* -S/-r apply to every file that names no seed of its own */
	for (size_t i = 0; i < n; i++) {
		if (!files[i].seeded && (seeded || randomize)) {
			files[i].seeded = true;
			files[i].seed = seed;
		}
	}
	status = create_all(files, n, threads, &nf, verbose);
out:
	cli_target_close_all();
	free(files);
	return status;
}
