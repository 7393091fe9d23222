/* db_policy.h - the policy table: settings an administrator changed
 * through the app, each with who, when and a MAC computed by core, and the
 * seal row ('*') over the set; and where the latest policy change sits in
 * the audit trail. */
#ifndef CHARTROOM_DB_POLICY_H
#define CHARTROOM_DB_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

#define DB_POLICY_KEY_MAX 64
#define DB_POLICY_VALUE_MAX 1024
#define DB_POLICY_MAC_LEN 32
#define DB_POLICY_SEAL_KEY "*"

typedef struct db_policy_row {
	char key[DB_POLICY_KEY_MAX];
	char value[DB_POLICY_VALUE_MAX];
	char set_by[72];
	char set_at[24];
	unsigned char mac[DB_POLICY_MAC_LEN];
	size_t mac_len; /* as stored: anything but DB_POLICY_MAC_LEN fails its check */
	int truncated;  /* a field was longer than the struct holds */
} db_policy_row_t;

/* Every row, the seal row included, ordered by key (byte order). A
 * non-zero return from fn stops. */
status_t db_policy_each(db_t *db, int (*fn)(const db_policy_row_t *r, void *arg), void *arg,
			msg_t *m);

/* Insert or replace one row. */
status_t db_policy_put(db_t *db, const db_policy_row_t *r, msg_t *m);

/* Delete one row (no error if absent). */
status_t db_policy_delete(db_t *db, const char *key, msg_t *m);

/* One row's value without its MAC (STATUS_NOTFOUND if absent): only for
 * what must be read before anyone has signed on, and never trusted. */
status_t db_policy_peek(db_t *db, const char *key, char *value, size_t size, msg_t *m);

/* The latest audit entry recording a policy change or seal: its sequence
 * number (0 if there is none), time, user and target. */
typedef struct db_policy_event {
	int64_t count; /* how many such entries the trail holds */
	int64_t seq;
	char ts[24];
	char user_name[72];
	char target[72];
} db_policy_event_t;
status_t db_policy_last_audit(db_t *db, db_policy_event_t *ev, msg_t *m);

#endif
