/* report.h - the quality and operations reports (README "Reports"):
 * visits, diagnoses, turnaround, backlog, quality, access, and
 * deficiencies (computed by core/deficiency.h from the charts, each checked
 * whole: the one report that is not a GROUP BY over clear columns).
 *
 * A report is a table: a key column (a type, a code, a day...), an
 * optional label, and up to REPORT_COLS numeric columns, with one column
 * the chart draws (horizontal bars, or a time series when the rows are
 * days, weeks or months, every period in the range present). Every number
 * comes from SQL aggregates over clear columns (db/db_report.h); nothing
 * is decrypted. Dates given and shown are the clinic's ([clinic]
 * timezone). Permission: reports_view; the access report also audit_view
 * (privacy officer, administrator). Each run is audited (report_run,
 * target the report's name, detail its range and grouping). */
#ifndef CHARTROOM_REPORT_H
#define CHARTROOM_REPORT_H

#include "base/status.h"
#include "core/session.h"

#define REPORT_COLS        6
#define REPORT_MAX_PERIODS 3700 /* days in ten years: a longer series is refused */

typedef struct report_row {
	char key[80];
	char label[128];
	double v[REPORT_COLS];
} report_row_t;

typedef struct report {
	const char *name;       /* "visits" */
	const char *title;      /* "Visits by type" */
	char by[16];            /* the grouping used */
	char from[11], to[11];  /* the range as asked, "" when open */
	const char *key_head;   /* the key column's heading */
	const char *label_head; /* the label column's heading, NULL: none */
	int ncols;
	const char *cols[REPORT_COLS];
	int decimals[REPORT_COLS];
	int chart_col; /* the column drawn */
	int series;    /* 1: rows are periods in order (a time series) */
	report_row_t *rows;
	int nrows, cap;
	char note[256]; /* a sentence under the table, or "" */
} report_t;

/* What to run: name, and optionally the range (YYYY-MM-DD or MM/DD/YYYY,
 * both ends included) and the grouping; NULL or "" for the default. */
typedef struct report_req {
	const char *name;
	const char *from;
	const char *to;
	const char *by;
} report_req_t;

/* The reports, in menu order: count, and each one's name, description,
 * the groupings it takes (space-separated, its default first). */
int report_count(void);
const char *report_name(int i);
const char *report_describe(int i);
const char *report_groupings(int i);

/* Check q without running it: STATUS_USAGE with the sentence for the user
 * for an unknown report, a bad date, a range ending before it starts, or
 * a grouping the report does not take. */
status_t report_check(const report_req_t *q, msg_t *m);

/* Run q for s (report_check first; permission; audited). *out is the
 * report (report_free). */
status_t report_run(session_t *s, const report_req_t *q, report_t **out, msg_t *m);

void report_free(report_t *r);

/* Ranges to choose from on screen, relative to today in the clinic's
 * zone: "Last 30 days" (today and the 29 before), "Last 90 days", "Last
 * 12 months" (from the same day a year ago), "This year", "Last year",
 * "All time" (from and to ""). */
int report_preset_count(void);
const char *report_preset_name(int i);
void report_preset_range(const char *zone, int i, char from[11], char to[11]);

/* A number of row r's column c as the table shows it ("12", "3.5"). */
void report_value_text(const report_t *r, int row, int c, char *buf, size_t size);

#endif
