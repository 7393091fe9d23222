/* db_providers.h - the SQL of the providers table (migration 022): provider
 * records that are not user accounts (core/provider.h). Every column is
 * clear; the MAC stays opaque here. */
#ifndef CHARTROOM_DB_PROVIDERS_H
#define CHARTROOM_DB_PROVIDERS_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

#define DB_PRV_SYSTEM_MAX 120
#define DB_PRV_VALUE_MAX 64
#define DB_PRV_NAME_MAX 100
#define DB_PRV_TEXT_MAX 100

typedef struct db_provider {
	int64_t prvrow;
	char id[33];
	char system[DB_PRV_SYSTEM_MAX + 1], value[DB_PRV_VALUE_MAX + 1];
	char name[DB_PRV_NAME_MAX + 1], gender[8];
	char speciality[DB_PRV_TEXT_MAX + 1], organization[DB_PRV_TEXT_MAX + 1];
	char location[DB_PRV_TEXT_MAX + 1];
	char created[24], created_by[72];
	unsigned char mac[64];
	size_t mac_len;
	int toolong; /* a column longer than Chartroom writes: only by tampering */
} db_provider_t;

typedef int (*db_provider_fn)(const db_provider_t *p, void *arg);

/* The next free row number. */
status_t db_provider_next(db_t *db, int64_t *prvrow, msg_t *m);
status_t db_provider_insert(db_t *db, const db_provider_t *p, msg_t *m);
/* The row of (system, value), or of id: STATUS_NOTFOUND when none. */
status_t db_provider_find(db_t *db, const char *system, const char *value, db_provider_t *out,
			  msg_t *m);
status_t db_provider_get(db_t *db, const char *id, db_provider_t *out, msg_t *m);
/* Every row, by name then row number. */
status_t db_provider_each(db_t *db, db_provider_fn fn, void *arg, msg_t *m);
/* The audit key's rotation: the MAC made anew. */
status_t db_provider_set_mac(db_t *db, int64_t prvrow, const unsigned char *mac, size_t len,
			     msg_t *m);

#endif
