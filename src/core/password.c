/* password.c - the password policy (see password.h): Chartroom's own rules
 * for what a blocklist cannot express (repetition, sequences, a listed
 * word dressed up in case, spaces and digits), two common-password lists,
 * and libpwquality (cracklib's dictionary) for the rest. */
#include "core/password.h"

#include <pwquality.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/embedded.h"

#define NORM_MAX 1100       /* more than any accepted password */
#define LIST_FILE_MAX 4194304 /* a system list larger than this is not read */

/* The password as compared with the lists: ASCII letters lower-cased,
 * spaces and tabs dropped (other bytes, UTF-8 included, kept). */
static size_t normalise(const char *in, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < cap; i++) {
		unsigned char ch = (unsigned char)in[i];
		if (ch == ' ' || ch == '\t')
			continue;
		out[o++] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
	}
	out[o] = '\0';
	return o;
}

/* The smallest p such that s is a prefix of its first p bytes repeated. */
static size_t period(const char *s, size_t n)
{
	size_t p = 1;
	for (; p < n; p++) {
		size_t i = p;
		while (i < n && s[i] == s[i - p])
			i++;
		if (i == n)
			break;
	}
	return p;
}

/* Is b the character after a (or, backwards, before it) in one of the
 * orders people walk through: the alphabet, the digits (9 then 0 again),
 * the keyboard's letter rows? */
static int step(unsigned char a, unsigned char b)
{
	static const char *const orders[] = {"abcdefghijklmnopqrstuvwxyz", "01234567890",
					     "qwertyuiopasdfghjklzxcvbnm", NULL};
	for (int k = 0; orders[k]; k++)
		for (const char *o = orders[k]; o[1]; o++)
			if (((unsigned char)o[0] == a && (unsigned char)o[1] == b) ||
			    ((unsigned char)o[0] == b && (unsigned char)o[1] == a))
				return 1;
	return 0;
}

static int sequential(const char *s, size_t n)
{
	if (n < 4)
		return 0;
	for (size_t i = 0; i + 1 < n; i++)
		if (!step((unsigned char)s[i], (unsigned char)s[i + 1]))
			return 0;
	return 1;
}

/* word (normalised) equal to a normalised line of text? Lines starting
 * "#!comment" (the john list's header) are skipped. */
static int listed(const char *text, size_t len, const char *word)
{
	char line[256];
	const char *p = text, *end = text + len;
	int hit = 0;
	while (p < end && !hit) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (n < sizeof line && !(n >= 9 && memcmp(p, "#!comment", 9) == 0)) {
			normalise(p, n, line, sizeof line);
			hit = line[0] && strcmp(line, word) == 0;
		}
		p = nl ? nl + 1 : end;
	}
	sodium_memzero(line, sizeof line);
	return hit;
}

/* The installed list, read whole (NULL if absent or unreadable). */
static char *system_list(size_t *len)
{
	FILE *f = fopen(PASSWORD_SYSTEM_LIST, "rb");
	char *buf = NULL;
	long size;
	*len = 0;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 && size <= LIST_FILE_MAX &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)size))) {
		*len = fread(buf, 1, (size_t)size, f);
		if (*len != (size_t)size) {
			free(buf);
			buf = NULL;
			*len = 0;
		}
	}
	fclose(f);
	return buf;
}

/* Is any of the candidates (normalised, NULL-terminated) on a list? */
static int common(const char *const *words)
{
	const char *embedded = NULL;
	size_t sys_len = 0;
	char *sys = system_list(&sys_len);
	int hit = 0;
	for (int i = 0; embedded_wordlists[i].name; i++)
		if (strcmp(embedded_wordlists[i].name, "common-passwords.txt") == 0)
			embedded = embedded_wordlists[i].text;
	for (int w = 0; words[w] && !hit; w++) {
		if (!*words[w])
			continue;
		hit = (embedded && listed(embedded, strlen(embedded), words[w])) ||
		      (sys && listed(sys, sys_len, words[w]));
	}
	free(sys);
	return hit;
}

/* s without the digits and symbols before its first and after its last
 * letter ("2024password!!" -> "password"), into out. */
static void letters_core(const char *s, char *out, size_t cap)
{
	size_t b = 0, e = strlen(s);
#define NOT_LETTER(c) ((unsigned char)(c) < 0x80 && !((c) >= 'a' && (c) <= 'z'))
	while (b < e && NOT_LETTER(s[b]))
		b++;
	while (e > b && NOT_LETTER(s[e - 1]))
		e--;
#undef NOT_LETTER
	if (e - b >= cap)
		e = b + cap - 1;
	memcpy(out, s + b, e - b);
	out[e - b] = '\0';
}

/* libpwquality with only the checks Chartroom does not make itself: no
 * length or character-class rules (NIST: none), cracklib's dictionary
 * when it is installed. */
