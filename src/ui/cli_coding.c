/* cli_coding.c - code sets and encounter coding on the command line:
 * codes import/list-versions/search/check, coding show/add/remove/
 * complete/verify/finalize/reopen, and the coding queue. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include <sodium.h>

#include "base/text.h"
#include "core/coding.h"
#include "ui/cli_input.h"
#include "ui/cli_internal.h"

static int number(const char *s, int64_t *out)
{
	char *end;
	long long v;
	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end || errno || v <= 0)
		return 0;
	*out = v;
	return 1;
}

static int run(cli_t *c, clinic_t **clinic, session_t **s, msg_t *m)
{
	status_t st = cli_sign_on(c, clinic, s, m);
	if (st != STATUS_OK)
		return cli_fail(st, m->text);
	return 0;
}

static int done(clinic_t *clinic, session_t *s, status_t st, msg_t *m)
{
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m->text);
	if (m->text[0])
		cli_say(m->text);
	return 0;
}

static int print_version(const codeset_info_t *v, void *arg)
{
	(void)arg;
	cli_tsv("%s\t%s\t%s\t%s\t%lld\t%lld\t%s\n", v->system, v->version, v->effective,
	       *v->until ? v->until : "current", (long long)v->codes, (long long)v->billable,
	       v->imported_by);
	return 0;
}

static int print_hit(const code_hit_t *h, void *arg)
{
	(void)arg;
	cli_tsv("%s\t%s\t%s\n", h->code, h->billable ? "billable" : "header", h->desc);
	return 0;
}

static const char codes_usage[] =
    "codes import icd10cm|hcpcs|cpt FILE --version V --effective YYYY-MM-DD |\n"
    "       codes list-versions | codes search QUERY [--system S] [--date D] |\n"
    "       codes check CODE [--system S] [--date D] | codes children CODE [--date D]";

static int cmd_codes(cli_t *c)
{
	static const char *const usage = codes_usage;
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	const char *sysname = cli_val(c, "system");
	codesys_t cs = sysname ? codesys_from_name(sysname) : CS_ICD10CM;
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	msg_t m;
	status_t st;
	int rc;
	msg_clear(&m);
	if (c->help) {
		printf("usage: chartroom %s\n\n"
		       "  import         load a code file as one version (one transaction; the same\n"
		       "                 file again is a no-op; a bad line is refused as FILE:LINE).\n"
		       "                 icd10cm: the CMS order file; hcpcs: the CMS fixed-width\n"
		       "                 file; cpt: your licensed list as code,description CSV\n"
		       "  list-versions  system, version, effective, until, codes, billable\n"
		       "  search         a code prefix (e11, E11.6) or words in any order, each a\n"
		       "                 prefix (diab 2 kidn), in the version in effect on --date\n"
		       "  check          is CODE codable on --date, and if not, which rule\n"
		       "  children       the codes under a header\n",
		       usage);
		return 0;
	}
	if (cs == CS_COUNT)
		return cli_usage_error(usage, "--system is icd10cm, hcpcs or cpt");
	if (strcmp(verb, "import") == 0) {
		codesys_t ics = c->argc > 2 ? codesys_from_name(c->argv[2]) : CS_COUNT;
		codes_import_report_t rep;
		if (ics == CS_COUNT || c->argc < 4 || !cli_val(c, "version") ||
		    !cli_val(c, "effective"))
			return cli_usage_error(usage, NULL);
		if ((rc = run(c, &clinic, &s, &m)) != 0)
			return rc;
		st = codes_import(s, ics, c->argv[3], cli_val(c, "version"),
		                  cli_val(c, "effective"), &rep, &m);
		if (st == STATUS_OK)
			printf("%lld\n", (long long)rep.codes);
		return done(clinic, s, st, &m);
	}
	if (strcmp(verb, "list-versions") == 0) {
		if ((rc = run(c, &clinic, &s, &m)) != 0)
			return rc;
		printf("system\tversion\teffective\tuntil\tcodes\tbillable\timported_by\n");
		st = codes_versions(s, print_version, NULL, &m);
		return done(clinic, s, st, &m);
	}
	if ((strcmp(verb, "search") == 0 || strcmp(verb, "check") == 0 ||
	     strcmp(verb, "children") == 0) &&
	    c->argc > 2) {
		code_hit_t h;
		if ((rc = run(c, &clinic, &s, &m)) != 0)
			return rc;
		if (strcmp(verb, "search") == 0)
			st = codes_search(s, cs, c->argv[2], cli_val(c, "date"), 50, print_hit,
			                  NULL, &m);
		else if (strcmp(verb, "children") == 0)
			st = codes_children(s, cs, c->argv[2], cli_val(c, "date"), 200, print_hit,
			                    NULL, &m);
		else if ((st = codes_check(s, cs, c->argv[2], cli_val(c, "date"), &h, &m)) ==
		         STATUS_OK)
			print_hit(&h, NULL);
		return done(clinic, s, st, &m);
	}
	return cli_usage_error(usage, NULL);
}

/* One queue row; arg counts the rows per aging bucket. */
static int print_queue(const coding_queue_row_t *q, void *arg)
{
	int *buckets = arg;
	const coding_patient_t *p = &q->patient;
	buckets[q->bucket]++;
	cli_tsv("%lld\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s", (long long)q->erow, q->date,
		q->closed, q->days_waiting, coding_age_label(q->bucket), p->shown ? p->mrn : "-",
		p->shown ? p->name : "-", p->shown ? p->dob : "-", p->shown ? p->sex : "-",
		q->provider, q->type, q->status);
	printf("%s\n", q->late ? "\tLATE" : ""); /* a column of its own, not data */
	return 0;
}

