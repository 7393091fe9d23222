/* pindex.c - blind-index tokens for patients. */
#include "core/pindex.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

static const char *const family_tags[] = {
#define PFAM_TAG(id, tag, indexed, matched) tag,
	PINDEX_FAMILIES(PFAM_TAG)
#undef PFAM_TAG
};

static const unsigned char family_indexed[] = {
#define PFAM_INDEXED(id, tag, indexed, matched) indexed,
	PINDEX_FAMILIES(PFAM_INDEXED)
#undef PFAM_INDEXED
};

static const unsigned char family_matched[] = {
#define PFAM_MATCHED(id, tag, indexed, matched) matched,
	PINDEX_FAMILIES(PFAM_MATCHED)
#undef PFAM_MATCHED
};

int pindex_family_indexed(pfamily_t fam)
{
	return (unsigned)fam < PFAM_COUNT && family_indexed[fam];
}

int pindex_family_matched(pfamily_t fam)
{
	return (unsigned)fam < PFAM_COUNT && family_matched[fam];
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

size_t pindex_match_set(const ptokens_t *t, unsigned char *out, size_t cap)
{
	uint64_t v[PINDEX_TOKENS_MAX];
	size_t n = 0, o = 0;
	for (int i = 0; i < t->n; i++)
		if (pindex_family_matched((pfamily_t)t->fam[i]))
			v[n++] = (uint64_t)t->tok[i];
	qsort(v, n, sizeof v[0], u64_cmp);
	for (size_t i = 0; i < n && o + 8 <= cap; i++)
		for (int k = 7; k >= 0; k--)
			out[o++] = (unsigned char)(v[i] >> (k * 8));
	return o;
}

int pindex_match_has(const unsigned char *set, size_t len, int64_t token)
{
	uint64_t want = (uint64_t)token;
	size_t lo = 0, hi;
	if (!set || len % 8)
		return 0;
	hi = len / 8;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint64_t v = 0;
		for (int k = 0; k < 8; k++)
			v = (v << 8) | set[mid * 8 + (size_t)k];
		if (v == want)
			return 1;
		if (v < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Latin-1 Supplement and Latin Extended-A (U+00C0..U+017F) folded to
 * ASCII; "" drops the character (multiplication and division signs). */
static const char *const fold_c0_17f[] = {
	"a", "a", "a", "a", "a", "a", "ae", "c",
	"e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "o", "",
	"o", "u", "u", "u", "u", "y", "th", "ss",
	"a", "a", "a", "a", "a", "a", "ae", "c",
	"e", "e", "e", "e", "i", "i", "i", "i",
	"d", "n", "o", "o", "o", "o", "o", "",
	"o", "u", "u", "u", "u", "y", "th", "y",
	"a", "a", "a", "a", "a", "a", "c", "c",
	"c", "c", "c", "c", "c", "c", "d", "d",
	"d", "d", "e", "e", "e", "e", "e", "e",
	"e", "e", "e", "e", "g", "g", "g", "g",
	"g", "g", "g", "g", "h", "h", "h", "h",
	"i", "i", "i", "i", "i", "i", "i", "i",
	"i", "i", "ij", "ij", "j", "j", "k", "k",
	"k", "l", "l", "l", "l", "l", "l", "l",
	"l", "l", "l", "n", "n", "n", "n", "n",
	"n", "n", "n", "n", "o", "o", "o", "o",
	"o", "o", "oe", "oe", "r", "r", "r", "r",
	"r", "r", "s", "s", "s", "s", "s", "s",
	"s", "s", "t", "t", "t", "t", "", "",
	"u", "u", "u", "u", "u", "u", "u", "u",
	"u", "u", "u", "u", "w", "w", "y", "y",
	"y", "z", "z", "z", "z", "z", "z", "s",
};

/* Decode one UTF-8 sequence; returns its length (1 for a bad byte, which
 * is then treated as not-a-letter). */
static int utf8_next(const unsigned char *s, unsigned *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80) {
		*cp = ((unsigned)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
		return 2;
	}
	if ((s[0] & 0xF0) == 0xE0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
		*cp = ((unsigned)(s[0] & 0x0F) << 12) | ((unsigned)(s[1] & 0x3F) << 6) |
		      (s[2] & 0x3F);
		return 3;
	}
	if ((s[0] & 0xF8) == 0xF0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 &&
	    (s[3] & 0xC0) == 0x80) {
		*cp = ((unsigned)(s[0] & 0x07) << 18) | ((unsigned)(s[1] & 0x3F) << 12) |
		      ((unsigned)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
		return 4;
	}
	*cp = 0xFFFD;
	return 1;
}

void pindex_fold(const char *in, char *out, size_t size)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0;
	while (*s && o + 1 < size) {
		unsigned cp;
		int len = utf8_next(s, &cp);
		if (cp < 0x80) {
			if (isalpha((int)cp))
				out[o++] = (char)tolower((int)cp);
		} else if (cp >= 0xC0 && cp <= 0x17F) {
			const char *f = fold_c0_17f[cp - 0xC0];
			size_t fl = strlen(f);
			if (o + fl + 1 <= size) {
				memcpy(out + o, f, fl);
				o += fl;
			}
		} else if (cp >= 0x370 && cp != 0xFFFD && cp != 0x2019 && cp != 0x2018 &&
			   !(cp >= 0x2000 && cp <= 0x206F)) {
			/* Other scripts: keep the letter as written (no case
			 * folding table for them here; names are matched as
			 * entered). Skip general punctuation. */
			if (o + (size_t)len + 1 <= size) {
				memcpy(out + o, s, (size_t)len);
				o += (size_t)len;
			}
		}
		s += len;
	}
	out[o] = '\0';
}

void pindex_soundex(const char *f, char out[5])
{
	/*                      abcdefghijklmnopqrstuvwxyz */
	static const char map[] = "01230120022455012623010202";
	int o = 0;
	char last = 0;
	out[0] = '\0';
	for (; *f && o < 4; f++) {
		char c = *f, code;
		if (c < 'a' || c > 'z')
			continue;
		code = map[c - 'a'];
		if (o == 0) {
			out[o++] = c;
			last = code;
			continue;
		}
		if (code != '0' && code != last)
			out[o++] = code;
		if (c != 'h' && c != 'w')
			last = code;
	}
	if (o == 0)
		return;
	while (o < 4)
		out[o++] = '0';
	out[4] = '\0';
}

void pindex_digits(const char *in, char *out, size_t size)
{
	size_t o = 0;
	for (; *in && o + 1 < size; in++)
		if (*in >= '0' && *in <= '9')
			out[o++] = *in;
	out[o] = '\0';
}

status_t pindex_token(const keyring_t *kr, int bytes, pfamily_t fam, const char *value,
		      int64_t *tok, msg_t *m)
{
	return pindex_token_at(kr, CRYPTO_CURRENT, bytes, fam, value, tok, m);
}

status_t pindex_token_at(const keyring_t *kr, int version, int bytes, pfamily_t fam,
			 const char *value, int64_t *tok, msg_t *m)
{
	char buf[300];
	unsigned char raw[8] = {0};
	uint64_t v = 0;
	status_t ret;
	size_t tl = strlen(family_tags[fam]), vl = strlen(value);
	if (tl + 1 + vl >= sizeof buf)
		vl = sizeof buf - tl - 2;
	memcpy(buf, family_tags[fam], tl);
	buf[tl] = '|';
	memcpy(buf + tl + 1, value, vl);
	buf[tl + 1 + vl] = '\0';
	ret = crypto_blind_token_at(kr, DOMAIN_INDEX, version, "patients", "index", buf,
				    (size_t)bytes, raw, m);
	sodium_memzero(buf, tl + 1 + vl); /* a name, a date of birth */
	if (ret != STATUS_OK)
		return ret;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | raw[i];
	*tok = (int64_t)v;
	return STATUS_OK;
}

/* ---- the memo of a bulk load ------------------------------------------- */

#define MEMO_SLOTS 65536 /* a power of two */
#define MEMO_VALUE 46

typedef struct memo_entry {
	int64_t tok;
	unsigned char used, fam;
	char value[MEMO_VALUE]; /* NUL-terminated */
} memo_entry_t;

struct pindex_memo {
	int bytes;
	memo_entry_t slot[MEMO_SLOTS];
};

pindex_memo_t *pindex_memo_new(void)
{
	return calloc(1, sizeof(pindex_memo_t));
}

void pindex_memo_free(pindex_memo_t *mm)
{
	if (!mm)
		return;
	sodium_memzero(mm, sizeof *mm); /* names and dates of birth */
	free(mm);
}

/* Families whose values are too rare to be worth remembering. */
static int memo_worth(pfamily_t fam)
{
	return fam != PFAM_MRN && fam != PFAM_PHONE;
}

static memo_entry_t *memo_slot(pindex_memo_t *mm, pfamily_t fam, const char *value)
{
	/* FNV-1a: only to spread the slots; a hit is checked on the value. */
	uint64_t h = 14695981039346656037ull ^ (uint64_t)fam;
	for (const unsigned char *v = (const unsigned char *)value; *v; v++)
		h = (h ^ *v) * 1099511628211ull;
	return &mm->slot[h & (MEMO_SLOTS - 1)];
}

/* What token computing needs, and the memo when there is one. */
typedef struct ictx {
	const keyring_t *kr;
	int version; /* of the index key; CRYPTO_CURRENT */
	int bytes;
	pindex_memo_t *memo;
} ictx_t;

#define MARK_VALUE "index-key"

status_t pindex_mark(const keyring_t *kr, int version, int bytes, unsigned char out[8], msg_t *m)
{
	int64_t tok = 0;
	status_t ret = pindex_token_at(kr, version, bytes, PFAM_MARK, MARK_VALUE, &tok, m);
	for (int k = 0; k < 8; k++)
		out[k] = (unsigned char)((uint64_t)tok >> ((7 - k) * 8));
	return ret;
}

static status_t token_of(const ictx_t *x, pfamily_t fam, const char *value, int64_t *tok,
			 msg_t *m)
{
	memo_entry_t *e = NULL;
	status_t ret;
	if (x->memo && x->memo->bytes == x->bytes && memo_worth(fam) &&
	    strlen(value) < MEMO_VALUE) {
		e = memo_slot(x->memo, fam, value);
		if (e->used && e->fam == (unsigned char)fam && strcmp(e->value, value) == 0) {
			*tok = e->tok;
			return STATUS_OK;
		}
	}
	if ((ret = pindex_token_at(x->kr, x->version, x->bytes, fam, value, tok, m)) != STATUS_OK)
		return ret;
	if (e) {
		e->used = 1;
		e->fam = (unsigned char)fam;
		e->tok = *tok;
		memcpy(e->value, value, strlen(value) + 1);
	}
	return STATUS_OK;
}

static status_t add(ptokens_t *t, const ictx_t *x, pfamily_t fam, const char *value, msg_t *m)
{
	int64_t tok;
	status_t ret;
	if (!*value)
		return STATUS_OK;
	if ((ret = token_of(x, fam, value, &tok, m)) != STATUS_OK)
		return ret;
	for (int i = 0; i < t->n; i++)
		if (t->tok[i] == tok)
			return STATUS_OK; /* e.g. a part equal to the whole name */
	if (t->n == PINDEX_TOKENS_MAX)
		return STATUS_OK; /* more parts than we index: the rest still match by filter */
	t->tok[t->n] = tok;
	t->fam[t->n] = (unsigned char)fam;
	t->n++;
	return STATUS_OK;
}

/* Byte length of the first n letters of a folded name (UTF-8 aware). */
static size_t letters_len(const char *s, int n)
{
	size_t i = 0;
	while (s[i] && n > 0) {
		unsigned cp;
		i += (size_t)utf8_next((const unsigned char *)s + i, &cp);
		n--;
	}
	return i;
}

static int letters_count(const char *s)
{
	int n = 0;
	size_t i = 0;
	while (s[i]) {
		unsigned cp;
		i += (size_t)utf8_next((const unsigned char *)s + i, &cp);
		n++;
	}
	return n;
}

static status_t add_prefixes(ptokens_t *t, const ictx_t *x, const char *folded, msg_t *m)
{
	char pre[PATIENT_FIELD_MAX];
	int n = letters_count(folded);
	status_t ret = STATUS_OK;
	for (int k = 2; k <= n && k <= PINDEX_PREFIX_MAX && ret == STATUS_OK; k++) {
		size_t len = letters_len(folded, k);
		memcpy(pre, folded, len);
		pre[len] = '\0';
		ret = add(t, x, PFAM_LAST_PREFIX, pre, m);
	}
	sodium_memzero(pre, sizeof pre);
	return ret;
}

static status_t index_patient(const ictx_t *x, const patient_t *p, ptokens_t *t, msg_t *m)
{
	char last[PATIENT_FIELD_MAX], first[PATIENT_FIELD_MAX], part[PATIENT_FIELD_MAX];
	char buf[PATIENT_FIELD_MAX * 2], sl[5], sf[5], digits[32];
	const char *dob = p->f[PF_DOB];
	status_t ret = STATUS_OK;
	static const pfield_t phones[] = {PF_PHONE_HOME, PF_PHONE_MOBILE};

	t->n = 0;
	pindex_fold(p->f[PF_LAST], last, sizeof last);
	pindex_fold(p->f[PF_FIRST], first, sizeof first);

#define TRY(expr)                          \
	do {                               \
		if ((ret = (expr)) != STATUS_OK) \
			goto cleanup;      \
	} while (0)

	/* The mark first: a name with many parts can fill the list. */
	TRY(add(t, x, PFAM_MARK, MARK_VALUE, m));
	TRY(add(t, x, PFAM_MRN, p->f[PF_MRN], m));
	TRY(add(t, x, PFAM_LAST, last, m));
	TRY(add_prefixes(t, x, last, m));
	/* Each part of a compound last name is findable on its own:
	 * "Garcia Lopez", "Smith-Jones". */
	{
		const char *s = p->f[PF_LAST];
		while (*s) {
			size_t n = strcspn(s, " -");
			if (n > 0 && n < sizeof part) {
				char raw[PATIENT_FIELD_MAX];
				memcpy(raw, s, n);
				raw[n] = '\0';
				pindex_fold(raw, part, sizeof part);
				sodium_memzero(raw, sizeof raw);
				if (strcmp(part, last) != 0)
					TRY(add_prefixes(t, x, part, m));
			}
			s += n;
			while (*s == ' ' || *s == '-')
				s++;
		}
	}
	{
		size_t ll = strlen(last);
		memcpy(buf, last, ll);
		buf[ll] = '|';
		for (int k = 1; k <= PINDEX_FIRST_PREFIX_MAX && k <= letters_count(first); k++) {
			size_t len = letters_len(first, k);
			memcpy(buf + ll + 1, first, len);
			buf[ll + 1 + len] = '\0';
			TRY(add(t, x, PFAM_LAST_FIRST, buf, m));
		}
	}
	TRY(add(t, x, PFAM_FIRST, first, m));
	if (strlen(dob) == 10) {
		TRY(add(t, x, PFAM_DOB, dob, m));
		memcpy(buf, dob, 7); /* YYYY-MM */
		buf[7] = '\0';
		TRY(add(t, x, PFAM_DOB_YM, buf, m));
		memcpy(buf + 5, dob + 8, 2); /* YYYY-DD */
		TRY(add(t, x, PFAM_DOB_YD, buf, m));
		memcpy(buf, dob + 5, 5); /* MM-DD */
		buf[5] = '\0';
		TRY(add(t, x, PFAM_DOB_MD, buf, m));
	}
	for (size_t i = 0; i < sizeof phones / sizeof phones[0]; i++) {
		pindex_digits(p->f[phones[i]], digits, sizeof digits);
		if (strlen(digits) >= 10) {
			TRY(add(t, x, PFAM_PHONE, digits, m));
			TRY(add(t, x, PFAM_PHONE4, digits + strlen(digits) - 4, m));
		}
	}
	pindex_digits(p->f[PF_SSN], digits, sizeof digits);
	if (strlen(digits) >= 4)
		TRY(add(t, x, PFAM_SSN4, digits + strlen(digits) - 4, m));
	pindex_soundex(last, sl);
	pindex_soundex(first, sf);
	TRY(add(t, x, PFAM_SDX_LAST, sl, m));
	TRY(add(t, x, PFAM_SDX_FIRST, sf, m));
	if (*sl && *sf) {
		snprintf(buf, sizeof buf, "%s|%s", sl, sf);
		TRY(add(t, x, PFAM_SDX_PAIR, buf, m));
	}
	if (strlen(p->f[PF_ZIP]) >= 5) {
		snprintf(buf, sizeof buf, "%.5s", p->f[PF_ZIP]);
		TRY(add(t, x, PFAM_ZIP, buf, m));
	}
	TRY(add(t, x, PFAM_SEX, p->f[PF_SEX], m));
#undef TRY
cleanup:
	/* Names, a date of birth, phone and SSN digits. */
	sodium_memzero(last, sizeof last);
	sodium_memzero(first, sizeof first);
	sodium_memzero(part, sizeof part);
	sodium_memzero(buf, sizeof buf);
	sodium_memzero(sl, sizeof sl);
	sodium_memzero(sf, sizeof sf);
	sodium_memzero(digits, sizeof digits);
	return ret;
}

status_t pindex_patient(const keyring_t *kr, int bytes, const patient_t *p, ptokens_t *t,
			msg_t *m)
{
	ictx_t x = {kr, CRYPTO_CURRENT, bytes, NULL};
	return index_patient(&x, p, t, m);
}

status_t pindex_patient_at(const keyring_t *kr, int version, int bytes, const patient_t *p,
			   ptokens_t *t, msg_t *m)
{
	ictx_t x = {kr, version, bytes, NULL};
	return index_patient(&x, p, t, m);
}

status_t pindex_patient_memo(const keyring_t *kr, int bytes, const patient_t *p,
			     pindex_memo_t *memo, ptokens_t *t, msg_t *m)
{
	ictx_t x = {kr, CRYPTO_CURRENT, bytes, memo};
	if (memo && memo->bytes != bytes) {
		sodium_memzero(memo, sizeof *memo); /* another length: start afresh */
		memo->bytes = bytes;
	}
	return index_patient(&x, p, t, m);
}
