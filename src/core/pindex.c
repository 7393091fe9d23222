/* pindex.c - blind-index tokens for patients. */
#include "core/pindex.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

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

/* Generation 1's folding (before libunistring): Latin-1 and Latin
 * Extended-A by the table, ASCII lowered, other scripts as written. Kept
 * to find (and delete) what a generation-1 row holds. */
static void fold_legacy(const char *in, char *out, size_t size)
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

/* Non-spacing marks that are diacritics: dropped. */
static int diacritic(ucs4_t c)
{
	return (c >= 0x300 && c <= 0x36F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
	       (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
	       (c >= 0xFE20 && c <= 0xFE2F) || /* combining diacritical marks */
	       (c >= 0x591 && c <= 0x5C7 && uc_is_general_category(c, UC_NON_SPACING_MARK)) ||
	       (c >= 0x64B && c <= 0x65F) || c == 0x670; /* Hebrew points, Arabic vowels */
}

/* Letters that do not decompose, as the generation-1 table wrote them
 * (lower case: they are looked up after case folding). */
static const char *ascii_of(ucs4_t c)
{
	switch (c) {
	case 0xE6: return "ae";  /* æ */
	case 0xF0: return "d";   /* ð */
	case 0xF8: return "o";   /* ø */
	case 0xFE: return "th";  /* þ */
	case 0x111: return "d";  /* đ */
	case 0x127: return "h";  /* ħ */
	case 0x131: return "i";  /* dotless i */
	case 0x138: return "k";  /* ĸ */
	case 0x142: return "l";  /* ł */
	case 0x14B: return "n";  /* ŋ */
	case 0x153: return "oe"; /* œ */
	case 0x167: return "t";  /* ŧ */
	default: return NULL;
	}
}

/* Is c kept in a folded name? Letters and the marks that are not
 * diacritics; not the spacing modifier letters (U+02B0-U+02FF: the
 * apostrophe-like ʼ and ʻ among them). */
static int kept(ucs4_t c)
{
	if (c >= 0x2B0 && c <= 0x2FF)
		return 0;
	return uc_is_general_category(c, UC_LETTER) ||
	       (uc_is_general_category(c, UC_MARK) && !diacritic(c));
}

/* Free what libunistring returned when it is not our buffer, wiped. */
static void unistring_free(uint8_t *p, const uint8_t *ours, size_t len)
{
	if (p && p != ours) {
		sodium_memzero(p, len);
		free(p);
	}
}

void pindex_fold(const char *in, char *out, size_t size)
{
	const uint8_t *s = (const uint8_t *)in;
	size_t n = strlen(in), o = 0;
	uint8_t cbuf[4 * PATIENT_FIELD_MAX], fbuf[4 * PATIENT_FIELD_MAX], nbuf[4 * PATIENT_FIELD_MAX];
	uint8_t *cf = NULL, *nf = NULL;
	size_t clen = sizeof cbuf, flen = 0, nlen = sizeof nbuf;
	int ascii = 1;

	if (size == 0)
		return;
	for (size_t i = 0; i < n && ascii; i++)
		ascii = s[i] < 0x80;
	if (ascii) { /* most names: the same as below, without the tables */
		for (; *s && o + 1 < size; s++)
			if (isalpha(*s))
				out[o++] = (char)tolower(*s);
		out[o] = '\0';
		return;
	}
	/* Compatibility decomposition and case folding (full-width letters,
	 * ligatures, ß to ss), then the diacritics and non-letters dropped. */
	cf = u8_casefold(s, n, NULL, UNINORM_NFKD, cbuf, &clen);
	if (!cf) { /* not UTF-8: names are checked before they get here */
		fold_legacy(in, out, size);
		return;
	}
	for (size_t i = 0; i < clen;) {
		ucs4_t c;
		int len = u8_mbtouc(&c, cf + i, clen - i);
		const char *a = ascii_of(c);
		if (len < 1)
			len = 1;
		if (a) {
			size_t al = strlen(a);
			if (flen + al <= sizeof fbuf) {
				memcpy(fbuf + flen, a, al);
				flen += al;
			}
		} else if (c != 0xFFFD && kept(c) && flen + (size_t)len <= sizeof fbuf) {
			memcpy(fbuf + flen, cf + i, (size_t)len);
			flen += (size_t)len;
		}
		i += (size_t)len;
	}
	/* Recomposed: Hangul syllables, kana with their voicing marks. */
	nf = flen ? u8_normalize(UNINORM_NFC, fbuf, flen, nbuf, &nlen) : NULL;
	if (nf) {
		for (size_t i = 0; i < nlen;) {
			ucs4_t c;
			int len = u8_mbtouc(&c, nf + i, nlen - i);
			if (len < 1)
				len = 1;
			if (o + (size_t)len + 1 > size)
				break;
			memcpy(out + o, nf + i, (size_t)len);
			o += (size_t)len;
			i += (size_t)len;
		}
	}
	out[o] = '\0';
	unistring_free(cf, cbuf, clen);
	unistring_free(nf, nbuf, nlen);
	/* The name, in three forms. */
	sodium_memzero(cbuf, sizeof cbuf);
	sodium_memzero(fbuf, sizeof fbuf);
	sodium_memzero(nbuf, sizeof nbuf);
}

int pindex_letters(const char *folded)
{
	int n = 0;
	for (; *folded; folded++)
		if (((unsigned char)*folded & 0xC0) != 0x80)
			n++;
	return n;
}

/* Scripts written without spaces between syllables, where one character
 * can be a whole family name. */
static int unspaced(ucs4_t c)
{
	static const char *const names[] = {"Han", "Hiragana", "Katakana", "Hangul", "Bopomofo",
					    "Yi"};
	const uc_script_t *sc = uc_script(c);
	if (!sc || !sc->name)
		return 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(sc->name, names[i]) == 0)
			return 1;
	return 0;
}

int pindex_min_letters(const char *folded)
{
	ucs4_t c = 0;
	size_t n = strlen(folded);
	if (n && u8_mbtouc(&c, (const uint8_t *)folded, n) > 0 && unspaced(c))
		return 1;
	return 2;
}

void pindex_name(const char *last, pname_t *nm)
{
	const uint8_t *s = (const uint8_t *)last;
	size_t n = strlen(last), i = 0;
	char raw[PATIENT_FIELD_MAX];
	memset(nm, 0, sizeof *nm);
	pindex_fold(last, nm->whole, sizeof nm->whole);
	/* Parts: the runs of letters (and marks) between anything else. */
	while (i < n) {
		size_t start, len;
		ucs4_t c;
		int l;
		while (i < n && (l = u8_mbtouc(&c, s + i, n - i)) > 0 && !kept(c) && !diacritic(c))
			i += (size_t)l;
		start = i;
		while (i < n && (l = u8_mbtouc(&c, s + i, n - i)) > 0 && (kept(c) || diacritic(c)))
			i += (size_t)l;
		if (i == start) { /* a byte that is not UTF-8: skipped */
			i++;
			continue;
		}
		len = i - start < sizeof raw ? i - start : sizeof raw - 1;
		memcpy(raw, s + start, len);
		raw[len] = '\0';
		if (nm->nparts < PINDEX_PARTS_MAX) {
			pindex_fold(raw, nm->part[nm->nparts], sizeof nm->part[0]);
			if (nm->part[nm->nparts][0])
				nm->nparts++;
		} else { /* the rest joins the last part */
			char *lp = nm->part[PINDEX_PARTS_MAX - 1];
			size_t have = strlen(lp);
			pindex_fold(raw, lp + have, sizeof nm->part[0] - have);
		}
	}
	sodium_memzero(raw, sizeof raw);
	if (nm->nparts == 0 && nm->whole[0]) { /* cannot happen: the whole is its parts */
		memcpy(nm->part[0], nm->whole, sizeof nm->whole);
		nm->nparts = 1;
	}
	memcpy(nm->run[0], nm->whole, sizeof nm->whole);
	/* Runs, from the end: run[i] = part[i] + run[i+1]. */
	for (int k = nm->nparts - 1; k >= 1; k--) {
		size_t pl = strlen(nm->part[k]), rl = k + 1 < nm->nparts ? strlen(nm->run[k + 1]) : 0;
		if (pl + rl >= sizeof nm->run[k])
			rl = sizeof nm->run[k] - 1 - pl;
		memcpy(nm->run[k], nm->part[k], pl);
		if (rl)
			memcpy(nm->run[k] + pl, nm->run[k + 1], rl);
		nm->run[k][pl + rl] = '\0';
	}
}

static int starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int pindex_name_has_prefix(const pname_t *nm, const char *prefix)
{
	if (starts_with(nm->whole, prefix))
		return 1;
	for (int i = 1; i < nm->nparts; i++)
		if (starts_with(nm->run[i], prefix))
			return 1;
	return 0;
}

int pindex_name_has_unit(const pname_t *nm, const char *word)
{
	if (!*word)
		return 0;
	if (strcmp(nm->whole, word) == 0)
		return 1;
	for (int i = 0; i < nm->nparts; i++)
		if (strcmp(nm->part[i], word) == 0 || (i && strcmp(nm->run[i], word) == 0))
			return 1;
	return 0;
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

/* A power of two. 2^18 slots (14 MB a thread): at 2^16 a million-patient
 * load's "last|first prefix" values (most seen only a few times) pushed out
 * the last names, prefixes and dates of birth that recur, and the load
 * spent a fifth of its keyed hashes again. */
#define MEMO_SLOTS 262144
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

/* A patient's values waiting for their tokens (with a memo): each one's
 * memo slot is fetched from memory as the value is met, and the tokens
 * are all looked up at the end (pend_resolve), when the slots are in the
 * cache. Looked up as they came, each was a cache miss on the critical
 * path of sealing (a 15 MB memo, some 30 lookups a patient). Names and
 * dates of birth: wiped after use. */
#define PEND_MAX 64

typedef struct pendval {
	memo_entry_t *e; /* its memo slot, NULL: not remembered */
	unsigned char fam;
	char value[MEMO_VALUE];
} pendval_t;

typedef struct pending {
	int n;
	pendval_t v[PEND_MAX];
} pending_t;

/* What token computing needs, and the memo when there is one. */
typedef struct ictx {
	const keyring_t *kr;
	int version; /* of the index key; CRYPTO_CURRENT */
	int bytes;
	int gen;     /* PINDEX_GEN or PINDEX_GEN_LEGACY */
	pindex_memo_t *memo;
	pending_t *pend; /* with the memo */
} ictx_t;

/* The marks: generation 1's, and this one's. */
#define MARK_VALUE_LEGACY "index-key"
#define MARK_VALUE "index-key/2"

status_t pindex_mark_gen(const keyring_t *kr, int version, int bytes, int gen,
			unsigned char out[8], msg_t *m)
{
	int64_t tok = 0;
	status_t ret = pindex_token_at(kr, version, bytes, PFAM_MARK,
				       gen == PINDEX_GEN_LEGACY ? MARK_VALUE_LEGACY : MARK_VALUE,
				       &tok, m);
	for (int k = 0; k < 8; k++)
		out[k] = (unsigned char)((uint64_t)tok >> ((7 - k) * 8));
	return ret;
}

status_t pindex_mark(const keyring_t *kr, int version, int bytes, unsigned char out[8], msg_t *m)
{
	return pindex_mark_gen(kr, version, bytes, PINDEX_GEN, out, m);
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

/* Keep tok (of family fam) in t, once. */
static status_t keep(ptokens_t *t, const ictx_t *x, pfamily_t fam, int64_t tok, msg_t *m)
{
	for (int i = 0; i < t->n; i++)
		if (t->tok[i] == tok)
			return STATUS_OK; /* e.g. a part equal to the whole name */
	if (t->n == PINDEX_TOKENS_MAX) {
		/* Cannot happen (PINDEX_TOKENS_MAX is the most a patient has);
		 * a token left out would be a patient not found. */
		if (x->gen == PINDEX_GEN_LEGACY)
			return STATUS_OK; /* generation 1 dropped the rest */
		return msg_fail(m, STATUS_ERR, "This patient's name has more parts than the search "
					       "index can hold.");
	}
	t->tok[t->n] = tok;
	t->fam[t->n] = (unsigned char)fam;
	t->n++;
	return STATUS_OK;
}

/* The waiting values' tokens, in the order the values came. */
static status_t pend_resolve(ptokens_t *t, const ictx_t *x, msg_t *m)
{
	pending_t *pd = x->pend;
	status_t ret = STATUS_OK;
	for (int i = 0; i < pd->n && ret == STATUS_OK; i++) {
		pendval_t *v = &pd->v[i];
		int64_t tok;
		if (v->e && v->e->used && v->e->fam == v->fam && strcmp(v->e->value, v->value) == 0)
			tok = v->e->tok;
		else if ((ret = pindex_token_at(x->kr, x->version, x->bytes, (pfamily_t)v->fam,
						 v->value, &tok, m)) != STATUS_OK)
			break;
		else if (v->e) {
			v->e->used = 1;
			v->e->fam = v->fam;
			v->e->tok = tok;
			memcpy(v->e->value, v->value, strlen(v->value) + 1);
		}
		ret = keep(t, x, (pfamily_t)v->fam, tok, m);
	}
	sodium_memzero(pd->v, (size_t)pd->n * sizeof pd->v[0]);
	pd->n = 0;
	return ret;
}

static status_t add(ptokens_t *t, const ictx_t *x, pfamily_t fam, const char *value, msg_t *m)
{
	int64_t tok;
	status_t ret;
	size_t len;
	if (!*value)
		return STATUS_OK;
	if (x->pend && x->memo->bytes == x->bytes && (len = strlen(value)) < MEMO_VALUE) {
		pending_t *pd = x->pend;
		pendval_t *v;
		if (pd->n == PEND_MAX && (ret = pend_resolve(t, x, m)) != STATUS_OK)
			return ret;
		v = &pd->v[pd->n++];
		v->fam = (unsigned char)fam;
		memcpy(v->value, value, len + 1);
		v->e = memo_worth(fam) ? memo_slot(x->memo, fam, value) : NULL;
		if (v->e) {
			__builtin_prefetch(v->e);
			__builtin_prefetch((const char *)v->e + sizeof *v->e - 1);
		}
		return STATUS_OK;
	}
	/* Without the memo, or a value too long for it: in order, after the
	 * values waiting. */
	if (x->pend && x->pend->n && (ret = pend_resolve(t, x, m)) != STATUS_OK)
		return ret;
	if ((ret = token_of(x, fam, value, &tok, m)) != STATUS_OK)
		return ret;
	return keep(t, x, fam, tok, m);
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

/* Prefix tokens of a folded name or run, from `from` to `to` letters. */
static status_t add_prefixes(ptokens_t *t, const ictx_t *x, const char *folded, int from, int to,
			     msg_t *m)
{
	char pre[PATIENT_FIELD_MAX];
	int n = letters_count(folded);
	status_t ret = STATUS_OK;
	for (int k = from; k <= n && k <= to && ret == STATUS_OK; k++) {
		size_t len = letters_len(folded, k);
		memcpy(pre, folded, len);
		pre[len] = '\0';
		ret = add(t, x, PFAM_LAST_PREFIX, pre, m);
	}
	sodium_memzero(pre, sizeof pre);
	return ret;
}

/* "unit|first prefix" for 1..PINDEX_FIRST_PREFIX_MAX letters of first
 * (generation 1: PINDEX_LEGACY_FIRST_PREFIX_MAX). */
static status_t add_last_first(ptokens_t *t, const ictx_t *x, const char *unit, const char *first,
			       msg_t *m)
{
	int max = x->gen == PINDEX_GEN_LEGACY ? PINDEX_LEGACY_FIRST_PREFIX_MAX
					      : PINDEX_FIRST_PREFIX_MAX;
	char buf[PATIENT_FIELD_MAX * 2];
	size_t ll = strlen(unit);
	status_t ret = STATUS_OK;
	memcpy(buf, unit, ll);
	buf[ll] = '|';
	for (int k = 1; k <= max && k <= letters_count(first) && ret == STATUS_OK; k++) {
		size_t len = letters_len(first, k);
		memcpy(buf + ll + 1, first, len);
		buf[ll + 1 + len] = '\0';
		ret = add(t, x, PFAM_LAST_FIRST, buf, m);
	}
	sodium_memzero(buf, sizeof buf);
	return ret;
}

/* Generation 1's name tokens: prefixes 2..6 of the name and of each part
 * split at spaces and hyphens, "last|first prefix" of the whole name. */
static status_t names_legacy(ptokens_t *t, const ictx_t *x, const patient_t *p, char *last,
			     char *first, msg_t *m)
{
	char part[PATIENT_FIELD_MAX];
	status_t ret;
	const char *s = p->f[PF_LAST];
	fold_legacy(p->f[PF_LAST], last, PATIENT_FIELD_MAX);
	fold_legacy(p->f[PF_FIRST], first, PATIENT_FIELD_MAX);
	if ((ret = add(t, x, PFAM_LAST, last, m)) != STATUS_OK ||
	    (ret = add_prefixes(t, x, last, 2, PINDEX_LEGACY_PREFIX_MAX, m)) != STATUS_OK)
		return ret;
	while (*s && ret == STATUS_OK) {
		size_t n = strcspn(s, " -");
		if (n > 0 && n < sizeof part) {
			char raw[PATIENT_FIELD_MAX];
			memcpy(raw, s, n);
			raw[n] = '\0';
			fold_legacy(raw, part, sizeof part);
			sodium_memzero(raw, sizeof raw);
			if (strcmp(part, last) != 0)
				ret = add_prefixes(t, x, part, 2, PINDEX_LEGACY_PREFIX_MAX, m);
		}
		s += n;
		while (*s == ' ' || *s == '-')
			s++;
	}
	sodium_memzero(part, sizeof part);
	if (ret == STATUS_OK)
		ret = add_last_first(t, x, last, first, m);
	return ret;
}

/* This generation's name tokens: prefixes of the name and of each run of
 * its parts, every unit whole, and each unit with the first name's
 * prefixes. */
static status_t names(ptokens_t *t, const ictx_t *x, const patient_t *p, char *last, char *first,
		      msg_t *m)
{
	pname_t *nm = malloc(sizeof *nm);
	status_t ret = STATUS_OK;
	if (!nm)
		return msg_fail(m, STATUS_NOMEM, "Out of memory indexing a patient.");
	pindex_name(p->f[PF_LAST], nm);
	memcpy(last, nm->whole, PATIENT_FIELD_MAX);
	pindex_fold(p->f[PF_FIRST], first, PATIENT_FIELD_MAX);
#define TRY(expr)                                \
	do {                                     \
		if ((ret = (expr)) != STATUS_OK) \
			goto cleanup;            \
	} while (0)
	TRY(add(t, x, PFAM_LAST, last, m));
	TRY(add_prefixes(t, x, last, pindex_min_letters(last), PINDEX_PREFIX_MAX, m));
	for (int i = 1; i < nm->nparts; i++)
		TRY(add_prefixes(t, x, nm->run[i], pindex_min_letters(nm->run[i]), PINDEX_PREFIX_MAX,
				 m));
	/* Units: the whole name, each part, each run (add() keeps one token
	 * of a value met twice). */
	TRY(add(t, x, PFAM_LAST_UNIT, last, m));
	TRY(add_last_first(t, x, last, first, m));
	for (int i = 0; i < nm->nparts && nm->nparts > 1; i++) {
		TRY(add(t, x, PFAM_LAST_UNIT, nm->part[i], m));
		TRY(add_last_first(t, x, nm->part[i], first, m));
		if (i) {
			TRY(add(t, x, PFAM_LAST_UNIT, nm->run[i], m));
			TRY(add_last_first(t, x, nm->run[i], first, m));
		}
	}
#undef TRY
cleanup:
	sodium_memzero(nm, sizeof *nm);
	free(nm);
	return ret;
}

static status_t index_patient(const ictx_t *x, const patient_t *p, ptokens_t *t, msg_t *m)
{
	char last[PATIENT_FIELD_MAX], first[PATIENT_FIELD_MAX];
	char buf[PATIENT_FIELD_MAX * 2], sl[5], sf[5], digits[32];
	const char *dob = p->f[PF_DOB];
	status_t ret = STATUS_OK;
	static const pfield_t phones[] = {PF_PHONE_HOME, PF_PHONE_MOBILE};

	t->n = 0;
	last[0] = first[0] = '\0';

#define TRY(expr)                          \
	do {                               \
		if ((ret = (expr)) != STATUS_OK) \
			goto cleanup;      \
	} while (0)

	/* The mark first: a name with many parts can fill the list. */
	TRY(add(t, x, PFAM_MARK, x->gen == PINDEX_GEN_LEGACY ? MARK_VALUE_LEGACY : MARK_VALUE, m));
	TRY(add(t, x, PFAM_MRN, p->f[PF_MRN], m));
	if (x->gen == PINDEX_GEN_LEGACY)
		TRY(names_legacy(t, x, p, last, first, m));
	else
		TRY(names(t, x, p, last, first, m));
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
	if (x->pend && x->pend->n)
		TRY(pend_resolve(t, x, m));
#undef TRY
cleanup:
	if (x->pend && x->pend->n) { /* a failure with values waiting */
		sodium_memzero(x->pend->v, (size_t)x->pend->n * sizeof x->pend->v[0]);
		x->pend->n = 0;
	}
	/* Names, a date of birth, phone and SSN digits. */
	sodium_memzero(last, sizeof last);
	sodium_memzero(first, sizeof first);
	sodium_memzero(buf, sizeof buf);
	sodium_memzero(sl, sizeof sl);
	sodium_memzero(sf, sizeof sf);
	sodium_memzero(digits, sizeof digits);
	return ret;
}

status_t pindex_patient(const keyring_t *kr, int bytes, const patient_t *p, ptokens_t *t,
			msg_t *m)
{
	ictx_t x = {kr, CRYPTO_CURRENT, bytes, PINDEX_GEN, NULL, NULL};
	return index_patient(&x, p, t, m);
}

status_t pindex_patient_at(const keyring_t *kr, int version, int bytes, const patient_t *p,
			   ptokens_t *t, msg_t *m)
{
	ictx_t x = {kr, version, bytes, PINDEX_GEN, NULL, NULL};
	return index_patient(&x, p, t, m);
}

status_t pindex_patient_gen(const keyring_t *kr, int version, int bytes, int gen,
			    const patient_t *p, ptokens_t *t, msg_t *m)
{
	ictx_t x = {kr, version, bytes, gen == PINDEX_GEN_LEGACY ? PINDEX_GEN_LEGACY : PINDEX_GEN,
		    NULL, NULL};
	return index_patient(&x, p, t, m);
}

status_t pindex_row_gen(const keyring_t *kr, int version, int bytes, const unsigned char *match,
			size_t match_len, int *gen, msg_t *m)
{
	unsigned char mark[8];
	uint64_t v = 0;
	status_t ret;
	*gen = PINDEX_GEN_LEGACY;
	if (!match || !match_len)
		return STATUS_OK;
	if ((ret = pindex_mark_gen(kr, version, bytes, PINDEX_GEN, mark, m)) != STATUS_OK)
		return ret;
	for (int k = 0; k < 8; k++)
		v = (v << 8) | mark[k];
	if (pindex_match_has(match, match_len, (int64_t)v))
		*gen = PINDEX_GEN;
	return STATUS_OK;
}

status_t pindex_patient_stored(const keyring_t *kr, int version, int bytes,
			       const unsigned char *match, size_t match_len, const patient_t *p,
			       ptokens_t *out, msg_t *m)
{
	int gen = PINDEX_GEN_LEGACY;
	status_t ret = pindex_row_gen(kr, version, bytes, match, match_len, &gen, m);
	if (ret != STATUS_OK)
		return ret;
	return pindex_patient_gen(kr, version, bytes, gen, p, out, m);
}

status_t pindex_patient_memo(const keyring_t *kr, int bytes, const patient_t *p,
			     pindex_memo_t *memo, ptokens_t *t, msg_t *m)
{
	pending_t pend;
	ictx_t x = {kr, CRYPTO_CURRENT, bytes, PINDEX_GEN, memo, memo ? &pend : NULL};
	pend.n = 0;
	if (memo && memo->bytes != bytes) {
		sodium_memzero(memo, sizeof *memo); /* another length: start afresh */
		memo->bytes = bytes;
	}
	return index_patient(&x, p, t, m);
}
