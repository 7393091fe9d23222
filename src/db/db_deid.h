/* db_deid.h - the reads of the de-identified export (core/deid.h): the
 * clear columns of the clinical tables (codes, dates, numbers, statuses),
 * one row at a time, and the patients' row numbers a page at a time. No
 * ciphertext is read here except through db_patient_each. */
#ifndef CHARTROOM_DB_DEID_H
#define CHARTROOM_DB_DEID_H

#include <stdint.h>

#include "db/db.h"

typedef enum {
	DB_DEID_ENCOUNTERS, /* a erow, b prow; t: start, type, status, coding_status */
	DB_DEID_DX,         /* a erow, b seq; t: code */
	DB_DEID_PX,         /* a erow, b line; t: system, code, modifiers, units */
	DB_DEID_VITALS,     /* a erow, b prow; t: taken, systolic, diastolic, pulse, resp,
	                       temp_c, spo2, height_cm, weight_kg, bmi ("" not taken) */
	DB_DEID_PROBLEMS,   /* a pbrow, b prow; t: code, onset, status, recorded */
	DB_DEID_MEDS,       /* a mrow, b prow; t: route, start, stop, status, recorded */
	DB_DEID_ALLERGIES,  /* a arow, b prow; t: severity, status, recorded */
	DB_DEID_NKA         /* a prow, b prow; t: reviewed (a "no known allergies" statement) */
} db_deid_set_t;

#define DB_DEID_COLS 10

typedef struct db_deid_row {
	int64_t a, b;
	const char *t[DB_DEID_COLS]; /* "" for NULL; valid during the call */
} db_deid_row_t;

/* Every row of one set, in row-number order: fn(row, arg) until it returns
 * non-zero. Encounters, their diagnoses, procedures and vitals are those
 * whose date of service (the day of encounters.start, UTC) lies in
 * [from, to] (ISO dates, inclusive; NULL: unbounded); entered-in-error
 * rows and problems without a code are left out. Read in one read
 * transaction of the caller's (db_read_begin) or its own statement's. */
status_t db_deid_each(db_t *db, db_deid_set_t set, const char *from, const char *to,
		      int (*fn)(const db_deid_row_t *r, void *arg), void *arg, msg_t *m);

/* Up to max patients' row numbers after `after`, ascending; *n how many. */
status_t db_deid_patient_page(db_t *db, int64_t after, int64_t *prows, int max, int *n,
			      msg_t *m);

#endif
