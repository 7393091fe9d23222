/* cli_rights.c - patients' rights on the command line: release of
 * information (roi), the accounting of disclosures (disclosure,
 * disclosures) and amendment requests (amendment). Names, addresses,
 * purposes and every other free text come from --from input (CSV: a header
 * naming the columns, one row) or a prompt per field, never from arguments
 * (cli_input.h). The same core as the screens (core/roi.h,
 * core/disclosure.h, core/amendment.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/text.h"
#include "core/amendment.h"
#include "core/disclosure.h"
#include "core/rights.h"
#include "core/roi.h"
#include "ui/cli_input.h"
#include "ui/cli_internal.h"

#define TMAX (RIGHTS_TEXT_MAX + 1)
#define NF_MAX 6

typedef struct run {
	cli_t *c;
	clinic_t *clinic;
	session_t *s;
	msg_t m;
} run_t;

/* The free-text columns: refused as options, like PHI. */
static const char *const text_options[] = {
	"requester_name", "recipient_name", "recipient_address", "purpose", "legal_basis",
	"note", "description", "reason", "request", "part", "amendment", "notify",
	"explanation", "statement", "rebuttal", NULL};

/* Sign on and read the text fields f[0..n) (from a --from file before
 * signing on, from standard input or the prompt after). */
static status_t start(run_t *r, cli_t *c, cli_field_t *f, int n)
{
	const char *from = cli_from(c);
	status_t st = STATUS_OK;
	r->c = c;
	r->clinic = NULL;
	r->s = NULL;
	msg_clear(&r->m);
	if (n && cli_from_file(from) && (st = cli_fields_read(c, from, f, n, &r->m)) != STATUS_OK)
		return st;
	if ((st = cli_sign_on(c, &r->clinic, &r->s, &r->m)) != STATUS_OK)
		return st;
	if (n && !cli_from_file(from))
		st = cli_fields_read(c, from, f, n, &r->m);
	return st;
}

static int finish(run_t *r, cli_field_t *f, int n, status_t st)
{
	if (n)
		cli_fields_wipe(f, n);
	cli_sign_off(r->clinic, r->s);
	if (st != STATUS_OK)
		return cli_fail(st, r->m.text);
	if (r->m.text[0])
		cli_say(r->m.text);
	return 0;
}

