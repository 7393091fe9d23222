/* db_imports.h - the imports table (migration 012): one row per patient
 * import, its file's digest and how many of its rows are committed, moved
 * in the same transaction as each batch so an import can resume. */
#ifndef CHARTROOM_DB_IMPORTS_H
#define CHARTROOM_DB_IMPORTS_H

#include <stdint.h>

#include "base/status.h"
#include "db/db.h"

#define DB_IMPORT_DIGEST_LEN 32

typedef struct db_import {
	int64_t id;
	unsigned char digest[DB_IMPORT_DIGEST_LEN];
	int64_t rows_total;
	int64_t rows_done;
	char started[24];
	char started_by[72];
	char finished[24]; /* "" while it runs or was stopped */
} db_import_t;

/* The newest import of a file with this digest: STATUS_NOTFOUND if none. */
status_t db_import_find(db_t *db, const unsigned char digest[DB_IMPORT_DIGEST_LEN],
			db_import_t *out, msg_t *m);

/* A new import (inside a transaction); out->id is set. */
status_t db_import_add(db_t *db, db_import_t *imp, msg_t *m);

/* Inside a batch's transaction: rows_done goes from `from` to `to` (and
 * finished is set when `finished` is non-NULL). STATUS_CONFLICT when
 * rows_done is no longer `from` (another process runs this import). */
status_t db_import_progress(db_t *db, int64_t id, int64_t from, int64_t to,
			    const char *finished, msg_t *m);

#endif
