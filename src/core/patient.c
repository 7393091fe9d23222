/* patient.c - patient fields, validation, MRNs, registration, edits, and
 * opening charts. */
#include "core/patient.h"

#include <ctype.h>
#include <inttypes.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>
#include <wctype.h>

#include "base/date.h"
#include "base/tz.h"
#include "base/text.h"
#include "core/audit.h"
#include "core/integrity.h"
#include "core/internal.h"
#include "core/pindex.h"
#include "core/porder.h"
#include "core/precord.h"
#include "db/db_audit.h"
#include "db/db_patients.h"
#include "db/db_retention.h"

#include <sodium.h>

typedef enum {
	PK_MRN,
	PK_NAME,
	PK_SUFFIX,
	PK_DOB,
	PK_SEX,
	PK_TEXT,
	PK_PLACE,
	PK_STATE,
	PK_ZIP,
	PK_PHONE,
	PK_EMAIL,
	PK_SSN,
	PK_ID,
	PK_PERSON,
	PK_DEATH,
} pkind_t;

static const struct {
	const char *name;
	const char *label;
	int max;
	int group;
	pkind_t kind;
	int required;
} fields[] = {
#define PF_INFO(id, name, label, max, group, kind, req) {name, label, max, group, kind, req},
	PATIENT_FIELDS(PF_INFO)
#undef PF_INFO
};

const char *patient_field_name(pfield_t f)
{
	return (unsigned)f < PF_COUNT ? fields[f].name : "?";
}

const char *patient_field_label(pfield_t f)
{
	return (unsigned)f < PF_COUNT ? fields[f].label : "?";
}

int patient_field_required(pfield_t f)
{
	return (unsigned)f < PF_COUNT && fields[f].required;
}

int patient_field_max(pfield_t f)
{
	return (unsigned)f < PF_COUNT ? fields[f].max : 0;
}

int precord_field_group(pfield_t f)
{
	return fields[f].group;
}

pfield_t patient_field_from_name(const char *name)
{
	for (int f = 0; f < PF_COUNT; f++)
		if (name && strcmp(name, fields[f].name) == 0)
			return (pfield_t)f;
	return PF_COUNT;
}

/* ---- dates ------------------------------------------------------------ */

/* Dates are parsed by base/date.c, the one parser of every date input.
 * Dates of birth and death are not in the future and not before this. */
#define PATIENT_DATE_MIN "1880-01-01"

int patient_age(const char *dob, const char *today)
{
	char t[DATE_ISO_SIZE];
	int y, mo, d, ty, tm_, td, age;
	if (!today) {
		date_today(t);
		today = t;
	}
	if (date_split_iso(dob, &y, &mo, &d) != 0 || date_split_iso(today, &ty, &tm_, &td) != 0)
		return -1;
	age = ty - y;
	if (tm_ < mo || (tm_ == mo && td < d))
		age--;
	return age;
}

int patient_shown_age(const char *dob, const char *death, const char *today, int *deceased)
{
	int dead = death && *death;
	if (deceased)
		*deceased = dead;
	return patient_age(dob, dead ? death : today);
}

void patient_date_display(const config_t *cfg, const char *iso, char *out, size_t size)
{
	int y, mo, d;
	if (cfg->date_format == DATE_US && date_split_iso(iso, &y, &mo, &d) == 0)
		snprintf(out, size, "%02d/%02d/%04d", mo, d, y);
	else
		snprintf(out, size, "%s", iso);
}

/* ---- characters ------------------------------------------------------- */

static locale_t utf8_locale(void)
{
	static locale_t loc = (locale_t)0;
	if (!loc)
		loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	return loc;
}

/* Decode one UTF-8 character; -1 on a malformed sequence. */
static int utf8_decode(const unsigned char *s, wchar_t *wc)
{
	mbstate_t st;
	size_t n;
	locale_t old, loc = utf8_locale();
	if (s[0] < 0x80) {
		*wc = s[0];
		return 1;
	}
	if (!loc)
		return -1;
	old = uselocale(loc);
	memset(&st, 0, sizeof st);
	n = mbrtowc(wc, (const char *)s, 4, &st);
	uselocale(old);
	if (n == (size_t)-1 || n == (size_t)-2 || n == 0)
		return -1;
	return (int)n;
}

static int is_letter(wchar_t wc)
{
	locale_t loc = utf8_locale();
	if (wc < 0x80)
		return isalpha((int)wc);
	if (wc >= 0x300 && wc <= 0x36F)
		return 1; /* combining accents, as in decomposed "é" */
	return loc ? iswalpha_l((wint_t)wc, loc) : 0;
}

/* Trim, collapse runs of spaces, and check every character against the
 * kind's alphabet. Returns NULL if fine, else a reason. */
