/* cli_deficiency.c - the command line for chart deficiencies:
 * `deficiency list [--provider U] [--format table|csv]`, `deficiency show
 * ID`, `deficiency remind ID` and `deficiency report [--months N]
 * [--format table|csv]` (the delinquency rate by provider). The rules and
 * permissions are core's (core/deficiency.h). */
#include "ui/cli_internal.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/deficiency.h"

static const char deficiency_usage[] =
    "deficiency list [--provider USER] [--format table|csv] | deficiency show ID |\n"
    "       deficiency remind ID | deficiency report [--months N] [--format table|csv]";

struct list_ctx {
	const config_t *cfg;
	int csv, n;
};

static int print_def(const deficiency_t *d, void *arg)
{
	struct list_ctx *l = arg;
	char since[64], num[32];
	cli_time(l->cfg, d->since, CLI_TIME_TSV, "", since, sizeof since);
	if (l->csv) {
		if (!l->n)
			printf("id,kind,mrn,patient,encounter,note,assigned,since,age_days,"
			       "delinquent,reminders\n");
		cli_csv_put(d->id, 0);
		cli_csv_put(d->what, 0);
		cli_csv_put(d->mrn, 0);
		cli_csv_put(d->name, 0);
		snprintf(num, sizeof num, "%lld", (long long)d->erow);
		cli_csv_put(num, 0);
		snprintf(num, sizeof num, "%lld", (long long)d->note);
		cli_csv_put(d->note ? num : "", 0);
		cli_csv_put(d->assigned, 0);
		cli_csv_put(since, 0);
		snprintf(num, sizeof num, "%d", d->age_days);
		cli_csv_put(num, 0);
		cli_csv_put(d->delinquent ? "yes" : "no", 0);
		snprintf(num, sizeof num, "%d", d->reminders);
		cli_csv_put(num, 1);
	} else {
		if (!l->n)
			printf("%-8s %-28s %-10s %-22s %6s %6s %-10s %5s %s\n", "ID", "DEFICIENCY",
			       "MRN", "PATIENT", "ENC", "NOTE", "ASSIGNED", "DAYS", "");
		snprintf(num, sizeof num, "%lld", (long long)d->note);
		cli_printf("%-8s %-28s %-10s %-22.22s %6lld %6s %-10s %5d %s%s\n", d->id, d->what,
			   d->mrn, d->name, (long long)d->erow, d->note ? num : "-", d->assigned,
			   d->age_days, d->delinquent ? "DELINQUENT" : "",
			   d->reminders ? " (reminded)" : "");
	}
	l->n++;
	return 0;
}

static int print_rate(const delinquency_row_t *r, void *arg)
{
	struct list_ctx *l = arg;
	char num[32];
	if (l->csv) {
		if (!l->n)
			printf("provider,deficiencies,delinquent_records,avg_monthly_discharges,"
			       "delinquency_rate_pct\n");
		cli_csv_put(r->provider, 0);
		snprintf(num, sizeof num, "%d", r->deficiencies);
		cli_csv_put(num, 0);
		snprintf(num, sizeof num, "%d", r->delinquent_records);
		cli_csv_put(num, 0);
		snprintf(num, sizeof num, "%.1f", r->avg_discharges);
		cli_csv_put(num, 0);
		if (r->rate < 0)
			cli_csv_put("", 1);
		else {
			snprintf(num, sizeof num, "%.1f", r->rate);
			cli_csv_put(num, 1);
		}
	} else {
		if (!l->n)
			printf("%-16s %12s %10s %14s %8s\n", "PROVIDER", "DEFICIENCIES", "DELINQUENT",
			       "AVG DISCHARGES", "RATE");
		if (r->rate < 0)
			cli_printf("%-16s %12d %10d %14.1f %8s\n", r->provider, r->deficiencies,
				   r->delinquent_records, r->avg_discharges, "-");
		else
			cli_printf("%-16s %12d %10d %14.1f %7.1f%%\n", r->provider, r->deficiencies,
				   r->delinquent_records, r->avg_discharges, r->rate);
	}
	l->n++;
	return 0;
}

