// SPDX-License-Identifier: Apache-2.0
/*
 * famfs_escape(): what a hostile name turns into on a terminal. Valid
 * UTF-8 stays; control bytes, C1 controls, and every byte that is not
 * part of a valid UTF-8 sequence (overlong, surrogate, beyond U+10FFFF,
 * cut short) become \xNN; nothing is ever cut in the middle of an escape.
 */
#include "tap.h"

static void expect(const char *in, const char *want, const char *what)
{
	char out[256];

	famfs_escape(in, out, sizeof(out));
	CHECK(!strcmp(out, want), "%s: got '%s', want '%s'", what, out, want);
}

int main(void)
{
	char small[6];

	expect("plain name.txt", "plain name.txt", "printable ASCII stays");
	expect("a\\b", "a\\\\b", "a backslash is doubled");
	expect("\x1b[2J\r\n\a\x7f", "\\x1b[2J\\x0d\\x0a\\x07\\x7f",
	       "C0 controls and DEL");
	expect("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	       "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	       "2-, 3- and 4-byte UTF-8 stays");
	expect("\2331m", "\\x9b1m", "a lone C1 byte");
	expect("\302\2331m", "\\xc2\\x9b1m", "C1 CSI encoded in UTF-8");
	expect("\xc2\xa0", "\xc2\xa0", "U+00A0, just past C1, stays");
	expect("\xc0\xaf", "\\xc0\\xaf", "overlong 2-byte form");
	expect("\xe0\x80\xaf", "\\xe0\\x80\\xaf", "overlong 3-byte form");
	expect("\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf",
	       "overlong 4-byte form");
	expect("\xed\xa0\x80", "\\xed\\xa0\\x80", "a UTF-16 surrogate");
	expect("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80",
	       "beyond U+10FFFF");
	expect("x\xe2\x82", "x\\xe2\\x82", "a sequence cut short by the end");
	expect("\xe2\x82x", "\\xe2\\x82x", "a sequence cut short by ASCII");
	expect("\xff\xfe", "\\xff\\xfe", "bytes never in UTF-8");

	famfs_escape("\x1b\x1b", small, sizeof(small));
	CHECK(!strcmp(small, "\\x1b"), "a short buffer holds whole escapes "
	      "only: '%s'", small);
	famfs_escape("ab\xc3\xa9", small, 4);
	CHECK(!strcmp(small, "ab"), "and whole UTF-8 sequences only: '%s'",
	      small);
	small[0] = 'z';
	famfs_escape("abc", small, 0);
	CHECK(small[0] == 'z', "a zero-length buffer is not written");
	return tap_done();
}
