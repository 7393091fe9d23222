/* test_text.c - the terminal-safety classes of text (src/base/text.c):
 * the strict UTF-8 decoder, the output escaper (every class, boundary
 * code points, valid UTF-8 kept intact, truncated and overlong sequences,
 * surrogates), the escaping printf, and the input check. */
#include "testutil.h"

#include <inttypes.h>

#include "base/text.h"

/* Escape s (n bytes) for mode into a static buffer. */
static const char *esc_n(const char *s, size_t n, unsigned mode)
{
	static char buf[1024];
	text_escape_n(buf, sizeof buf, s, n, mode);
	return buf;
}

static const char *esc(const char *s, unsigned mode)
{
	return esc_n(s, strlen(s), mode);
}

static text_class_t cls_of(const char *s, size_t n, size_t *len)
{
	text_unit_t u;
	text_unit(s, n, &u);
	if (len)
		*len = u.len;
	return u.cls;
}

static void test_decoder_classes(void **state)
{
	size_t len;
	(void)state;
	assert_int_equal(cls_of("A", 1, &len), TEXT_PRINT);
	assert_int_equal(len, 1);
	assert_int_equal(cls_of("\n", 1, NULL), TEXT_NEWLINE);
	assert_int_equal(cls_of("\t", 1, NULL), TEXT_TAB);
	assert_int_equal(cls_of("\x1b", 1, NULL), TEXT_C0);
	assert_int_equal(cls_of("\r", 1, NULL), TEXT_C0);
	assert_int_equal(cls_of("\0", 1, NULL), TEXT_C0); /* NUL inside the length */
	assert_int_equal(cls_of("\x1f", 1, NULL), TEXT_C0);
	assert_int_equal(cls_of(" ", 1, NULL), TEXT_PRINT); /* U+0020: first printable */
	assert_int_equal(cls_of("~", 1, NULL), TEXT_PRINT); /* U+007E */
	assert_int_equal(cls_of("\x7f", 1, NULL), TEXT_DEL);
	/* C1 encoded: U+0080 and U+009F are C1, U+00A0 (NBSP) is not. */
	assert_int_equal(cls_of("\xc2\x80", 2, &len), TEXT_C1);
	assert_int_equal(len, 2);
	assert_int_equal(cls_of("\xc2\x9f", 2, NULL), TEXT_C1);
	assert_int_equal(cls_of("\xc2\xa0", 2, NULL), TEXT_PRINT);
	/* Raw C1 bytes are not UTF-8. */
	assert_int_equal(cls_of("\x80", 1, NULL), TEXT_BAD);
	assert_int_equal(cls_of("\x9b", 1, NULL), TEXT_BAD);
	/* Bidi: U+202A..U+202E and U+2066..U+2069; neighbours are fine. */
	assert_int_equal(cls_of("\xe2\x80\xa9", 3, NULL), TEXT_PRINT); /* U+2029 */
	assert_int_equal(cls_of("\xe2\x80\xaa", 3, NULL), TEXT_BIDI);  /* U+202A */
	assert_int_equal(cls_of("\xe2\x80\xae", 3, NULL), TEXT_BIDI);  /* U+202E */
	assert_int_equal(cls_of("\xe2\x80\xaf", 3, NULL), TEXT_PRINT); /* U+202F */
	assert_int_equal(cls_of("\xe2\x81\xa5", 3, NULL), TEXT_PRINT); /* U+2065 */
	assert_int_equal(cls_of("\xe2\x81\xa6", 3, NULL), TEXT_BIDI);  /* U+2066 */
	assert_int_equal(cls_of("\xe2\x81\xa9", 3, NULL), TEXT_BIDI);  /* U+2069 */
	assert_int_equal(cls_of("\xe2\x81\xaa", 3, NULL), TEXT_PRINT); /* U+206A */
	/* Overlong forms: "/" as C0 AF, NUL as C0 80, E0 80 AF, F0 80 80 AF. */
	assert_int_equal(cls_of("\xc0\xaf", 2, &len), TEXT_BAD);
	assert_int_equal(len, 1);
	assert_int_equal(cls_of("\xc0\x80", 2, NULL), TEXT_BAD);
	assert_int_equal(cls_of("\xc1\xbf", 2, NULL), TEXT_BAD);
	assert_int_equal(cls_of("\xe0\x80\xaf", 3, NULL), TEXT_BAD);
	assert_int_equal(cls_of("\xe0\x9f\xbf", 3, NULL), TEXT_BAD);
	assert_int_equal(cls_of("\xe0\xa0\x80", 3, NULL), TEXT_PRINT); /* U+0800, shortest */
	assert_int_equal(cls_of("\xf0\x80\x80\xaf", 4, NULL), TEXT_BAD);
	assert_int_equal(cls_of("\xf0\x90\x80\x80", 4, NULL), TEXT_PRINT); /* U+10000 */
	/* Surrogates U+D800..U+DFFF encoded (CESU) are not UTF-8. */
	assert_int_equal(cls_of("\xed\xa0\x80", 3, NULL), TEXT_BAD);
	assert_int_equal(cls_of("\xed\xbf\xbf", 3, NULL), TEXT_BAD);
	assert_int_equal(cls_of("\xed\x9f\xbf", 3, NULL), TEXT_PRINT); /* U+D7FF */
	/* Above U+10FFFF, and bytes that never occur. */
	assert_int_equal(cls_of("\xf4\x8f\xbf\xbf", 4, NULL), TEXT_PRINT); /* U+10FFFF */
	assert_int_equal(cls_of("\xf4\x90\x80\x80", 4, NULL), TEXT_BAD);
	assert_int_equal(cls_of("\xf5\x80\x80\x80", 4, NULL), TEXT_BAD);
	assert_int_equal(cls_of("\xfe", 1, NULL), TEXT_BAD);
	assert_int_equal(cls_of("\xff", 1, NULL), TEXT_BAD);
	/* Truncated: the length says the sequence is cut. */
	assert_int_equal(cls_of("\xc3\xa9", 1, NULL), TEXT_BAD);
	assert_int_equal(cls_of("\xe2\x82\xac", 2, NULL), TEXT_BAD);
	assert_int_equal(cls_of("\xe2\x82"
	                        "A",
	                        3, NULL),
	                 TEXT_BAD);
	assert_int_equal(cls_of("\xc3\xa9", 2, &len), TEXT_PRINT);
	assert_int_equal(len, 2);
	/* Code points classified directly (typed keys). */
	assert_int_equal(text_cp_class(0x85), TEXT_C1);
	assert_int_equal(text_cp_class(0xd800), TEXT_BAD);
	assert_int_equal(text_cp_class(0x110000), TEXT_BAD);
	assert_int_equal(text_cp_class(0x4e2d), TEXT_PRINT);
}

