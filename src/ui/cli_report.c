/* cli_report.c - `chartroom report NAME [--from D] [--to D] [--by G]
 * [--format table|csv]`: runs one report of core/report.h and prints it as
 * an aligned table (title, range, columns, note) or as CSV (a header row,
 * then one row per group; RFC 4180 quoting). Every value from the
 * database is escaped (base/text.h) in both forms. */
#include <stdio.h>
#include <string.h>

#include "base/text.h"
#include "core/report.h"
#include "ui/cli_internal.h"

static const char report_usage[] =
    "report NAME [--from DATE] [--to DATE] [--by GROUP] [--format table|csv]";

static void help(void)
{
	printf("usage: chartroom %s\n\n"
	       "Quality and operations reports, counted from the database's clear columns\n"
	       "(nothing is decrypted). Dates are days in the clinic's time zone, both ends\n"
	       "included (YYYY-MM-DD or MM/DD/YYYY); without them, all time.\n\n",
	       report_usage);
	for (int i = 0; i < report_count(); i++)
		printf("  %-13s %s\n  %-13s --by %s\n", report_name(i), report_describe(i), "",
		       *report_groupings(i) ? report_groupings(i) : "(none)");
	printf("\nThe first grouping is the default. --format csv writes a header row and\n"
	       "one row per group, for a spreadsheet. Needs reports_view (HIM, privacy,\n"
	       "admin); the access report also audit_view. Each run is audited.\n");
}

/* One CSV field: quoted when it holds a comma, quote or line end; control
 * characters shown escaped. */
static void csv_field(const char *s, int first)
{
	char buf[TEXT_ESCAPED_MAX(128)];
	text_escape(buf, sizeof buf, s, TEXT_LINE);
	if (!first)
		putchar(',');
	if (strpbrk(buf, ",\"\r\n")) {
		putchar('"');
		for (const char *p = buf; *p; p++) {
			if (*p == '"')
				putchar('"');
			putchar(*p);
		}
		putchar('"');
	} else {
		fputs(buf, stdout);
	}
}

static void print_csv(const report_t *r)
{
	char v[64];
	csv_field(r->key_head, 1);
	if (r->label_head)
		csv_field(r->label_head, 0);
	for (int c = 0; c < r->ncols; c++)
		csv_field(r->cols[c], 0);
	putchar('\n');
	for (int i = 0; i < r->nrows; i++) {
		csv_field(r->rows[i].key, 1);
		if (r->label_head)
			csv_field(r->rows[i].label, 0);
		for (int c = 0; c < r->ncols; c++) {
			report_value_text(r, i, c, v, sizeof v);
			csv_field(v, 0);
		}
		putchar('\n');
	}
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

static void print_table(const report_t *r)
{
	char v[64], key[TEXT_ESCAPED_MAX(80)], label[TEXT_ESCAPED_MAX(128)];
	int wk = (int)strlen(r->key_head), wl = r->label_head ? (int)strlen(r->label_head) : 0;
	int wc[REPORT_COLS];
	for (int c = 0; c < r->ncols; c++)
		wc[c] = (int)strlen(r->cols[c]);
	for (int i = 0; i < r->nrows; i++) {
		text_escape(key, sizeof key, r->rows[i].key, TEXT_LINE);
		wk = max_int(wk, (int)strlen(key));
		if (r->label_head) {
			text_escape(label, sizeof label, r->rows[i].label, TEXT_LINE);
			wl = max_int(wl, (int)strlen(label));
		}
		for (int c = 0; c < r->ncols; c++) {
			report_value_text(r, i, c, v, sizeof v);
			wc[c] = max_int(wc[c], (int)strlen(v));
		}
	}
	if (wl > 48)
		wl = 48;
	printf("%s\n", r->title);
	printf("From %s to %s, by %s\n\n", r->from[0] ? r->from : "the first record",
	       r->to[0] ? r->to : "the last", r->by);
	printf("%-*s", wk, r->key_head);
	if (r->label_head)
		printf("  %-*s", wl, r->label_head);
	for (int c = 0; c < r->ncols; c++)
		printf("  %*s", wc[c], r->cols[c]);
	putchar('\n');
	for (int i = 0; i < r->nrows; i++) {
		text_escape(key, sizeof key, r->rows[i].key, TEXT_LINE);
		printf("%-*s", wk, key);
		if (r->label_head) {
			text_escape(label, sizeof label, r->rows[i].label, TEXT_LINE);
			printf("  %-*.*s", wl, wl, label);
		}
		for (int c = 0; c < r->ncols; c++) {
			report_value_text(r, i, c, v, sizeof v);
			printf("  %*s", wc[c], v);
		}
		putchar('\n');
	}
	if (!r->nrows)
		printf("(nothing in this range)\n");
	if (r->note[0])
		printf("\n%s\n", r->note);
}

static int cmd_report(cli_t *c)
{
	const char *format = cli_val(c, "format");
	report_req_t q = {c->argc > 1 ? c->argv[1] : NULL, cli_val(c, "from"), cli_val(c, "to"),
	                  cli_val(c, "by")};
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	report_t *r = NULL;
	msg_t m;
	status_t st;
	msg_clear(&m);
	if (c->help) {
		help();
		return 0;
	}
	if (c->argc != 2)
		return cli_usage_error(report_usage, c->argc < 2
		                                         ? "name a report (chartroom report -h "
		                                           "lists them)"
		                                         : "one report at a time");
	if (format && strcmp(format, "table") != 0 && strcmp(format, "csv") != 0)
		return cli_usage_error(report_usage, "--format is table or csv");
	/* A bad name, date or grouping is refused before signing on. */
	if ((st = report_check(&q, &m)) != STATUS_OK)
		return st == STATUS_USAGE ? cli_usage_error(report_usage, m.text)
		                          : cli_fail(st, m.text);
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	st = report_run(s, &q, &r, &m);
	if (st == STATUS_OK) {
		if (format && strcmp(format, "csv") == 0)
			print_csv(r);
		else
			print_table(r);
	}
	report_free(r);
	cli_sign_off(clinic, s);
	return st == STATUS_OK ? 0 : cli_fail(st, m.text);
}

static const cli_optspec_t report_opts[] = {{"from", 0, 1, NULL},
                                            {"to", 0, 1, NULL},
                                            {"by", 0, 1, NULL},
                                            {"format", 0, 1, NULL},
                                            {NULL, 0, 0, NULL}};

const cli_command_t cli_report_command = {
    "report", cmd_report, "quality and operations reports", report_usage, report_opts, NULL,
    0,        NULL};
