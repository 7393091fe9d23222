/* clinic.h - a clinic's database as core sees it: creating one (init, with
 * its keys, first administrator and recovery key), opening one, and the
 * recovery-key path for emergency access.
 *
 * clinic_t is opaque; the UI holds one and passes it to session_login. */
#ifndef CHARTROOM_CLINIC_H
#define CHARTROOM_CLINIC_H

#include "base/status.h"
#include "core/config.h"
#include "core/crypto.h"

typedef struct clinic clinic_t;

/* Create a new database at path with its domain keys, the first admin
 * (name, password checked against policy) and a recovery key, written to
 * recovery_out (CRYPTO_RECOVERY_TEXT bytes) to be shown once. Refuses an
 * existing file (STATUS_EXISTS) without touching it. */
status_t clinic_init(const char *path, const config_t *cfg, const char *admin_name,
		     const char *password, const char *clinic_name,
		     char recovery_out[CRYPTO_RECOVERY_TEXT], msg_t *m);

/* Open an existing database. cfg must outlive the clinic. */
status_t clinic_open(const char *path, const config_t *cfg, clinic_t **out, msg_t *m);
void clinic_close(clinic_t *c);

/* Open a copy of a clinic's database that is not in use (a backup) to
 * check it or restore from it: a user's path, opened with the user's own
 * ids, read-only, changing nothing in the file (db.h db_copy_open). A
 * sign-on to it is read-only and unaudited, so only roles holding
 * audit_verify can make one. Closed with clinic_close. */
status_t clinic_open_copy(const char *path, const config_t *cfg, clinic_t **out, msg_t *m);

/* Why the database cannot be written ("the disk is full", "file mode",
 * "read-only file system", "read-only directory", "read-only copy"), or
 * NULL when it can (db.h; README "When the disk is full or the database
 * is read-only"). */
const char *clinic_readonly(const clinic_t *c);

/* The clinic's name (set at init) and the database path. */
const char *clinic_name(const clinic_t *c);
const char *clinic_path(const clinic_t *c);
const config_t *clinic_config(const clinic_t *c);

/* Told while a change waits for another user's (db_set_wait_notice):
 * seconds waited, about once a second after two, then 0 when it is over.
 * The UI shows it; nothing here prints. */
void clinic_set_wait_notice(clinic_t *c, void (*fn)(void *arg, int seconds), void *arg);

/* Before closing: write the audit events this process could not write
 * when they happened (a sign-off on a full disk). STATUS_OK when none is
 * left; otherwise a message saying how many would be lost. */
status_t clinic_flush_audit(clinic_t *c, msg_t *m);

/* Emergency access: with the recovery key, set a new password for an
 * administrator (created when no user of that name exists). Audited. */
status_t clinic_recover(clinic_t *c, const char *recovery_text, const char *admin_name,
			const char *new_password, msg_t *m);

#endif
