// SPDX-License-Identifier: Apache-2.0
/* Parsing of option values shared by several subcommands. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "cli.h"

int cli_parse_u64(const char *text, uint64_t *v)
{
	unsigned long long val;
	char *end;

	if (!text || !isdigit((unsigned char)*text))
		return -EINVAL;
	errno = 0;
	val = strtoull(text, &end, 0);
	if (errno || *end)
		return -EINVAL;
	*v = val;
	return 0;
}

int cli_parse_mode(const char *text, uint32_t *mode)
{
	unsigned long val;
	char *end;

	if (!text || !isdigit((unsigned char)*text))
		return -EINVAL;
	errno = 0;
	val = strtoul(text, &end, 8);
	if (errno || *end || val > 07777)
		return -EINVAL;
	*mode = (uint32_t)val;
	return 0;
}

int cli_parse_id(const char *text, uint32_t *id)
{
	uint64_t v;

	/* (uid_t)-1 means "unchanged" to chown(2): refuse it */
	if (cli_parse_u64(text, &v) || v >= UINT32_MAX)
		return -EINVAL;
	*id = (uint32_t)v;
	return 0;
}

int cli_parse_threads(const char *text, unsigned int *n)
{
	uint64_t v;

	if (cli_parse_u64(text, &v) || v < 1 || v > 256)
		return -EINVAL;
	*n = (unsigned int)v;
	return 0;
}

int cli_interleave_get(const struct cli_interleave *opt,
		       struct famfs_interleave *il)
{
	uint64_t nstrips, nbuckets, chunk = FAMFS_ALLOC_UNIT;

	il->nstrips = 0;
	il->nbuckets = 0;
	il->chunk_size = 0;
	if (!opt->nstrips && !opt->nbuckets && !opt->chunk)
		return 0;
	if (!opt->nstrips) {
		cli_error("-B/-C", "need -N NSTRIPS");
		return -EINVAL;
	}
	if (cli_parse_u64(opt->nstrips, &nstrips) || nstrips < 1 ||
	    nstrips > 64) {
		cli_error(opt->nstrips, "invalid strip count (1..64)");
		return -EINVAL;
	}
	nbuckets = nstrips;
	if (opt->nbuckets && (cli_parse_u64(opt->nbuckets, &nbuckets) ||
			      nbuckets < nstrips || nbuckets > UINT32_MAX)) {
		cli_error(opt->nbuckets,
			  "invalid bucket count (at least NSTRIPS)");
		return -EINVAL;
	}
	if (opt->chunk && (famfs_parse_size(opt->chunk, &chunk) || !chunk ||
			   chunk % FAMFS_ALLOC_UNIT)) {
		cli_error(opt->chunk,
			  "invalid chunk size (a multiple of 2 MiB)");
		return -EINVAL;
	}
	il->nstrips = (uint32_t)nstrips;
	il->nbuckets = (uint32_t)nbuckets;
	il->chunk_size = chunk;
	return 0;
}
