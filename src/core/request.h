/* request.h - inside core only: the append-only event history of a
 * patients'-rights request (ROI, core/roi.h; amendments,
 * core/amendment.h), stored in rights_requests (migration 014), and the
 * audited view of one request or its history that both kinds share.
 *
 * A request is the list of its events, seq 1, 2, ...; each event holds the
 * whole request as it stands after it (clear columns and an encrypted body
 * of REQ_FIELDS text fields) and a MAC over all of it, the patient's id
 * and the MAC of the event before it. Loading a request checks every
 * event's MAC, the chain, that the numbers run 1..n without a gap and that
 * every event names the same patient: a changed, moved, removed-from-the-
 * middle or inserted event is STATUS_INTEGRITY naming the request. (The
 * last event removed with the trigger dropped is not detected here; the
 * audit entry of every change, on the chain, still names it.) */
#ifndef CHARTROOM_REQUEST_H
#define CHARTROOM_REQUEST_H

#include "core/internal.h"
#include "core/rights.h"
#include "db/db_rights.h"

#define REQ_FIELDS 10

typedef struct req_state {
	db_request_t r;            /* the latest event's columns (blobs not valid) */
	char pid[33];              /* the patient's id */
	char *f[REQ_FIELDS];       /* its text, decrypted (never NULL once loaded) */
	unsigned char last_mac[RIGHTS_MAC_LEN];
	int nevents;
	char opened_at[24], opened_by[72]; /* the first event's */
} req_state_t;

void req_state_free(req_state_t *st);

/* Set text field i (copied; NULL is ""). */
status_t req_set(req_state_t *st, int i, const char *text, msg_t *m);

/* Load request `req` of kind as it stands (inside a transaction or read
 * snapshot). STATUS_NOTFOUND "There is no KIND request N." */
status_t req_load(session_t *s, const char *kind, int64_t req, req_state_t *st, msg_t *m);

/* Every request of kind (of one patient if prow > 0), as each stands,
 * by number; fn's st is freed after it returns; non-zero stops. Every
 * request is checked before the first is handed out. */
status_t req_each(session_t *s, const char *kind, int64_t prow,
		  int (*fn)(req_state_t *st, void *arg), void *arg, msg_t *m);

/* The charts merged into chart prow by merges in force (README "Merging
 * duplicate charts": rights requests are append-only and stay with the
 * chart they were made for), up to max into out, *n how many; reading
 * each is audited as `action` with detail "merged into the chart asked
 * for". prow 0: none. */
#define REQ_MERGED_MAX 16
status_t req_merged_into(session_t *s, int64_t prow, const char *action, int64_t *out, int max,
			 int *n, msg_t *m);

/* Every event of request req, oldest first, each as it stood (history). */
status_t req_history(session_t *s, const char *kind, int64_t req,
		     int (*fn)(const req_state_t *ev, void *arg), void *arg, msg_t *m);

/* View request req of kind (amendment_get, roi_get and their histories):
 * loaded in a read snapshot, the view audited as "KIND_view" with detail
 * "KIND N", then fn on it as it stands (its return ignored) or, with
 * history, on every event oldest first (a second read snapshot). */
status_t req_view(session_t *s, const char *kind, int64_t req, int history,
		  int (*fn)(const req_state_t *st, void *arg), void *arg, msg_t *m);

/* Write the next event `ev` of st (st->r and st->f as they are now; a
 * new request when st->nevents is 0: st->r.prow, st->pid and st->r.kind
 * set; number assigned), audited as `action` with detail, inside the
 * caller's transaction. st->r.req gets the number. */
status_t req_append(session_t *s, req_state_t *st, const char *ev, const char *action,
		    const char *detail, msg_t *m);

/* A demo key rotation (core/rotate.c, inside its transaction, the rows
 * marked re-keying): every request of chart prow with an event not yet
 * under demo key version `to` is checked whole, then each event is
 * re-encrypted and its chain re-MAC'd with the newest version. *n gets
 * the events rewritten. */
status_t req_rekey(session_t *s, int64_t prow, int to, int64_t *n, msg_t *m);

#endif
