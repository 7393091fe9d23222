/* cli_retention.c - the command line for retention and destruction
 * (core/retention.h): `retention list|show|propose|proposals|reject|
 * approve|certificates|certificate` and `hold add|release|list`. The
 * rules, the two-person check and the permissions are core's; approval
 * destroys a chart, so it shows what will go and asks for the MRN typed
 * back first. */
#include "ui/cli_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/retention.h"
#include "ui/cli_input.h"

static const char retention_usage[] =
    "retention list [--format table|csv] | retention show MRN |\n"
    "       retention propose MRN [--reason WHY] | retention proposals |\n"
    "       retention reject ID [--reason WHY] | retention approve ID |\n"
    "       retention certificates | retention certificate N";
static const char hold_usage[] =
    "hold add MRN [--reason WHY] | hold release ID [--reason WHY] | hold list";

static const char retention_help[] =
    "Retention and destruction (README \"Retention and destruction\"). A chart is\n"
    "due on the later of its last encounter (or registration) + [retention]\n"
    "adult_years and the day the patient turns majority_age + minor_years; a\n"
    "deceased patient's deceased_years after death. HIM proposes a chart that is\n"
    "due and not under a legal hold; the privacy officer, a different person,\n"
    "approves, which destroys it at once: every row of the chart, its index\n"
    "tokens and the patient row, with SQLite secure_delete and a WAL checkpoint.\n"
    "A destruction certificate without PHI is kept. A reason not given with\n"
    "--reason is asked for (a line of standard input).\n";

struct list_ctx {
	const config_t *cfg;
	int csv, n;
};

static int print_item(const retention_item_t *it, void *arg)
{
	struct list_ctx *l = arg;
	char num[32], state[128];
	if (it->held)
		snprintf(state, sizeof state, "on legal hold");
	else if (it->proposal)
		snprintf(state, sizeof state, "proposal %" PRId64 " by %s", it->proposal,
		         it->proposed_by);
	else
		snprintf(state, sizeof state, "due");
	if (l->csv) {
		if (!l->n)
			printf("mrn,patient,rule,first,last,due,days_past,state\n");
		cli_csv_put(it->mrn, 0);
		cli_csv_put(it->name, 0);
		cli_csv_put(it->rule, 0);
		cli_csv_put(it->first, 0);
		cli_csv_put(it->last, 0);
		cli_csv_put(it->due, 0);
		snprintf(num, sizeof num, "%ld", it->days_past);
		cli_csv_put(num, 0);
		cli_csv_put(state, 1);
	} else {
		if (!l->n)
			printf("MRN\tpatient\trule\tfirst\tlast\tdue\tdays past\tstate\n");
		cli_tsv("%s\t%s\t%s\t%s\t%s\t%s\t%ld\t%s\n", it->mrn, it->name, it->rule, it->first,
		        it->last, it->due, it->days_past, state);
	}
	l->n++;
	return 0;
}

static void show_item(const retention_item_t *it)
{
	cli_printf("MRN            %s  %s\n", it->mrn, it->name);
	cli_printf("record         %s to %s\n", it->first, it->last);
	cli_printf("rule           %s: due for destruction %s", it->rule, it->due);
	if (it->days_past >= 0)
		cli_printf(" (%ld days ago)\n", it->days_past);
	else
		cli_printf(" (in %ld days)\n", -it->days_past);
	cli_printf("legal holds    %d\n", it->held);
	if (it->proposal)
		cli_printf("proposal       %" PRId64 " by %s\n", it->proposal, it->proposed_by);
}

static int print_proposal(const retention_proposal_t *p, void *arg)
{
	struct list_ctx *l = arg;
	char at[64];
	if (!l->n)
		printf("proposal\tMRN\tpatient\trule\tdue\tproposed\tby\treason\n");
	cli_tsv("%" PRId64 "\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p->id, p->chart.mrn, p->chart.name,
	        p->chart.rule, p->chart.due,
	        cli_time(l->cfg, p->chart.proposed_at, CLI_TIME_TSV, "", at, sizeof at),
	        p->chart.proposed_by, p->reason);
	l->n++;
	return 0;
}

