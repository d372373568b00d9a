// SPDX-License-Identifier: Apache-2.0
/*
 * Names from the log are hostile bytes: any host may write them. Printed
 * raw they could move the cursor, clear a terminal or forge whole lines
 * ("clean"). Human-readable output shows them escaped; JSON stays exact.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "famfs.h"

/* Length of the valid UTF-8 sequence at @s (2 to 4), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;	/* the NUL ends it too */
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond Unicode, C1 controls */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ||
	    (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return n;
}

const char *famfs_escape(const char *in, char *out, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0;

	if (!len)
		return out;
	while (*s) {
		size_t n = *s >= 0x80 ? utf8_len(s) : 0;
		char esc[5];
		size_t elen;

		if (n) {
			if (o + n >= len)
				break;
			for (size_t i = 0; i < n; i++)
				out[o++] = (char)s[i];
			s += n;
			continue;
		}
		if (*s == '\\') {
			elen = 2;
			esc[0] = esc[1] = '\\';
		} else if (*s < 0x20 || *s >= 0x7f) {
			elen = 4;
			snprintf(esc, sizeof(esc), "\\x%02x", *s);
		} else {
			elen = 1;
			esc[0] = (char)*s;
		}
		if (o + elen >= len)
			break;
		for (size_t i = 0; i < elen; i++)
			out[o++] = esc[i];
		s++;
	}
	out[o] = '\0';
	return out;
}
