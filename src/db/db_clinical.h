/* db_clinical.h - encounters, vitals, allergies, medications, problems and
 * notes. Rows are handed to callbacks; text and blob pointers in them are
 * valid only during the callback. Ciphertext and MACs stay opaque here:
 * core computes and checks them (core/integrity.h). Rows are inserted with
 * the number core chose for them (db_row_next), because a row's MAC covers
 * its number. */
#ifndef CHARTROOM_DB_CLINICAL_H
#define CHARTROOM_DB_CLINICAL_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

typedef struct db_blob {
	const unsigned char *p;
	size_t n; /* 0: SQL NULL (or empty) */
} db_blob_t;

typedef struct db_encounter {
	int64_t erow, prow;
	char id[33];
	char start[24], type[48], provider[72];
	char location[72];   /* the clear column of old rows; "" once sealed */
	db_blob_t location_ct;
	char site[48];       /* [clinic] sites name the location begins with; "" none */
	char provider_ref[33]; /* its provider record (022), "" none */
	char source[12];       /* 'synthea' or 'fhir': an imported history (022), "" none */
	db_blob_t reason;
	char status[12], closed_at[24], closed_by[72], coding_status[16]; /* NULL reads "" */
	char created[24], created_by[72];
	db_blob_t mac, coding_mac;
	int toolong; /* a text column was longer than its buffer: only by tampering */
} db_encounter_t;

typedef struct db_vitals {
	int64_t vrow, erow, prow;
	char id[33];         /* "" on rows from before 007 */
	char taken[24], recorded_by[72];
	int systolic, diastolic, pulse, resp, spo2; /* -1: not taken */
	double temp_c, height_cm, weight_kg, bmi;  /* < 0: not taken */
	db_blob_t mac;
	int toolong; /* a text column was longer than its buffer: only by tampering */
} db_vitals_t;

/* Allergies, medications and problems share one shape: ciphertexts (a, b,
 * c), a code-like plain field, two dates and a status. */
typedef enum { DB_ALLERGY, DB_MEDICATION, DB_PROBLEM, DB_PROCEDURE } db_item_kind_t;

typedef struct db_item {
	db_item_kind_t kind;
	int64_t row, prow;
	char id[33];
	db_blob_t a;       /* substance / drug name / description / description */
	db_blob_t b;       /* reaction / dose / (none) / (none) */
	db_blob_t c;       /* (none) / frequency / (none) / (none) */
	char code[48];     /* severity / route / ICD-10-CM code / SNOMED CT code */
	char extra[48];    /* (none) / the clear frequency of old rows / (none) / (none) */
	char date1[24];    /* (none) / start / onset / performed */
	char date2[24];    /* (none) / stop / (none) */
	char status[20];
	char recorded[24], recorded_by[72];
	char updated[24], updated_by[72]; /* allergies only */
	db_blob_t mac;
	int toolong; /* a text column was longer than its buffer: only by tampering */
} db_item_t;

typedef struct db_note {
	int64_t nrow, erow, prow, addendum_of; /* addendum_of 0: an original note */
	char id[33];
	char author[72], created[24], updated[24];
	db_blob_t body;
	char status[10], signed_by[72], signed_at[24];
	int version;
	db_blob_t mac;
	int toolong; /* a text column was longer than its buffer: only by tampering */
} db_note_t;

/* A patient's "no known allergies" statement: nka -1 when none was ever
 * recorded (then the other fields are empty). */
#define DB_MAC_MAX 64
typedef struct db_nka {
	int64_t prow;
	int nka;
	char reviewed[24], reviewed_by[72];
	unsigned char mac[DB_MAC_MAX];
	size_t mac_len;
	int toolong; /* a text column was longer than its buffer: only by tampering */
} db_nka_t;

typedef int (*db_encounter_fn)(const db_encounter_t *e, void *arg);
typedef int (*db_vitals_fn)(const db_vitals_t *v, void *arg);
typedef int (*db_item_fn)(const db_item_t *it, void *arg);
typedef int (*db_note_fn)(const db_note_t *n, void *arg);

/* Inserts: e->erow (and the others' row numbers) as chosen by
 * db_row_next; the rows' blobs and MACs as given. */