static void print_coding(const coding_t *k)
{
	if (k->patient.shown)
		cli_printf("patient %s  %s  DOB %s  sex %s\n", k->patient.mrn, k->patient.name,
			   k->patient.dob, k->patient.sex);
	cli_printf("encounter %lld  date of service %s  provider %s  coding %s\n",
		   (long long)k->erow, k->date, k->provider, k->status);
	if (k->coders[0])
		cli_printf("coded by %s (since it was last verified)\n", k->coders);
	for (int i = 0; i < k->ndx; i++)
		cli_printf("  dx %d%s %s %s\n", i + 1, i == 0 ? " (primary)" : "", k->dx[i].code,
			   k->dx[i].desc);
	for (int i = 0; i < k->npx; i++) {
		const coding_px_t *p = &k->px[i];
		cli_printf("  px %d %s %s", i + 1, p->system, p->code);
		for (int j = 0; j < p->nmod; j++)
			cli_printf("-%s", p->modifiers[j]);
		printf(" x%d ->", p->units);
		for (int j = 0; j < p->npointers; j++)
			printf(" %d", p->pointers[j]);
		cli_printf(" %s\n", p->desc);
	}
}

static const char coding_usage[] =
    "coding queue | coding show ENC | coding add-dx ENC CODE |\n"
    "       coding remove-dx ENC SEQ | coding primary ENC SEQ |\n"
    "       coding add-px ENC CODE [--system hcpcs|cpt] [--modifiers M,M] [--units N]\n"
    "         --pointers 1,2 | coding remove-px ENC LINE |\n"
    "       coding complete|verify|finalize ENC | coding reopen ENC [--from FILE|-]";