static void test_escape_each_class(void **state)
{
	(void)state;
	assert_string_equal(esc("a\x1b[2Jb", TEXT_LINE), "a\\x1b[2Jb");
	assert_string_equal(esc("\x07\x08\x01", TEXT_LINE), "\\x07\\x08\\x01");
	assert_string_equal(esc("x\x7fy", TEXT_LINE), "x\\x7fy");
	assert_string_equal(esc("\xc2\x85", TEXT_LINE), "\\u0085");
	assert_string_equal(esc("\xc2\x9b"
	                        "31m",
	                        TEXT_LINE),
	                    "\\u009b31m");
	assert_string_equal(esc("\x9b"
	                        "31m",
	                        TEXT_LINE),
	                    "\\x9b31m");
	assert_string_equal(esc("abc\xe2\x80\xae"
	                        "fdp.exe",
	                        TEXT_LINE),
	                    "abc\\u202efdp.exe");
	assert_string_equal(esc("\xe2\x81\xa6x\xe2\x81\xa9", TEXT_LINE), "\\u2066x\\u2069");
	assert_string_equal(esc("bad \xff\xfe end", TEXT_LINE), "bad \\xff\\xfe end");
	/* Line breaks and tabs: escaped on one line and in TSV, kept in
	 * multi-line text; a carriage return is always escaped. */
	assert_string_equal(esc("a\nb\tc\rd", TEXT_LINE), "a\\nb\\tc\\rd");
	assert_string_equal(esc("a\nb\tc\rd", TEXT_MULTILINE), "a\nb\tc\\rd");
	assert_string_equal(esc("a\nb\tc\rd", TEXT_TSV), "a\\nb\\tc\\rd");
	assert_string_equal(esc("a\x1b"
	                        "b",
	                        TEXT_MULTILINE),
	                    "a\\x1bb");
	/* Backslash: doubled in TSV only, so a TSV value can be read back. */
	assert_string_equal(esc("C:\\x1b", TEXT_TSV), "C:\\\\x1b");
	assert_string_equal(esc("C:\\x1b", TEXT_LINE), "C:\\x1b");
	/* A NUL inside the given length is shown, not an end. */
	assert_string_equal(esc_n("a\0b", 3, TEXT_LINE), "a\\x00b");
}