static const char *clean_text(const char *in, char *out, size_t size, pkind_t kind)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t o = 0;
	int space = 0, letters = 0;
	while (*s == ' ' || *s == '\t')
		s++;
	while (*s) {
		wchar_t wc;
		int n = utf8_decode(s, &wc);
		int ok;
		/* The caller checked the text with base/text.h; blanks at the
		 * ends (spaces, tabs) are trimmed here. */
		if (n < 0)
			return "is not valid UTF-8 text";
		if (wc == ' ' || wc == '\t') {
			space = 1;
			s += n;
			continue;
		}
		if (wc < 0x20 || wc == 0x7f || (wc >= 0x80 && wc < 0xa0))
			return "contains a control character";
		switch (kind) {
		case PK_NAME:
		case PK_PERSON:
			ok = is_letter(wc) || wc == '-' || wc == '\'' || wc == 0x2019 ||
			     (kind == PK_PERSON && (wc == '.' || wc == ','));
			if (!ok)
				return "may contain only letters, spaces, hyphens and apostrophes";
			break;
		case PK_PLACE:
			ok = is_letter(wc) || wc == '-' || wc == '\'' || wc == 0x2019 || wc == '.';
			if (!ok)
				return "may contain only letters, spaces, hyphens, apostrophes and "
				       "periods";
			break;
		case PK_SUFFIX:
			ok = is_letter(wc) || wc == '.';
			if (!ok)
				return "may contain only letters and periods (Jr., III, MD)";
			break;
		case PK_ID:
			ok = (wc < 0x80 && isalnum((int)wc)) || wc == '-';
			if (!ok)
				return "may contain only letters, digits and hyphens";
			break;
		default:
			ok = 1;
		}
		letters += is_letter(wc);
		if (space && o > 0) {
			if (o + 1 >= size)
				return "is too long";
			out[o++] = ' ';
		}
		space = 0;
		if (o + (size_t)n >= size)
			return "is too long";
		memcpy(out + o, s, (size_t)n);
		o += (size_t)n;
		s += n;
	}
	out[o] = '\0';
	if ((kind == PK_NAME || kind == PK_PERSON || kind == PK_PLACE) && o > 0 && !letters)
		return "must contain letters";
	return NULL;
}

