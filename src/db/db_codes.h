/* db_codes.h - code-set versions, codes and their full-text index (FTS5),
 * and the diagnoses and procedures coded on encounters. */
#ifndef CHARTROOM_DB_CODES_H
#define CHARTROOM_DB_CODES_H

#include <stdint.h>

#include "db/db.h"

typedef struct db_codeset {
	int64_t vid;
	char system[12], version[32], effective[11], imported[24], imported_by[72];
	int64_t codes, billable;
	char digest[65];
	int64_t rid_lo, rid_hi; /* the version's code_rows ids */
} db_codeset_t;

typedef struct db_code {
	char code[16]; /* no dot */
	int billable;
	const char *desc; /* valid during the callback */
} db_code_t;

typedef int (*db_codeset_fn)(const db_codeset_t *v, void *arg);
typedef int (*db_code_fn)(const db_code_t *c, void *arg);

/* STATUS_NOTFOUND if the system has no such version. */
status_t db_codeset_get(db_t *db, const char *system, const char *version, db_codeset_t *out,
			msg_t *m);
status_t db_codeset_create(db_t *db, db_codeset_t *v, msg_t *m); /* sets vid */
status_t db_codeset_set_counts(db_t *db, int64_t vid, int64_t codes, int64_t billable, msg_t *m);
status_t db_codeset_each(db_t *db, db_codeset_fn fn, void *arg, msg_t *m);
/* The version in effect on date (largest effective <= date). */
status_t db_codeset_on(db_t *db, const char *system, const char *date, db_codeset_t *out,
		       msg_t *m);

status_t db_code_insert(db_t *db, int64_t vid, const char *code, int billable, const char *shortd,
			const char *longd, const char *words, msg_t *m);
/* One code of a version: STATUS_NOTFOUND if absent. */
status_t db_code_get(db_t *db, int64_t vid, const char *code, db_code_fn fn, void *arg, msg_t *m);
/* Codes of a version starting with prefix, in code order. */
status_t db_code_prefix(db_t *db, int64_t vid, const char *prefix, int limit, db_code_fn fn,
			void *arg, msg_t *m);
/* Full-text search within one version (v), in code order: fts is an FTS5
 * query. */
status_t db_code_search(db_t *db, const db_codeset_t *v, const char *fts, int limit,
			db_code_fn fn, void *arg, msg_t *m);

/* Encounter coding. */
typedef struct db_dx {
	int seq;
	char code[16];
} db_dx_t;

typedef struct db_px {
	int line;
	char system[8], code[16], modifiers[24], pointers[40];
	int units;
} db_px_t;

/* An encounter's diagnoses by sequence, procedures by line. More rows
 * than max, or a value Chartroom never writes (too long, units out of
 * range: only by tampering), make *n max + 1. */
status_t db_dx_load(db_t *db, int64_t erow, db_dx_t *out, int max, int *n, msg_t *m);
status_t db_px_load(db_t *db, int64_t erow, db_px_t *out, int max, int *n, msg_t *m);
/* Replace an encounter's whole coding. */
status_t db_coding_store(db_t *db, int64_t erow, const db_dx_t *dx, int ndx, const db_px_t *px,
			 int npx, msg_t *m);
/* The coding status and the MAC over it and the coding (core/integrity.h),
 * and when and by whom it became final (both NULL when it is not final:
 * the turnaround report's clear columns, outside the MAC). */
status_t db_coding_status_set(db_t *db, int64_t erow, const char *status,
			      const unsigned char *coding_mac, size_t mac_len, const char *final_at,
			      const char *final_by, msg_t *m);

typedef struct db_queue_row {
	int64_t erow, prow;
	char start[24], closed_at[24], type[48], provider[72], coding_status[16];
} db_queue_row_t;

/* Closed encounters whose coding is not final, oldest start (date of
 * service) first. */
status_t db_coding_queue(db_t *db, int (*fn)(const db_queue_row_t *q, void *arg), void *arg,
			 msg_t *m);

#endif
