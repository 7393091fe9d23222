/* cli_clinical.c - the clinical chart on the command line: encounters,
 * vitals, allergies, medications, problems, notes, and a plain-text chart
 * summary. For scripting and tests; the same core as the screens. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "core/clinical.h"
#include "core/patient.h"
#include "ui/cli_internal.h"

typedef struct run {
	cli_t *c;
	clinic_t *clinic;
	session_t *s;
	msg_t m;
} run_t;

/* Sign on and, when --mrn M --reason R are given, open that chart by
 * break-the-glass first (for confidential charts). */
static status_t start(run_t *r, cli_t *c)
{
	int err = 0;
	const char *reason = cli_opt(c->argc, c->argv, "--reason", &err);
	const char *mrn = cli_opt(c->argc, c->argv, "--mrn", &err);
	status_t st;
	r->c = c;
	msg_clear(&r->m);
	if ((st = cli_sign_on(c, &r->clinic, &r->s, &r->m)) != STATUS_OK)
		return st;
	if (reason && mrn) {
		patient_t *p = calloc(1, sizeof *p);
		if (!p)
			return msg_fail(&r->m, STATUS_NOMEM, "out of memory");
		st = patient_open(r->s, mrn, reason, p, &r->m);
		memset(p, 0, sizeof *p);
		free(p);
	}
	return st;
}

static int finish(run_t *r, status_t st)
{
	cli_sign_off(r->clinic, r->s);
	if (st != STATUS_OK)
		return cli_fail(st, r->m.text);
	if (r->m.text[0])
		fprintf(stderr, "%s\n", r->m.text);
	return 0;
}

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

static const char *opt(cli_t *c, const char *name)
{
	int err = 0;
	return cli_opt(c->argc, c->argv, name, &err);
}

/* Read a note file (at most NOTE_MAX bytes). */
static char *read_file(const char *path, msg_t *m)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	if (!f) {
		msg_set(m, "Cannot open %s: %s.", path, strerror(errno));
		return NULL;
	}
	buf = malloc(NOTE_MAX + 2);
	if (!buf) {
		fclose(f);
		msg_set(m, "out of memory");
		return NULL;
	}
	n = fread(buf, 1, NOTE_MAX + 1, f);
	fclose(f);
	if (n > NOTE_MAX) {
		free(buf);
		msg_set(m, "%s is longer than a note may be (%d characters).", path, NOTE_MAX);
		return NULL;
	}
	buf[n] = '\0';
	if (strlen(buf) != n) {
		free(buf);
		msg_set(m, "%s is not a text file.", path);
		return NULL;
	}
	return buf;
}

/* ---- encounter -------------------------------------------------------- */

static int print_encounter(const encounter_info_t *e, void *arg)
{
	(void)arg;
	printf("%lld\t%s\t", (long long)e->erow, e->start);
	cli_print_clean(e->type);
	putchar('\t');
	cli_print_clean(e->provider);
	putchar('\t');
	cli_print_clean(e->location);
	printf("\t%s\t%s\t", e->status, e->coding_status);
	cli_print_clean(e->reason);
	putchar('\n');
	return 0;
}

