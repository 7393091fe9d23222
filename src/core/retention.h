/* retention.h - retention and destruction of charts (issue 13 item 6;
 * README "Retention and destruction").
 *
 * Rules ([retention] policy, never a user's file): a chart is due for
 * destruction on the later of its last activity (latest date of service,
 * or registration) + adult_years and the date the patient reaches
 * majority_age + minor_years; a deceased patient's on the later of the
 * date of death and the last activity, + deceased_years. Computed from the
 * clear dates (dates of service, registration) first: only charts whose
 * last activity is old enough to be due under the shortest rule are
 * decrypted, for their date of birth and of death.
 *
 * A legal hold (with its reason, encrypted and bound to the chart) blocks
 * proposal and destruction until released. Destruction takes two people:
 * HIM proposes (retention_propose), the privacy officer approves
 * (retention_approve) and is refused if they proposed it; approval
 * destroys the chart at once, in one transaction: every row of every
 * patient-bound table (db/db_ptables.h DB_PATIENT_REGISTRY: clinical rows,
 * tokens, chart head, the patients row itself), with SQLite's
 * secure_delete, then a WAL checkpoint (TRUNCATE). What is left is a
 * destruction certificate without PHI and the audit trail, whose entries
 * name the chart by its random id only; the trail records the chart's
 * head as closed ("destroyed:N"), so `audit verify` still passes and a
 * chart that comes back afterwards is an integrity error. Looking up the
 * MRN afterwards answers "destroyed on DATE, certificate N".
 *
 * Every change is audited in its transaction; every listing is audited as
 * a view. Events are append-only and chained per chart under MACs
 * (STATUS_INTEGRITY naming retention_events when one was edited, moved,
 * replayed or deleted). Dates are clinic-local (core/rights.h clocks);
 * the time is core_now's. */
#ifndef CHARTROOM_RETENTION_H
#define CHARTROOM_RETENTION_H

#include <stdint.h>

#include "base/date.h"
#include "base/status.h"
#include "core/config.h"
#include "core/session.h"

#define RETENTION_REASON_MAX 500 /* characters of a reason */

/* The rule of a chart: due (YYYY-MM-DD) and which rule set it ("adult",
 * "minor", "deceased"), from the date of birth, the date of death ("" if
 * alive) and the last activity (YYYY-MM-DD). Years added to 29 February
 * land on 1 March in a common year (never earlier than the law's date).
 * STATUS_INVALID when a date is not one. */
status_t retention_rule(const config_t *cfg, const char *dob, const char *death, const char *last,
                        char due[DATE_ISO_SIZE], char rule[12], msg_t *m);

typedef struct retention_item {
	int64_t prow; /* the chart's row (for the work queue's patient column) */
	char patient_id[33];
	char mrn[24];
	char name[128];
	char first[DATE_ISO_SIZE], last[DATE_ISO_SIZE]; /* the record's date range */
	char rule[12];
	char due[DATE_ISO_SIZE];
	long days_past;   /* today - due (>= 0 when eligible) */
	int held;         /* legal holds in force */
	int64_t proposal; /* the open proposal's number, 0 none */
	char proposed_by[72], proposed_at[24];
	/* retention_show only (a screen may warn): the survivor's MRN when
	 * this chart was merged into another (it is then refused on its own),
	 * and how many charts merged into this one are destroyed with it. */
	char merged_into[24];
	int merged_charts;
} retention_item_t;

/* Charts due for destruction today (due date reached), oldest due first,
 * with their holds and open proposals. ACT_RETENTION_PROPOSE or
 * ACT_RETENTION_APPROVE. Audited as a view. */
status_t retention_list(session_t *s, int (*fn)(const retention_item_t *it, void *arg), void *arg,
                        msg_t *m);

/* One chart's retention state (due or not: days_past < 0 when not yet).
 * ACT_RETENTION_PROPOSE, ACT_RETENTION_APPROVE or ACT_LEGAL_HOLD. */
status_t retention_show(session_t *s, const char *patient, retention_item_t *out, msg_t *m);