static void test_escape_keeps_valid_utf8(void **state)
{
	static const char *const keep[] = {"Nuñez-García",
	                                   "Zoë Ångström",
	                                   "Ærøskøbing",
	                                   "Łódź",
	                                   "Straße",
	                                   "中文名字",
	                                   "山田太郎",
	                                   "김민준",
	                                   "Ελένη",
	                                   "Дмитрий",
	                                   "O\xe2\x80\x99"
	                                   "Brien",            /* U+2019 apostrophe */
	                                   "e\xcc\x81",        /* e + combining acute */
	                                   "\xf0\x9f\x98\x80", /* U+1F600, 4 bytes */
	                                   "\xc2\xa0nbsp",     /* U+00A0, first after C1 */
	                                   "\xef\xbf\xbd",     /* U+FFFD */
	                                   "\xf4\x8f\xbf\xbf", /* U+10FFFF, the last */
	                                   "أحمد", /* Arabic: right-to-left letters are fine */
	                                   NULL};
	(void)state;
	for (int i = 0; keep[i]; i++) {
		assert_string_equal(esc(keep[i], TEXT_LINE), keep[i]);
		assert_string_equal(esc(keep[i], TEXT_TSV), keep[i]);
		assert_true(text_is_clean(keep[i], 0));
	}
}

static void test_escape_truncated_and_overlong(void **state)
{
	(void)state;
	/* A cut sequence: each byte escaped, the next character intact. */
	assert_string_equal(esc("caf\xc3", TEXT_LINE), "caf\\xc3");
	assert_string_equal(esc("\xe2\x82"
	                        "A",
	                        TEXT_LINE),
	                    "\\xe2\\x82A");
	assert_string_equal(esc("\xf0\x9f\x98", TEXT_LINE), "\\xf0\\x9f\\x98");
	assert_string_equal(esc("\xc3\xc3\xa9", TEXT_LINE), "\\xc3\xc3\xa9");
	/* Overlong ESC (C0 9B is an overlong U+001B... as bytes) and "/". */
	assert_string_equal(esc("\xc0\x9b", TEXT_LINE), "\\xc0\\x9b");
	assert_string_equal(esc("\xc0\xaf", TEXT_LINE), "\\xc0\\xaf");
	assert_string_equal(esc("\xe0\x80\x9b", TEXT_LINE), "\\xe0\\x80\\x9b");
	/* Surrogate halves. */
	assert_string_equal(esc("\xed\xa0\xbd\xed\xb8\x80", TEXT_LINE),
	                    "\\xed\\xa0\\xbd\\xed\\xb8\\x80");
	/* Lone continuation bytes. */
	assert_string_equal(esc("\xa9", TEXT_LINE), "\\xa9");
}

static void test_escape_never_cuts(void **state)
{
	char small[8];
	(void)state;
	/* "ab" fits, the 4-byte escape of ESC would need 7 of 8 bytes with
	 * the NUL: it fits; a second one does not and is left out whole. */
	assert_int_equal(text_escape(small, sizeof small, "ab\x1b\x1b", TEXT_LINE), 6);
	assert_string_equal(small, "ab\\x1b");
	/* A multi-byte character is never cut either. */
	assert_int_equal(text_escape(small, 5, "ab\xe4\xb8\xad", TEXT_LINE), 2);
	assert_string_equal(small, "ab");
	assert_int_equal(text_escape(small, 6, "ab\xe4\xb8\xad", TEXT_LINE), 5);
	assert_int_equal(text_escape(small, 1, "ab", TEXT_LINE), 0);
	assert_string_equal(small, "");
	assert_int_equal(text_escape(small, sizeof small, NULL, TEXT_LINE), 0);
	/* TEXT_ESCAPED_MAX is enough for the worst case of each class. */
	{
		static const char *const worst[] = {"\xff\xff\xff", "\x1b\x1b", "\xc2\x85\xc2\x85",
						    "\xe2\x80\xae", "\\\\", "\x7f", NULL};
		char big[64];
		for (int i = 0; worst[i]; i++) {
			size_t n = strlen(worst[i]);
			size_t k = text_escape(big, TEXT_ESCAPED_MAX(n), worst[i], TEXT_TSV);
			char full[64];
			assert_int_equal(k, text_escape(full, sizeof full, worst[i], TEXT_TSV));
			assert_true(k <= 4 * n);
		}
	}
	/* Escaping what was escaped changes nothing (display modes). */
	assert_string_equal(esc(esc("x\x1b\xc2\x85\xff\xe2\x80\xae", TEXT_LINE), TEXT_LINE),
	                    "x\\x1b\\u0085\\xff\\u202e");
}

