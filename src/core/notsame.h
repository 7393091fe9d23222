/* notsame.h - the do-not-link list (issue 13 item 4): pairs of charts an
 * HIM clerk has marked "not the same person", with the reason, who and
 * when. A marked pair leaves the duplicate worklist (core/dupscan.h),
 * later scans skip it, and the duplicate warning shown when one of the
 * two charts' demographics is edited no longer names the other
 * (core/pmatch.c).
 *
 * SECURITY: a row (dup_not_same, migration 016) is bound to BOTH charts:
 * its reason is encrypted under the demo key bound to the table, column,
 * row and the first patient's id with the second patient's id as its
 * state, and a keyed MAC (the demo key's integrity subkey) covers the row
 * number, both patients' ids, who, when and the ciphertext. A row edited,
 * moved to another pair or inserted with sqlite3 fails its MAC: a list
 * shows an integrity error, and the duplicate warning is NOT silenced by
 * it (the safe side). */
#ifndef CHARTROOM_NOTSAME_H
#define CHARTROOM_NOTSAME_H

#include <stdint.h>

#include "base/status.h"
#include "core/session.h"

#define NOTSAME_REASON_MAX 300 /* characters */

typedef struct notsame_entry {
	int64_t id;
	char mrn_a[24], name_a[160], mrn_b[24], name_b[160];
	char reason[NOTSAME_REASON_MAX * 4 + 1];
	char set_at[24], set_by[72];
} notsame_entry_t;

/* Mark the charts a and b (MRN or id) as not the same person, with a
 * reason (required, at most NOTSAME_REASON_MAX characters, no control
 * characters). The pair's worklist entry, if any, is removed in the same
 * transaction; both charts get an audit entry (dup_not_same, the reason
 * in its encrypted detail). ACT_CHART_MERGE. STATUS_INVALID for a bad
 * reason or a chart paired with itself; STATUS_CONFLICT when already
 * marked; STATUS_NOTFOUND for an unknown chart. */
status_t notsame_mark(session_t *s, const char *a, const char *b, const char *reason, msg_t *m);

/* The list, oldest first, every row checked and its reason and both
 * charts' MRN and name decrypted; the view is audited. ACT_CHART_MERGE. */
status_t notsame_list(session_t *s, int (*fn)(const notsame_entry_t *e, void *arg), void *arg,
		      msg_t *m);

/* Inside core: is the pair (either order) on the list with a valid MAC?
 * *yes 0 when not, or when its row fails its check (never silenced by a
 * forged row). Needs the demo key; reads only. */
status_t notsame_holds(session_t *s, int64_t prow_a, int64_t prow_b, int *yes, msg_t *m);

/* Inside core (the demo key's rotation, core/rotate.c): re-seal the rows
 * whose first chart is prow under the newest demo key version, each
 * checked first. *rows counts those rewritten. */
status_t notsame_rekey(session_t *s, int64_t prow, int64_t *rows, msg_t *m);

/* The patient id of prow as stored; STATUS_NOTFOUND. */
status_t notsame_patient_id(session_t *s, int64_t prow, char pid[33], msg_t *m);

#endif
