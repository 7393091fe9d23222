/* db_report.h - the SQL of the reports (core/report.h): aggregates over
 * clear columns only (types, providers, dates, statuses, codes, report
 * flags, audit actions), never a ciphertext. Each query returns its groups
 * through a callback; core assembles, names and orders them.
 *
 * Dates: a range is [from_utc, to_utc) over stored UTC times. A local
 * date ("YYYY-MM-DD" in the clinic's zone) is made with SQLite's
 * 'localtime' modifier, so the caller must have made the clinic's zone
 * the process's (base/tz.h tz_apply). (Counting per UTC quarter hour
 * first and converting only those was tried: slower than converting every
 * row, which SQLite does in well under a microsecond.) */
#ifndef CHARTROOM_DB_REPORT_H
#define CHARTROOM_DB_REPORT_H

#include <stdint.h>

#include "db/db.h"

/* What a query groups by. */
typedef enum {
	DBR_TYPE,     /* encounter type */
	DBR_PROVIDER, /* encounter provider */
	DBR_DAY,      /* local date of service (or of the event) */
	DBR_WEEK,     /* its Monday */
	DBR_MONTH,    /* "YYYY-MM" */
	DBR_CODE,     /* ICD-10-CM code */
	DBR_CHAPTER,  /* ICD-10-CM chapter number, "01".."22"; "--" outside them */
	DBR_CODER,    /* who finalised the coding */
	DBR_BUCKET,   /* backlog age bucket, "1".."5" */
	DBR_USER,     /* access: the user */
	DBR_SITE,     /* encounter site ([clinic] sites; NULL: not a listed site) */
	DBR_NONE      /* one group: "" */
} db_group_t;

#define DBR_VALUES 6

/* One group: its key, a label where the query has one (a code's short
 * description), and up to DBR_VALUES numbers (as each query says). */
typedef struct db_report_row {
	char key[80];
	char label[128];
	double v[DBR_VALUES];
} db_report_row_t;

typedef int (*db_report_fn)(const db_report_row_t *r, void *arg);

/* The range of a query, UTC, end excluded; and today's local date for the
 * backlog's ages. */
typedef struct db_report_range {
	const char *from_utc; /* "YYYY-MM-DDTHH:MM:SSZ" */
	const char *to_utc;
	const char *today; /* "YYYY-MM-DD" */
} db_report_range_t;

/* Encounters whose service starts in the range, by type, provider, day,
 * week or month: v[0] encounters, v[1] closed, v[2] with final coding. */
status_t db_report_visits(db_t *db, const db_report_range_t *q, db_group_t g, db_report_fn fn,
                          void *arg, msg_t *m);

/* Diagnoses coded on encounters in the range, by code (label: the short
 * description of the newest code-set version having it) or chapter:
 * v[0] diagnoses, v[1] as the primary, v[2] encounters. */
status_t db_report_diagnoses(db_t *db, const db_report_range_t *q, db_group_t g, db_report_fn fn,
                             void *arg, msg_t *m);

/* Time from the start of service to final coding, for encounters in the
 * range with a final coding time, as a histogram: one row per (group,
 * whole hours), key the group, v[0] the hours, v[1] encounters. Groups:
 * coder, provider, type, month, or none. */
status_t db_report_turnaround(db_t *db, const db_report_range_t *q, db_group_t g, db_report_fn fn,
                              void *arg, msg_t *m);

/* Closed encounters in the range whose coding is not final, by age in
 * days (today minus the local date of service): key the bucket ("1" 0-3,
 * "2" 4-7, "3" 8-14, "4" 15-30, "5" over 30) with g DBR_BUCKET, else the
 * provider or type and then label the bucket; v[0] encounters, v[1]
 * uncoded, v[2] coded, v[3] verified. */
status_t db_report_backlog(db_t *db, const db_report_range_t *q, db_group_t g, db_report_fn fn,
                           void *arg, msg_t *m);

/* The quality measures, one row each, key the measure's name: v[0] the
 * count, v[1] what it is counted among. Keys: "patients",
 * "unchecked" (no report flags yet), "no_phone", "no_address", "bad_zip",
 * "bad_phone" (of patients with flags), "duplicates" (registered over a
 * likely-duplicate warning: the audit's patient_register_anyway entries,
 * distinct patients still registered), "no_allergy_status" (no allergy
 * recorded and no "no known allergies"), "no_vitals" (encounters in the
 * range without a vitals row). */
status_t db_report_quality(db_t *db, const db_report_range_t *q, db_report_fn fn, void *arg,
                           msg_t *m);

/* Break-the-glass openings (btg_queue), refusals (audit "denied") and
 * failed sign-ons (audit "login_failed") in the range, by user, day, week
 * or month: v[0] break-the-glass, v[1] refusals, v[2] failed sign-ons. */
status_t db_report_access(db_t *db, const db_report_range_t *q, db_group_t g, db_report_fn fn,
                          void *arg, msg_t *m);

#endif
