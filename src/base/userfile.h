/* userfile.h - the one way to open a path a user named: CSV imports,
 * code-set files, note files, --from files, configuration files given by
 * --config, $CHARTROOM_CONFIG or ./chartroom.ini, exports and dumps.
 *
 * In a shared install (privsep.h) the file is opened with the user's real
 * ids, never with the chartroom group, even if the caller is inside a
 * window where the database layer holds the group: a user can make
 * Chartroom read or write only what they could read or write themselves.
 * In personal mode it is a plain open. Descriptors are close-on-exec; a
 * directory is refused. */
#ifndef CHARTROOM_USERFILE_H
#define CHARTROOM_USERFILE_H

#include <stdio.h>
#include <sys/types.h>

#include "base/status.h"

/* fopen(3) with the user's ids. mode as fopen's ("rb", "w", ...). On
 * failure *out is NULL and m says "Cannot open PATH: reason." with
 * STATUS_NOTFOUND (missing) or STATUS_ERR (anything else, e.g. permission
 * denied). The caller fcloses *out. */
status_t userfile_fopen(const char *path, const char *mode, FILE **out, msg_t *m);

/* open(2) with the user's ids (O_CLOEXEC added). Same messages. */
status_t userfile_open(const char *path, int flags, mode_t perm, int *fd_out, msg_t *m);

/* rename(2) of a user's file with the user's ids: from and to in the
 * same directory. replace 0: refused (STATUS_EXISTS) if `to` exists, even
 * if it appears at the last moment (RENAME_NOREPLACE). The directory is
 * then synced, so the new name survives a power cut. */
status_t userfile_rename(const char *from, const char *to, int replace, msg_t *m);

/* mkdir(2) with the user's ids, mode perm; an existing directory is fine
 * (its mode is left as it is). */
status_t userfile_mkdir(const char *path, mode_t perm, msg_t *m);

/* unlink(2) with the user's ids; errors ignored (clean-up). */
void userfile_unlink(const char *path);

/* mkdir(2) with the user's ids: a new directory only (STATUS_EXISTS if
 * the path exists, "PATH already exists: ..."). rmdir(2) the same way,
 * errors ignored (clean-up of an export that failed). */
status_t userfile_mkdir_new(const char *path, mode_t perm, msg_t *m);
void userfile_rmdir(const char *path);

#endif
