/* cli_providers.c - `chartroom providers [--format table|csv]`: the
 * provider records that are not user accounts (core/provider.h), each
 * checked against its MAC before any is printed. Who reads reports reads
 * them (core decides). */
#include "ui/cli_internal.h"

#include <stdio.h>
#include <string.h>

#include "core/provider.h"

static const char providers_usage[] = "providers [--format table|csv]";

typedef struct rows {
	int csv, n;
} rows_t;

static int print_one(const provider_t *p, void *arg)
{
	rows_t *r = arg;
	r->n++;
	if (r->csv) {
		cli_csv_put(p->name, 0);
		cli_csv_put(p->speciality, 0);
		cli_csv_put(p->gender, 0);
		cli_csv_put(p->location, 0);
		cli_csv_put(p->organization, 0);
		cli_csv_put(p->system, 0);
		cli_csv_put(p->value, 0);
		cli_csv_put(p->created, 0);
		cli_csv_put(p->created_by, 1);
		return 0;
	}
	if (r->n == 1)
		printf("%-28s %-24s %-7s %-20s %s\n", "NAME", "SPECIALITY", "GENDER", "LOCATION",
		       "IDENTIFIER");
	cli_printf("%-28.28s %-24.24s %-7.7s %-20.20s %s\n", p->name,
		   *p->speciality ? p->speciality : "-", *p->gender ? p->gender : "-",
		   *p->location ? p->location : "-", p->value);
	return 0;
}

static int cmd_providers(cli_t *c)
{
	const char *fmt = cli_val(c, "format");
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	rows_t r = {0, 0};
	msg_t m;
	status_t st;
	msg_clear(&m);
	if (c->help) {
		printf("usage: chartroom %s\n\n"
		       "The provider records that are not user accounts: the clinicians an\n"
		       "imported history names (a Synthea export's providers.csv, a FHIR\n"
		       "Practitioner). They never sign on. Each is checked against its MAC\n"
		       "first: a record changed outside Chartroom stops the list.\n"
		       "  --format csv     comma-separated, with a header line (name,\n"
		       "                   speciality, gender, location, organization, system,\n"
		       "                   identifier, created, created_by)\n",
		       providers_usage);
		return 0;
	}
	if (c->argc != 1)
		return cli_usage_error(providers_usage, NULL);
	if (fmt && strcmp(fmt, "table") != 0 && strcmp(fmt, "csv") != 0)
		return cli_usage_error(providers_usage, "--format is table or csv");
	r.csv = fmt && strcmp(fmt, "csv") == 0;
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	/* Checked whole before anything is printed. */
	if ((st = provider_list(s, NULL, NULL, &m)) == STATUS_OK) {
		if (r.csv)
			printf("name,speciality,gender,location,organization,system,identifier,"
			       "created,created_by\n");
		st = provider_list(s, print_one, &r, &m);
	}
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	if (!r.csv) {
		msg_set(&m, "%d provider record%s.", r.n, r.n == 1 ? "" : "s");
		cli_say(m.text);
	}
	return 0;
}

static const cli_optspec_t providers_opts[] = {{"format", 0, 1, NULL}, {NULL, 0, 0, NULL}};

const cli_command_t cli_providers_command = {
    "providers", cmd_providers, "provider records that are not user accounts (imported)",
    providers_usage, providers_opts, NULL, 0, NULL};
