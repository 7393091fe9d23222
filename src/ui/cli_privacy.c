/* cli_privacy.c - the privacy officer's command line: the access reports
 * (`audit patient MRN`, `audit user NAME`, verbs of cli.c's `audit`) and
 * the break-the-glass review (`btg list|show|review`). Rules and
 * permissions are core's (core/access.h, core/btg_review.h). */
#include "ui/cli_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/date.h"
#include "base/text.h"
#include "base/tz.h"
#include "core/access.h"
#include "core/btg_review.h"
#include "ui/cli_privacy.h"

/* ---- access reports ---------------------------------------------------- */

/* One CSV field: escaped as one line, quoted, quotes doubled; a leading
 * = + - @ gets a ' so a spreadsheet does not run it as a formula. */
static void csv_field(const char *s, int last)
{
	char buf[TEXT_ESCAPED_MAX(512)];
	text_escape(buf, sizeof buf, s ? s : "", TEXT_LINE);
	putchar('"');
	if (strchr("=+-@", buf[0]) && buf[0])
		putchar('\'');
	for (const char *p = buf; *p; p++) {
		if (*p == '"')
			putchar('"');
		putchar(*p);
	}
	putchar('"');
	putchar(last ? '\n' : ',');
}

struct report_out {
	const config_t *cfg;
	int csv;
	int user_report;
	int64_t n;
	int headed; /* the CSV header is out */
};

/* The CSV header, once the report is allowed: before its first row, or
 * after an empty one. */
static void csv_header(struct report_out *o)
{
	if (!o->csv || o->headed)
		return;
	o->headed = 1;
	if (o->user_report)
		printf("time,user,role,mrn,patient,what,reason,origin\n");
	else
		printf("time,user,role,what,reason,origin\n");
}

static int print_access(const access_entry_t *e, void *arg)
{
	struct report_out *o = arg;
	char when[TZ_TEXT_MAX];
	cli_time(o->cfg, e->ts, o->csv ? CLI_TIME_TSV : CLI_TIME_TEXT, "", when, sizeof when);
	o->n++;
	csv_header(o);
	if (o->csv) {
		csv_field(when, 0);
		csv_field(e->user_name, 0);
		csv_field(e->role, 0);
		if (o->user_report) {
			csv_field(e->mrn, 0);
			csv_field(e->name, 0);
		}
		csv_field(e->what, 0);
		csv_field(e->reason, 0);
		csv_field(e->source, 1);
		return 0;
	}
	if (o->user_report)
		cli_printf("%-24s %-10s %-28.28s %s%s%s  [%s]\n", when, e->mrn, e->name, e->what,
		           e->reason[0] ? " - reason: " : "", e->reason, e->source);
	else
		cli_printf("%-24s %-12s %-9s %s%s%s  [%s]\n", when, e->user_name,
		           e->role[0] ? e->role : "?", e->what, e->reason[0] ? " - reason: " : "",
		           e->reason, e->source);
	return 0;
}

int cli_audit_report(cli_t *c, const char *usage)
{
	const char *verb = c->argv[1];
	const char *fmt = cli_val(c, "format");
	const char *limit = cli_val(c, "limit");
	access_query_t q = {cli_val(c, "since"), cli_val(c, "until"), 0, NULL};
	struct report_out o = {0};
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	char iso[DATE_ISO_SIZE], label[200];
	msg_t m;
	status_t st;

	if (c->argc != 3)
		return cli_usage_error(usage, c->argc < 3 ? (strcmp(verb, "patient") == 0
		                                                 ? "give the patient's MRN"
		                                                 : "give the user's name")
		                                          : "too many arguments");
	if (fmt && strcmp(fmt, "table") != 0 && strcmp(fmt, "csv") != 0)
		return cli_usage_error(usage, "--format is table or csv");
	if (q.since && date_parse_msg("--since", q.since, NULL, NULL, iso, &m) != STATUS_OK)
		return cli_usage_error(usage, m.text);
	if (q.until && date_parse_msg("--until", q.until, NULL, NULL, iso, &m) != STATUS_OK)
		return cli_usage_error(usage, m.text);
	if (limit && (strspn(limit, "0123456789") != strlen(limit) || atoll(limit) <= 0))
		return cli_usage_error(usage, "--limit takes a positive number");
	q.limit = limit ? atoll(limit) : 0;
	o.csv = fmt && strcmp(fmt, "csv") == 0;
	o.user_report = strcmp(verb, "user") == 0;
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	o.cfg = clinic_config(clinic);
	if (o.user_report)
		st = access_user(s, c->argv[2], &q, print_access, &o, &m);
	else
		st = access_patient(s, c->argv[2], &q, print_access, &o, label, sizeof label, &m);
	if (st == STATUS_OK)
		csv_header(&o);
	if (st == STATUS_OK && !o.csv) {
		if (o.user_report)
			cli_eprintf("%" PRId64 " access%s to charts by %s.\n", o.n,
			            o.n == 1 ? "" : "es", c->argv[2]);
		else
			cli_eprintf("%" PRId64 " access%s to the chart of %s, newest first.\n", o.n,
			            o.n == 1 ? "" : "es", label);
	}
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	return 0;
}

