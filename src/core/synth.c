/* synth.c - synthetic patients. */
#include "core/synth.h"

#include <stdio.h>
#include <string.h>

#include "base/embedded.h"
#include "base/text.h"
#include "core/precord.h"

#define CHUNK PBULK_BATCH_ROWS

typedef struct list {
	const char *name;
	const char *text;
	int n;
	const char *item[1024];
	int len[1024];
} list_t;

static list_t lists[] = {
	{"last-names.txt", NULL, 0, {0}, {0}},  {"first-names-female.txt", NULL, 0, {0}, {0}},
	{"first-names-male.txt", NULL, 0, {0}, {0}}, {"streets.txt", NULL, 0, {0}, {0}},
	{"cities.txt", NULL, 0, {0}, {0}},
};
enum { L_LAST, L_FEMALE, L_MALE, L_STREET, L_CITY };

/* Index the embedded lists once (they are constant). */
static void lists_load(void)
{
	if (lists[0].text)
		return;
	for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
		for (int i = 0; embedded_wordlists[i].name; i++)
			if (strcmp(embedded_wordlists[i].name, lists[l].name) == 0)
				lists[l].text = embedded_wordlists[i].text;
		if (!lists[l].text)
			lists[l].text = "Unknown\n";
		for (const char *s = lists[l].text; *s && lists[l].n < 1024;) {
			size_t len = strcspn(s, "\n");
			if (len) {
				lists[l].item[lists[l].n] = s;
				lists[l].len[lists[l].n] = (int)len;
				lists[l].n++;
			}
			s += len;
			if (*s)
				s++;
		}
	}
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

typedef struct rng {
	uint64_t state;
} rng_t;

static uint64_t next(rng_t *r)
{
	r->state += 0x9e3779b97f4a7c15ull;
	return mix(r->state);
}

static int below(rng_t *r, int n)
{
	return (int)(next(r) % (uint64_t)n);
}

/* Skewed pick: early entries (the common names) come up more often. */
static int skewed(rng_t *r, int n)
{
	double u = (double)(next(r) >> 11) / 9007199254740992.0;
	return (int)(u * u * n);
}

static void pick(rng_t *r, int list, int skew, char *out, size_t size)
{
	list_t *l = &lists[list];
	int i = skew ? skewed(r, l->n) : below(r, l->n);
	snprintf(out, size, "%.*s", l->len[i], l->item[i]);
}

static void phone(rng_t *r, char *out, size_t size)
{
	static const char *const areas[] = {"617", "508", "781", "978", "413", "401", "603",
					    "212", "312", "415", "713", "305", "206", "404"};
	snprintf(out, size, "%s-%03d-%04d", areas[below(r, 14)], 200 + below(r, 800),
		 below(r, 10000));
}

