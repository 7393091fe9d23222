/* db_extid.h - the SQL of patient_identifiers (migration 018): a
 * patient's identifiers in other systems, value encrypted, with a blind
 * index token for the lookup and a row MAC (core/extid.h). Blobs stay
 * opaque here. */
#ifndef CHARTROOM_DB_EXTID_H
#define CHARTROOM_DB_EXTID_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

#define DB_EXTID_SYSTEM_MAX 120 /* the system URI */
#define DB_EXTID_CT_MAX 512     /* the value's ciphertext */
#define DB_EXTID_TOKEN_LEN 16

typedef struct db_extid {
	int64_t xrow, prow;
	char id[33];
	char system[DB_EXTID_SYSTEM_MAX + 1];
	unsigned char value_ct[DB_EXTID_CT_MAX];
	size_t value_len;
	unsigned char token[DB_EXTID_TOKEN_LEN];
	size_t token_len;
	int token_version;
	char created[24], created_by[72];
	unsigned char mac[64];
	size_t mac_len;
	int toolong; /* a column holds what Chartroom never writes: only by tampering */
} db_extid_t;

/* xrow chosen by the caller (db_row_next). */
status_t db_extid_insert(db_t *db, const db_extid_t *x, msg_t *m);
/* A patient's rows, by xrow. */
status_t db_extid_list(db_t *db, int64_t prow, int (*fn)(const db_extid_t *x, void *arg),
		       void *arg, msg_t *m);
/* The rows of system whose token is one of tok (each DB_EXTID_TOKEN_LEN
 * bytes), any patient. */
status_t db_extid_find(db_t *db, const char *system, const unsigned char *tok, int ntok,
		       int (*fn)(const db_extid_t *x, void *arg), void *arg, msg_t *m);
/* A key rotation: the value, token and MAC made anew. */
status_t db_extid_reseal(db_t *db, const db_extid_t *x, msg_t *m);

#endif