/* ---- btg --------------------------------------------------------------- */

static const char btg_usage[] = "[--user ACTOR] btg list [--all] [--format table|csv] | show N |\n"
                                "       review N --finding appropriate|inappropriate|follow-up "
                                "[--comment TEXT|--comment-from FILE|-]";
static const cli_optspec_t btg_opts[] = {
    {"all", 'a', 0, "list"},       {"format", 0, 1, "list"},         {"finding", 'f', 1, "review"},
    {"comment", 'c', 1, "review"}, {"comment-from", 0, 1, "review"}, {NULL, 0, 0, NULL}};

struct btg_out {
	const config_t *cfg;
	int csv;
	int64_t n;
	int headed;
};

static void btg_header(struct btg_out *o)
{
	if (!o->csv || o->headed)
		return;
	o->headed = 1;
	printf("number,time,user,mrn,patient,reason,afterwards,state,reviewer,comment\n");
}

static int print_btg(const btg_item_t *it, void *arg)
{
	struct btg_out *o = arg;
	char when[TZ_TEXT_MAX], num[24];
	const char *state = it->finding[0] ? it->finding : it->overdue ? "OVERDUE" : "unreviewed";
	o->n++;
	btg_header(o);
	cli_time(o->cfg, it->ts, o->csv ? CLI_TIME_TSV : CLI_TIME_TEXT, "", when, sizeof when);
	if (o->csv) {
		snprintf(num, sizeof num, "%" PRId64, it->id);
		csv_field(num, 0);
		csv_field(when, 0);
		csv_field(it->user_name, 0);
		csv_field(it->mrn, 0);
		csv_field(it->name, 0);
		csv_field(it->reason, 0);
		csv_field(it->after, 0);
		csv_field(state, 0);
		csv_field(it->reviewer, 0);
		csv_field(it->comment, 1);
		return 0;
	}
	cli_printf("%-4" PRId64 " %-24s %-12s %-10s %-24.24s %-10s reason: %s\n", it->id, when,
	           it->user_name, it->mrn, it->name, state, it->reason);
	if (it->after[0])
		cli_printf("     afterwards: %s\n", it->after);
	if (it->finding[0])
		cli_printf("     %s by %s: %s\n", it->finding, it->reviewer,
		           it->comment[0] ? it->comment : "(no comment)");
	return 0;
}

static int parse_number(const char *text, int64_t *out)
{
	if (!text || !*text || strspn(text, "0123456789") != strlen(text) || strlen(text) > 15)
		return 0;
	*out = atoll(text);
	return *out > 0;
}

/* The comment: --comment TEXT, or --comment-from FILE (or - for standard
 * input): its first line. */
static status_t read_comment(cli_t *c, char *buf, size_t size, msg_t *m)
{
	const char *text = cli_val(c, "comment"), *from = cli_val(c, "comment-from");
	FILE *f;
	size_t n;
	buf[0] = '\0';
	if (text && from)
		return msg_fail(m, STATUS_USAGE, "give --comment or --comment-from, not both");
	if (text) {
		if (strlen(text) >= size)
			return msg_fail(m, STATUS_INVALID, "Comment: at most %d characters.",
			                BTG_COMMENT_MAX);
		snprintf(buf, size, "%s", text);
		return STATUS_OK;
	}
	if (!from)
		return STATUS_OK;
	f = strcmp(from, "-") == 0 ? stdin : fopen(from, "r");
	if (!f)
		return msg_fail(m, STATUS_ERR, "%s: cannot be read.", from);
	if (!fgets(buf, (int)size, f))
		buf[0] = '\0';
	if (f != stdin)
		fclose(f);
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (n + 1 >= size)
		return msg_fail(m, STATUS_INVALID, "%s:1: Comment: at most %d characters.", from,
		                BTG_COMMENT_MAX);
	return STATUS_OK;
}

