/* db_clinical.h - encounters, vitals, allergies, medications, problems and
 * notes. Rows are handed to callbacks; text and blob pointers in them are
 * valid only during the callback. Ciphertext stays opaque here. */
#ifndef CHARTROOM_DB_CLINICAL_H
#define CHARTROOM_DB_CLINICAL_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

typedef struct db_blob {
	const unsigned char *p;
	size_t n;
} db_blob_t;

typedef struct db_encounter {
	int64_t erow, prow;
	char id[33];
	char start[24], type[48], provider[72], location[72];
	db_blob_t reason;
	char status[12], closed_at[24], closed_by[72], coding_status[16];
	char created[24], created_by[72];
} db_encounter_t;

typedef struct db_vitals {
	int64_t vrow, erow, prow;
	char taken[24], recorded_by[72];
	int systolic, diastolic, pulse, resp, spo2; /* -1: not taken */
	double temp_c, height_cm, weight_kg, bmi;  /* < 0: not taken */
} db_vitals_t;

/* Allergies, medications and problems share one shape: two ciphertexts
 * (a, b), a code-like plain field, two dates and a status. */
typedef enum { DB_ALLERGY, DB_MEDICATION, DB_PROBLEM } db_item_kind_t;

typedef struct db_item {
	db_item_kind_t kind;
	int64_t row, prow;
	char id[33];
	db_blob_t a;       /* substance / drug name / description */
	db_blob_t b;       /* reaction / dose / (none) */
	char code[48];     /* severity / route / ICD-10-CM code */
	char extra[48];    /* (none) / frequency / (none) */
	char date1[24];    /* (none) / start / onset */
	char date2[24];    /* (none) / stop / (none) */
	char status[20];
	char recorded[24], recorded_by[72];
} db_item_t;

typedef struct db_note {
	int64_t nrow, erow, prow, addendum_of; /* addendum_of 0: an original note */
	char id[33];
	char author[72], created[24], updated[24];
	db_blob_t body;
	char status[10], signed_by[72], signed_at[24];
	int version;
} db_note_t;

typedef int (*db_encounter_fn)(const db_encounter_t *e, void *arg);
typedef int (*db_vitals_fn)(const db_vitals_t *v, void *arg);
typedef int (*db_item_fn)(const db_item_t *it, void *arg);
typedef int (*db_note_fn)(const db_note_t *n, void *arg);

status_t db_encounter_insert(db_t *db, db_encounter_t *e, msg_t *m); /* sets erow */
status_t db_encounter_get(db_t *db, int64_t erow, db_encounter_fn fn, void *arg, msg_t *m);
status_t db_encounter_list(db_t *db, int64_t prow, db_encounter_fn fn, void *arg, msg_t *m);
/* open -> closed; STATUS_CONFLICT if it was not open. */
status_t db_encounter_close(db_t *db, int64_t erow, const char *when, const char *by, msg_t *m);
/* Date (YYYY-MM-DD) of the patient's latest encounter, "" if none. */
status_t db_encounter_last(db_t *db, int64_t prow, char out[11], msg_t *m);
/* The same for up to DB_ENCOUNTER_LAST_MANY patients at once, with one
 * statement when they are more than DB_ENCOUNTER_LAST_FEW: out[i] is
 * prows[i]'s last visit, "" if none. */
#define DB_ENCOUNTER_LAST_MANY 64
#define DB_ENCOUNTER_LAST_FEW 4
status_t db_encounter_last_many(db_t *db, const int64_t *prows, int n, char (*out)[11],
				msg_t *m);

status_t db_vitals_insert(db_t *db, db_vitals_t *v, msg_t *m);
/* Newest first, at most limit. */
status_t db_vitals_list(db_t *db, int64_t prow, int limit, db_vitals_fn fn, void *arg, msg_t *m);
/* The latest recorded height of a patient, or -1. */
status_t db_vitals_last_height(db_t *db, int64_t prow, double *cm, msg_t *m);

status_t db_item_insert(db_t *db, db_item_t *it, const unsigned char *a, size_t an,
			const unsigned char *b, size_t bn, msg_t *m);
status_t db_item_list(db_t *db, db_item_kind_t kind, int64_t prow, db_item_fn fn, void *arg,
		      msg_t *m);
status_t db_item_get(db_t *db, db_item_kind_t kind, int64_t row, db_item_fn fn, void *arg,
		     msg_t *m);
status_t db_item_set_status(db_t *db, db_item_kind_t kind, int64_t row, const char *status,
			    const char *when, const char *by, msg_t *m);

/* No-known-allergies statement: nka -1 (none recorded), 0 or 1. */
status_t db_nka_set(db_t *db, int64_t prow, int nka, const char *when, const char *by, msg_t *m);
status_t db_nka_get(db_t *db, int64_t prow, int *nka, char when[24], char by[72], msg_t *m);

status_t db_note_insert(db_t *db, db_note_t *n, const unsigned char *body, size_t len, msg_t *m);
status_t db_note_get(db_t *db, int64_t nrow, db_note_fn fn, void *arg, msg_t *m);
/* Notes of an encounter, originals in order each followed by its
 * addenda. */
status_t db_note_list(db_t *db, int64_t erow, db_note_fn fn, void *arg, msg_t *m);
/* Replace a draft's body if still at expect_version (STATUS_CONFLICT
 * otherwise, or if it was signed meanwhile). */
status_t db_note_update(db_t *db, int64_t nrow, const unsigned char *body, size_t len,
			int expect_version, const char *when, msg_t *m);
status_t db_note_sign(db_t *db, int64_t nrow, int expect_version, const char *by,
		      const char *when, msg_t *m);
/* Drafts created before `before` (deficiencies), oldest first. */
status_t db_note_drafts(db_t *db, const char *before, db_note_fn fn, void *arg, msg_t *m);

#endif
