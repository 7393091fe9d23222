/* db_keys.h - key metadata and wrapped keys: domain_keys, key_wraps,
 * key_grants. Stores only wrapped (encrypted) key material. */
#ifndef CHARTROOM_DB_KEYS_H
#define CHARTROOM_DB_KEYS_H

#include <stddef.h>

#include "db/db.h"

#define DB_KEY_BLOB_MAX 160

typedef struct db_wrap {
	char holder[40];  /* user id, or "recovery" */
	char domain[16];
	int version;
	unsigned char blob[DB_KEY_BLOB_MAX];
	size_t blob_len;
} db_wrap_t;

/* Record that domain key `domain` version `version` exists. */
status_t db_domain_key_add(db_t *db, const char *domain, int version, const char *when,
			   msg_t *m);
/* The newest active version of a domain key (STATUS_NOTFOUND if none). */
status_t db_domain_key_current(db_t *db, const char *domain, int *version, msg_t *m);

/* Insert or replace a wrap. */
status_t db_wrap_put(db_t *db, const db_wrap_t *w, msg_t *m);
/* Call fn for every wrap a holder has; non-zero return stops. */
status_t db_wrap_each(db_t *db, const char *holder, int (*fn)(const db_wrap_t *w, void *arg),
		      void *arg, msg_t *m);
/* Delete one holder's wrap of a domain (all versions), or all of the
 * holder's wraps when domain is NULL. */
status_t db_wrap_delete(db_t *db, const char *holder, const char *domain, msg_t *m);

/* Grants: keys sealed to a user's public key (the same struct; holder is
 * the user id). */
status_t db_grant_put(db_t *db, const db_wrap_t *g, msg_t *m);
status_t db_grant_each(db_t *db, const char *user_id, int (*fn)(const db_wrap_t *g, void *arg),
		       void *arg, msg_t *m);
status_t db_grant_delete(db_t *db, const char *user_id, const char *domain, msg_t *m);

/* How many enabled accounts other than `except` hold a domain's key,
 * wrapped or granted (the recovery key is not an account). */
status_t db_key_holders(db_t *db, const char *domain, const char *except, int *count, msg_t *m);

#endif