void synth_patient(uint64_t seed, int64_t i, patient_t *p)
{
	rng_t r = {mix(seed ^ mix((uint64_t)i))};
	char city[128], buf[96]; /* buf + "%d " fits a 128-byte field */
	int female, y, mo, d;
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	static const char *const langs[] = {"English", "English", "English", "English", "English",
					    "English", "English", "Spanish", "Spanish", "Portuguese",
					    "Vietnamese", "Chinese", "Haitian Creole", "Arabic"};
	static const char *const payers[] = {"Medicare", "Medicaid", "Blue Cross", "Aetna",
					     "Cigna", "UnitedHealthcare", "Harvard Pilgrim",
					     "Tufts Health Plan", "Self-pay"};
	static const char *const rel[] = {"Spouse", "Parent", "Child", "Sibling", "Friend"};

	lists_load();
	memset(p, 0, sizeof *p);
	female = below(&r, 100) < 51;
	pick(&r, L_LAST, 1, p->f[PF_LAST], sizeof p->f[PF_LAST]);
	if (below(&r, 100) < 3) { /* hyphenated family names */
		pick(&r, L_LAST, 1, buf, sizeof buf);
		if (strcmp(buf, p->f[PF_LAST]) != 0 && strlen(p->f[PF_LAST]) + strlen(buf) < 58) {
			strcat(p->f[PF_LAST], "-");
			strcat(p->f[PF_LAST], buf);
		}
	}
	pick(&r, female ? L_FEMALE : L_MALE, 1, p->f[PF_FIRST], sizeof p->f[PF_FIRST]);
	if (below(&r, 100) < 55)
		pick(&r, female ? L_FEMALE : L_MALE, 0, p->f[PF_MIDDLE], sizeof p->f[PF_MIDDLE]);
	if (!female && below(&r, 100) < 3)
		text_copy(p->f[PF_SUFFIX], sizeof p->f[PF_SUFFIX], below(&r, 2) ? "Jr." : "III");
	y = 1930 + below(&r, 95);
	mo = 1 + below(&r, 12);
	d = 1 + below(&r, mdays[mo - 1]);
	snprintf(p->f[PF_DOB], sizeof p->f[PF_DOB], "%04d-%02d-%02d", y, mo, d);
	{
		int s = below(&r, 1000);
		text_copy(p->f[PF_SEX], sizeof p->f[PF_SEX], s < 3 ? "X" : s < 5 ? "U" : female ? "F" : "M");
	}
	pick(&r, L_STREET, 0, buf, sizeof buf);
	snprintf(p->f[PF_ADDR1], sizeof p->f[PF_ADDR1], "%d %s", 1 + below(&r, 9899), buf);
	if (below(&r, 100) < 15)
		snprintf(p->f[PF_ADDR2], sizeof p->f[PF_ADDR2], "Apt %d", 1 + below(&r, 40));
	pick(&r, L_CITY, 1, city, sizeof city);
	{
		char *c1 = strchr(city, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
		if (c1 && c2) {
			*c1 = *c2 = '\0';
			text_copy(p->f[PF_CITY], sizeof p->f[PF_CITY], city);
			text_copy(p->f[PF_STATE], sizeof p->f[PF_STATE], c1 + 1);
			snprintf(p->f[PF_ZIP], sizeof p->f[PF_ZIP], "%.3s%02d", c2 + 1, below(&r, 100));
		}
	}
	if (below(&r, 100) < 60)
		phone(&r, p->f[PF_PHONE_HOME], sizeof p->f[PF_PHONE_HOME]);
	if (below(&r, 100) < 85)
		phone(&r, p->f[PF_PHONE_MOBILE], sizeof p->f[PF_PHONE_MOBILE]);
	if (below(&r, 100) < 40) {
		char fl[40], ll[40];
		size_t k = 0;
		for (const char *s = p->f[PF_FIRST]; *s && k < sizeof fl - 1; s++)
			if ((*s | 32) >= 'a' && (*s | 32) <= 'z')
				fl[k++] = (char)(*s | 32);
		fl[k] = '\0';
		k = 0;
		for (const char *s = p->f[PF_LAST]; *s && k < sizeof ll - 1; s++)
			if ((*s | 32) >= 'a' && (*s | 32) <= 'z')
				ll[k++] = (char)(*s | 32);
		ll[k] = '\0';
		if (*fl && *ll)
			snprintf(p->f[PF_EMAIL], sizeof p->f[PF_EMAIL], "%s.%s%d@example.org", fl,
				 ll, below(&r, 100));
	}
	if (below(&r, 100) < 70) {
		int area = 1 + below(&r, 899);
		if (area == 666)
			area = 667;
		snprintf(p->f[PF_SSN], sizeof p->f[PF_SSN], "%03d-%02d-%04d", area,
			 1 + below(&r, 99), 1 + below(&r, 9999));
	}
	text_copy(p->f[PF_LANGUAGE], sizeof p->f[PF_LANGUAGE], langs[below(&r, 14)]);
	if (below(&r, 100) < 90) {
		text_copy(p->f[PF_PAYER], sizeof p->f[PF_PAYER], payers[below(&r, 9)]);
		snprintf(p->f[PF_MEMBER_ID], sizeof p->f[PF_MEMBER_ID], "%c%c%08d",
			 'A' + below(&r, 26), 'A' + below(&r, 26), below(&r, 100000000));
	}
	if (below(&r, 100) < 50) {
		char f2[64], l2[64];
		pick(&r, below(&r, 2) ? L_FEMALE : L_MALE, 1, f2, sizeof f2);
		pick(&r, L_LAST, 1, l2, sizeof l2);
		snprintf(p->f[PF_EC_NAME], sizeof p->f[PF_EC_NAME], "%s %s", f2, l2);
		text_copy(p->f[PF_EC_RELATION], sizeof p->f[PF_EC_RELATION], rel[below(&r, 5)]);
		phone(&r, p->f[PF_EC_PHONE], sizeof p->f[PF_EC_PHONE]);
	}
	if (y < 1950 && below(&r, 100) < 8)
		snprintf(p->f[PF_DEATH], sizeof p->f[PF_DEATH], "%04d-%02d-%02d",
			 2015 + below(&r, 10), 1 + below(&r, 12), 1 + below(&r, 28));
	p->confidential = below(&r, 1000) < 8;
}

struct gen {
	uint64_t seed;
	int64_t next, end;
};

static int produce(void *arg, patient_t *p, msg_t *m)
{
	struct gen *g = arg;
	(void)m;
	if (g->next >= g->end)
		return 0;
	synth_patient(g->seed, g->next++, p);
	return 1;
}

status_t synth_patients_batched(session_t *s, int64_t n, uint64_t seed, int64_t chunk,
				int64_t max_rows, int64_t *made, msg_t *m)
{
	status_t ret;
	*made = 0;
	if ((ret = session_require(s, ACT_PATIENT_IMPORT, m)) != STATUS_OK)
		return ret;
	if (chunk < 1 || max_rows < chunk)
		return msg_fail(m, STATUS_INVALID, "Bad batch sizes.");
	{
		pbulk_t *b = NULL;
		char what[96];
		struct gen g = {seed, 0, n};
		snprintf(what, sizeof what, "synthetic patients (seed %llu)", (unsigned long long)seed);
		if ((ret = pbulk_begin(s, what, &b, m)) != STATUS_OK)
			return ret;
		/* In batches, like an import: other users' changes go between;
		 * the next batch is sealed while one commits. */
		ret = pbulk_load(b, produce, &g, n, chunk, max_rows, made, m);
		if (ret != STATUS_OK) {
			pbulk_abort(b);
			return ret;
		}
		pbulk_end(b);
	}
	msg_set(m, "Created %lld synthetic patients.", (long long)*made);
	return STATUS_OK;
}

status_t synth_patients(session_t *s, int64_t n, uint64_t seed, int64_t *made, msg_t *m)
{
	return synth_patients_batched(s, n, seed, CHUNK, PBULK_LOAD_MAX, made, m);
}