static int utf8_chars(const char *s)
{
	int n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* US states, the District, territories and military "states": the one
 * table the form, the command line and imports (Synthea writes names)
 * share. A value may be the code or the name, in any case, with or
 * without periods (a few common other names too). */
static const struct {
	const char *code;
	const char *name;
} us_states[] = {
	{"AL", "Alabama"}, {"AK", "Alaska"}, {"AZ", "Arizona"}, {"AR", "Arkansas"},
	{"CA", "California"}, {"CO", "Colorado"}, {"CT", "Connecticut"}, {"DE", "Delaware"},
	{"DC", "District of Columbia"}, {"FL", "Florida"}, {"GA", "Georgia"}, {"HI", "Hawaii"},
	{"ID", "Idaho"}, {"IL", "Illinois"}, {"IN", "Indiana"}, {"IA", "Iowa"}, {"KS", "Kansas"},
	{"KY", "Kentucky"}, {"LA", "Louisiana"}, {"ME", "Maine"}, {"MD", "Maryland"},
	{"MA", "Massachusetts"}, {"MI", "Michigan"}, {"MN", "Minnesota"}, {"MS", "Mississippi"},
	{"MO", "Missouri"}, {"MT", "Montana"}, {"NE", "Nebraska"}, {"NV", "Nevada"},
	{"NH", "New Hampshire"}, {"NJ", "New Jersey"}, {"NM", "New Mexico"}, {"NY", "New York"},
	{"NC", "North Carolina"}, {"ND", "North Dakota"}, {"OH", "Ohio"}, {"OK", "Oklahoma"},
	{"OR", "Oregon"}, {"PA", "Pennsylvania"}, {"RI", "Rhode Island"}, {"SC", "South Carolina"},
	{"SD", "South Dakota"}, {"TN", "Tennessee"}, {"TX", "Texas"}, {"UT", "Utah"},
	{"VT", "Vermont"}, {"VA", "Virginia"}, {"WA", "Washington"}, {"WV", "West Virginia"},
	{"WI", "Wisconsin"}, {"WY", "Wyoming"}, {"AS", "American Samoa"}, {"GU", "Guam"},
	{"MP", "Northern Mariana Islands"}, {"PR", "Puerto Rico"}, {"VI", "U.S. Virgin Islands"},
	{"AA", "Armed Forces Americas"}, {"AE", "Armed Forces Europe"},
	{"AP", "Armed Forces Pacific"},
	/* Other names people write. */
	{"DC", "Washington D.C."}, {"DC", "Washington DC"}, {"VI", "Virgin Islands"},
	{"VI", "US Virgin Islands"}, {"MP", "Northern Marianas"},
};

/* Letters and digits lower-cased, runs of anything else one space: "U.S.
 * Virgin  Islands" and "us virgin islands" compare equal. */
static void fold_words(const char *in, char *out, size_t size)
{
	size_t o = 0;
	int gap = 0;
	for (; *in && o + 2 < size; in++) {
		unsigned char c = (unsigned char)*in;
		if (c == '.')
			continue; /* "D.C." is "DC" */
		if (!isalnum(c)) {
			gap = o > 0;
			continue;
		}
		if (gap)
			out[o++] = ' ';
		gap = 0;
		out[o++] = (char)tolower(c);
	}
	out[o] = '\0';
}

/* The code for a state code or name; NULL for neither. */
static const char *state_code(const char *in)
{
	char want[64], have[64];
	fold_words(in, want, sizeof want);
	for (size_t i = 0; i < sizeof us_states / sizeof us_states[0]; i++) {
		if (strcasecmp(want, us_states[i].code) == 0)
			return us_states[i].code;
		fold_words(us_states[i].name, have, sizeof have);
		if (strcmp(want, have) == 0)
			return us_states[i].code;
	}
	return NULL;
}

/* Sex: the code, or a word for it (as the README lists them). */
static const struct {
	char code;
	const char *word;
} sex_words[] = {
	{'F', "f"}, {'F', "female"}, {'F', "woman"},  {'M', "m"},
	{'M', "male"}, {'M', "man"}, {'X', "x"}, {'X', "other"}, {'X', "another"},
	{'X', "nonbinary"}, {'X', "non binary"}, {'U', "u"}, {'U', "unknown"},
};

static char sex_code(const char *in)
{
	char want[32];
	fold_words(in, want, sizeof want);
	for (size_t i = 0; i < sizeof sex_words / sizeof sex_words[0]; i++)
		if (strcmp(want, sex_words[i].word) == 0)
			return sex_words[i].code;
	return 0;
}

int patient_field_typed_max(pfield_t f)
{
	/* A name such as "Northern Mariana Islands", a word such as
	 * "non-binary", becomes a code. */
	if (f == PF_STATE)
		return 24;
	if (f == PF_SEX)
		return 10;
	return patient_field_max(f);
}

/* ---- MRN -------------------------------------------------------------- */

static int luhn_digit(const char *digits)
{
	int sum = 0, dbl = 1;
	for (int i = (int)strlen(digits) - 1; i >= 0; i--) {
		int d = digits[i] - '0';
		if (dbl) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
		dbl = !dbl;
	}
	return (10 - sum % 10) % 10;
}

void patient_mrn_format(const config_t *cfg, int64_t seq, char *out, size_t size)
{
	/* Built by hand: the bulk writer formats a million of these. */
	char digits[24];
	int nd = cfg->mrn_digits < 20 ? cfg->mrn_digits : 20;
	size_t pl = strlen(cfg->mrn_prefix);
	uint64_t v = seq < 0 ? 0 : (uint64_t)seq;
	for (int i = nd - 1; i >= 0; i--) {
		digits[i] = (char)('0' + v % 10);
		v /= 10;
	}
	digits[nd] = '\0';
	if (pl + (size_t)nd + 2 > size) {
		out[0] = '\0';
		return;
	}
	memcpy(out, cfg->mrn_prefix, pl);
	memcpy(out + pl, digits, (size_t)nd);
	out[pl + (size_t)nd] = (char)('0' + luhn_digit(digits));
	out[pl + (size_t)nd + 1] = '\0';
}

void patient_mrn_rule(const config_t *cfg, char *out, size_t size)
{
	if (*cfg->mrn_prefix)
		snprintf(out, size, "an MRN is %s and %d digits, the last a check digit",
			 cfg->mrn_prefix, cfg->mrn_digits + 1);
	else
		snprintf(out, size, "an MRN is %d digits, the last a check digit",
			 cfg->mrn_digits + 1);
}

int patient_mrn_valid(const config_t *cfg, const char *mrn)
{
	size_t pl = strlen(cfg->mrn_prefix), n = strlen(mrn);
	char digits[24];
	if (n != pl + (size_t)cfg->mrn_digits + 1 || strncasecmp(mrn, cfg->mrn_prefix, pl) != 0)
		return 0;
	for (size_t i = pl; i < n; i++)
		if (!isdigit((unsigned char)mrn[i]))
			return 0;
	memcpy(digits, mrn + pl, (size_t)cfg->mrn_digits);
	digits[cfg->mrn_digits] = '\0';
	return luhn_digit(digits) == mrn[n - 1] - '0';
}

/* ---- one field -------------------------------------------------------- */

status_t patient_normalize_field(const config_t *cfg, pfield_t f, const char *in, char *out,
				 msg_t *m)
{
	char buf[PATIENT_FIELD_MAX * 2], digits[32], today[DATE_ISO_SIZE];
	const char *why, *label;
	status_t ret;

	if ((unsigned)f >= PF_COUNT)
		return msg_fail(m, STATUS_INVALID, "Unknown field.");
	label = fields[f].label;
	out[0] = '\0';
	if (strlen(in) >= sizeof buf - 1)
		return msg_fail(m, STATUS_INVALID, "%s is too long (at most %d characters).", label,
				fields[f].max);
	{
		/* Blanks around the value are trimmed; what is between must be
		 * text that is safe to show (base/text.h), on one line. */
		size_t a = strspn(in, " \t"), n = strlen(in);
		while (n > a && (in[n - 1] == ' ' || in[n - 1] == '\t'))
			n--;
		if ((ret = text_check(label, in + a, n - a, 0, m)) != STATUS_OK)
			return ret;
	}
	why = clean_text(in, buf, sizeof buf, fields[f].kind);
	if (why)
		return msg_fail(m, STATUS_INVALID, "%s %s.", label, why);
	if (!*buf) {
		if (fields[f].required)
			return msg_fail(m, STATUS_INVALID, "%s is required.", label);
		return STATUS_OK;
	}
	/* Sex and state take words and names that become their codes. */
	if (fields[f].kind == PK_SEX) {
		char code = sex_code(buf);
		if (!code)
			return msg_fail(m, STATUS_INVALID,
					"Sex must be F (female), M (male), X (another, non-binary) or U "
					"(unknown); '%.20s' is none of them.",
					buf);
		buf[0] = code;
		buf[1] = '\0';
	} else if (fields[f].kind == PK_STATE) {
		const char *code = state_code(buf);
		if (!code)
			return msg_fail(m, STATUS_INVALID,
					"State '%.30s' is not a US state or territory (a code such as MA "
					"or a name such as Massachusetts).",
					buf);
		snprintf(buf, sizeof buf, "%s", code);
	}
	if (utf8_chars(buf) > fields[f].max)
		return msg_fail(m, STATUS_INVALID, "%s is too long (at most %d characters).", label,
				fields[f].max);
	switch (fields[f].kind) {
	case PK_MRN:
		for (char *p = buf; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		if (!patient_mrn_valid(cfg, buf)) {
			char rule[96];
			patient_mrn_rule(cfg, rule, sizeof rule);
			return msg_fail(m, STATUS_INVALID, "MRN %s is not valid here: %s.", buf, rule);
		}
		break;
	case PK_DOB:
	case PK_DEATH:
		tz_today(cfg->clinic_tz, today); /* the clinic's today */
		if ((ret = date_parse_msg(label, buf, PATIENT_DATE_MIN, today, digits, m)) !=
		    STATUS_OK)
			return ret;
		snprintf(buf, sizeof buf, "%s", digits);
		break;
	case PK_ZIP:
		pindex_digits(buf, digits, sizeof digits);
		if (strspn(buf, "0123456789- ") != strlen(buf) ||
		    (strlen(digits) != 5 && strlen(digits) != 9))
			return msg_fail(m, STATUS_INVALID,
					"ZIP '%s' must be 5 digits or ZIP+4 (12345-6789).", buf);
		if (strlen(digits) == 9)
			snprintf(buf, sizeof buf, "%.5s-%.4s", digits, digits + 5);
		else
			snprintf(buf, sizeof buf, "%s", digits);
		break;
	case PK_PHONE:
		pindex_digits(buf, digits, sizeof digits);
		if (strspn(buf, "0123456789()-. +") != strlen(buf))
			return msg_fail(m, STATUS_INVALID,
					"%s '%s' may contain only digits, spaces and ( ) - . +",
					label, buf);
		if (strlen(digits) == 11 && digits[0] == '1')
			memmove(digits, digits + 1, 11);
		if (strlen(digits) != 10)
			return msg_fail(m, STATUS_INVALID,
					"%s must have 10 digits with the area code (e.g. 617-555-0123).",
					label);
		if (digits[0] < '2' || digits[3] < '2')
			return msg_fail(m, STATUS_INVALID,
					"%s %.3s-%.3s-%.4s is not a valid US number (area code and "
					"exchange cannot start with 0 or 1).",
					label, digits, digits + 3, digits + 6);
		snprintf(buf, sizeof buf, "%.3s-%.3s-%.4s", digits, digits + 3, digits + 6);
		break;
	case PK_EMAIL: {
		const char *at = strchr(buf, '@');
		const char *dot = at ? strrchr(at, '.') : NULL;
		if (!at || at == buf || strchr(at + 1, '@') || strchr(buf, ' ') || !dot ||
		    dot == at + 1 || strlen(dot + 1) < 2 || strstr(at, ".."))
			return msg_fail(m, STATUS_INVALID,
					"Email '%s' does not look like name@example.org.", buf);
		for (char *p = (char *)at; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		break;
	}
	case PK_SSN: {
		int area, group, serial;
		pindex_digits(buf, digits, sizeof digits);
		if (strspn(buf, "0123456789- ") != strlen(buf) || strlen(digits) != 9)
			return msg_fail(m, STATUS_INVALID, "SSN must be 9 digits (123-45-6789).");
		area = (digits[0] - '0') * 100 + (digits[1] - '0') * 10 + (digits[2] - '0');
		group = (digits[3] - '0') * 10 + (digits[4] - '0');
		serial = atoi(digits + 5);
		if (area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0)
			return msg_fail(m, STATUS_INVALID,
					"SSN: that number cannot exist (area 000, 666 or 9xx, group 00 "
					"or serial 0000).");
		snprintf(buf, sizeof buf, "%.3s-%.2s-%.4s", digits, digits + 3, digits + 5);
		break;
	}
	default:
		break;
	}
	if (strlen(buf) >= PATIENT_FIELD_MAX)
		return msg_fail(m, STATUS_INVALID, "%s is too long.", label);
	memcpy(out, buf, strlen(buf) + 1);
	return STATUS_OK;
}

status_t patient_validate(const config_t *cfg, patient_t *p, pfield_t *bad, msg_t *m)
{
	char out[PATIENT_FIELD_MAX];
	status_t ret;
	*bad = PF_COUNT;
	for (int f = 0; f < PF_COUNT; f++) {
		if ((ret = patient_normalize_field(cfg, (pfield_t)f, p->f[f], out, m)) != STATUS_OK) {
			*bad = (pfield_t)f;
			return ret;
		}
		memcpy(p->f[f], out, strlen(out) + 1);
	}
	if (*p->f[PF_DEATH] && strcmp(p->f[PF_DEATH], p->f[PF_DOB]) < 0) {
		*bad = PF_DEATH;
		return msg_fail(m, STATUS_INVALID, "Date of death is before the date of birth.");
	}
	if (patient_age(p->f[PF_DOB], NULL) > 130 && !*p->f[PF_DEATH]) {
		*bad = PF_DOB;
		return msg_fail(m, STATUS_INVALID,
				"Date of birth %s would make the patient over 130; check the year.",
				p->f[PF_DOB]);
	}
	return STATUS_OK;
}

/* ---- register, update, open ------------------------------------------ */

/* Insert the lookup tokens of t for prow, or delete all of t's tokens
 * (a row from before match sets also has its comparison tokens there). */
static status_t write_tokens(db_t *db, const ptokens_t *t, int64_t prow, int insert, msg_t *m)
{
	status_t ret = STATUS_OK;
	for (int i = 0; i < t->n && ret == STATUS_OK; i++) {
		if (!insert)
			ret = db_token_delete(db, t->tok[i], prow, m);
		else if (pindex_family_indexed((pfamily_t)t->fam[i]))
			ret = db_token_insert(db, t->tok[i], prow, m);
	}
	return ret;
}

/* Give p (registered as p->prow) its rank in the name order
 * (core/porder.h), unless its order key is the same as was's. */
static status_t place(session_t *s, const patient_t *p, const patient_t *was, msg_t *m)
{
	char *key = malloc(PORDER_KEY_MAX), *old = malloc(PORDER_KEY_MAX);
	int64_t rank = 0;
	status_t ret = STATUS_OK;
	if (!key || !old) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	porder_key(p, key, PORDER_KEY_MAX);
	if (was) {
		porder_key(was, old, PORDER_KEY_MAX);
		if (strcmp(key, old) == 0)
			goto cleanup;
	}
	if ((ret = porder_place(s, key, p->prow, &rank, m)) == STATUS_OK)
		ret = db_patient_set_rank(s->c->db, p->prow, rank, m);
cleanup:
	if (key) {
		sodium_memzero(key, PORDER_KEY_MAX);
		free(key);
	}
	if (old) {
		sodium_memzero(old, PORDER_KEY_MAX);
		free(old);
	}
	return ret;
}

status_t patient_register(session_t *s, patient_t *p, int register_anyway, pfield_t *bad,
			  msg_t *m)
{
	status_t ret;
	patient_match_t dups[PATIENT_MATCH_MAX];
	int ndups = 0;
	int64_t seq;
	ptokens_t t;
	db_patient_row_t *row = NULL;
	db_t *db = s->c->db;
	char detail[PATIENT_MATCH_MAX * 34 + 64];

	*bad = PF_COUNT;
	if ((ret = session_require(s, ACT_PATIENT_REGISTER, m)) != STATUS_OK)
		return ret;
	p->f[PF_MRN][0] = '\0'; /* assigned here, never typed */
	p->prow = 0;
	if ((ret = patient_validate(s->c->cfg, p, bad, m)) != STATUS_OK)
		return ret;
	if ((ret = patient_find_duplicates(s, p, dups, PATIENT_MATCH_MAX, &ndups, m)) != STATUS_OK)
		return ret;
	if (ndups && !register_anyway)
		return msg_fail(m, STATUS_CONFLICT,
				"%d likely duplicate%s already registered (best: %s, score %d). "
				"Open the existing chart, or register anyway.",
				ndups, ndups == 1 ? " is" : "s are", dups[0].mrn, dups[0].score);
	if (!(row = calloc(1, sizeof *row)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = db_begin(db, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = db_mrn_next(db, &seq, m)) != STATUS_OK)
		goto cleanup;
	patient_mrn_format(s->c->cfg, seq, p->f[PF_MRN], sizeof p->f[PF_MRN]);
	crypto_random_id(p->id);
	/* Who and when are bound into the ciphertexts: set before sealing. */
	core_now(row->created);
	snprintf(row->created_by, sizeof row->created_by, "%s", s->user.name);
	snprintf(row->updated, sizeof row->updated, "%s", row->created);
	snprintf(row->updated_by, sizeof row->updated_by, "%s", row->created_by);
	if ((ret = precord_seal(s->kr, p, 1, row, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = pindex_patient(s->kr, s->c->cfg->blind_index_bytes, p, &t, m)) != STATUS_OK)
		goto cleanup;
	row->match_len = pindex_match_set(&t, row->match, sizeof row->match);
	if ((ret = db_patient_insert(db, row, m)) != STATUS_OK)
		goto cleanup;
	p->prow = row->prow;
	p->version = 1;
	/* Its place in the name order, before its tokens (which carry it). */
	if ((ret = place(s, p, NULL, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = write_tokens(db, &t, p->prow, 1, m)) != STATUS_OK)
		goto cleanup;
	if (ndups) {
		size_t o = (size_t)snprintf(detail, sizeof detail, "registered despite %d likely "
								   "duplicate(s):",
					    ndups);
		for (int i = 0; i < ndups && o < sizeof detail; i++)
			o += (size_t)snprintf(detail + o, sizeof detail - o, " %s", dups[i].id);
		ret = audit_append(s, "patient_register_anyway", p->id, "ok", detail, m);
	}
	if (ret == STATUS_OK)
		ret = audit_append(s, "patient_register", p->id, "ok", NULL, m);
	if (ret == STATUS_OK)
		ret = db_commit(db, m);
cleanup:
	if (ret != STATUS_OK) {
		db_rollback(db);
		if (ret != STATUS_INVALID)
			p->f[PF_MRN][0] = '\0';
	} else {
		snprintf(p->created, sizeof p->created, "%s", row->created);
		snprintf(p->created_by, sizeof p->created_by, "%s", row->created_by);
		snprintf(p->updated, sizeof p->updated, "%s", row->created);
		snprintf(p->updated_by, sizeof p->updated_by, "%s", row->created_by);
		msg_set(m, "Registered %s, %s as %s.", p->f[PF_LAST], p->f[PF_FIRST], p->f[PF_MRN]);
	}
	if (row) {
		sodium_memzero(row, sizeof *row);
		free(row);
	}
	return ret;
}

status_t patient_update(session_t *s, patient_t *p, pfield_t *bad, msg_t *m)
{
	status_t ret;
	db_patient_row_t *row = NULL;
	patient_t *old = NULL;
	ptokens_t t_old, t_new;
	unsigned char omatch[DB_PATIENT_MATCH_MAX];
	size_t omatch_len = 0;
	db_t *db = s->c->db;
	chart_t ch;
	char detail[512];
	size_t o = 0;

	*bad = PF_COUNT;
	memset(&ch, 0, sizeof ch);
	if ((ret = session_require(s, ACT_PATIENT_EDIT, m)) != STATUS_OK)
		return ret;
	if ((ret = patient_validate(s->c->cfg, p, bad, m)) != STATUS_OK)
		return ret;
	row = calloc(1, sizeof *row);
	old = calloc(1, sizeof *old);
	if (!row || !old) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	if ((ret = db_begin(db, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = db_patient_get_by_id(db, p->id, row, m)) != STATUS_OK)
		goto cleanup;
	if (row->version != p->version) {
		char at[TZ_TEXT_MAX];
		tz_format(s->c->cfg->clinic_tz, row->updated, TZ_SECONDS, at, sizeof at);
		ret = msg_fail(m, STATUS_CONFLICT,
		               "Not saved: %s saved this record at %s, after you opened it. Your "
		               "changes were not written; reopen the chart to see theirs.",
		               row->updated_by, at);
		goto cleanup;
	}
	/* The record as stored must be the chart's own (its head included):
	 * an edit never seals over something changed outside Chartroom. */
	if ((ret = chart_load(s, row->prow, &ch, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = precord_open(s->kr, row, old, 0, CLINIC_OPEN_FLAGS(s->c), m)) != STATUS_OK)
		goto cleanup;
	/* The MRN never changes by editing. */
	snprintf(p->f[PF_MRN], sizeof p->f[PF_MRN], "%s", old->f[PF_MRN]);
	p->prow = row->prow;
	o = (size_t)snprintf(detail, sizeof detail, "changed:");
	for (int f = 0; f < PF_COUNT; f++)
		if (strcmp(old->f[f], p->f[f]) != 0 && o < sizeof detail)
			o += (size_t)snprintf(detail + o, sizeof detail - o, " %s",
					      patient_field_name((pfield_t)f));
	if (old->confidential != p->confidential && o < sizeof detail)
		snprintf(detail + o, sizeof detail - o, " confidential=%d", p->confidential);
	/* The tokens the row holds (as the generation that made them did:
	 * core/reindex.h) go; the match set says which. */
	omatch_len = row->match_len;
	memcpy(omatch, row->match, omatch_len);
	if ((ret = pindex_patient_stored(s->kr, CRYPTO_CURRENT, s->c->cfg->blind_index_bytes, omatch,
					 omatch_len, old, &t_old, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = pindex_patient(s->kr, s->c->cfg->blind_index_bytes, p, &t_new, m)) != STATUS_OK)
		goto cleanup;
	core_now(row->updated);
	snprintf(row->updated_by, sizeof row->updated_by, "%s", s->user.name);
	if ((ret = precord_seal(s->kr, p, p->version + 1, row, m)) != STATUS_OK)
		goto cleanup;
	row->match_len = pindex_match_set(&t_new, row->match, sizeof row->match);
	if ((ret = db_patient_update(db, row, p->version, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = write_tokens(db, &t_old, p->prow, 0, m)) != STATUS_OK)
		goto cleanup;
	/* While the index key is rotated the old tokens may be the older
	 * version's: those go too. */
	{
		int v[4], nv = keyring_versions(s->kr, DOMAIN_INDEX, v, 4);
		for (int i = 1; i < nv && ret == STATUS_OK; i++)
			if ((ret = pindex_patient_stored(s->kr, v[i], s->c->cfg->blind_index_bytes,
							 omatch, omatch_len, old, &t_old, m)) ==
			    STATUS_OK)
				ret = write_tokens(db, &t_old, p->prow, 0, m);
		if (ret != STATUS_OK)
			goto cleanup;
	}
	/* A changed name, date of birth: a new place in the name order (the
	 * old tokens, which carried the old one, are gone). */
	if ((ret = place(s, p, old, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = write_tokens(db, &t_new, p->prow, 1, m)) != STATUS_OK)
		goto cleanup;
	/* The chart's head covers the patients row: a later copy of this
	 * row's older state (say, not confidential) no longer matches it. */
	*ch.patient = *row;
	if ((ret = chart_store(s, &ch, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = chart_audit(s, &ch, "patient_edit", detail, m)) != STATUS_OK)
		goto cleanup;
	ret = db_commit(db, m);
cleanup:
	if (ret != STATUS_OK) {
		db_rollback(db);
	} else {
		p->version++;
		snprintf(p->updated, sizeof p->updated, "%s", row->updated);
		snprintf(p->updated_by, sizeof p->updated_by, "%s", row->updated_by);
		msg_set(m, "Saved.");
	}
	integrity_report(s, ch.pid, ret, m);
	chart_free(&ch);
	if (old) {
		sodium_memzero(old, sizeof *old);
		free(old);
	}
	if (row) {
		sodium_memzero(row, sizeof *row);
		free(row);
	}
	return ret;
}

/* Find the row for an id, or for an MRN through its token (the token may
 * collide: every candidate is decrypted and its MRN compared). A candidate
 * that fails its check is never skipped silently: if no other one is the
 * patient, the failure is the answer (the MRN may be the damaged one's). */
status_t patient_destroyed_token(const keyring_t *kr, int version, const char *mrn,
				 unsigned char out[PATIENT_DESTROYED_TOKEN_LEN], int *used, msg_t *m)
{
	unsigned char mac[CRYPTO_IMAC_LEN];
	char buf[PATIENT_FIELD_MAX + 40];
	int n = snprintf(buf, sizeof buf, "chartroom:destroyed_mrn:1|%s", mrn);
	status_t ret = crypto_integrity_mac(kr, version > 0 ? version : CRYPTO_CURRENT, buf,
					    (size_t)n, mac, used, m);
	if (ret == STATUS_OK)
		memcpy(out, mac, PATIENT_DESTROYED_TOKEN_LEN);
	sodium_memzero(mac, sizeof mac);
	sodium_memzero(buf, sizeof buf);
	return ret;
}

typedef struct destroyed {
	session_t *s;
	int version;
	int64_t n;
	char at[24];
} destroyed_t;

static int destroyed_one(const db_ret_cert_t *c, void *arg)
{
	destroyed_t *d = arg;
	if (c->key_version != d->version)
		return 0;
	d->n = c->n;
	text_copy(d->at, sizeof d->at, c->destroyed_at);
	return 1;
}

status_t patient_destroyed_notice(session_t *s, const char *mrn, msg_t *m)
{
	destroyed_t d;
	int v[4], nv = keyring_versions(s->kr, DOMAIN_DEMO, v, 4);
	unsigned char tok[PATIENT_DESTROYED_TOKEN_LEN];
	msg_t ignore;
	memset(&d, 0, sizeof d);
	d.s = s;
	for (int i = 0; i < nv && !d.n; i++) {
		d.version = v[i];
		if (patient_destroyed_token(s->kr, v[i], mrn, tok, NULL, &ignore) != STATUS_OK ||
		    db_cert_by_token(s->c->db, tok, sizeof tok, destroyed_one, &d, &ignore) !=
			STATUS_OK)
			continue;
	}
	if (!d.n)
		return STATUS_OK;
	{
		char day[TZ_TEXT_MAX];
		if (tz_format(s->c->cfg->clinic_tz, d.at, TZ_DATE, day, sizeof day) != 0)
			text_copy(day, sizeof day, d.at);
		return msg_fail(m, STATUS_NOTFOUND,
				"MRN %s: this chart was destroyed on %s (destruction certificate "
				"%" PRId64 ").",
				mrn, day, d.n);
	}
}

static status_t resolve(session_t *s, const char *key, db_patient_row_t *row, msg_t *m)
{
	status_t ret;
	char mrn[PATIENT_FIELD_MAX];
	int64_t tok, prows[16];
	int n = 0;
	patient_t *p;
	msg_t why, failed;
	status_t fail = STATUS_OK;
	if (strlen(key) == 32 && strspn(key, "0123456789abcdef") == 32)
		return db_patient_get_by_id(s->c->db, key, row, m);
	if (patient_normalize_field(s->c->cfg, PF_MRN, key, mrn, m) != STATUS_OK || !*mrn)
		return msg_fail(m, STATUS_NOTFOUND, "'%s' is not an MRN or a patient id.", key);
	/* Under each version of the index key held (two while it is
	 * rotated), the candidates together. */
	{
		int v[4], nv = keyring_versions(s->kr, DOMAIN_INDEX, v, 4), k = 0;
		if (nv == 0)
			return pindex_token(s->kr, s->c->cfg->blind_index_bytes, PFAM_MRN, mrn, &tok, m);
		for (int i = 0; i < nv && n < 16; i++) {
			if ((ret = pindex_token_at(s->kr, v[i], s->c->cfg->blind_index_bytes, PFAM_MRN,
						   mrn, &tok, m)) != STATUS_OK ||
			    (ret = db_token_lookup(s->c->db, tok, prows + n, 16 - n, &k, m)) !=
				    STATUS_OK)
				return ret;
			n += k;
		}
	}
	if (!(p = malloc(sizeof *p)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	ret = msg_fail(m, STATUS_NOTFOUND, "No patient has MRN %s.", mrn);
	for (int i = 0; i < n; i++) {
		status_t st;
		if ((st = db_patient_get(s->c->db, prows[i], row, &why)) == STATUS_NOTFOUND)
			continue;
		if (st == STATUS_OK)
			st = precord_open(s->kr, row, p, 1, CLINIC_OPEN_FLAGS(s->c), &why);
		if (st == STATUS_OK && strcmp(p->f[PF_MRN], mrn) == 0) {
			ret = STATUS_OK;
			msg_clear(m);
			fail = STATUS_OK;
			break;
		}
		if (st != STATUS_OK && fail == STATUS_OK) {
			fail = st;
			failed = why;
			integrity_report(s, row->id, st, &why);
		}
	}
	if (fail != STATUS_OK)
		ret = msg_fail(m, fail, "%s", failed.text);
	else if (ret == STATUS_NOTFOUND)
		patient_destroyed_notice(s, mrn, m);
	sodium_memzero(p, sizeof *p);
	free(p);
	return ret;
}

static int reason_ok(const char *r)
{
	int words = 0, in = 0, chars = 0;
	if (!r)
		return 0;
	for (; *r; r++) {
		if (*r == ' ' || *r == '\t') {
			in = 0;
			continue;
		}
		chars++;
		if (!in)
			words++;
		in = 1;
	}
	return words >= 2 && chars >= 10;
}

status_t patient_locate(session_t *s, const char *key, int64_t *prow, char id[33],
			int *confidential, msg_t *m)
{
	db_patient_row_t *row = malloc(sizeof *row);
	status_t ret;
	if (!row)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	ret = resolve(s, key, row, m);
	if (ret == STATUS_OK) {
		*prow = row->prow;
		text_copy(id, 33, row->id);
		*confidential = row->confidential;
	}
	sodium_memzero(row, sizeof *row);
	free(row);
	return ret;
}

int patient_needs_btg(session_t *s, const char *id)
{
	db_patient_row_t *row = malloc(sizeof *row);
	msg_t ignore;
	int need = 0;
	if (!row)
		return 1;
	if (resolve(s, id, row, &ignore) == STATUS_OK)
		need = row->confidential && !session_can(s, ACT_VIEW_CONFIDENTIAL);
	free(row);
	return need;
}

status_t patient_open(session_t *s, const char *id_or_mrn, const char *btg_reason, patient_t *out,
		      msg_t *m)
{
	status_t ret;
	db_patient_row_t *row = NULL;
	db_t *db = s->c->db;
	int btg;
	char when[24];
	chart_t ch;

	memset(out, 0, sizeof *out);
	memset(&ch, 0, sizeof ch);
	if ((ret = session_require(s, ACT_PATIENT_VIEW, m)) != STATUS_OK)
		return ret;
	if (!(row = calloc(1, sizeof *row)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = resolve(s, id_or_mrn, row, m)) != STATUS_OK) {
		row->id[0] = '\0'; /* resolve reported any failed check itself */
		goto cleanup;
	}
	btg = !session_may_see(s, row->prow, row->confidential);
	if (btg && btg_reason &&
	    (ret = text_check("The reason for access", btg_reason, strlen(btg_reason), 0, m)) !=
		    STATUS_OK)
		goto cleanup; /* it is audited and shown to the privacy officer */
	if (btg && !reason_ok(btg_reason)) {
		ret = msg_fail(m, STATUS_BTG_REQUIRED,
			       "This chart is confidential. To open it, give the reason for access "
			       "(at least a few words); it is recorded and reviewed by the privacy "
			       "officer.");
		goto cleanup;
	}
	/* The flag is bound into the ciphertexts: one changed in the file
	 * fails here instead of skipping the reason. */
	if ((ret = precord_open(s->kr, row, out, 0, CLINIC_OPEN_FLAGS(s->c), m)) != STATUS_OK)
		goto cleanup;
	core_now(when);
	if ((ret = db_begin(db, m)) != STATUS_OK)
		goto cleanup;
	/* The record and its chart as they stand (the head covers the
	 * patients row and the break-the-glass queue). */
	ret = chart_load(s, row->prow, &ch, m);
	if (ret == STATUS_OK)
		ret = chart_check_btg(s, &ch, m);
	if (ret == STATUS_OK && btg) {
		db_btg_t b;
		unsigned char mac[DB_AUDIT_MAC_LEN];
		memset(&b, 0, sizeof b);
		ret = audit_append(s, "break_the_glass", row->id, "ok", btg_reason, m);
		if (ret == STATUS_OK)
			ret = db_audit_last(db, &b.audit_seq, mac, m);
		if (ret == STATUS_OK)
			ret = db_row_next(db, DB_CT_BTG, &b.id, m);
		if (ret == STATUS_OK) {
			b.prow = row->prow;
			text_copy(b.user_name, sizeof b.user_name, s->user.name);
			text_copy(b.ts, sizeof b.ts, when);
			b.mac_len = INTEGRITY_MAC_LEN;
			ret = rowmac_btg(s, &ch, &b, b.mac, m);
		}
		if (ret == STATUS_OK)
			ret = db_btg_add(db, &b, m);
		if (ret == STATUS_OK)
			ret = chart_put(&ch, DB_CT_BTG, b.id, b.mac, m);
		if (ret == STATUS_OK)
			ret = chart_store(s, &ch, m);
	}
	if (ret == STATUS_OK)
		ret = chart_audit(s, &ch, "chart_open", NULL, m);
	if (ret == STATUS_OK)
		ret = db_recent_touch(db, s->user.id, row->prow, when, m);
	if (ret == STATUS_OK)
		ret = db_commit(db, m);
	if (ret != STATUS_OK) {
		db_rollback(db);
		sodium_memzero(out, sizeof *out);
	} else if (btg) {
		/* Only once the access and its reason are on record. */
		session_broke_glass(s, row->prow);
	}
cleanup:
	if (row->id[0])
		integrity_report(s, row->id, ret, m);
	chart_free(&ch);
	if (row) {
		sodium_memzero(row, sizeof *row);
		free(row);
	}
	return ret;
}
