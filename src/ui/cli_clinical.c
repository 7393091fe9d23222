/* cli_clinical.c - the clinical chart on the command line: encounters,
 * vitals, allergies, medications, problems, notes, and a plain-text chart
 * summary. For scripting and tests; the same core as the screens. Free
 * text (reasons, substances, drug names, problem descriptions) comes from
 * --from input or a prompt, never from arguments (cli_input.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "base/text.h"
#include "base/tz.h"
#include "base/userfile.h"
#include "core/access.h"
#include "core/clinical.h"
#include "core/patient.h"
#include "ui/cli_input.h"
#include "ui/cli_internal.h"

typedef struct run {
	cli_t *c;
	clinic_t *clinic;
	session_t *s;
	msg_t m;
	char reason[CLI_REASON_MAX];
	int reason_given;
} run_t;

#define TEXT_MAX 6 /* the most free-text fields a command takes, with "reason" */

/* The free-text options of the commands here: refused, like PHI, before
 * anything happens (they are taken from --from input or the prompt). */
static const char *const text_options[] = {"visit_reason", "substance", "reaction", "name",
					   "dose", "frequency", "text", "reason", NULL};

/* Sign on and take the command's free text (text[0..n)) with, always, a
 * "reason" column (for opening a confidential chart): from --from FILE
 * (read before signing on), or --from - or the prompt (after). Then, with
 * --mrn M, open that chart first, by break-the-glass with the reason
 * given or, at a terminal, asked for when the chart needs one. */
static status_t start_with(run_t *r, cli_t *c, cli_field_t *text, int n)
{
	const char *from = cli_from(c);
	const char *mrn = cli_val(c, "mrn");
	cli_field_t f[TEXT_MAX];
	status_t st = STATUS_OK;
	r->c = c;
	r->clinic = NULL;
	r->s = NULL;
	r->reason_given = 0;
	msg_clear(&r->m);
	for (int i = 0; i < n; i++)
		f[i] = text[i];
	f[n] = (cli_field_t){"reason", "Reason for access", r->reason, sizeof r->reason, NULL, 0, 0};
	if (cli_from_file(from) && (st = cli_fields_read(c, from, f, n + 1, &r->m)) != STATUS_OK)
		return st;
	if ((st = cli_sign_on(c, &r->clinic, &r->s, &r->m)) != STATUS_OK)
		return st;
	if (!cli_from_file(from) && (st = cli_fields_read(c, from, f, n + 1, &r->m)) != STATUS_OK)
		return st;
	for (int i = 0; i < n; i++)
		text[i].given = f[i].given;
	r->reason_given = f[n].given;
	if (mrn && (st = cli_btg_reason(r->s, mrn, &f[n], &r->m)) == STATUS_OK && f[n].given) {
		patient_t *p = calloc(1, sizeof *p);
		if (!p)
			return msg_fail(&r->m, STATUS_NOMEM, "out of memory");
		st = patient_open(r->s, mrn, r->reason, p, &r->m);
		sodium_memzero(p, sizeof *p);
		free(p);
	}
	return st;
}

static status_t start(run_t *r, cli_t *c)
{
	return start_with(r, c, NULL, 0);
}

/* A command whose free text is required: without --from it needs a
 * terminal to ask at. */
static int need_input(cli_t *c, const char *usage)
{
	if (!cli_from(c) && !isatty(STDIN_FILENO))
		return cli_usage_error(usage, "give the text with --from FILE or --from - (a CSV "
					      "header row and one row), or run it at a terminal to "
					      "be asked");
	return 0;
}

/* The value of a text field, or NULL when not given. */
static const char *given(const cli_field_t *f)
{
	return f->given ? f->value : NULL;
}