int cli_cmd_encounter(cli_t *c)
{
	static const char usage[] =
		"encounter add MRN --type TYPE --provider USER [--location L] [--visit-reason TEXT]\n"
		"       [--date YYYY-MM-DD[ HH:MM]] |\n"
		"       encounter close N [--date YYYY-MM-DD[ HH:MM]] | encounter list MRN";
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	const char *arg = c->argc > 2 ? c->argv[2] : "";
	run_t r;
	status_t st;
	int64_t n;
	if (cli_wants_help(c->argc, c->argv)) {
		printf("usage: chartroom %s\n\n"
		       "  add    check a patient in; prints the encounter number. Types are the\n"
		       "         [clinical] encounter_types; the provider is a user with the\n"
		       "         provider role; the reason is sealed to the clinical key\n"
		       "  close  close an open encounter (nurse or provider); --date for a late\n"
		       "         entry (not in the future, not before the encounter started)\n"
		       "  list   a patient's encounters, newest first, tab-separated\n",
		       usage);
		return 0;
	}
	if (strcmp(verb, "add") == 0 && *arg && opt(c, "--type") && opt(c, "--provider")) {
		if ((st = start(&r, c)) == STATUS_OK) {
			const char *loc = opt(c, "--location");
			st = encounter_checkin_at(r.s, arg, opt(c, "--type"), opt(c, "--provider"),
						  loc ? loc : "Main clinic", opt(c, "--visit-reason"),
						  opt(c, "--date"), &n, &r.m);
			if (st == STATUS_OK)
				printf("%lld\n", (long long)n);
		}
		return finish(&r, st);
	}
	if (strcmp(verb, "close") == 0 && number(arg, &n)) {
		if ((st = start(&r, c)) == STATUS_OK)
			st = encounter_close_at(r.s, n, opt(c, "--date"), &r.m);
		return finish(&r, st);
	}
	if (strcmp(verb, "list") == 0 && *arg) {
		if ((st = start(&r, c)) == STATUS_OK)
			st = encounter_list(r.s, arg, print_encounter, NULL, &r.m);
		return finish(&r, st);
	}
	return cli_usage_error(usage, NULL);
}

/* ---- vitals ----------------------------------------------------------- */

int cli_cmd_vitals(cli_t *c)
{
	static const char usage[] = "vitals add ENCOUNTER [--bp 120/80] [--pulse N] [--resp N]\n"
				    "       [--temp 98.6F] [--spo2 N] [--height 70in] [--weight 180lb]";
	run_t r;
	status_t st;
	int64_t n;
	const char *bad = NULL;
	vitals_input_t in;
	if (cli_wants_help(c->argc, c->argv)) {
		printf("usage: chartroom %s\n\nRecord vitals on an encounter. Units may be "
		       "typed; without one the [clinical]\nunits apply. Implausible values are "
		       "refused with the reason; nothing is saved.\n",
		       usage);
		return 0;
	}
	if (c->argc < 3 || strcmp(c->argv[1], "add") != 0 || !number(c->argv[2], &n))
		return cli_usage_error(usage, NULL);
	in.bp = opt(c, "--bp");
	in.pulse = opt(c, "--pulse");
	in.resp = opt(c, "--resp");
	in.temp = opt(c, "--temp");
	in.spo2 = opt(c, "--spo2");
	in.height = opt(c, "--height");
	in.weight = opt(c, "--weight");
	if ((st = start(&r, c)) == STATUS_OK)
		st = vitals_record(r.s, n, &in, &bad, &r.m);
	return finish(&r, st);
}

/* ---- allergies, medications, problems ----------------------------------- */

static int status_cmd(cli_t *c, chart_kind_t kind, const char *usage)
{
	run_t r;
	status_t st;
	int64_t n;
	if (c->argc < 4 || !number(c->argv[2], &n))
		return cli_usage_error(usage, NULL);
	if ((st = start(&r, c)) == STATUS_OK)
		st = chart_item_set_status(r.s, kind, n, c->argv[3], &r.m);
	return finish(&r, st);
}

int cli_cmd_allergy(cli_t *c)
{
	static const char usage[] =
		"allergy add MRN --substance S [--reaction R] [--severity mild|moderate|severe|unknown]\n"
		"       | allergy nka MRN | allergy status ROW active|inactive|entered-in-error";
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	run_t r;
	status_t st;
	int64_t row;
	if (cli_wants_help(c->argc, c->argv)) {
		printf("usage: chartroom %s\n\n  nka records \"no known allergies\" (refused while "
		       "active allergies exist).\n",
		       usage);
		return 0;
	}
	if (strcmp(verb, "status") == 0)
		return status_cmd(c, CHART_ALLERGY, usage);
	if (c->argc < 3 || (strcmp(verb, "add") != 0 && strcmp(verb, "nka") != 0) ||
	    (strcmp(verb, "add") == 0 && !opt(c, "--substance")))
		return cli_usage_error(usage, NULL);
	if ((st = start(&r, c)) == STATUS_OK) {
		if (strcmp(verb, "nka") == 0) {
			st = allergy_none_known(r.s, c->argv[2], &r.m);
		} else {
			st = allergy_add(r.s, c->argv[2], opt(c, "--substance"), opt(c, "--reaction"),
					 opt(c, "--severity"), &row, &r.m);
			if (st == STATUS_OK)
				printf("%lld\n", (long long)row);
		}
	}
	return finish(&r, st);
}

