/* privsep.h - privilege separation for shared installs: the group
 * privilege of a setgid binary, the environment it starts from, and the
 * data directory every shared database lives in.
 *
 * Two modes (README "Two modes"):
 *   personal - the binary is not setgid: the user's own database file,
 *              today's behaviour; every function here is a no-op or a copy.
 *   shared   - the binary is installed root:chartroom mode 2755 and staff
 *              are not in the chartroom group; the database lives in a
 *              data directory root:chartroom 2770. Detected at start as
 *              getegid() != getgid().
 *
 * The design (why the effective gid is dropped, not kept):
 *   privsep_start() runs first in main: it cleans the environment, sets
 *   umask 007 and sets the effective gid back to the real gid. From then
 *   on the process runs with the user's own ids; the chartroom group stays
 *   only as the saved set-group-id. The database layer raises it
 *   (privsep_raise) only while it opens or closes the database: the path
 *   check, sqlite3_open_v2, and the first read and journal-mode switch that
 *   make SQLite open the -wal and -shm files. SQLite keeps those three file
 *   descriptors for the connection's life (a checkpoint, even one that
 *   truncates the WAL, works on the open descriptors; the WAL and shared
 *   memory are never reopened while the connection lives), so later reads
 *   and writes need no group; db_close raises again so the last connection
 *   can checkpoint and delete the -wal and -shm. Every path a user names
 *   (imports, code sets, notes, configuration files, exports) is opened
 *   through userfile.h, which opens with the real ids even if called inside
 *   a raised window. A bug that would make the process open a file the
 *   user names therefore cannot reach the data directory.
 *
 * Not thread-safe: raise and lower from the main thread only (the database
 * is opened and closed there). */
#ifndef CHARTROOM_PRIVSEP_H
#define CHARTROOM_PRIVSEP_H

#include <stddef.h>
#include <sys/types.h>

#include "base/status.h"

/* Call first in main, before anything reads the environment. Detects the
 * mode; in shared mode cleans the environment (privsep_clean_env), sets
 * umask 007 and drops the effective gid. A binary installed set-user-ID
 * is refused (STATUS_ERR): only setgid is a supported install. */
status_t privsep_start(msg_t *m);

/* 1 in shared mode (started setgid), 0 in personal mode. */
int privsep_shared(void);

/* The group the binary is setgid to (valid in shared mode). */
gid_t privsep_group(void);

/* Replace the environment with a short list of checked variables: TERM,
 * LANG and LC_* (a bad locale name becomes C.UTF-8), HOME, USER, LOGNAME,
 * SSH_CONNECTION, SSH_CLIENT, SSH_TTY, TZ (a zone name or POSIX rule, no
 * file path), NO_COLOR, COLUMNS, LINES, CHARTROOM_USER; PATH is set to the
 * system directories. Everything else (TMPDIR, SQLITE_*, LD_*, MALLOC_*,
 * CHARTROOM_CONFIG, CHARTROOM_SCREEN_DUMP, TERMINFO, LOCPATH, ...) is
 * dropped. privsep_start calls it in shared mode; exposed for tests. */
status_t privsep_clean_env(msg_t *m);

/* Take the group privilege for the database layer; nests. Every raise is
 * paired with privsep_lower(). No-ops in personal mode. privsep_lower
 * aborts the process if the group cannot be dropped: running on with it
 * would break the promise that user paths open with the user's ids. */
status_t privsep_raise(msg_t *m);
void privsep_lower(void);

/* 1 while raised. */
int privsep_raised(void);

/* Record the configured data directory (the trusted [database] data_dir,
 * default CHARTROOM_DATA_DIR). It is checked when a database is opened:
 * it must be a directory owned by root and the setgid group with no access
 * for others, and every directory above it owned by root and writable by
 * nobody else (or sticky), so nobody but root can move it. */
status_t privsep_set_data_dir(const char *dir, msg_t *m);

/* The path the database layer must open for `path` (--db or [database]
 * path). Personal mode: the path unchanged. Shared mode: a relative path
 * names a file in the data directory; the result is the canonical path
 * (symlinks resolved), refused with STATUS_USAGE if it is outside the data
 * directory; `create` (init) is refused unless the real user is root.
 * Call raised or not: raises itself where it must look inside the
 * directory. */
status_t privsep_db_path(const char *path, int create, char *out, size_t size, msg_t *m);

/* Shared mode: refuse a database file that others may read or write, or
 * that is not in the setgid group (STATUS_ERR, naming the fix). Personal
 * mode: STATUS_OK. Call raised. */
status_t privsep_check_db_file(const char *path, msg_t *m);

/* For userfile.c: drop to the real gid for one open of a user path, and
 * restore what was there before. Returns the state to restore. */
int privsep_user_begin(void);
void privsep_user_end(int state);

#endif