/* Place a legal hold (ACT_LEGAL_HOLD); *id gets its number. */
status_t retention_hold(session_t *s, const char *patient, const char *reason, int64_t *id,
                        msg_t *m);
/* Release hold `id` with a reason. */
status_t retention_release(session_t *s, int64_t id, const char *reason, msg_t *m);

typedef struct retention_hold_info {
	int64_t id;
	char patient_id[33], mrn[24], name[128];
	char at[24], by[72];
	char reason[RETENTION_REASON_MAX * 4 + 1];
} retention_hold_info_t;
/* The holds in force (every chart's; ACT_LEGAL_HOLD), oldest first. */
status_t retention_holds(session_t *s, int (*fn)(const retention_hold_info_t *h, void *arg),
                         void *arg, msg_t *m);

/* HIM proposes the destruction of a chart that is due, not held and not
 * proposed already (ACT_RETENTION_PROPOSE); *id gets the proposal's
 * number. */
status_t retention_propose(session_t *s, const char *patient, const char *reason, int64_t *id,
                           msg_t *m);
/* Reject (privacy) or withdraw (its proposer) an open proposal. */
status_t retention_reject(session_t *s, int64_t id, const char *reason, msg_t *m);

typedef struct retention_proposal {
	int64_t id;
	retention_item_t chart;
	char reason[RETENTION_REASON_MAX * 4 + 1];
} retention_proposal_t;
/* An open proposal, for the confirmation before approval
 * (ACT_RETENTION_APPROVE or ACT_RETENTION_PROPOSE). */
status_t retention_proposal(session_t *s, int64_t id, retention_proposal_t *out, msg_t *m);
/* Every open proposal, oldest first. */
status_t retention_proposals(session_t *s, int (*fn)(const retention_proposal_t *p, void *arg),
                             void *arg, msg_t *m);

/* The privacy officer approves proposal `id`, which destroys the chart
 * (ACT_RETENTION_APPROVE; refused to its proposer, while a hold is in
 * force, or when the chart is no longer due). *cert gets the
 * certificate's number. The WAL is checkpointed after the commit; if
 * another session's read keeps it from being emptied, m says so (the
 * chart is destroyed either way, and the next checkpoint empties it). */
status_t retention_approve(session_t *s, int64_t id, int64_t *cert, msg_t *m);

typedef struct retention_cert {
	int64_t n;
	char patient_id[33];
	char first[DATE_ISO_SIZE], last[DATE_ISO_SIZE], rule[12], due[DATE_ISO_SIZE];
	char method[160];
	int64_t proposal;
	char proposed_by[72], proposed_at[24], approved_by[72], destroyed_at[24];
	int64_t rows;
} retention_cert_t;
/* Every certificate (n 0) or number n, each checked against its MAC.
 * ACT_RETENTION_PROPOSE, ACT_RETENTION_APPROVE or ACT_AUDIT_VIEW. */
status_t retention_certificates(session_t *s, int64_t n,
                                int (*fn)(const retention_cert_t *c, void *arg), void *arg,
                                msg_t *m);

/* For the work queue (issue 13 item 1): every retention decision
 * waiting, each with the chart's MRN and name, what waits ("eligible":
 * HIM to propose; "approval": privacy to approve), its due date (the
 * chart's retention due date; for an approval, the proposal's date) and
 * its age in days. Only what the session's role acts on: HIM
 * (ACT_RETENTION_PROPOSE) the eligible charts not held or proposed,
 * privacy (ACT_RETENTION_APPROVE) the proposals. STATUS_DENIED for
 * neither. */
typedef struct retention_waiting {
	char kind[12]; /* "eligible" or "approval" */
	int64_t proposal;
	int64_t prow;
	char patient_id[33], mrn[24], name[128];
	char due[DATE_ISO_SIZE];
	long age_days;
} retention_waiting_t;
status_t retention_waiting(session_t *s, int (*fn)(const retention_waiting_t *w, void *arg),
                           void *arg, msg_t *m);

/* Demo-key rotation (core/rotate.c, in its transaction): the chart's
 * events re-encrypted and re-chained under the newest version. */
status_t retention_rekey(session_t *s, int64_t prow, int64_t *rows, msg_t *m);

#endif