int cli_cmd_med(cli_t *c)
{
	static const char usage[] =
		"med add MRN --name DRUG [--dose D] --route R --frequency F [--start DATE]\n"
		"       | med status ROW active|stopped|entered-in-error";
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	run_t r;
	status_t st;
	int64_t row;
	if (cli_wants_help(c->argc, c->argv)) {
		printf("usage: chartroom %s\n\nRoutes: PO IV IM SC SL PR topical inhaled nasal "
		       "ophthalmic otic transdermal other\n",
		       usage);
		return 0;
	}
	if (strcmp(verb, "status") == 0)
		return status_cmd(c, CHART_MEDICATION, usage);
	if (c->argc < 3 || strcmp(verb, "add") != 0 || !opt(c, "--name"))
		return cli_usage_error(usage, NULL);
	if ((st = start(&r, c)) == STATUS_OK) {
		st = medication_add(r.s, c->argv[2], opt(c, "--name"), opt(c, "--dose"),
				    opt(c, "--route"), opt(c, "--frequency"), opt(c, "--start"), &row,
				    &r.m);
		if (st == STATUS_OK)
			printf("%lld\n", (long long)row);
	}
	return finish(&r, st);
}

int cli_cmd_problem(cli_t *c)
{
	static const char usage[] = "problem add MRN --text DESCRIPTION [--code ICD10] [--onset DATE]\n"
				    "       | problem status ROW active|resolved|entered-in-error";
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	run_t r;
	status_t st;
	int64_t row;
	if (cli_wants_help(c->argc, c->argv)) {
		printf("usage: chartroom %s\n", usage);
		return 0;
	}
	if (strcmp(verb, "status") == 0)
		return status_cmd(c, CHART_PROBLEM, usage);
	if (c->argc < 3 || strcmp(verb, "add") != 0 || !opt(c, "--text"))
		return cli_usage_error(usage, NULL);
	if ((st = start(&r, c)) == STATUS_OK) {
		st = problem_add(r.s, c->argv[2], opt(c, "--code"), opt(c, "--text"),
				 opt(c, "--onset"), &row, &r.m);
		if (st == STATUS_OK)
			printf("%lld\n", (long long)row);
	}
	return finish(&r, st);
}

/* ---- notes ------------------------------------------------------------ */

static void print_note(const note_info_t *n)
{
	if (n->addendum_of)
		printf("--- addendum %lld to note %lld", (long long)n->nrow,
		       (long long)n->addendum_of);
	else
		printf("--- note %lld (encounter %lld)", (long long)n->nrow, (long long)n->erow);
	printf(" by %s, %s; ", n->author, n->created);
	if (strcmp(n->status, "signed") == 0)
		printf("signed by %s at %s\n", n->signed_by, n->signed_at);
	else
		printf("DRAFT (version %d, unsigned)\n", n->version);
	if (n->body) {
		/* Keep line breaks, drop other control characters. */
		for (const char *p = n->body; *p; p++)
			if (*p == '\n' || (unsigned char)*p >= 0x20)
				putchar(*p);
		putchar('\n');
	}
}

static int print_note_cb(const note_info_t *n, void *arg)
{
	(void)arg;
	print_note(n);
	return 0;
}