static int print_cert(const retention_cert_t *c, void *arg)
{
	struct list_ctx *l = arg;
	char at[64], pat[64];
	if (l->csv) {
		cli_printf("Destruction certificate %" PRId64 "\n", c->n);
		cli_printf("record id      %s\n", c->patient_id);
		cli_printf("record dates   %s to %s\n", c->first, c->last);
		cli_printf("rule           %s, due %s\n", c->rule, c->due);
		cli_printf("method         %s\n", c->method);
		cli_printf("rows removed   %" PRId64 "\n", c->rows);
		cli_printf("proposed by    %s, %s (proposal %" PRId64 ")\n", c->proposed_by,
		           cli_time(l->cfg, c->proposed_at, CLI_TIME_TEXT, "", pat, sizeof pat),
		           c->proposal);
		cli_printf("approved by    %s\n", c->approved_by);
		cli_printf("destroyed      %s\n",
		           cli_time(l->cfg, c->destroyed_at, CLI_TIME_TEXT, "", at, sizeof at));
	} else {
		if (!l->n)
			printf("certificate\trecord id\tfirst\tlast\trule\tproposed by\tapproved "
			       "by\tdestroyed\n");
		cli_tsv("%" PRId64 "\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c->n, c->patient_id, c->first,
		        c->last, c->rule, c->proposed_by, c->approved_by,
		        cli_time(l->cfg, c->destroyed_at, CLI_TIME_TSV, "", at, sizeof at));
	}
	l->n++;
	return 0;
}

static int print_hold(const retention_hold_info_t *h, void *arg)
{
	struct list_ctx *l = arg;
	char at[64];
	if (!l->n)
		printf("hold\tMRN\tpatient\tplaced\tby\treason\n");
	cli_tsv("%" PRId64 "\t%s\t%s\t%s\t%s\t%s\n", h->id, h->mrn, h->name,
	        cli_time(l->cfg, h->at, CLI_TIME_TSV, "", at, sizeof at), h->by, h->reason);
	l->n++;
	return 0;
}

static int number_of(const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (*end || end == s || v < 1)
		return 0;
	*out = (int64_t)v;
	return 1;
}

