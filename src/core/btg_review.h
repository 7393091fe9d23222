/* btg_review.h - the privacy officer's review of break-the-glass accesses
 * (issue 12 item 2).
 *
 * The queue is btg_queue (one row per access, bound to its chart, made by
 * patient_open); a finding is an append-only btg_review row: who, when,
 * appropriate / inappropriate / follow-up, and the audit entry
 * ("btg_review", the patient's id as target) whose encrypted detail holds
 * the comment. The row's MAC (audit key, its version kept with the trail)
 * covers the patient's id and every field, and the row must match its
 * audit entry; every review entry in the trail must have its row. So a
 * finding edited, moved, replayed or deleted with sqlite3 is an integrity
 * error (STATUS_INTEGRITY naming it), never a different queue. A later
 * finding on the same access supersedes the earlier one on screen.
 *
 * Listing needs ACT_BTG_REVIEW and is audited ("btg_queue_view"). An
 * access not reviewed within [privacy] btg_review_days of it is overdue. */
#ifndef CHARTROOM_BTG_REVIEW_H
#define CHARTROOM_BTG_REVIEW_H

#include <stdint.h>

#include "base/status.h"
#include "core/session.h"

#define BTG_COMMENT_MAX 500

/* One access in the queue, as the reviewer sees it (times UTC). */
typedef struct btg_item {
	int64_t id;
	char ts[24];
	char user_name[72];
	char mrn[24];
	char name[128];
	char reason[256]; /* as given at the access */
	char after[320];  /* what the user did afterwards in that chart */
	int reviews;      /* findings recorded (the latest shown) */
	char finding[24]; /* "" while unreviewed */
	char reviewer[72];
	char reviewed_at[24];
	char comment[BTG_COMMENT_MAX + 1];
	int overdue; /* unreviewed past [privacy] btg_review_days */
} btg_item_t;

/* The findings a reviewer may record, and their stored names. */
const char *const *btg_findings(void);
/* The stored name of a finding typed as "appropriate", "inappropriate",
 * "follow-up" (also "follow_up", "followup"), NULL if none. */
const char *btg_finding_name(const char *typed);

/* Every access, newest first (only those without a finding when
 * unreviewed_only), through fn (non-zero stops). */
status_t btg_list(session_t *s, int unreviewed_only, int (*fn)(const btg_item_t *it, void *arg),
                  void *arg, msg_t *m);

/* One access by number, with its latest finding. */
status_t btg_get(session_t *s, int64_t id, btg_item_t *out, msg_t *m);

/* Record a finding on access id; comment required for inappropriate and
 * follow-up (at most BTG_COMMENT_MAX characters, no control characters).
 * Audited in the same transaction. */
status_t btg_review(session_t *s, int64_t id, const char *finding, const char *comment, msg_t *m);

/* Accesses with no finding, and how many of them are overdue. Needs
 * ACT_BTG_REVIEW; not audited (a count, no patient). */
status_t btg_unreviewed(session_t *s, int64_t *count, int64_t *overdue, msg_t *m);

#endif