int cli_cmd_note(cli_t *c)
{
	static const char usage[] =
		"note add ENCOUNTER --file F | note edit NOTE --file F --version V |\n"
		"       note sign NOTE | note addendum NOTE --file F | note show NOTE |\n"
		"       note list ENCOUNTER";
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	run_t r;
	status_t st = STATUS_OK;
	int64_t n, out = 0;
	char *body = NULL;
	note_info_t info;
	if (cli_wants_help(c->argc, c->argv)) {
		printf("usage: chartroom %s\n\n"
		       "  add       a new draft note on an encounter, text from file F\n"
		       "  edit      replace a draft's text (its author only; --version from show)\n"
		       "  sign      sign a draft (providers); a signed note never changes\n"
		       "  addendum  a correction to a signed note, itself a draft until signed\n"
		       "  show      one note; list: an encounter's notes with their addenda\n",
		       usage);
		return 0;
	}
	if (c->argc < 3 || !number(c->argv[2], &n))
		return cli_usage_error(usage, NULL);
	if (strcmp(verb, "add") == 0 || strcmp(verb, "edit") == 0 || strcmp(verb, "addendum") == 0) {
		msg_t m;
		if (!opt(c, "--file"))
			return cli_usage_error(usage, "--file F is needed");
		if (strcmp(verb, "edit") == 0 && !opt(c, "--version"))
			return cli_usage_error(usage, "--version V is needed (see note show)");
		if (!(body = read_file(opt(c, "--file"), &m)))
			return cli_fail(STATUS_INVALID, m.text);
	} else if (strcmp(verb, "sign") != 0 && strcmp(verb, "show") != 0 &&
		   strcmp(verb, "list") != 0) {
		return cli_usage_error(usage, NULL);
	}
	if ((st = start(&r, c)) == STATUS_OK) {
		if (strcmp(verb, "add") == 0)
			st = note_create(r.s, n, 0, body, &out, &r.m);
		else if (strcmp(verb, "addendum") == 0)
			st = note_create(r.s, 0, n, body, &out, &r.m);
		else if (strcmp(verb, "edit") == 0)
			st = note_save(r.s, n, body, atoi(opt(c, "--version")), &r.m);
		else if (strcmp(verb, "sign") == 0)
			st = note_sign(r.s, n, 0, &r.m);
		else if (strcmp(verb, "list") == 0)
			st = note_list(r.s, n, print_note_cb, NULL, &r.m);
		else if ((st = note_get(r.s, n, &info, &r.m)) == STATUS_OK) {
			print_note(&info);
			note_info_clear(&info);
		}
		if (st == STATUS_OK && out)
			printf("%lld\n", (long long)out);
	}
	if (body) {
		memset(body, 0, strlen(body));
		free(body);
	}
	return finish(&r, st);
}

/* ---- chart show ------------------------------------------------------- */

static int print_item(const chart_item_t *it, void *arg)
{
	(void)arg;
	printf("  %-5lld ", (long long)it->row);
	cli_print_clean(it->text);
	if (it->kind == CHART_ALLERGY) {
		printf(" | reaction: ");
		cli_print_clean(*it->text2 ? it->text2 : "-");
		printf(" | %s", it->code);
	} else if (it->kind == CHART_MEDICATION) {
		printf(" | ");
		cli_print_clean(it->text2);
		printf(" %s %s", it->code, it->extra);
		if (*it->date1)
			printf(" | from %s", it->date1);
		if (*it->date2)
			printf(" to %s", it->date2);
	} else {
		printf(" | %s", *it->code ? it->code : "(no code)");
		if (*it->date1)
			printf(" | onset %s", it->date1);
	}
	printf(" | %s\n", it->status);
	return 0;
}

static int print_vitals(const vitals_row_t *v, void *arg)
{
	(void)arg;
	printf("  %s enc %lld:", v->taken, (long long)v->erow);
	if (v->systolic >= 0)
		printf(" BP %d/%d", v->systolic, v->diastolic);
	if (v->pulse >= 0)
		printf(" P %d", v->pulse);
	if (v->resp >= 0)
		printf(" R %d", v->resp);
	if (v->temp_c >= 0)
		printf(" T %.1fC/%.1fF", v->temp_c, v->temp_c * 9 / 5 + 32);
	if (v->spo2 >= 0)
		printf(" SpO2 %d%%", v->spo2);
	if (v->height_cm >= 0)
		printf(" Ht %.1fcm", v->height_cm);
	if (v->weight_kg >= 0)
		printf(" Wt %.1fkg/%.1flb", v->weight_kg, v->weight_kg / 0.45359237);
	if (v->bmi >= 0)
		printf(" BMI %.1f", v->bmi);
	printf(" (%s)\n", v->recorded_by);
	return 0;
}

struct notes_of {
	session_t *s;
	msg_t *m;
	status_t ret;
};

static int notes_of_encounter(const encounter_info_t *e, void *arg)
{
	struct notes_of *n = arg;
	n->ret = note_list(n->s, e->erow, print_note_cb, NULL, n->m);
	return n->ret != STATUS_OK;
}