static int finish(run_t *r, status_t st)
{
	sodium_memzero(r->reason, sizeof r->reason);
	cli_sign_off(r->clinic, r->s);
	if (st != STATUS_OK)
		return cli_fail(st, r->m.text);
	if (r->m.text[0])
		cli_say(r->m.text);
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

/* Read a note file (at most NOTE_MAX bytes). */
static char *read_file(const char *path, msg_t *m)
{
	FILE *f = NULL;
	char *buf;
	size_t n;
	/* With the user's own ids in a shared install (base/userfile.h). */
	if (userfile_fopen(path, "rb", &f, m) != STATUS_OK)
		return NULL;
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

/* The print callbacks' arg: the clinic's configuration (its time zone). */
static int print_encounter(const encounter_info_t *e, void *arg)
{
	char when[TZ_TEXT_MAX];
	/* A ninth column only for a visit that names a provider record (an
	 * imported one): the eight of every other line stay as they were. */
	const char *at = cli_time(arg, e->start, CLI_TIME_TSV, "", when, sizeof when);
	if (*e->provider_name)
		cli_tsv("%lld\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", (long long)e->erow, at,
		        e->type, e->provider, e->location, e->status, e->coding_status, e->reason,
		        e->provider_name);
	else
		cli_tsv("%lld\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", (long long)e->erow, at, e->type,
		        e->provider, e->location, e->status, e->coding_status, e->reason);
	return 0;
}

static const char encounter_usage[] =
    "encounter add MRN --type TYPE --provider USER [--location L] [--from FILE|-]\n"
    "       [--date YYYY-MM-DD[ HH:MM]] |\n"
    "       encounter close N [--date YYYY-MM-DD[ HH:MM]] | encounter list MRN";

static int cmd_encounter(cli_t *c)
{
	static const char *const usage = encounter_usage;
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	const char *arg = c->argc > 2 ? c->argv[2] : "";
	char why[CLIN_TEXT_MAX] = "";
	cli_field_t text[] = {{"visit_reason", "Reason for visit", why, sizeof why, NULL, 1, 0}};
	run_t r;
	status_t st;
	int64_t n;
	if (c->help) {
		printf("usage: chartroom %s\n\n"
		       "  add    check a patient in; prints the encounter number. Types are the\n"
		       "         [clinical] encounter_types; the provider is a user with the\n"
		       "         provider role. The reason for visit (sealed to the clinical key)\n"
		       "         is a 'visit_reason' column in --from input (CSV: header, one row),\n"
		       "         or asked at a terminal; never an argument\n"
		       "  close  close an open encounter (nurse or provider); --date for a late\n"
		       "         entry (not in the future, not before the encounter started)\n"
		       "  list   a patient's encounters, newest first, tab-separated\n"
		       "With --mrn M, a 'reason' column (or the prompt) opens a confidential chart.\n",
		       usage);
		return 0;
	}
	if (strcmp(verb, "add") == 0 && *arg && cli_val(c, "type") && cli_val(c, "provider")) {
		if ((st = start_with(&r, c, text, 1)) == STATUS_OK) {
			const char *loc = cli_val(c, "location");
			st = encounter_checkin_at(r.s, arg, cli_val(c, "type"),
			                          cli_val(c, "provider"), loc ? loc : "Main clinic",
			                          given(&text[0]), cli_val(c, "date"), &n, &r.m);
			if (st == STATUS_OK)
				printf("%lld\n", (long long)n);
		}
		sodium_memzero(why, sizeof why);
		return finish(&r, st);
	}
	if (strcmp(verb, "close") == 0 && number(arg, &n)) {
		if ((st = start(&r, c)) == STATUS_OK)
			st = encounter_close_at(r.s, n, cli_val(c, "date"), &r.m);
		return finish(&r, st);
	}
	if (strcmp(verb, "list") == 0 && *arg) {
		if ((st = start(&r, c)) == STATUS_OK)
			st = encounter_list(r.s, arg, print_encounter,
			                    (void *)clinic_config(r.clinic), &r.m);
		return finish(&r, st);
	}
	return cli_usage_error(usage, NULL);
}

/* ---- vitals ----------------------------------------------------------- */

static const char vitals_usage[] =
    "vitals add ENCOUNTER [--bp 120/80] [--pulse N] [--resp N]\n"
    "       [--temp 98.6F] [--spo2 N] [--height 70in] [--weight 180lb]";

static int cmd_vitals(cli_t *c)
{
	static const char *const usage = vitals_usage;
	run_t r;
	status_t st;
	int64_t n;
	const char *bad = NULL;
	vitals_input_t in;
	if (c->help) {
		printf("usage: chartroom %s\n\nRecord vitals on an encounter. Units may be "
		       "typed; without one the [clinical]\nunits apply. Implausible values are "
		       "refused with the reason; nothing is saved.\n",
		       usage);
		return 0;
	}
	if (c->argc < 3 || strcmp(c->argv[1], "add") != 0 || !number(c->argv[2], &n))
		return cli_usage_error(usage, NULL);
	in.bp = cli_val(c, "bp");
	in.pulse = cli_val(c, "pulse");
	in.resp = cli_val(c, "resp");
	in.temp = cli_val(c, "temp");
	in.spo2 = cli_val(c, "spo2");
	in.height = cli_val(c, "height");
	in.weight = cli_val(c, "weight");
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

static const char allergy_usage[] =
    "allergy add MRN [--severity mild|moderate|severe|unknown] [--from FILE|-]\n"
    "       | allergy nka MRN | allergy status ROW active|inactive|entered-in-error";

static int cmd_allergy(cli_t *c)
{
	static const char *const usage = allergy_usage;
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	char sub[CLIN_TEXT_MAX] = "", react[CLIN_TEXT_MAX] = "";
	cli_field_t text[] = {{"substance", "Substance", sub, sizeof sub, NULL, 1, 0},
			      {"reaction", "Reaction", react, sizeof react, NULL, 1, 0}};
	run_t r;
	status_t st;
	int64_t row;
	int rc;
	if (c->help) {
		printf("usage: chartroom %s\n\n"
		       "  add  the substance and reaction come from --from input (CSV: a header\n"
		       "       naming 'substance' and 'reaction', one row) or are asked at a\n"
		       "       terminal; never arguments\n"
		       "  nka  records \"no known allergies\" (refused while active allergies exist)\n",
		       usage);
		return 0;
	}
	if (strcmp(verb, "status") == 0)
		return status_cmd(c, CHART_ALLERGY, usage);
	if (c->argc < 3 || (strcmp(verb, "add") != 0 && strcmp(verb, "nka") != 0))
		return cli_usage_error(usage, NULL);
	if (strcmp(verb, "nka") == 0) {
		if ((st = start(&r, c)) == STATUS_OK)
			st = allergy_none_known(r.s, c->argv[2], &r.m);
		return finish(&r, st);
	}
	if ((rc = need_input(c, usage)) != 0)
		return rc;
	if ((st = start_with(&r, c, text, 2)) == STATUS_OK) {
		st = allergy_add(r.s, c->argv[2], sub, given(&text[1]), cli_val(c, "severity"),
		                 &row, &r.m);
		if (st == STATUS_OK)
			printf("%lld\n", (long long)row);
	}
	cli_fields_wipe(text, 2);
	return finish(&r, st);
}

static const char med_usage[] = "med add MRN --route R [--start DATE] [--from FILE|-]\n"
                                "       | med status ROW active|stopped|entered-in-error";

static int cmd_med(cli_t *c)
{
	static const char *const usage = med_usage;
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	char name[CLIN_TEXT_MAX] = "", dose[CLIN_TEXT_MAX] = "", freq[CLIN_TEXT_MAX] = "";
	cli_field_t text[] = {{"name", "Medication", name, sizeof name, NULL, 1, 0},
			      {"dose", "Dose", dose, sizeof dose, NULL, 1, 0},
			      {"frequency", "Frequency", freq, sizeof freq, NULL, 1, 0}};
	run_t r;
	status_t st;
	int64_t row;
	int rc;
	if (c->help) {
		printf("usage: chartroom %s\n\n"
		       "The drug's name, dose and frequency come from --from input (CSV: a header\n"
		       "naming 'name', 'dose', 'frequency', one row) or are asked at a terminal;\n"
		       "never arguments.\n"
		       "Routes: PO IV IM SC SL PR topical inhaled nasal ophthalmic otic transdermal "
		       "other\n",
		       usage);
		return 0;
	}
	if (strcmp(verb, "status") == 0)
		return status_cmd(c, CHART_MEDICATION, usage);
	if (c->argc < 3 || strcmp(verb, "add") != 0)
		return cli_usage_error(usage, NULL);
	if ((rc = need_input(c, usage)) != 0)
		return rc;
	if ((st = start_with(&r, c, text, 3)) == STATUS_OK) {
		st = medication_add(r.s, c->argv[2], name, given(&text[1]), cli_val(c, "route"),
		                    given(&text[2]), cli_val(c, "start"), &row, &r.m);
		if (st == STATUS_OK)
			printf("%lld\n", (long long)row);
	}
	cli_fields_wipe(text, 3);
	return finish(&r, st);
}

static const char problem_usage[] =
    "problem add MRN [--code ICD10|SNOMED] [--onset DATE] [--from FILE|-]\n"
    "       | problem status ROW active|resolved|entered-in-error";

static int cmd_problem(cli_t *c)
{
	static const char *const usage = problem_usage;
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	char desc[CLIN_TEXT_MAX] = "";
	cli_field_t text[] = {{"text", "Problem", desc, sizeof desc, NULL, 1, 0}};
	run_t r;
	status_t st;
	int64_t row;
	int rc;
	if (c->help) {
		printf("usage: chartroom %s\n\nThe description comes from --from input (CSV: a "
		       "header 'text', one row) or is\nasked at a terminal; never an argument.\n",
		       usage);
		return 0;
	}
	if (strcmp(verb, "status") == 0)
		return status_cmd(c, CHART_PROBLEM, usage);
	if (c->argc < 3 || strcmp(verb, "add") != 0)
		return cli_usage_error(usage, NULL);
	if ((rc = need_input(c, usage)) != 0)
		return rc;
	if ((st = start_with(&r, c, text, 1)) == STATUS_OK) {
		st = problem_add(r.s, c->argv[2], cli_val(c, "code"), desc, cli_val(c, "onset"),
		                 &row, &r.m);
		if (st == STATUS_OK)
			printf("%lld\n", (long long)row);
	}
	cli_fields_wipe(text, 1);
	return finish(&r, st);
}

/* ---- notes ------------------------------------------------------------ */

static void print_note(const config_t *cfg, const note_info_t *n)
{
	char when[TZ_TEXT_MAX];
	if (n->addendum_of)
		printf("--- addendum %lld to note %lld", (long long)n->nrow,
		       (long long)n->addendum_of);
	else
		printf("--- note %lld (encounter %lld)", (long long)n->nrow, (long long)n->erow);
	cli_printf(" by %s, %s; ", n->author,
	           cli_time(cfg, n->created, CLI_TIME_TEXT, "", when, sizeof when));
	if (strcmp(n->status, "signed") == 0)
		cli_printf("signed by %s at %s\n", n->signed_by,
		           cli_time(cfg, n->signed_at, CLI_TIME_TEXT, "", when, sizeof when));
	else
		printf("DRAFT (version %d, unsigned)\n", n->version);
	if (n->body) {
		/* Multi-line: line breaks and tabs kept, everything else
		 * unsafe shown escaped. */
		text_fputs(n->body, TEXT_MULTILINE, stdout);
		putchar('\n');
	}
}

static int print_note_cb(const note_info_t *n, void *arg)
{
	(void)arg;
	print_note(arg, n);
	return 0;
}

static const char note_usage[] =
    "note add ENCOUNTER --file F | note edit NOTE --file F --version V |\n"
    "       note sign NOTE | note addendum NOTE --file F | note show NOTE |\n"
    "       note list ENCOUNTER | note countersign NOTE";

static int cmd_note(cli_t *c)
{
	static const char *const usage = note_usage;
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	run_t r;
	status_t st = STATUS_OK;
	int64_t n, out = 0;
	char *body = NULL;
	note_info_t info;
	if (c->help) {
		printf("usage: chartroom %s\n\n"
		       "  add       a new draft note on an encounter, text from file F\n"
		       "  edit      replace a draft's text (its author only; --version from show)\n"
		       "  sign      sign your own draft (its author only); a signed note never\n"
		       "            changes\n"
		       "  countersign  countersign another author's signed note (providers): a\n"
		       "            signed addendum \"Countersigned by ...\"\n"
		       "  addendum  a correction to a signed note, itself a draft until signed\n"
		       "  show      one note; list: an encounter's notes with their addenda\n",
		       usage);
		return 0;
	}
	if (c->argc < 3 || !number(c->argv[2], &n))
		return cli_usage_error(usage, NULL);
	if (strcmp(verb, "add") == 0 || strcmp(verb, "edit") == 0 || strcmp(verb, "addendum") == 0) {
		msg_t m;
		if (!cli_val(c, "file"))
			return cli_usage_error(usage, "--file F is needed");
		if (strcmp(verb, "edit") == 0 && !cli_val(c, "version"))
			return cli_usage_error(usage, "--version V is needed (see note show)");
		if (!(body = read_file(cli_val(c, "file"), &m)))
			return cli_fail(STATUS_INVALID, m.text);
	} else if (strcmp(verb, "sign") != 0 && strcmp(verb, "show") != 0 &&
		   strcmp(verb, "countersign") != 0 &&
		   strcmp(verb, "list") != 0) {
		return cli_usage_error(usage, NULL);
	}
	if ((st = start(&r, c)) == STATUS_OK) {
		if (strcmp(verb, "add") == 0)
			st = note_create(r.s, n, 0, body, &out, &r.m);
		else if (strcmp(verb, "addendum") == 0)
			st = note_create(r.s, 0, n, body, &out, &r.m);
		else if (strcmp(verb, "edit") == 0)
			st = note_save(r.s, n, body, atoi(cli_val(c, "version")), &r.m);
		else if (strcmp(verb, "sign") == 0)
			st = note_sign(r.s, n, 0, &r.m);
		else if (strcmp(verb, "countersign") == 0)
			st = note_countersign(r.s, n, &out, &r.m);
		else if (strcmp(verb, "list") == 0)
			st =
			    note_list(r.s, n, print_note_cb, (void *)clinic_config(r.clinic), &r.m);
		else if ((st = note_get(r.s, n, &info, &r.m)) == STATUS_OK) {
			print_note(clinic_config(r.clinic), &info);
			note_info_clear(&info);
		}
		if (st == STATUS_OK && out)
			printf("%lld\n", (long long)out);
	}
	if (body) {
		sodium_memzero(body, strlen(body));
		free(body);
	}
	return finish(&r, st);
}

/* ---- chart show ------------------------------------------------------- */

static int print_item(const chart_item_t *it, void *arg)
{
	(void)arg;
	cli_printf("  %-5lld %s", (long long)it->row, it->text);
	if (it->kind == CHART_ALLERGY) {
		cli_printf(" | reaction: %s | %s", *it->text2 ? it->text2 : "-", it->code);
	} else if (it->kind == CHART_MEDICATION) {
		cli_printf(" | %s %s %s", it->text2, it->code, it->extra);
		if (*it->date1)
			cli_printf(" | from %s", it->date1);
		if (*it->date2)
			cli_printf(" to %s", it->date2);
	} else {
		cli_printf(" | %s", *it->code ? it->code : "(no code)");
		if (*it->date1)
			cli_printf(" | %s %s", it->kind == CHART_PROCEDURE ? "performed" : "onset",
				   it->date1);
	}
	cli_printf(" | %s\n", it->status);
	return 0;
}

static int print_procedure(const chart_item_t *it, void *arg)
{
	int *shown = arg;
	if (!*shown)
		printf("[procedures]\n");
	*shown = 1;
	return print_item(it, NULL);
}

static int print_vitals(const vitals_row_t *v, void *arg)
{
	char when[TZ_TEXT_MAX];
	cli_printf("  %s enc %lld:", cli_time(arg, v->taken, CLI_TIME_TEXT, "", when, sizeof when),
	           (long long)v->erow);
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
	cli_printf(" (%s)\n", v->recorded_by);
	return 0;
}

struct notes_of {
	session_t *s;
	const config_t *cfg;
	msg_t *m;
	status_t ret;
};

static int notes_of_encounter(const encounter_info_t *e, void *arg)
{
	struct notes_of *n = arg;
	n->ret = note_list(n->s, e->erow, print_note_cb, (void *)n->cfg, n->m);
	return n->ret != STATUS_OK;
}

static const char chart_usage[] =
    "chart show MRN [--section demographics|encounters|vitals|allergies|medications|\n"
    "       problems|procedures|notes] [--from FILE|-]";

static int cmd_chart(cli_t *c)
{
	static const char *const usage = chart_usage;
	static const char *const sections[] = {"demographics", "encounters", "vitals", "allergies",
					       "medications", "problems", "procedures", "notes", NULL};
	const char *want = cli_val(c, "section");
	run_t r;
	status_t st;
	patient_t *p = NULL;
	char banner[600];
	int any = 0;
	cli_field_t why;
	if (c->help) {
		printf("usage: chartroom %s\n\nA plain-text chart summary. Opening it is audited; "
		       "each clinical section\nshown is audited as viewed. The front desk sees "
		       "demographics only. A confidential\nchart opened by a role without "
		       "view_confidential needs a reason: a 'reason'\ncolumn in --from input (CSV: "
		       "header, one row), or asked at a terminal.\n",
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
	/* A confidential chart: the reason from --from input, or asked. */
	why = (cli_field_t){"reason", "Reason for access", r.reason, sizeof r.reason, NULL, 0,
			    r.reason_given};
	if ((st = cli_btg_reason(r.s, c->argv[2], &why, &r.m)) == STATUS_OK)
		st = patient_open(r.s, c->argv[2], why.given ? r.reason : NULL, p, &r.m);
	/* The summary leaves Chartroom: on record as an export first. */
	if (st == STATUS_OK) {
		char what[64];
		snprintf(what, sizeof what, "%s (chartroom chart show)", want ? want : "chart summary");
		st = access_note_export(r.s, p->id, what, &r.m);
	}
	if (st == STATUS_OK) {
		cli_printf("%s, %s %s  %s  DOB %s  %s%s\n", p->f[PF_LAST], p->f[PF_FIRST],
			   p->f[PF_MIDDLE], p->f[PF_MRN], p->f[PF_DOB], p->f[PF_SEX],
			   p->confidential ? "  CONFIDENTIAL" : "");
		status_t b = clinical_banner(r.s, p->id, banner, sizeof banner, &r.m);
		if (b == STATUS_OK)
			cli_printf("%s\n", banner);
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
				cli_printf("  %s: %s\n", patient_field_label((pfield_t)f), p->f[f]);
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
			st = encounter_list(r.s, p->id, print_encounter,
			                    (void *)clinic_config(r.clinic), &r.m);
		}
		if (SHOW("vitals")) {
			printf("[vitals]\n");
			st = vitals_list(r.s, p->id, 20, print_vitals,
			                 (void *)clinic_config(r.clinic), &r.m);
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
		if (SHOW("procedures")) {
			/* The procedure history (imported): its heading only when it
			 * has rows, or when asked for. */
			int shown = want != NULL;
			if (shown)
				printf("[procedures]\n");
			st = chart_items(r.s, p->id, CHART_PROCEDURE, print_procedure, &shown, &r.m);
		}
		if (SHOW("notes")) {
			struct notes_of n = {r.s, clinic_config(r.clinic), &r.m, STATUS_OK};
			printf("[notes]\n");
			st = encounter_list(r.s, p->id, notes_of_encounter, &n, &r.m);
			if (st == STATUS_OK)
				st = n.ret;
		}
	}
#undef SHOW
	sodium_memzero(p, sizeof *p);
	free(p);
	return finish(&r, st);
}

/* ---- the commands' table entries (cli.c lists them) --------------------- */

/* --from (the free text, and a "reason" column) and --mrn (a confidential
 * chart opened first) go with every verb. */
#define TEXT_OPTS                                                                                  \
	{"from", 0, 1, NULL},                                                                      \
	{                                                                                          \
		"mrn", 0, 1, NULL                                                                  \
	}
#define END_OPTS                                                                                   \
	{                                                                                          \
		NULL, 0, 0, NULL                                                                   \
	}
static const cli_optspec_t encounter_opts[] = {{"type", 0, 1, "add"},
                                               {"provider", 0, 1, "add"},
                                               {"location", 0, 1, "add"},
                                               {"date", 0, 1, "add close"},
                                               TEXT_OPTS,
                                               END_OPTS};
static const cli_optspec_t vitals_opts[] = {{"bp", 0, 1, "add"},
                                            {"pulse", 0, 1, "add"},
                                            {"resp", 0, 1, "add"},
                                            {"temp", 0, 1, "add"},
                                            {"spo2", 0, 1, "add"},
                                            {"height", 0, 1, "add"},
                                            {"weight", 0, 1, "add"},
                                            TEXT_OPTS,
                                            END_OPTS};
static const cli_optspec_t allergy_opts[] = {{"severity", 0, 1, "add"}, TEXT_OPTS, END_OPTS};
static const cli_optspec_t med_opts[] = {
    {"route", 0, 1, "add"}, {"start", 0, 1, "add"}, TEXT_OPTS, END_OPTS};
static const cli_optspec_t problem_opts[] = {
    {"code", 0, 1, "add"}, {"onset", 0, 1, "add"}, TEXT_OPTS, END_OPTS};
/* note edit --version shadows the global option. */
static const cli_optspec_t note_opts[] = {
    {"file", 0, 1, "add edit addendum"}, {"version", 0, 1, "edit"}, TEXT_OPTS, END_OPTS};
static const cli_optspec_t chart_opts[] = {{"section", 0, 1, "show"}, TEXT_OPTS, END_OPTS};

#define CLINICAL(word, summary)                                                                    \
	const cli_command_t cli_##word##_command = {                                               \
	    #word, cmd_##word, summary, word##_usage, word##_opts, text_options, 0, NULL}
CLINICAL(encounter, "check patients in, close and list encounters");
CLINICAL(vitals, "record vitals on an encounter");
CLINICAL(allergy, "record allergies or no known allergies");
CLINICAL(med, "record medications");
CLINICAL(problem, "maintain the problem list");
CLINICAL(note, "write, sign and amend notes");
CLINICAL(chart, "a plain-text chart summary");
