// SPDX-License-Identifier: Apache-2.0
/*
 * The seeded pattern of famfs creat/verify: the 8-byte little-endian word
 * at file offset 8*i is splitmix64(seed + i * golden ratio), so contents
 * depend on (seed, offset) only and are the same on every architecture.
 */
#include <endian.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static inline uint64_t seeded_word(uint64_t seed, uint64_t index)
{
	uint64_t z = seed + index * 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return htole64(z ^ (z >> 31));
}

static inline uint8_t seeded_byte(uint64_t seed, uint64_t pos)
{
	uint64_t w = seeded_word(seed, pos / 8);

	return ((const uint8_t *)&w)[pos % 8];
}

void cli_seeded_fill(void *buf, size_t len, uint64_t seed, uint64_t pos)
{
	uint8_t *p = buf;
	size_t i = 0;

	for (; i < len && (pos + i) % 8; i++)
		p[i] = seeded_byte(seed, pos + i);
	for (; i + 8 <= len; i += 8) {
		uint64_t w = seeded_word(seed, (pos + i) / 8);

		memcpy(p + i, &w, 8);
	}
	for (; i < len; i++)
		p[i] = seeded_byte(seed, pos + i);
}

size_t cli_seeded_check(const void *buf, size_t len, uint64_t seed,
			uint64_t pos)
{
	const uint8_t *p = buf;
	size_t i = 0;

	for (; i < len && (pos + i) % 8; i++)
		if (p[i] != seeded_byte(seed, pos + i))
			return i;
	for (; i + 8 <= len; i += 8) {
		uint64_t w = seeded_word(seed, (pos + i) / 8);

		if (memcmp(p + i, &w, 8))
			break;
	}
	for (; i < len; i++)
		if (p[i] != seeded_byte(seed, pos + i))
			return i;
	return len;
}

uint64_t cli_random_seed(void)
{
	uint64_t seed;

	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	return seed;
}
