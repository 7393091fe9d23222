/* db_users.h - the users table: staff accounts, their KDF parameters, their
 * public key and wrapped secret key, sign-on counters. */
#ifndef CHARTROOM_DB_USERS_H
#define CHARTROOM_DB_USERS_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

#define DB_ID_LEN 32      /* hex characters of a 128-bit row id */
#define DB_NAME_MAX 64    /* staff log-in name */
#define DB_ROLE_MAX 16
#define DB_TIME_LEN 23    /* "YYYY-MM-DDTHH:MM:SSZ" and room */
#define DB_SALT_LEN 16    /* crypto_pwhash_SALTBYTES */
#define DB_PK_LEN 32      /* crypto_box_PUBLICKEYBYTES */
#define DB_WRAP_MAX 128   /* a wrapped 32-byte key with header, nonce, tag */
#define DB_USER_MAC_LEN 32

typedef struct db_user {
	char id[DB_ID_LEN + 1];
	char name[DB_NAME_MAX + 1];
	char role[DB_ROLE_MAX + 1];
	int disabled;
	int locked;
	int failed_count;
	char last_login[DB_TIME_LEN + 1]; /* "" if never */
	char last_from[64];
	unsigned char kdf_salt[DB_SALT_LEN];
	uint64_t kdf_ops;
	uint64_t kdf_mem;
	unsigned char public_key[DB_PK_LEN];
	unsigned char secret_wrap[DB_WRAP_MAX];
	size_t secret_wrap_len;
	char created[DB_TIME_LEN + 1];
	char updated[DB_TIME_LEN + 1];
	/* Core's MAC over id, name, role, disabled and public key (migration
	 * 008); mac_len 0 for a row not sealed yet. */
	unsigned char mac[DB_USER_MAC_LEN];
	size_t mac_len;
} db_user_t;

/* Insert a new user (STATUS_EXISTS if the name is taken). */
status_t db_user_insert(db_t *db, const db_user_t *u, msg_t *m);

/* Look up by name or id; STATUS_NOTFOUND if absent. */
status_t db_user_get_by_name(db_t *db, const char *name, db_user_t *out, msg_t *m);
status_t db_user_get_by_id(db_t *db, const char *id, db_user_t *out, msg_t *m);
/* Only whether the user is disabled and their role: what every permission
 * check re-reads (STATUS_NOTFOUND if the user is gone). */
status_t db_user_status(db_t *db, const char *id, int *disabled, char role[DB_ROLE_MAX + 1],
			msg_t *m);
/* The same, and in the same statement the key epoch (meta key_epoch, 0 when
 * there is none: core/session.c), which every permission check reads
 * next: one statement instead of two on every search. */
status_t db_user_status_epoch(db_t *db, const char *id, int *disabled,
			      char role[DB_ROLE_MAX + 1], long long *epoch, msg_t *m);

/* Call fn for every user ordered by name; a non-zero return stops. */
status_t db_user_each(db_t *db, int (*fn)(const db_user_t *u, void *arg), void *arg,
		      msg_t *m);

/* Count users (all, or with a role when role is not NULL). */
status_t db_user_count(db_t *db, const char *role, int *out, msg_t *m);

/* Record a successful sign-on: last_login/from set, failures reset. */
status_t db_user_login_ok(db_t *db, const char *id, const char *when, const char *from,
			  msg_t *m);

/* A sign-on chained from the audit journal: last_login and last_from
 * become when and from unless a later sign-on is recorded already. The
 * lockout counter is not touched (a sign-on that must reset it writes
 * db_user_login_ok itself). */
status_t db_user_seen(db_t *db, const char *id, const char *when, const char *from, msg_t *m);

/* Record a failed sign-on: failed_count + 1, locked when it reaches
 * lock_after. *count_out and *locked_out get the new values. */
status_t db_user_login_failed(db_t *db, const char *id, int lock_after, int *count_out,
			      int *locked_out, msg_t *m);

/* Setters used by user management. */
status_t db_user_set_role(db_t *db, const char *id, const char *role, const char *when,
			  msg_t *m);
status_t db_user_set_disabled(db_t *db, const char *id, int disabled, const char *when,
			      msg_t *m);
status_t db_user_unlock(db_t *db, const char *id, const char *when, msg_t *m);
/* New password: new salt, cost and re-wrapped secret key. */
status_t db_user_set_credentials(db_t *db, const db_user_t *u, msg_t *m);
/* Store the row's MAC (DB_USER_MAC_LEN bytes) computed by core. */
status_t db_user_set_mac(db_t *db, const char *id, const unsigned char *mac, msg_t *m);

#endif
