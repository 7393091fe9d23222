/* reseal.h - inside core only: bringing a database from before schema 007
 * to sealed chart rows, in place (core/integrity.h).
 *
 * Migration 007 adds the columns; this re-seals the data: every patients
 * row's ciphertexts in the current form (bound to id, version and flag),
 * every clinical ciphertext bound to its chart (and encounter), the
 * location and medication frequency encrypted, a MAC on every row and on
 * every encounter's coding, and a chart head for every chart with rows,
 * each recorded in the audit trail. It goes a batch of patients per
 * transaction, its progress in meta (reseal_after), so a run that is
 * killed resumes where it stopped. It needs the demo and clin keys (and
 * audit): the first sign-on of a user holding them runs it. It starts with
 * an 'integrity_migration_start' audit entry and ends with 'integrity_on';
 * from then on the clinic is sealed (a row without a valid MAC is an
 * integrity error; see integrity_sealed for why removing that entry does
 * not quietly undo it). A legacy value that fails to decrypt is recorded
 * (integrity_fail) and left as it is: read later, it is an integrity
 * error. */
#ifndef CHARTROOM_RESEAL_H
#define CHARTROOM_RESEAL_H

#include "core/internal.h"

#define RESEAL_BATCH 200

/* Re-seal up to max_batches batches of `batch` patients (max_batches 0:
 * until done). *done is 1 when the database is sealed (now or before).
 * Nothing happens (STATUS_OK, *done 0) when the session lacks the demo,
 * clin or audit key. */
status_t reseal_run(session_t *s, int batch, int max_batches, int *done, msg_t *m);

#endif