/* text_fprintf into memory. */
static const char *pf_buf;
static char *pf_mem;
static size_t pf_len;
static FILE *pf_open(void)
{
	free(pf_mem);
	pf_mem = NULL;
	pf_len = 0;
	return open_memstream(&pf_mem, &pf_len);
}
static const char *pf_close(FILE *f)
{
	fclose(f);
	pf_buf = pf_mem;
	return pf_buf;
}

static void test_fprintf_escapes_only_arguments(void **state)
{
	const char *volatile nothing = NULL; /* not known to the format checker */
	FILE *f;
	(void)state;
	f = pf_open();
	assert_int_equal(text_fprintf(f, TEXT_TSV, "%s\t%s\n", "a\tb", "c\x1b[0m"), 0);
	assert_string_equal(pf_close(f), "a\\tb\tc\\x1b[0m\n");

	f = pf_open();
	text_fprintf(f, TEXT_LINE, "%d|%5d|%-4d|%lld|%" PRId64 "|%zu|%u|%x|%c|%%|%.1f|%5.2f|%ld\n",
	             -3, 42, 7, (long long)-9000000000LL, (int64_t)123, (size_t)17, 4000000000u,
	             255, 'z', 36.65, 3.14159, 99L);
	assert_string_equal(pf_close(f), "-3|   42|7   |-9000000000|123|17|4000000000|ff|z|%|36.6|"
	                                 " 3.14|99\n");

	/* Widths and precisions of %s, also given with '*'. */
	f = pf_open();
	text_fprintf(f, TEXT_LINE, "[%-6s][%6s][%.3s][%*s][%-*s][%.*s]", "ab", "cd", "abcdef", 4,
	             "x", 4, "y", 2, "xyz");
	assert_string_equal(pf_close(f), "[ab    ][    cd][abc][   x][y   ][xy]");

	/* A precision never cuts a character: 'é' is 2 bytes. */
	f = pf_open();
	text_fprintf(f, TEXT_LINE, "[%.2s][%.3s]",
	             "\xc3\xa9"
	             "a",
	             "a\xc3\xa9");
	assert_string_equal(pf_close(f), "[\xc3\xa9][a\xc3\xa9]");
	f = pf_open();
	text_fprintf(f, TEXT_LINE, "[%.2s]", "a\xc3\xa9");
	assert_string_equal(pf_close(f), "[a]");

	/* NULL is "(null)", a %c control is escaped, a width pads the escape. */
	f = pf_open();
	text_fprintf(f, TEXT_LINE, "%s|%c|%-8s|", nothing, 0x1b, "\x1b");
	assert_string_equal(pf_close(f), "(null)|\\x1b|\\x1b    |");

	/* Multi-line keeps line breaks of the argument. */
	f = pf_open();
	text_fprintf(f, TEXT_MULTILINE, "%s\n", "line 1\nline\t2\x1b]0;t\x07");
	assert_string_equal(pf_close(f), "line 1\nline\t2\\x1b]0;t\\x07\n");

	f = pf_open();
	assert_int_equal(text_fputs("\xe2\x80\xae"
	                            "abc\x9b",
	                            TEXT_LINE, f),
	                 0);
	assert_int_equal(text_fputs(NULL, TEXT_LINE, f), 0);
	assert_string_equal(pf_close(f), "\\u202eabc\\x9b");
	free(pf_mem);
	pf_mem = NULL;
}

static void expect_refused(const char *in, size_t n, unsigned allow, const char *why)
{
	msg_t m;
	msg_clear(&m);
	if (text_check("Reaction", in, n, allow, &m) != STATUS_INVALID)
		fail_msg("accepted: %s", esc_n(in, n, TEXT_LINE));
	if (strcmp(m.text, why) != 0)
		fail_msg("for %s: '%s', expected '%s'", esc_n(in, n, TEXT_LINE), m.text, why);
}

