/* rotate.h - key rotation (`chartroom keys rotate`): a new version of a
 * domain's key, every value re-encrypted (or re-tokenised, or re-MAC'd)
 * under it a batch at a time while others keep working, and the old
 * version destroyed at the end; and a new recovery key.
 *
 * A rotation of demo, clin or index goes in three steps, each its own
 * short write transaction (and so killable at any point, resuming where
 * the last committed one left it):
 *   start   a new version (domain_keys), sealed as a grant to every
 *           account that holds the old one (taken in at their next
 *           sign-on, or by an open session at its next action) and to the
 *           recovery key's public half; from then on new values are
 *           written with it. meta rotate_job = "DOMAIN FROM TO".
 *   batches a batch of patients per transaction in row order (meta
 *           rotate_after): demo re-encrypts each patients row and
 *           encounter location and re-MACs every chart row and chart head
 *           (the integrity subkey is the demo key's); clin re-encrypts
 *           every clinical value (a reason for visit is sealed anew to
 *           the new version's public half) and re-MACs what changed;
 *           index re-makes each patient's search tokens and match set
 *           under the new index key. A row already under the new version
 *           is left as it is; a chart that changed gets a new head,
 *           recorded in the audit trail (key_rotate_chart). Reads accept
 *           both versions meanwhile (each value names its version), and
 *           searches look up both token sets.
 *   finish  values still under the old version are counted
 *           (db_key_version_uses); if any were written meanwhile the walk
 *           starts over (rows already done are skipped), else the old
 *           version's wraps and grants are deleted for every holder and
 *           the recovery key, and its domain_keys row is retired.
 * Start, every 50th batch and the end are audited (key_rotate_start,
 * key_rotate_progress, key_rotate_done).
 *
 * The audit key is rotated differently: entries are never rewritten (a
 * rewritten chain would no longer match the anchors kept outside the
 * database). New entries, the policy's and accounts' MACs use the new
 * version from the start on; the old version is retired, not destroyed:
 * its wraps and grants are deleted for every holder, and it is kept only
 * wrapped under the new audit key, to verify the entries made with it;
 * `audit verify` refuses any entry under a retired version after the
 * entry that retired it.
 *
 * Who: key_manage, and a session holding the key being rotated (the old
 * version): demo, index and audit by an administrator; clin by a clinical
 * user granted key_manage, or by an administrator with the recovery key.
 * With the recovery key (rotate_opts_t.recovery) its keys join the
 * session's for the run (audited recovery_key_used). One rotation at a
 * time; demo, on a database whose search index is still keyed by the demo
 * key, first gives the index a key of its own (an index rotation). */
#ifndef CHARTROOM_ROTATE_H
#define CHARTROOM_ROTATE_H

#include <stdint.h>

#include "core/crypto.h"
#include "core/session.h"

#define ROTATE_BATCH 200        /* patients per transaction: demo, clin */
#define ROTATE_INDEX_BATCH 1000 /* index (see rotate.c) */
#define ROTATE_PROGRESS_EVERY 50

typedef struct rotate_progress {
	char domain[16];
	int from, to;
	int pass;          /* 1, or more when values were written under the old version meanwhile */
	int64_t after;     /* the last patient row done */
	int64_t patients;  /* patients looked at in this run */
	int64_t changed;   /* patients rows or charts rewritten in this run */
	int64_t batches;   /* batches committed in this run */
	int started;       /* this run started the rotation */
	int done;          /* the old version is destroyed (retired, for audit) */
	int paused;        /* stopped after max_batches: run again to go on */
} rotate_progress_t;

typedef struct rotate_opts {
	int batch;       /* patients per transaction; 0: ROTATE_BATCH or ROTATE_INDEX_BATCH */
	int max_batches; /* stop after this many (0: until done) */
	/* The recovery key (text), or NULL: its keys join the session's. */
	const char *recovery;
	/* After every committed step (start, each batch, finish); a non-zero
	 * return stops the run there (as max_batches). May be NULL. */
	int (*on_step)(const rotate_progress_t *p, void *arg);
	void *arg;
} rotate_opts_t;

/* Rotate domain d (DOMAIN_DEMO, DOMAIN_CLIN, DOMAIN_AUDIT or
 * DOMAIN_INDEX), or continue the rotation in progress. *p tells how far
 * it got (also on failure). STATUS_DENIED without key_manage or the key;
 * STATUS_CONFLICT when another domain's rotation is unfinished;
 * STATUS_INTEGRITY when a chart fails its check (the rotation stops
 * there, the chart named, nothing of it rewritten). */
status_t rotate_key(session_t *s, domain_t d, const rotate_opts_t *o, rotate_progress_t *p,
		    msg_t *m);

/* A new recovery key: every active key version wrapped under it, its
 * public half published, the old recovery key's wraps deleted; the new
 * key's text into out (shown once). The keys come from old_recovery (the
 * current recovery key's text) or, when NULL, from the session, which
 * must hold every active version of every key. key_manage; audited
 * recovery_key_rotate. */
status_t rotate_recovery(session_t *s, const char *old_recovery,
			 char out[CRYPTO_RECOVERY_TEXT], msg_t *m);

/* For `keys status`: each key version (domain, version, active, created,
 * how many accounts hold it wrapped or granted) and the rotation in
 * progress ("" if none: job, else "DOMAIN FROM TO after ROW pass N").
 * key_manage. */
typedef struct rotate_key_info {
	char domain[16];
	int version;
	int active;
	char created[24];
	int64_t holders; /* wraps and grants, the recovery key's included */
} rotate_key_info_t;
status_t rotate_status(session_t *s, int (*fn)(const rotate_key_info_t *k, void *arg), void *arg,
		       char *job, size_t job_size, msg_t *m);

#endif
