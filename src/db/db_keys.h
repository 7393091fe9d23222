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

/* One row of domain_keys. */
typedef struct db_domain_key {
	char domain[16];
	int version;
	int active; /* 0: retired (core/rotate.h) */
	char created[24];
} db_domain_key_t;

/* Every domain_keys row, by domain and version; fn's non-zero return
 * stops. */
status_t db_domain_key_each(db_t *db, int (*fn)(const db_domain_key_t *k, void *arg), void *arg,
			    msg_t *m);
/* One more than the highest version a domain ever had (1 if none):
 * versions are never reused. */
status_t db_domain_key_next(db_t *db, const char *domain, int *version, msg_t *m);
/* Mark a version retired (active = 0). */
status_t db_domain_key_retire(db_t *db, const char *domain, int version, msg_t *m);
/* Is this version of the domain active (recorded and not retired)? */
status_t db_domain_key_active(db_t *db, const char *domain, int version, int *active, msg_t *m);
/* Is this version of the domain recorded as retired? */
status_t db_domain_key_retired(db_t *db, const char *domain, int version, int *retired,
			       msg_t *m);

/* Insert or replace a wrap. */
status_t db_wrap_put(db_t *db, const db_wrap_t *w, msg_t *m);
/* Call fn for every wrap a holder has; non-zero return stops. */
status_t db_wrap_each(db_t *db, const char *holder, int (*fn)(const db_wrap_t *w, void *arg),
		      void *arg, msg_t *m);
/* Delete one holder's wrap of a domain (all versions), or all of the
 * holder's wraps when domain is NULL. */
status_t db_wrap_delete(db_t *db, const char *holder, const char *domain, msg_t *m);

/* Does holder have a wrap or a grant of (domain, version)? */
status_t db_key_has(db_t *db, const char *holder, const char *domain, int version, int *has,
		    msg_t *m);
/* Delete every wrap and grant of (domain, version), whoever holds it:
 * the version is destroyed. *wraps and *grants (may be NULL) count what
 * went. */
status_t db_key_version_delete(db_t *db, const char *domain, int version, int64_t *wraps,
			       int64_t *grants, msg_t *m);
/* Enabled accounts holding (domain, version), wrapped or granted. */
status_t db_key_version_holders(db_t *db, const char *domain, int version, int64_t *count,
				msg_t *m);
/* Wraps and grants of (domain, version) left, every holder. */
status_t db_key_version_count(db_t *db, const char *domain, int version, int64_t *count,
			      msg_t *m);

/* What still needs a version of a key (the check before it is destroyed,
 * core/rotate.h): values stored under it. "demo": the two patients
 * ciphertexts, encounter locations, every chart row MAC and chart head;
 * "clin": clinical ciphertexts, and reasons for visit sealed to it or to
 * no named version; "index": patients rows whose match set lacks
 * `marker` (the current index version's mark, core/pindex.h). */
status_t db_key_version_uses(db_t *db, const char *domain, int version,
			     const unsigned char *marker, size_t marker_len, int64_t *count,
			     msg_t *m);

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