static void test_check_refuses_each_class(void **state)
{
	msg_t m;
	(void)state;
	expect_refused("Hives\x1b[2J", 9, 0, "Reaction contains a control character (U+001B).");
	expect_refused("a\x07", 2, 0, "Reaction contains a control character (U+0007).");
	expect_refused("a\r", 2, TEXT_ALLOW_NEWLINE | TEXT_ALLOW_TAB,
	               "Reaction contains a control character (U+000D).");
	expect_refused("a\x7f", 2, 0, "Reaction contains a control character (U+007F).");
	expect_refused("a\xc2\x85", 3, 0, "Reaction contains a control character (U+0085).");
	expect_refused("a\xc2\x80", 3, 0, "Reaction contains a control character (U+0080).");
	expect_refused("a\xc2\x9f", 3, 0, "Reaction contains a control character (U+009F).");
	expect_refused("a\x9b", 2, 0, "Reaction is not valid UTF-8 text (byte 0x9B).");
	expect_refused("a\xff", 2, 0, "Reaction is not valid UTF-8 text (byte 0xFF).");
	expect_refused("caf\xc3", 4, 0, "Reaction is not valid UTF-8 text (byte 0xC3).");
	expect_refused("\xc0\xaf", 2, 0, "Reaction is not valid UTF-8 text (byte 0xC0).");
	expect_refused("\xed\xa0\x80", 3, 0, "Reaction is not valid UTF-8 text (byte 0xED).");
	expect_refused("rash\xe2\x80\xae", 7, 0,
	               "Reaction contains a bidirectional control character (U+202E).");
	expect_refused("\xe2\x80\xaa", 3, 0,
	               "Reaction contains a bidirectional control character (U+202A).");
	expect_refused("\xe2\x81\xa6", 3, 0,
	               "Reaction contains a bidirectional control character (U+2066).");
	expect_refused("\xe2\x81\xa9", 3, 0,
	               "Reaction contains a bidirectional control character (U+2069).");
	expect_refused("a\nb", 3, TEXT_ALLOW_TAB,
	               "Reaction contains a line break (U+000A); it must be one line.");
	expect_refused("a\tb", 3, TEXT_ALLOW_NEWLINE, "Reaction contains a tab (U+0009).");
	/* A NUL byte inside the data (a length longer than strlen). */
	expect_refused("ab\0cd", 5, 0, "Reaction contains a control character (U+0000).");

	/* Allowed: newline and tab where the field says so, and all of valid
	 * UTF-8 including neighbours of the refused ranges. */
	assert_int_equal(text_check("Note", "a\nb\tc", 5, TEXT_ALLOW_NEWLINE | TEXT_ALLOW_TAB, &m),
	                 STATUS_OK);
	assert_int_equal(text_check("X", "\xc2\xa0\xe2\x80\xa9\xe2\x80\xaf\xe2\x81\xaa", 11, 0, &m),
	                 STATUS_OK);
	assert_int_equal(text_check("X", "", 0, 0, &m), STATUS_OK);
	assert_int_equal(text_check("X", NULL, 0, 0, &m), STATUS_OK);
	assert_true(text_is_clean("Ñandú 中文", 0));
	assert_false(text_is_clean("x\x1b", TEXT_ALLOW_NEWLINE | TEXT_ALLOW_TAB));
	assert_true(text_is_clean(NULL, 0));
}

static void test_copy(void **state)
{
	char small[4];
	(void)state;
	assert_int_equal(text_copy(small, sizeof small, "ab\xc3\xa9"), 2); /* not half of é */
	assert_string_equal(small, "ab");
	assert_int_equal(text_copy(small, sizeof small, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decoder_classes),
	    cmocka_unit_test(test_escape_each_class),
	    cmocka_unit_test(test_escape_keeps_valid_utf8),
	    cmocka_unit_test(test_escape_truncated_and_overlong),
	    cmocka_unit_test(test_escape_never_cuts),
	    cmocka_unit_test(test_fprintf_escapes_only_arguments),
	    cmocka_unit_test(test_check_refuses_each_class),
	    cmocka_unit_test(test_copy),
	};
	return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
