/* db_integrity.h - the SQL behind binding rows to their chart
 * (core/integrity.h): chart heads, the (row number, MAC) sets of a chart's
 * tables, row numbers chosen before an insert, and the batches of the
 * re-sealing of old databases. MACs stay opaque here. */
#ifndef CHARTROOM_DB_INTEGRITY_H
#define CHARTROOM_DB_INTEGRITY_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* The tables whose rows belong to a chart, as the head lists them. The
 * numbers are stored in heads: never renumber. */
#define DB_CHART_TABLES(X)                                                     \
	X(ENCOUNTERS, 1, "encounters")                                         \
	X(CODING, 2, "encounter_dx/encounter_px")                             \
	X(VITALS, 3, "vitals")                                                 \
	X(ALLERGIES, 4, "allergies")                                           \
	X(ALLERGY_REVIEW, 5, "allergy_review")                                 \
	X(MEDICATIONS, 6, "medications")                                       \
	X(PROBLEMS, 7, "problems")                                             \
	X(NOTES, 8, "notes")                                                   \
	X(BTG, 9, "btg_queue")                                                 \
	X(IDENTIFIERS, 10, "patient_identifiers")                             \
	X(PROCEDURES, 11, "procedure_history")

typedef enum {
#define DB_CT_ENUM(id, num, name) DB_CT_##id = num,
	DB_CHART_TABLES(DB_CT_ENUM)
#undef DB_CT_ENUM
	DB_CT_END
} db_chart_table_t;

/* The table's name as stored ("encounters"; the coding is
 * "encounter_dx/encounter_px"), or "?" . */
const char *db_chart_table_name(db_chart_table_t t);

/* A chart head: stored as the row of chart_heads for prow. rows is
 * malloc'd by db_chart_head_get (free with free()). */
typedef struct db_chart_head {
	int64_t prow, seq;
	unsigned char *rows;
	size_t rows_len;
	unsigned char mac[64];
	size_t mac_len;
	int toolong; /* the MAC column is longer than any written: only by tampering */
} db_chart_head_t;

/* STATUS_NOTFOUND when the chart has no head. */
status_t db_chart_head_get(db_t *db, int64_t prow, db_chart_head_t *out, msg_t *m);
status_t db_chart_head_put(db_t *db, const db_chart_head_t *h, msg_t *m);
/* Every head, by prow, with its patient's id (rows valid during the
 * call). */
status_t db_chart_head_each(db_t *db,
			    int (*fn)(const db_chart_head_t *h, const char *patient_id, void *arg),
			    void *arg, msg_t *m);
/* Does anything but chart heads make the table non-empty? (*any 0/1) */
status_t db_chart_head_any(db_t *db, int *any, msg_t *m);

/* fn(row number, stored MAC, its length) for every row of table t that
 * belongs to prow (the coding: every encounter's coding_mac). */
status_t db_chart_rows(db_t *db, db_chart_table_t t, int64_t prow,
		       int (*fn)(int64_t row, const unsigned char *mac, size_t len, void *arg),
		       void *arg, msg_t *m);
/* The patients that have rows in any of these tables, by prow. */
status_t db_chart_patients_with_rows(db_t *db, int (*fn)(int64_t prow, void *arg), void *arg,
				     msg_t *m);
/* Does prow have a row in any of the tables? */
status_t db_chart_has_rows(db_t *db, int64_t prow, int *any, msg_t *m);

/* The number the next row of table t gets (inside the write transaction
 * that inserts it). */
status_t db_row_next(db_t *db, db_chart_table_t t, int64_t *out, msg_t *m);

/* Up to max patient row numbers greater than after, ascending. */
status_t db_patients_after(db_t *db, int64_t after, int64_t *out, int max, int *n, msg_t *m);

#endif