int cli_cmd_chart(cli_t *c)
{
	static const char usage[] =
		"chart show MRN [--section demographics|encounters|vitals|allergies|medications|\n"
		"       problems|notes]";
	static const char *const sections[] = {"demographics", "encounters", "vitals", "allergies",
					       "medications", "problems", "notes", NULL};
	const char *want = opt(c, "--section");
	run_t r;
	status_t st;
	patient_t *p = NULL;
	char banner[600];
	int any = 0;
	if (cli_wants_help(c->argc, c->argv)) {
		printf("usage: chartroom %s\n\nA plain-text chart summary. Opening it is audited; "
		       "each clinical section\nshown is audited as viewed. The front desk sees "
		       "demographics only.\n",
		       usage);
		return 0;
	}
	if (c->argc < 3 || strcmp(c->argv[1], "show") != 0)
		return cli_usage_error(usage, NULL);
	if (want) {
		for (int i = 0; sections[i]; i++)
			any |= strcmp(want, sections[i]) == 0;
		if (!any)
			return cli_usage_error(usage, "unknown section");
	}
	if ((st = start(&r, c)) != STATUS_OK)
		return finish(&r, st);
	if (!(p = calloc(1, sizeof *p)))
		return finish(&r, msg_fail(&r.m, STATUS_NOMEM, "out of memory"));
	st = patient_open(r.s, c->argv[2], opt(c, "--reason"), p, &r.m);
	if (st == STATUS_OK) {
		printf("%s, %s %s  %s  DOB %s  %s%s\n", p->f[PF_LAST], p->f[PF_FIRST],
		       p->f[PF_MIDDLE], p->f[PF_MRN], p->f[PF_DOB], p->f[PF_SEX],
		       p->confidential ? "  CONFIDENTIAL" : "");
		status_t b = clinical_banner(r.s, p->id, banner, sizeof banner, &r.m);
		if (b == STATUS_OK)
			printf("%s\n", banner);
		if (b == STATUS_INTEGRITY) /* a damaged allergy list is not "none" */
			st = b;
		else
			msg_clear(&r.m);
	}
#define SHOW(name) (st == STATUS_OK && (!want || strcmp(want, name) == 0))
	if (SHOW("demographics")) {
		printf("[demographics]\n");
		for (int f = PF_ADDR1; f < PF_COUNT; f++)
			if (*p->f[f] && f != PF_SSN) {
				printf("  %s: ", patient_field_label((pfield_t)f));
				cli_print_clean(p->f[f]);
				putchar('\n');
			}
	}
	if (!session_can(r.s, ACT_CLINICAL_VIEW)) {
		if (want && strcmp(want, "demographics") != 0)
			st = msg_fail(&r.m, STATUS_DENIED,
				      "Permission denied: the %s role sees no clinical sections.",
				      perm_role_name(session_role(r.s)));
	} else {
		if (SHOW("encounters")) {
			printf("[encounters]\n");
			st = encounter_list(r.s, p->id, print_encounter, NULL, &r.m);
		}
		if (SHOW("vitals")) {
			printf("[vitals]\n");
			st = vitals_list(r.s, p->id, 20, print_vitals, NULL, &r.m);
		}
		if (SHOW("allergies")) {
			printf("[allergies]\n");
			st = chart_items(r.s, p->id, CHART_ALLERGY, print_item, NULL, &r.m);
		}
		if (SHOW("medications")) {
			printf("[medications]\n");
			st = chart_items(r.s, p->id, CHART_MEDICATION, print_item, NULL, &r.m);
		}
		if (SHOW("problems")) {
			printf("[problems]\n");
			st = chart_items(r.s, p->id, CHART_PROBLEM, print_item, NULL, &r.m);
		}
		if (SHOW("notes")) {
			struct notes_of n = {r.s, &r.m, STATUS_OK};
			printf("[notes]\n");
			st = encounter_list(r.s, p->id, notes_of_encounter, &n, &r.m);
			if (st == STATUS_OK)
				st = n.ret;
		}
	}
#undef SHOW
	memset(p, 0, sizeof *p);
	free(p);
	return finish(&r, st);
}
