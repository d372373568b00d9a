// SPDX-License-Identifier: Apache-2.0
/* Small helpers: problem reports, sizes, names, UUID text. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

void report(struct famfs_report *rep, enum famfs_severity sev,
	    const char *fmt, ...)
{
	char msg[FAMFS_PATH_MAX + 256];
	va_list ap;

	if (!rep)
		return;
	if (sev == FAMFS_ERROR)
		rep->nerrors++;
	else if (sev == FAMFS_WARN)
		rep->nwarnings++;
	if (!rep->fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rep->fn(rep->ctx, sev, msg);
}

uint64_t famfs_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int famfs_parse_size(const char *text, uint64_t *bytes)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (!text || !isdigit((unsigned char)*text))
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 0);
	if (errno)
		return -ERANGE;
	switch (toupper((unsigned char)*end)) {
	case '\0':
		break;
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	default:
		return -EINVAL;
	}
	if (*end) {
		end++;
		/* accept 8M, 8MB, 8MiB, 8m */
		if (*end == 'i' || *end == 'I')
			end++;
		if (*end == 'B' || *end == 'b')
			end++;
		if (*end)
			return -EINVAL;
	}
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*bytes = (uint64_t)v << shift;
	return 0;
}

void famfs_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB",
					     "PiB" };
	double v = (double)bytes;
	unsigned int u = 0;

	while (v >= 1024 && u < ARRAY_SIZE(units) - 1) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 " B", bytes);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
}

int famfs_check_name(const char *name)
{
	size_t len = strnlen(name, FAMFS_NAME_MAX + 1);

	if (len == 0)
		return -EINVAL;
	if (len > FAMFS_NAME_MAX)
		return -ENAMETOOLONG;
	if (strchr(name, '/'))
		return -EINVAL;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	return 0;
}

void famfs_uuid_unparse(const uint8_t uuid[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[uuid[i] >> 4];
		*p++ = hex[uuid[i] & 15];
	}
	*p = '\0';
}

/* Accepts the dashed form and 32 bare hex digits (as /etc/machine-id). */
int famfs_uuid_parse(const char *text, uint8_t uuid[16])
{
	int n = 0;

	for (const char *p = text; *p && !isspace((unsigned char)*p); p++) {
		int v;

		if (*p == '-')
			continue;
		if (!isxdigit((unsigned char)*p) || n == 32)
			return -EINVAL;
		v = isdigit((unsigned char)*p) ? *p - '0' :
						 tolower((unsigned char)*p) - 'a' + 10;
		if (n % 2 == 0)
			uuid[n / 2] = (uint8_t)(v << 4);
		else
			uuid[n / 2] |= (uint8_t)v;
		n++;
	}
	return n == 32 ? 0 : -EINVAL;
}

long famfs_ranges_merge(struct famfs_extent **ranges, size_t n, size_t *cap,
			uint64_t off, uint64_t len)
{
	struct famfs_extent *r = *ranges;
	uint64_t end = off + len;
	size_t i, j;

	if (n == *cap) {
		size_t ncap = n ? 2 * n : 8;

		r = realloc(r, ncap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		*ranges = r;
		*cap = ncap;
	}
	/* ranges i..j-1 touch the new one and merge into it at i */
	for (i = 0; i < n && r[i].offset + r[i].len < off; i++)
		;
	for (j = i; j < n && r[j].offset <= end; j++) {
		if (r[j].offset < off)
			off = r[j].offset;
		if (r[j].offset + r[j].len > end)
			end = r[j].offset + r[j].len;
	}
	if (j == i) {
		memmove(&r[i + 1], &r[i], (n - i) * sizeof(*r));
		n++;
		j = i + 1;
	}
	r[i].offset = off;
	r[i].len = end - off;
	memmove(&r[i + 1], &r[j], (n - j) * sizeof(*r));
	return (long)(n - (j - i - 1));
}