static int cmd_coding(cli_t *c)
{
	static const char *const usage = coding_usage;
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	msg_t m;
	status_t st;
	int64_t erow = 0, k = 0;
	int rc;
	char why[CLI_REASON_MAX] = "";
	cli_field_t text[] = {{"why", "Why reopen the coding", why, sizeof why, NULL, 1, 0}};
	const char *from = cli_from(c);
	msg_clear(&m);
	if (c->help) {
		printf("usage: chartroom %s\n\n"
		       "Each edit is checked (code exists, billable, valid on the date of service,\n"
		       "no duplicates, pointers to diagnoses) and refused by rule name; complete\n"
		       "checks everything again. final locks the coding until reopened with a\n"
		       "reason: a 'why' column in --from input (CSV: header, one row), or asked at\n"
		       "a terminal; never an argument.\n"
		       "queue: closed encounters not final, oldest date of service first\n"
		       "(tab-separated: encounter, date of service, closed, days since the date of\n"
		       "service, aging bucket 0-3|4-7|8-14|15-30|>30, MRN, name, DOB, sex,\n"
		       "provider, type, status, LATE); the count per bucket on standard error.\n"
		       "verify and finalize follow [codes] verify_by_other (whoever coded an\n"
		       "encounter may not verify it when it is yes).\n",
		       usage);
		return 0;
	}
	if (strcmp(verb, "queue") == 0) {
		int late = 0, b[CODING_AGE_BUCKETS] = {0};
		if ((rc = run(c, &clinic, &s, &m)) != 0)
			return rc;
		st = coding_queue(s, print_queue, b, &late, &m);
		if (st == STATUS_OK)
			msg_set(&m,
				"%d waiting longer than %d days. Days since the date of service: "
				"0-3: %d, 4-7: %d, 8-14: %d, 15-30: %d, >30: %d.",
				late, clinic_config(clinic)->late_after_days, b[CODING_AGE_0_3],
				b[CODING_AGE_4_7], b[CODING_AGE_8_14], b[CODING_AGE_15_30],
				b[CODING_AGE_OVER_30]);
		return done(clinic, s, st, &m);
	}
	if (c->argc < 3 || !number(c->argv[2], &erow))
		return cli_usage_error(usage, NULL);
	if ((strcmp(verb, "remove-dx") == 0 || strcmp(verb, "primary") == 0 ||
	     strcmp(verb, "remove-px") == 0) &&
	    (c->argc < 4 || !number(c->argv[3], &k)))
		return cli_usage_error(usage, NULL);
	if ((strcmp(verb, "add-dx") == 0 || strcmp(verb, "add-px") == 0) && c->argc < 4)
		return cli_usage_error(usage, NULL);
	if (strcmp(verb, "reopen") == 0) {
		/* The reason is free text: from --from input or the prompt. */
		if (!from && !isatty(STDIN_FILENO))
			return cli_usage_error(usage, "give the reason in a 'why' column with --from "
						      "FILE or --from -, or run it at a terminal "
						      "to be asked");
		if (cli_from_file(from) && (st = cli_fields_read(c, from, text, 1, &m)) != STATUS_OK)
			return cli_fail(st, m.text);
	}
	if ((rc = run(c, &clinic, &s, &m)) != 0)
		return rc;
	if (strcmp(verb, "reopen") == 0 && !cli_from_file(from) &&
	    (st = cli_fields_read(c, from, text, 1, &m)) != STATUS_OK)
		return done(clinic, s, st, &m);
	if (strcmp(verb, "show") == 0) {
		coding_t *kd = malloc(sizeof *kd);
		if (!kd)
			st = msg_fail(&m, STATUS_NOMEM, "out of memory");
		else if ((st = coding_view(s, erow, kd, &m)) == STATUS_OK)
			print_coding(kd);
		free(kd);
	} else if (strcmp(verb, "add-dx") == 0) {
		st = coding_add_dx(s, erow, c->argv[3], &m);
	} else if (strcmp(verb, "remove-dx") == 0) {
		st = coding_remove_dx(s, erow, (int)k, &m);
	} else if (strcmp(verb, "primary") == 0) {
		st = coding_make_primary(s, erow, (int)k, &m);
	} else if (strcmp(verb, "add-px") == 0) {
		const char *sys = cli_val(c, "system");
		const char *units = cli_val(c, "units");
		codesys_t cs = sys ? codesys_from_name(sys) : CS_HCPCS;
		st = coding_add_px(s, erow, cs, c->argv[3], cli_val(c, "modifiers"),
		                   units ? atoi(units) : 1, cli_val(c, "pointers"), &m);
	} else if (strcmp(verb, "remove-px") == 0) {
		st = coding_remove_px(s, erow, (int)k, &m);
	} else if (strcmp(verb, "complete") == 0) {
		st = coding_complete(s, erow, &m);
	} else if (strcmp(verb, "verify") == 0) {
		st = coding_verify(s, erow, &m);
	} else if (strcmp(verb, "finalize") == 0) {
		st = coding_finalize(s, erow, &m);
	} else if (strcmp(verb, "reopen") == 0) {
		st = coding_reopen(s, erow, why, &m);
		sodium_memzero(why, sizeof why);
	} else {
		cli_sign_off(clinic, s);
		return cli_usage_error(usage, NULL);
	}
	return done(clinic, s, st, &m);
}

/* ---- the commands' table entries (cli.c lists them) --------------------- */

/* codes import --version shadows the global option. */
static const cli_optspec_t codes_opts[] = {{"version", 0, 1, "import"},
                                           {"effective", 0, 1, "import"},
                                           {"system", 0, 1, "search check children"},
                                           {"date", 0, 1, "search check children"},
                                           {NULL, 0, 0, NULL}};
static const cli_optspec_t coding_opts[] = {
    {"system", 0, 1, "add-px"},   {"modifiers", 0, 1, "add-px"}, {"units", 0, 1, "add-px"},
    {"pointers", 0, 1, "add-px"}, {"from", 0, 1, "reopen"},      {NULL, 0, 0, NULL}};
/* The reason to reopen is free text: never an option. */
static const char *const coding_phi[] = {"why", "reason", NULL};

const cli_command_t cli_codes_command = {
    "codes", cmd_codes, "import, list and search code sets", codes_usage, codes_opts, NULL,
    0,       NULL};
const cli_command_t cli_coding_command = {"coding",
                                          cmd_coding,
                                          "code encounters; the coding queue",
                                          coding_usage,
                                          coding_opts,
                                          coding_phi,
                                          0,
                                          NULL};
