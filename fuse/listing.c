// SPDX-License-Identifier: Apache-2.0
/*
 * Text of the generated .meta files, built into a growing buffer. The
 * first failure sticks in l->err and every later put does nothing, so a
 * builder checks once at the end.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "famfs_fused.h"

int listing_init(struct listing *l)
{
	l->cap = 256;
	l->len = 0;
	l->err = 0;
	l->buf = malloc(l->cap);
	if (!l->buf)
		return -ENOMEM;
	l->buf[0] = '\0';
	return 0;
}

void listing_put(struct listing *l, const char *fmt, ...)
{
	va_list ap;
	char *grown;
	int n;

	if (l->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(l->buf + l->len, l->cap - l->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			l->err = -EINVAL;
			return;
		}
		if ((size_t)n < l->cap - l->len)
			break;
		grown = realloc(l->buf, 2 * l->cap + (size_t)n);
		if (!grown) {
			l->err = -ENOMEM;
			return;
		}
		l->buf = grown;
		l->cap = 2 * l->cap + (size_t)n;
	}
	l->len += (size_t)n;
}

void listing_put_path(struct listing *l, const char *path)
{
	listing_put(l, "/");
	for (; *path; path++) {
		unsigned char c = (unsigned char)*path;

		if (c <= ' ' || c == '\\' || c == 0x7f)
			listing_put(l, "\\%03o", c);
		else
			listing_put(l, "%c", c);
	}
}