static const char *given(const cli_field_t *f)
{
	return f->given ? f->value : NULL;
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

/* Text fields with their buffers. */
typedef struct fields {
	cli_field_t f[NF_MAX];
	char buf[NF_MAX][TMAX];
	int n;
} fields_t;

static void field(fields_t *fs, const char *name, const char *label, int ask)
{
	int i = fs->n++;
	fs->buf[i][0] = '\0';
	fs->f[i] = (cli_field_t){name, label, fs->buf[i], TMAX, NULL, ask, 0};
}

static const char *fv(const fields_t *fs, int i)
{
	return given(&fs->f[i]);
}

static void days_col(long left, int open, char *buf, size_t size)
{
	if (!open)
		text_copy(buf, size, "-");
	else
		rights_days_text(left, buf, size);
}

/* ---- roi ---- */

static const char roi_usage[] =
	"roi add MRN --requester KIND [--auth on_file|not_required|pending] [--auth-signed D]\n"
	"           [--auth-expires D] [--sections LIST] [--start D] [--end D] [--received D]\n"
	"           [--fee AMOUNT] [--category C] [--from FILE|-]\n"
	"       | roi list [MRN] [--status open|overdue|STATUS]\n"
	"       | roi show N [--history]\n"
	"       | roi update N [--status S] [the options of add] [--from FILE|-]\n"
	"       | roi extend N [--from FILE|-] | roi deny N [--from FILE|-]\n"
	"       | roi release N --out FILE [--format text|fhir]";

static int roi_row(const roi_info_t *r, void *arg)
{
	char days[32];
	(void)arg;
	days_col(r->days_left, r->open, days, sizeof days);
	cli_tsv("%" PRId64 "\t%s%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r->n, r->mrn,
		r->merged_in ? " (merged)" : "", r->patient_name, r->status, r->requester_kind,
		r->received, r->due, days);
	return 0;
}

static int roi_detail(const roi_info_t *r, void *arg)
{
	char days[32];
	int history = arg != NULL;
	days_col(r->days_left, r->open, days, sizeof days);
	if (history) {
		cli_printf("%s by %s: %s, due %s\n", r->updated_at, r->updated_by, r->last_event,
			   r->due);
		cli_printf("  status %s\n", r->status);
		return 0;
	}
	cli_printf("ROI request %" PRId64 "\n", r->n);
	cli_printf("Patient: %s (MRN %s)\n", r->patient_name, r->mrn);
	cli_printf("Status: %s\n", r->status);
	cli_printf("Requester: %s  %s\n", r->requester_kind, r->requester_name);
	cli_printf("Recipient: %s\n", r->recipient_name);
	cli_printf("Recipient address: %s\n", r->recipient_address);
	cli_printf("Purpose: %s\n", r->purpose);
	cli_printf("Authorization: %s%s%s%s%s\n", r->auth, r->auth_signed[0] ? ", signed " : "",
		   r->auth_signed, r->auth_expires[0] ? ", expires " : "", r->auth_expires);
	if (r->legal_basis[0])
		cli_printf("Legal basis: %s\n", r->legal_basis);
	cli_printf("Sections: %s\n", r->sections);
	if (r->from_date[0] || r->to_date[0])
		cli_printf("Period: %s to %s\n", r->from_date[0] ? r->from_date : "start",
			   r->to_date[0] ? r->to_date : "now");
	cli_printf("Received: %s\n", r->received);
	cli_printf("Due: %s (%s)%s\n", r->due, days, r->extended ? " extended" : "");
	if (r->extension_reason[0])
		cli_printf("Extension reason: %s\n", r->extension_reason);
	if (r->denial_reason[0])
		cli_printf("Denial reason: %s\n", r->denial_reason);
	cli_printf("Fee: %" PRId64 ".%02" PRId64 "\n", r->fee_cents / 100, r->fee_cents % 100);
	cli_printf("Accounting category: %s\n", r->category);
	if (r->closed_on[0])
		cli_printf("Closed: %s\n", r->closed_on);
	if (r->disclosure)
		cli_printf("Disclosure: %" PRId64 "\n", r->disclosure);
	if (r->file[0])
		cli_printf("Released to: %s\n", r->file);
	if (r->note[0])
		cli_printf("Note: %s\n", r->note);
	cli_printf("Logged: %s by %s\n", r->logged_at, r->logged_by);
	return 0;
}

static void roi_input(cli_t *c, roi_input_t *in, const fields_t *fs)
{
	memset(in, 0, sizeof *in);
	in->requester_kind = cli_val(c, "requester");
	in->auth = cli_val(c, "auth");
	in->auth_signed = cli_val(c, "auth-signed");
	in->auth_expires = cli_val(c, "auth-expires");
	in->sections = cli_val(c, "sections");
	in->from_date = cli_val(c, "start");
	in->to_date = cli_val(c, "end");
	in->received = cli_val(c, "received");
	in->fee = cli_val(c, "fee");
	in->category = cli_val(c, "category");
	in->requester_name = fv(fs, 0);
	in->recipient_name = fv(fs, 1);
	in->recipient_address = fv(fs, 2);
	in->purpose = fv(fs, 3);
	in->legal_basis = fv(fs, 4);
	in->note = fv(fs, 5);
}

static int need_input(cli_t *c, const char *usage)
{
	if (!cli_from(c) && !isatty(STDIN_FILENO))
		return cli_usage_error(usage, "give the text with --from FILE or --from - (a CSV "
					      "header row and one row), or run it at a terminal to "
					      "be asked");
	return 0;
}

static int cmd_roi(cli_t *c)
{
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	fields_t fs;
	run_t r;
	roi_input_t in;
	int64_t n = 0, dn = 0;
	status_t st;
	int rc;
	fs.n = 0;
	if (c->help) {
		printf("usage: chartroom %s\n\n"
		       "Release of information (45 CFR 164.524 and 164.508). Text columns for --from\n"
		       "(CSV, a header row and one row) or the prompt: requester_name,\n"
		       "recipient_name, recipient_address, purpose, legal_basis, note (add,\n"
		       "update); reason (extend, deny). Due 30 days after receipt, one 30-day\n"
		       "extension with a written reason. Release writes the sections (demographics,\n"
		       "allergies, medications, problems, vitals, encounters, notes; or all) to a\n"
		       "new file (mode 0600) and records the disclosure.\n",
		       roi_usage);
		return 0;
	}
	if (strcmp(verb, "list") == 0) {
		if (c->argc > 3)
			return cli_usage_error(roi_usage, NULL);
		if ((st = start(&r, c, NULL, 0)) == STATUS_OK)
			st = roi_list(r.s, c->argc > 2 ? c->argv[2] : NULL, cli_val(c, "status"),
				      roi_row, NULL, &r.m);
		return finish(&r, NULL, 0, st);
	}
	if (c->argc != 3)
		return cli_usage_error(roi_usage, NULL);
	if (strcmp(verb, "add") != 0 && !number(c->argv[2], &n))
		return cli_usage_error(roi_usage, "N is a request number");
	if (strcmp(verb, "show") == 0) {
		if ((st = start(&r, c, NULL, 0)) == STATUS_OK) {
			st = roi_get(r.s, n, roi_detail, NULL, &r.m);
			if (st == STATUS_OK && cli_val(c, "history")) {
				cli_printf("\nHistory:\n");
				st = roi_history(r.s, n, roi_detail, &fs, &r.m);
			}
		}
		return finish(&r, NULL, 0, st);
	}
	if (strcmp(verb, "release") == 0) {
		if (!cli_val(c, "out"))
			return cli_usage_error(roi_usage, "release needs --out FILE");
		const char *as = cli_val(c, "format");
		if (as && strcmp(as, "text") && strcmp(as, "fhir"))
			return cli_usage_error(roi_usage, "--format is text or fhir");
		if ((st = start(&r, c, NULL, 0)) == STATUS_OK)
			st = roi_release_as(r.s, n, cli_val(c, "out"),
					    as && !strcmp(as, "fhir") ? ROI_FHIR : ROI_TEXT, &dn,
					    &r.m);
		return finish(&r, NULL, 0, st);
	}
	if (strcmp(verb, "extend") == 0 || strcmp(verb, "deny") == 0) {
		field(&fs, "reason", strcmp(verb, "deny") == 0 ? "Reason for the denial"
							       : "Written reason for the extension",
		      1);
		if ((rc = need_input(c, roi_usage)) != 0)
			return rc;
		if ((st = start(&r, c, fs.f, fs.n)) == STATUS_OK)
			st = strcmp(verb, "deny") == 0 ? roi_deny(r.s, n, fv(&fs, 0), &r.m)
						       : roi_extend(r.s, n, fv(&fs, 0), &r.m);
		return finish(&r, fs.f, fs.n, st);
	}
	if (strcmp(verb, "add") != 0 && strcmp(verb, "update") != 0)
		return cli_usage_error(roi_usage, NULL);
	field(&fs, "requester_name", "Requester name", 1);
	field(&fs, "recipient_name", "Recipient name", 1);
	field(&fs, "recipient_address", "Recipient address", 1);
	field(&fs, "purpose", "Purpose", 1);
	field(&fs, "legal_basis", "Legal basis (if no authorization is needed)", 1);
	field(&fs, "note", "Note", 0);
	if (strcmp(verb, "add") == 0) {
		if (!cli_val(c, "requester"))
			return cli_usage_error(roi_usage, "add needs --requester KIND");
		if ((rc = need_input(c, roi_usage)) != 0)
			return rc;
	} else if (!cli_from(c)) {
		fs.n = 0; /* update without --from: options only */
	}
	if ((st = start(&r, c, fs.f, fs.n)) == STATUS_OK) {
		roi_input(c, &in, &fs);
		if (strcmp(verb, "add") == 0) {
			st = roi_add(r.s, c->argv[2], &in, &n, &r.m);
			if (st == STATUS_OK)
				printf("%" PRId64 "\n", n);
		} else {
			st = roi_update(r.s, n, &in, cli_val(c, "status"), &r.m);
		}
	}
	return finish(&r, fs.f, fs.n, st);
}

/* ---- disclosure, disclosures ---- */

static const char disclosure_usage[] =
	"disclosure add MRN --category C [--date D] [--suspend-until D] [--corrects N]\n"
	"           [--from FILE|-]\n"
	"       | disclosure strike N [--from FILE|-] | disclosure categories";

static int cmd_disclosure(cli_t *c)
{
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	fields_t fs;
	run_t r;
	disclosure_t d;
	int64_t n = 0, corrects = 0;
	status_t st;
	int rc;
	fs.n = 0;
	if (c->help) {
		printf("usage: chartroom %s\n\n"
		       "Record a disclosure made outside Chartroom (45 CFR 164.528), for the\n"
		       "patient's accounting. Text columns for --from (CSV) or the prompt:\n"
		       "recipient_name, recipient_address, description, purpose; strike: reason.\n"
		       "Entries are never changed or deleted: strike one recorded in error (or add\n"
		       "its correction with --corrects N). --suspend-until D hides the entry from the\n"
		       "accounting through D (a health oversight agency's suspension).\n",
		       disclosure_usage);
		return 0;
	}
	if (strcmp(verb, "categories") == 0) {
		if (c->argc != 2)
			return cli_usage_error(disclosure_usage, NULL);
		for (int i = 0; disclosure_category_name(i); i++)
			printf("%-18s %s\n", disclosure_category_name(i),
			       disclosure_category_desc(disclosure_category_name(i)));
		return 0;
	}
	if (c->argc != 3)
		return cli_usage_error(disclosure_usage, NULL);
	if (strcmp(verb, "strike") == 0) {
		if (!number(c->argv[2], &n))
			return cli_usage_error(disclosure_usage, "N is a disclosure number");
		field(&fs, "reason", "Why the entry is struck", 1);
		if ((rc = need_input(c, disclosure_usage)) != 0)
			return rc;
		if ((st = start(&r, c, fs.f, fs.n)) == STATUS_OK)
			st = disclosure_strike(r.s, n, fv(&fs, 0), &n, &r.m);
		return finish(&r, fs.f, fs.n, st);
	}
	if (strcmp(verb, "add") != 0)
		return cli_usage_error(disclosure_usage, NULL);
	if (!cli_val(c, "category"))
		return cli_usage_error(disclosure_usage, "add needs --category C (see 'chartroom "
							  "disclosure categories')");
	if (cli_val(c, "corrects") && !number(cli_val(c, "corrects"), &corrects))
		return cli_usage_error(disclosure_usage, "--corrects takes a disclosure number");
	field(&fs, "recipient_name", "Recipient name", 1);
	field(&fs, "recipient_address", "Recipient address", 1);
	field(&fs, "description", "What was disclosed", 1);
	field(&fs, "purpose", "Purpose", 1);
	if ((rc = need_input(c, disclosure_usage)) != 0)
		return rc;
	if ((st = start(&r, c, fs.f, fs.n)) == STATUS_OK) {
		memset(&d, 0, sizeof d);
		d.date = cli_val(c, "date");
		d.category = cli_val(c, "category");
		d.suspended_until = cli_val(c, "suspend-until");
		d.corrects = corrects;
		d.recipient_name = fv(&fs, 0);
		d.recipient_address = fv(&fs, 1);
		d.description = fv(&fs, 2);
		d.purpose = fv(&fs, 3);
		st = disclosure_record(r.s, c->argv[2], &d, &n, &r.m);
		if (st == STATUS_OK)
			printf("%" PRId64 "\n", n);
	}
	return finish(&r, fs.f, fs.n, st);
}

static const char disclosures_usage[] = "disclosures MRN [--since D] [--all]";

static int disc_row(const disclosure_info_t *d, void *arg)
{
	int all = arg != NULL;
	cli_printf("%s  #%" PRId64 "  %s\n", d->date, d->n,
		   strcmp(d->category, "strike") == 0 ? "Correction"
						      : disclosure_category_desc(d->category));
	if (strcmp(d->category, "strike") == 0) {
		cli_printf("    strikes entry %" PRId64 ": %s\n", d->strikes, d->description);
		return 0;
	}
	if (d->merged_in)
		cli_printf("    From chart: MRN %s (merged into this one)\n", d->mrn);
	cli_printf("    Recipient: %s\n", d->recipient_name);
	if (d->recipient_address[0])
		cli_printf("    Address: %s\n", d->recipient_address);
	cli_printf("    Disclosed: %s\n", d->description);
	if (d->purpose[0])
		cli_printf("    Purpose: %s\n", d->purpose);
	if (all) {
		cli_printf("    [%s%s%s%s%s; source %s; recorded %s by %s]\n",
			   d->in_statement ? "in the accounting" : "not in the accounting",
			   d->excluded ? ", excluded kind" : "",
			   d->struck_by ? ", struck" : "",
			   d->suspended ? ", suspended until " : "",
			   d->suspended ? d->suspended_until : "", d->source, d->recorded_at,
			   d->recorded_by);
	}
	return 0;
}

static int cmd_disclosures(cli_t *c)
{
	run_t r;
	disclosure_summary_t sum;
	status_t st;
	int all;
	if (c->help) {
		printf("usage: chartroom %s\n\n"
		       "The accounting of disclosures a patient is entitled to (45 CFR 164.528):\n"
		       "the six years before today (or from --since), each with its date, recipient\n"
		       "name and address, what was disclosed and the purpose. --all lists every\n"
		       "entry kept, with why it is or is not in the accounting.\n",
		       disclosures_usage);
		return 0;
	}
	if (c->argc != 2)
		return cli_usage_error(disclosures_usage, NULL);
	all = cli_val(c, "all") != NULL;
	if ((st = start(&r, c, NULL, 0)) == STATUS_OK) {
		if (!all)
			printf("ACCOUNTING OF DISCLOSURES\n");
		st = disclosure_accounting(r.s, c->argv[1], cli_val(c, "since"), all, disc_row,
					   all ? &r : NULL, &sum, &r.m);
		if (st == STATUS_OK && !all) {
			printf("\nPeriod: %s to %s. %d disclosure%s listed.\n", sum.from, sum.to,
			       sum.shown, sum.shown == 1 ? "" : "s");
			printf("Disclosures the rule does not require in this accounting (for "
			       "treatment, payment and health care operations, to you, under your "
			       "authorization, and the other kinds 45 CFR 164.528(a)(1) lists) are "
			       "not shown%s.\n",
			       sum.excluded ? "" : " (there were none)");
			if (!sum.shown)
				printf("No disclosures to account for in this period.\n");
		}
	}
	return finish(&r, NULL, 0, st);
}

/* ---- amendment ---- */

static const char amendment_usage[] =
	"amendment add MRN --section S [--record N] [--received D] [--from FILE|-]\n"
	"       | amendment list [MRN] [--status open|overdue|pending|accepted|denied]\n"
	"       | amendment show N [--history]\n"
	"       | amendment extend N [--days 1-30] [--from FILE|-]\n"
	"       | amendment accept N [--from FILE|-]\n"
	"       | amendment deny N --reason-code CODE [--from FILE|-]\n"
	"       | amendment disagree N [--from FILE|-] | amendment rebut N [--from FILE|-]";

static int amend_row(const amendment_info_t *a, void *arg)
{
	char days[32];
	(void)arg;
	days_col(a->days_left, strcmp(a->status, "pending") == 0, days, sizeof days);
	cli_tsv("%" PRId64 "\t%s%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a->n, a->mrn,
		a->merged_in ? " (merged)" : "", a->patient_name, a->status, a->section,
		a->received, a->due, days);
	return 0;
}

static int amend_detail(const amendment_info_t *a, void *arg)
{
	char days[32];
	if (arg) {
		cli_printf("%s by %s: %s (status %s, due %s)\n", a->updated_at, a->updated_by,
			   a->last_event, a->status, a->due);
		return 0;
	}
	days_col(a->days_left, strcmp(a->status, "pending") == 0, days, sizeof days);
	cli_printf("Amendment request %" PRId64 "\n", a->n);
	cli_printf("Patient: %s (MRN %s)\n", a->patient_name, a->mrn);
	cli_printf("Status: %s\n", a->status);
	cli_printf("Part of the record: %s%s%s\n", a->section, a->ref[0] ? " record " : "",
		   a->ref);
	if (a->part[0])
		cli_printf("Part (patient's words): %s\n", a->part);
	cli_printf("Request: %s\n", a->request);
	cli_printf("Received: %s\n", a->received);
	cli_printf("Decision due: %s (%s)%s\n", a->due, days, a->extended ? " extended" : "");
	if (a->extension_reason[0])
		cli_printf("Extension reason: %s\n", a->extension_reason);
	if (a->decided[0])
		cli_printf("Decided: %s\n", a->decided);
	if (a->amendment[0])
		cli_printf("Amendment: %s\n", a->amendment);
	if (a->notify[0])
		cli_printf("Notify: %s\n", a->notify);
	if (a->denial[0])
		cli_printf("Denied: %s (%s)\n", amendment_denial_desc(a->denial), a->denial);
	if (a->explanation[0])
		cli_printf("Explanation: %s\n", a->explanation);
	if (a->disagreement[0])
		cli_printf("Statement of disagreement: %s\n", a->disagreement);
	if (a->rebuttal[0])
		cli_printf("Rebuttal: %s\n", a->rebuttal);
	cli_printf("Logged: %s by %s\n", a->logged_at, a->logged_by);
	return 0;
}

static int cmd_amendment(cli_t *c)
{
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	fields_t fs;
	run_t r;
	int64_t n = 0;
	status_t st;
	int rc;
	fs.n = 0;
	if (c->help) {
		printf("usage: chartroom %s\n\n"
		       "Amendment requests (45 CFR 164.526): decision due 60 days after receipt;\n"
		       "one extension of at most 30 days, only before day 60, with a written reason.\n"
		       "Text columns for --from (CSV) or the prompt: request, part (add); reason\n"
		       "(extend); amendment, notify (accept); explanation (deny); statement\n"
		       "(disagree); rebuttal (rebut). Denial reason codes: not_created,\n"
		       "not_in_record_set, not_open_to_inspection, accurate_complete.\n",
		       amendment_usage);
		return 0;
	}
	if (strcmp(verb, "list") == 0) {
		if (c->argc > 3)
			return cli_usage_error(amendment_usage, NULL);
		if ((st = start(&r, c, NULL, 0)) == STATUS_OK)
			st = amendment_list(r.s, c->argc > 2 ? c->argv[2] : NULL,
					    cli_val(c, "status"), amend_row, NULL, &r.m);
		return finish(&r, NULL, 0, st);
	}
	if (c->argc != 3)
		return cli_usage_error(amendment_usage, NULL);
	if (strcmp(verb, "add") != 0 && !number(c->argv[2], &n))
		return cli_usage_error(amendment_usage, "N is a request number");
	if (strcmp(verb, "show") == 0) {
		if ((st = start(&r, c, NULL, 0)) == STATUS_OK) {
			st = amendment_get(r.s, n, amend_detail, NULL, &r.m);
			if (st == STATUS_OK && cli_val(c, "history")) {
				cli_printf("\nHistory:\n");
				st = amendment_history(r.s, n, amend_detail, &fs, &r.m);
			}
		}
		return finish(&r, NULL, 0, st);
	}
	if (strcmp(verb, "add") == 0) {
		field(&fs, "request", "What the patient asks to change", 1);
		field(&fs, "part", "The part of the record, in the patient's words", 1);
	} else if (strcmp(verb, "extend") == 0) {
		field(&fs, "reason", "Written reason for the delay", 1);
	} else if (strcmp(verb, "accept") == 0) {
		field(&fs, "amendment", "Amendment to append (Enter: the request's words)", 1);
		field(&fs, "notify", "People to notify", 1);
	} else if (strcmp(verb, "deny") == 0) {
		field(&fs, "explanation", "Explanation for the patient", 1);
	} else if (strcmp(verb, "disagree") == 0) {
		field(&fs, "statement", "Patient's statement of disagreement", 1);
	} else if (strcmp(verb, "rebut") == 0) {
		field(&fs, "rebuttal", "Rebuttal", 1);
	} else {
		return cli_usage_error(amendment_usage, NULL);
	}
	if (strcmp(verb, "add") == 0 && !cli_val(c, "section"))
		return cli_usage_error(amendment_usage, "add needs --section S");
	if (strcmp(verb, "deny") == 0 && !cli_val(c, "reason-code"))
		return cli_usage_error(amendment_usage, "deny needs --reason-code CODE");
	if ((rc = need_input(c, amendment_usage)) != 0)
		return rc;
	if ((st = start(&r, c, fs.f, fs.n)) != STATUS_OK)
		return finish(&r, fs.f, fs.n, st);
	if (strcmp(verb, "add") == 0) {
		amendment_input_t in = {cli_val(c, "section"), cli_val(c, "record"),
					cli_val(c, "received"), fv(&fs, 0), fv(&fs, 1)};
		st = amendment_add(r.s, c->argv[2], &in, &n, &r.m);
		if (st == STATUS_OK)
			printf("%" PRId64 "\n", n);
	} else if (strcmp(verb, "extend") == 0) {
		int64_t days = 0;
		if (cli_val(c, "days") && !number(cli_val(c, "days"), &days))
			st = msg_fail(&r.m, STATUS_INVALID, "--days: a number of days, 1 to 30.");
		if (st == STATUS_OK)
			st = amendment_extend(r.s, n, days > 1000 ? 1000 : (int)days, fv(&fs, 0),
					      &r.m);
	} else if (strcmp(verb, "accept") == 0) {
		st = amendment_accept(r.s, n, fv(&fs, 0), fv(&fs, 1), &r.m);
	} else if (strcmp(verb, "deny") == 0) {
		st = amendment_deny(r.s, n, cli_val(c, "reason-code"), fv(&fs, 0), &r.m);
	} else if (strcmp(verb, "disagree") == 0) {
		st = amendment_disagree(r.s, n, fv(&fs, 0), &r.m);
	} else {
		st = amendment_rebut(r.s, n, fv(&fs, 0), &r.m);
	}
	return finish(&r, fs.f, fs.n, st);
}

/* ---- the table entries ---- */

#define END {NULL, 0, 0, NULL}
static const cli_optspec_t roi_opts[] = {{"requester", 0, 1, "add update"},
					 {"auth", 0, 1, "add update"},
					 {"auth-signed", 0, 1, "add update"},
					 {"auth-expires", 0, 1, "add update"},
					 {"sections", 0, 1, "add update"},
					 {"start", 0, 1, "add update"},
					 {"end", 0, 1, "add update"},
					 {"received", 0, 1, "add update"},
					 {"fee", 0, 1, "add update"},
					 {"category", 0, 1, "add update"},
					 {"status", 0, 1, "list update"},
					 {"history", 0, 0, "show"},
					 {"out", 'o', 1, "release"},
					 {"format", 0, 1, "release"},
					 {"from", 0, 1, "add update extend deny"},
					 END};
static const cli_optspec_t disclosure_opts[] = {{"category", 0, 1, "add"},
						{"date", 0, 1, "add"},
						{"suspend-until", 0, 1, "add"},
						{"corrects", 0, 1, "add"},
						{"from", 0, 1, "add strike"},
						END};
static const cli_optspec_t disclosures_opts[] = {{"since", 0, 1, NULL}, {"all", 0, 0, NULL}, END};
static const cli_optspec_t amendment_opts[] = {
	{"section", 0, 1, "add"},      {"record", 0, 1, "add"},
	{"received", 0, 1, "add"},     {"status", 0, 1, "list"},
	{"history", 0, 0, "show"},     {"days", 0, 1, "extend"},
	{"reason-code", 0, 1, "deny"}, {"from", 0, 1, "add extend accept deny disagree rebut"},
	END};

const cli_command_t cli_roi_command = {"roi", cmd_roi, "release of information requests",
				       roi_usage, roi_opts, text_options, 0, NULL};
const cli_command_t cli_disclosure_command = {"disclosure", cmd_disclosure,
					      "record a disclosure made outside Chartroom",
					      disclosure_usage, disclosure_opts, text_options, 0,
					      NULL};
const cli_command_t cli_disclosures_command = {"disclosures", cmd_disclosures,
					       "a patient's accounting of disclosures",
					       disclosures_usage, disclosures_opts, NULL, 0, NULL};
const cli_command_t cli_amendment_command = {"amendment", cmd_amendment,
					     "amendment requests and their decisions",
					     amendment_usage, amendment_opts, text_options, 0, NULL};