/* The reason: --reason, else a line of standard input. */
static status_t reason_of(cli_t *c, char *buf, size_t size, msg_t *m)
{
	const char *r = cli_val(c, "reason");
	if (r) {
		if (strlen(r) >= size)
			return msg_fail(m, STATUS_INVALID, "The reason is too long.");
		memcpy(buf, r, strlen(r) + 1);
		return STATUS_OK;
	}
	return cli_read_line("Reason: ", buf, size, m);
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

/* approve: what will go, then the MRN typed back. */
static status_t approve(session_t *s, int64_t id, msg_t *m)
{
	retention_proposal_t *p = malloc(sizeof *p);
	char typed[64] = "";
	int64_t cert = 0;
	status_t st;
	if (!p)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((st = retention_proposal(s, id, p, m)) != STATUS_OK)
		goto out;
	fprintf(stderr, "Proposal %" PRId64 ": destroy this chart for good?\n", id);
	cli_printf("MRN            %s  %s\n", p->chart.mrn, p->chart.name);
	cli_printf("record         %s to %s\n", p->chart.first, p->chart.last);
	cli_printf("rule           %s, due %s\n", p->chart.rule, p->chart.due);
	cli_printf("proposed by    %s: %s\n", p->chart.proposed_by, p->reason);
	fflush(stdout);
	if ((st = cli_read_line("Type the MRN to destroy the chart (anything else keeps it): ",
	                        typed, sizeof typed, m)) != STATUS_OK)
		goto out;
	if (strcmp(typed, p->chart.mrn) != 0) {
		st = msg_fail(m, STATUS_INVALID, "Not confirmed: nothing was destroyed.");
		goto out;
	}
	st = retention_approve(s, id, &cert, m);
out:
	sodium_memzero(p, sizeof *p);
	free(p);
	return st;
}

static int cmd_retention(cli_t *c)
{
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	struct list_ctx l = {NULL, 0, 0};
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	const char *fmt = cli_val(c, "format");
	char reason[2048] = "";
	int64_t id = 0;
	msg_t m;
	status_t st;
	int want;
	if (c->help) {
		printf("usage: chartroom %s\n\n%s", retention_usage, retention_help);
		return 0;
	}
	if (fmt && strcmp(fmt, "table") != 0 && strcmp(fmt, "csv") != 0)
		return cli_usage_error(retention_usage, "--format is table or csv");
	l.csv = fmt && strcmp(fmt, "csv") == 0;
	if (!strcmp(verb, "list") || !strcmp(verb, "proposals") || !strcmp(verb, "certificates"))
		want = 2;
	else if (!strcmp(verb, "show") || !strcmp(verb, "propose") || !strcmp(verb, "reject") ||
	         !strcmp(verb, "approve") || !strcmp(verb, "certificate"))
		want = 3;
	else
		return cli_usage_error(retention_usage, NULL);
	if (c->argc != want)
		return cli_usage_error(retention_usage, NULL);
	if ((!strcmp(verb, "reject") || !strcmp(verb, "approve") || !strcmp(verb, "certificate")) &&
	    !number_of(c->argv[2], &id))
		return cli_usage_error(retention_usage, "ID is a number");
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	l.cfg = clinic_config(clinic);
	msg_clear(&m);
	if (!strcmp(verb, "list")) {
		st = retention_list(s, print_item, &l, &m);
		if (st == STATUS_OK && !l.csv)
			msg_set(&m, "%d chart%s due for destruction.", l.n, l.n == 1 ? "" : "s");
	} else if (!strcmp(verb, "show")) {
		retention_item_t it;
		if ((st = retention_show(s, c->argv[2], &it, &m)) == STATUS_OK)
			show_item(&it);
		sodium_memzero(&it, sizeof it);
	} else if (!strcmp(verb, "propose")) {
		if ((st = reason_of(c, reason, sizeof reason, &m)) == STATUS_OK)
			st = retention_propose(s, c->argv[2], reason, &id, &m);
	} else if (!strcmp(verb, "reject")) {
		if ((st = reason_of(c, reason, sizeof reason, &m)) == STATUS_OK)
			st = retention_reject(s, id, reason, &m);
	} else if (!strcmp(verb, "approve")) {
		st = approve(s, id, &m);
	} else if (!strcmp(verb, "proposals")) {
		st = retention_proposals(s, print_proposal, &l, &m);
		if (st == STATUS_OK)
			msg_set(&m, "%d proposal%s waiting for approval.", l.n,
			        l.n == 1 ? "" : "s");
	} else {
		if (!strcmp(verb, "certificate"))
			l.csv = 1; /* one certificate: every field on its line */
		else
			l.csv = 0;
		st = retention_certificates(s, id, print_cert, &l, &m);
	}
	sodium_memzero(reason, sizeof reason);
	return done(clinic, s, st, &m);
}

static int cmd_hold(cli_t *c)
{
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	struct list_ctx l = {NULL, 0, 0};
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	char reason[2048] = "";
	int64_t id = 0;
	msg_t m;
	status_t st;
	if (c->help) {
		printf("usage: chartroom %s\n\nA legal hold keeps a chart from being proposed for "
		       "destruction or\ndestroyed until it is released (HIM or the privacy "
		       "officer). The reason is\nencrypted and bound to the chart; every hold and "
		       "release is audited.\n",
		       hold_usage);
		return 0;
	}
	if (!strcmp(verb, "list")) {
		if (c->argc != 2)
			return cli_usage_error(hold_usage, NULL);
	} else if (!strcmp(verb, "add") || !strcmp(verb, "release")) {
		if (c->argc != 3)
			return cli_usage_error(hold_usage, NULL);
		if (!strcmp(verb, "release") && !number_of(c->argv[2], &id))
			return cli_usage_error(hold_usage, "ID is a number");
	} else {
		return cli_usage_error(hold_usage, NULL);
	}
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	l.cfg = clinic_config(clinic);
	if (!strcmp(verb, "list")) {
		st = retention_holds(s, print_hold, &l, &m);
		if (st == STATUS_OK)
			msg_set(&m, "%d legal hold%s in force.", l.n, l.n == 1 ? "" : "s");
	} else if ((st = reason_of(c, reason, sizeof reason, &m)) == STATUS_OK) {
		if (!strcmp(verb, "add"))
			st = retention_hold(s, c->argv[2], reason, &id, &m);
		else
			st = retention_release(s, id, reason, &m);
	}
	sodium_memzero(reason, sizeof reason);
	return done(clinic, s, st, &m);
}

static const cli_optspec_t retention_opts[] = {
    {"format", 0, 1, "list"}, {"reason", 0, 1, "propose reject"}, {NULL, 0, 0, NULL}};
static const cli_optspec_t hold_opts[] = {{"reason", 0, 1, "add release"}, {NULL, 0, 0, NULL}};

const cli_command_t cli_retention_command = {"retention",
                                             cmd_retention,
                                             "charts past retention, proposals, destruction",
                                             retention_usage,
                                             retention_opts,
                                             NULL,
                                             0,
                                             NULL};
const cli_command_t cli_hold_command = {
    "hold", cmd_hold, "legal holds on charts", hold_usage, hold_opts, NULL, 0, NULL};