static int cmd_btg(cli_t *c)
{
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	const char *fmt = cli_val(c, "format");
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	msg_t m;
	status_t st;
	int64_t id = 0;
	char comment[BTG_COMMENT_MAX + 2];

	if (c->help) {
		printf(
		    "usage: chartroom %s\n\n"
		    "  list     break-the-glass accesses, newest first: number, time, user,\n"
		    "           patient, state (unreviewed, OVERDUE past [privacy]\n"
		    "           btg_review_days, or the latest finding), the reason, what the\n"
		    "           user did afterwards in that chart. Only those without a\n"
		    "           finding unless --all. Audited.\n"
		    "  show N   one access in full.\n"
		    "  review N record a finding (appropriate, inappropriate, follow-up) with a\n"
		    "           comment (required but for appropriate); audited, never changed:\n"
		    "           a later finding supersedes it.\n",
		    btg_usage);
		return 0;
	}
	if (strcmp(verb, "list") == 0) {
		if (c->argc != 2)
			return cli_usage_error(btg_usage, "too many arguments");
	} else if (strcmp(verb, "show") == 0 || strcmp(verb, "review") == 0) {
		if (c->argc != 3)
			return cli_usage_error(btg_usage, c->argc < 3 ? "give the access number"
			                                              : "too many arguments");
		if (!parse_number(c->argv[2], &id))
			return cli_usage_error(btg_usage, "the access number is a positive number");
	} else {
		return cli_usage_error(btg_usage, *verb ? "unknown verb" : NULL);
	}
	if (fmt && strcmp(fmt, "table") != 0 && strcmp(fmt, "csv") != 0)
		return cli_usage_error(btg_usage, "--format is table or csv");
	if (strcmp(verb, "review") == 0) {
		if (!cli_val(c, "finding"))
			return cli_usage_error(btg_usage, "review needs --finding");
		if (!btg_finding_name(cli_val(c, "finding")))
			return cli_usage_error(
			    btg_usage, "--finding is appropriate, inappropriate or follow-up");
		if ((st = read_comment(c, comment, sizeof comment, &m)) != STATUS_OK)
			return st == STATUS_USAGE ? cli_usage_error(btg_usage, m.text)
			                          : cli_fail(st, m.text);
	}
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	if (strcmp(verb, "list") == 0) {
		struct btg_out o = {clinic_config(clinic), fmt && strcmp(fmt, "csv") == 0, 0, 0};
		int64_t count = 0, overdue = 0;
		st = btg_list(s, cli_val(c, "all") == NULL, print_btg, &o, &m);
		if (st == STATUS_OK)
			btg_header(&o);
		if (st == STATUS_OK && !o.csv &&
		    btg_unreviewed(s, &count, &overdue, &m) == STATUS_OK)
			cli_eprintf("%" PRId64 " unreviewed, %" PRId64 " overdue.\n", count,
			            overdue);
	} else if (strcmp(verb, "show") == 0) {
		btg_item_t *it = calloc(1, sizeof *it);
		struct btg_out o = {clinic_config(clinic), 0, 0, 0};
		if (!it)
			st = msg_fail(&m, STATUS_NOMEM, "Out of memory.");
		else if ((st = btg_get(s, id, it, &m)) == STATUS_OK)
			print_btg(it, &o);
		free(it);
	} else {
		st = btg_review(s, id, cli_val(c, "finding"), comment, &m);
		if (st == STATUS_OK)
			cli_say(m.text);
	}
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	return 0;
}

const cli_command_t cli_btg_command = {
    "btg", cmd_btg, "review break-the-glass accesses (privacy officer)", btg_usage, btg_opts, NULL,
    0,     NULL};
