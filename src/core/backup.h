/* backup.h - online backups of a clinic's database, checking a backup, and
 * restoring one (README "Backups").
 *
 * A backup is the database copied at one moment while others keep
 * working (db_backup.h), into a new file of mode 0600 that replaces
 * nothing unless asked, and kept only after the copy has passed SQLite's
 * integrity check and the audit chain check: a backup that exists was
 * checked. Its anchor (the copy's last audit entry, SEQ:MAC) is printed
 * to keep elsewhere: a restore given that anchor refuses any older copy.
 * Every backup and restore is audited: a backup in the live database's
 * trail, a restore in the restored database's. Taking and restoring need
 * the backup permission (administrators by default); checking a backup
 * needs audit_verify (privacy officers too). */
#ifndef CHARTROOM_BACKUP_H
#define CHARTROOM_BACKUP_H

#include <limits.h>
#include <stdint.h>

#include "base/status.h"
#include "core/config.h"
#include "core/session.h"

typedef struct backup_report {
	char anchor[96];             /* the copy's last audit entry, SEQ:MAC */
	int64_t entries;             /* audit entries in the copy */
	char last_at[24];            /* the time of its last entry (stored, UTC) */
	int64_t bytes;               /* the copy's size */
	char aside[PATH_MAX + 64];   /* restore: where the replaced database is kept, or "" */
	char restored_anchor[96];    /* restore: the restored database's last entry */
	int forced;                  /* restore: an older copy than the anchor, by --force */
} backup_report_t;

/* Back up s's database to the user's path out (opened with the user's
 * own ids): written as a new file beside it (mode 0600), checked
 * (integrity, audit chain), recorded in the audit trail, then renamed to
 * out. An existing out is refused (STATUS_EXISTS) unless force; with
 * force it is replaced only by a checked copy. Works on a read-only
 * database too. rep gets the copy's anchor, entry count and size. */
status_t backup_take(session_t *s, const char *out, int force, backup_report_t *rep, msg_t *m);

/* Check a backup opened with clinic_open_copy and signed on to (s):
 * SQLite's integrity check and the audit chain, and, with anchor, that
 * the copy holds that entry unchanged (it is not older). Writes nothing.
 * STATUS_INTEGRITY names what failed. */
status_t backup_check(session_t *s, const char *anchor, backup_report_t *rep, msg_t *m);

/* Restore the backup at file (a user's path) as the database at target,
 * signing on as user with password (a role holding backup, in the
 * backup's own users). An existing target is refused unless force, and
 * refused while in use. The backup is compared with its manifest, copied
 * beside target, integrity-checked there, opened (upgraded to this
 * program's schema if older), signed on to and its chain checked; a copy
 * that does not hold anchor (older than it, or another history) is
 * refused unless force. A "restore" entry is appended to its audit trail,
 * and only then is it put in target's place; the replaced database is
 * kept as target.replaced-TIME (rep->aside), never deleted. */
status_t backup_restore(const config_t *cfg, const char *file, const char *target,
			const char *user, const char *password, const char *anchor, int force,
			backup_report_t *rep, msg_t *m);

#endif