status_t db_encounter_insert(db_t *db, const db_encounter_t *e, msg_t *m);
status_t db_encounter_get(db_t *db, int64_t erow, db_encounter_fn fn, void *arg, msg_t *m);
status_t db_encounter_list(db_t *db, int64_t prow, db_encounter_fn fn, void *arg, msg_t *m);
/* open -> closed with the new MAC; STATUS_CONFLICT if it was not open. */
status_t db_encounter_close(db_t *db, int64_t erow, const char *when, const char *by,
			    const unsigned char *mac, size_t mac_len, msg_t *m);
/* Date (YYYY-MM-DD) of the patient's latest encounter, "" if none. */
status_t db_encounter_last(db_t *db, int64_t prow, char out[11], msg_t *m);
/* The same for up to DB_ENCOUNTER_LAST_MANY patients at once, with one
 * statement when they are more than DB_ENCOUNTER_LAST_FEW: out[i] is
 * prows[i]'s last visit, "" if none. */
#define DB_ENCOUNTER_LAST_MANY 64
#define DB_ENCOUNTER_LAST_FEW 4
status_t db_encounter_last_many(db_t *db, const int64_t *prows, int n, char (*out)[11],
				msg_t *m);

status_t db_vitals_insert(db_t *db, const db_vitals_t *v, msg_t *m);
/* One row (fn not called if there is none). */
status_t db_vitals_get(db_t *db, int64_t vrow, db_vitals_fn fn, void *arg, msg_t *m);
/* Newest first, at most limit (limit < 0: all). */
status_t db_vitals_list(db_t *db, int64_t prow, int limit, db_vitals_fn fn, void *arg, msg_t *m);

status_t db_item_insert(db_t *db, const db_item_t *it, msg_t *m);
status_t db_item_list(db_t *db, db_item_kind_t kind, int64_t prow, db_item_fn fn, void *arg,
		      msg_t *m);
status_t db_item_get(db_t *db, db_item_kind_t kind, int64_t row, db_item_fn fn, void *arg,
		     msg_t *m);
/* Write it's status, stop date (medications), updated/updated_by
 * (allergies) and MAC. */
status_t db_item_update(db_t *db, const db_item_t *it, msg_t *m);

/* The no-known-allergies statement of a patient (out->nka -1 if none). */
status_t db_nka_get(db_t *db, int64_t prow, db_nka_t *out, msg_t *m);
status_t db_nka_set(db_t *db, const db_nka_t *n, msg_t *m);

status_t db_note_insert(db_t *db, const db_note_t *n, msg_t *m);
status_t db_note_get(db_t *db, int64_t nrow, db_note_fn fn, void *arg, msg_t *m);
/* Notes of an encounter, originals in order each followed by its
 * addenda. */
status_t db_note_list(db_t *db, int64_t erow, db_note_fn fn, void *arg, msg_t *m);
/* Every note of a patient, by number. */
status_t db_note_list_patient(db_t *db, int64_t prow, db_note_fn fn, void *arg, msg_t *m);
/* Replace a draft's body if still at expect_version (STATUS_CONFLICT
 * otherwise, or if it was signed meanwhile); the version becomes +1. */
status_t db_note_update(db_t *db, int64_t nrow, const unsigned char *body, size_t len,
			int expect_version, const char *when, const unsigned char *mac,
			size_t mac_len, msg_t *m);
status_t db_note_sign(db_t *db, int64_t nrow, int expect_version, const char *by,
		      const char *when, const unsigned char *mac, size_t mac_len, msg_t *m);
/* Drafts created before `before` (deficiencies), oldest first. */
status_t db_note_drafts(db_t *db, const char *before, db_note_fn fn, void *arg, msg_t *m);

/* ---- re-sealing rows from before 007 (core/reseal.c) ---- */

status_t db_encounter_reseal(db_t *db, int64_t erow, db_blob_t location_ct, db_blob_t reason,
			     db_blob_t mac, db_blob_t coding_mac, msg_t *m);
status_t db_vitals_reseal(db_t *db, int64_t vrow, const char *id, db_blob_t mac, msg_t *m);
status_t db_item_reseal(db_t *db, db_item_kind_t kind, int64_t row, db_blob_t a, db_blob_t b,
			db_blob_t c, db_blob_t mac, msg_t *m);
/* A signed note too (the trigger lets this one statement through). */
status_t db_note_reseal(db_t *db, int64_t nrow, db_blob_t body, db_blob_t mac, msg_t *m);

#endif