static status_t pwquality(const char *password, msg_t *m)
{
	pwquality_settings_t *pq = pwquality_default_settings();
	void *aux = NULL;
	char why[PWQ_MAX_ERROR_MESSAGE_LEN];
	int dict = access(PASSWORD_CRACKLIB_DICT ".pwd", R_OK) == 0, r;
	if (!pq)
		return msg_fail(m, STATUS_NOMEM, "Out of memory checking the password.");
	pwquality_set_int_value(pq, PWQ_SETTING_MIN_LENGTH, 6); /* its floor; ours is larger */
	pwquality_set_int_value(pq, PWQ_SETTING_DIG_CREDIT, 0);
	pwquality_set_int_value(pq, PWQ_SETTING_UP_CREDIT, 0);
	pwquality_set_int_value(pq, PWQ_SETTING_LOW_CREDIT, 0);
	pwquality_set_int_value(pq, PWQ_SETTING_OTH_CREDIT, 0);
	pwquality_set_int_value(pq, PWQ_SETTING_MIN_CLASS, 0);
	pwquality_set_int_value(pq, PWQ_SETTING_MAX_REPEAT, 0);
	pwquality_set_int_value(pq, PWQ_SETTING_MAX_CLASS_REPEAT, 0);
	pwquality_set_int_value(pq, PWQ_SETTING_MAX_SEQUENCE, 0);
	pwquality_set_int_value(pq, PWQ_SETTING_GECOS_CHECK, 0);
	pwquality_set_int_value(pq, PWQ_SETTING_USER_CHECK, 0);
	pwquality_set_int_value(pq, PWQ_SETTING_DICT_CHECK, dict);
	if (dict)
		pwquality_set_str_value(pq, PWQ_SETTING_DICT_PATH, PASSWORD_CRACKLIB_DICT);
	r = pwquality_check(pq, password, NULL, NULL, &aux);
	pwquality_free_settings(pq);
	if (r >= 0)
		return STATUS_OK;
	if (r == PWQ_ERROR_CRACKLIB_CHECK)
		return msg_fail(m, STATUS_INVALID,
				"That password is too easy to guess: %s. A few unrelated words make "
				"a good one.",
				aux ? (const char *)aux : "it is based on a dictionary word");
	if (r == PWQ_ERROR_PALINDROME)
		return msg_fail(m, STATUS_INVALID,
				"The password reads the same backwards; choose another.");
	return msg_fail(m, STATUS_INVALID, "%s.",
			pwquality_strerror(why, sizeof why, r, aux));
}

status_t password_check(const config_t *cfg, const char *name, const char *password, msg_t *m)
{
	status_t ret = STATUS_INVALID;
	size_t n = password ? strlen(password) : 0, nn, p;
	char *norm = NULL, *core = NULL, *unit = NULL, *unit_core = NULL;
	int spaces = 1;

	if (n < (size_t)cfg->password_min_length)
		return msg_fail(m, STATUS_INVALID,
				"The password is too short: use at least %d characters (a few words "
				"make a good one).",
				cfg->password_min_length);
	if (n > (size_t)cfg->password_max_length)
		return msg_fail(m, STATUS_INVALID, "The password is too long (at most %d characters).",
				cfg->password_max_length);
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)password[i] < 0x20 || password[i] == 0x7f)
			return msg_fail(m, STATUS_INVALID,
					"The password contains a control character.");
		spaces &= password[i] == ' ';
	}
	if (spaces)
		return msg_fail(m, STATUS_INVALID, "The password is only spaces; use words.");
	/* Working copies of the password live in guarded memory. */
	norm = sodium_malloc(NORM_MAX);
	core = sodium_malloc(NORM_MAX);
	unit = sodium_malloc(NORM_MAX);
	unit_core = sodium_malloc(NORM_MAX);
	if (!norm || !core || !unit || !unit_core) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory checking the password.");
		goto cleanup;
	}
	nn = normalise(password, n, norm, NORM_MAX);
	p = period(norm, nn);
	if (p <= 3 && nn >= 2 * p) {
		msg_fail(m, STATUS_INVALID,
			 "The password repeats one character or a short pattern; use words.");
		goto cleanup;
	}
	if (sequential(norm, nn)) {
		msg_fail(m, STATUS_INVALID,
			 "The password is a run of sequential characters (like abcdef or 123456); "
			 "use words.");
		goto cleanup;
	}
	letters_core(norm, core, NORM_MAX);
	unit[0] = unit_core[0] = '\0';
	if (nn >= 2 * p) { /* the same word again and again: judge the word */
		memcpy(unit, norm, p);
		unit[p] = '\0';
		letters_core(unit, unit_core, NORM_MAX);
	}
	{
		const char *const words[] = {norm, core, unit, unit_core, NULL};
		if (common(words)) {
			msg_fail(m, STATUS_INVALID,
				 "That password is on the list of commonly used passwords (ignoring "
				 "case, spaces, digits and symbols around it, and repetition); choose "
				 "another.");
			goto cleanup;
		}
	}
	if (name && *name && strcasestr(password, name) && strlen(name) * 2 >= n) {
		msg_fail(m, STATUS_INVALID, "The password must not be mostly the user name.");
		goto cleanup;
	}
	ret = pwquality(password, m);
cleanup:
	sodium_free(norm);
	sodium_free(core);
	sodium_free(unit);
	sodium_free(unit_core);
	return ret;
}