static int cmd_deficiency(cli_t *c)
{
	static const char *const usage = deficiency_usage;
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	const char *fmt = cli_val(c, "format");
	const char *months = cli_val(c, "months");
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	struct list_ctx l = {NULL, 0, 0};
	msg_t m;
	status_t st;
	int nmonths = 3;
	msg_clear(&m);
	if (c->help) {
		printf("usage: chartroom %s\n\n"
		       "Chart deficiencies, computed from the chart each time (none is stored, so\n"
		       "one disappears as soon as its cause is fixed):\n"
		       "  D  a draft note older than [clinical] draft_deficiency_days (its author)\n"
		       "  A  an addendum unsigned as long (its author)\n"
		       "  O  an encounter open more than open_encounter_days (its provider)\n"
		       "  X  a closed encounter without a diagnosis (its provider)\n"
		       "  C  a signed note by a role in countersign_roles, not yet countersigned\n"
		       "     (the encounter's provider: note countersign NOTE)\n"
		       "Older than delinquent_days, a deficiency makes its record delinquent.\n\n"
		       "  list     HIM: everyone's, or --provider USER's; a clinician: their own\n"
		       "  show     one deficiency\n"
		       "  remind   HIM: the assigned user is told at their next sign-on\n"
		       "  report   the delinquency rate by provider: delinquent records against\n"
		       "           the average monthly discharges (closed encounters) over the\n"
		       "           last --months full months (default 3)\n",
		       usage);
		return 0;
	}
	if (fmt && strcmp(fmt, "table") != 0 && strcmp(fmt, "csv") != 0)
		return cli_usage_error(usage, "--format is table or csv");
	l.csv = fmt && strcmp(fmt, "csv") == 0;
	if (months) {
		char *end;
		long v = strtol(months, &end, 10);
		if (*end || end == months || v < 1 || v > 24)
			return cli_usage_error(usage, "--months is a number from 1 to 24");
		nmonths = (int)v;
	}
	if (strcmp(verb, "list") == 0 || strcmp(verb, "report") == 0) {
		if (c->argc != 2)
			return cli_usage_error(usage, NULL);
	} else if (strcmp(verb, "show") == 0 || strcmp(verb, "remind") == 0) {
		if (c->argc != 3)
			return cli_usage_error(usage, NULL);
	} else {
		return cli_usage_error(usage, NULL);
	}
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	l.cfg = clinic_config(clinic);
	if (strcmp(verb, "list") == 0) {
		st = deficiency_list(s, cli_val(c, "provider"), print_def, &l, &m);
		if (st == STATUS_OK && !l.csv)
			msg_set(&m, "%d deficienc%s.", l.n, l.n == 1 ? "y" : "ies");
	} else if (strcmp(verb, "report") == 0) {
		st = deficiency_delinquency(s, nmonths, print_rate, &l, &m);
		if (st == STATUS_OK && !l.csv)
			msg_set(&m, "Delinquent: a deficiency older than %d days; discharges: the "
				    "last %d full month%s.",
				l.cfg->delinquent_days, nmonths, nmonths == 1 ? "" : "s");
	} else if (strcmp(verb, "show") == 0) {
		deficiency_t d;
		if ((st = deficiency_get(s, c->argv[2], &d, &m)) == STATUS_OK) {
			char since[64];
			cli_printf("%s  %s\n", d.id, d.what);
			cli_printf("patient    %s  %s\n", d.mrn, d.name);
			cli_printf("encounter  %lld\n", (long long)d.erow);
			if (d.note)
				cli_printf("note       %lld\n", (long long)d.note);
			cli_printf("assigned   %s\n", d.assigned);
			cli_printf("since      %s (%d days)%s\n",
				   cli_time(l.cfg, d.since, CLI_TIME_TEXT, "", since, sizeof since),
				   d.age_days, d.delinquent ? "  DELINQUENT" : "");
			cli_printf("reminders  %d\n", d.reminders);
			sodium_memzero(&d, sizeof d);
		}
	} else {
		st = deficiency_remind(s, c->argv[2], &m);
	}
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	if (m.text[0])
		cli_say(m.text);
	return 0;
}

static const cli_optspec_t deficiency_opts[] = {{"provider", 0, 1, "list"},
                                                {"format", 0, 1, "list report"},
                                                {"months", 0, 1, "report"},
                                                {NULL, 0, 0, NULL}};

const cli_command_t cli_deficiency_command = {"deficiency",
                                              cmd_deficiency,
                                              "chart deficiencies, reminders, delinquency",
                                              deficiency_usage,
                                              deficiency_opts,
                                              NULL,
                                              0,
                                              NULL};
