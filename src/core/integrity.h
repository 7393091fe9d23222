/* integrity.h - inside core only: every row of a chart bound to its chart
 * (README "Security model", SECURITY.md "Encrypted fields").
 *
 * SECURITY: three layers, each keyed with the demo key's integrity subkey
 * (crypto_integrity_mac), which every role that reads or writes charts
 * holds:
 *   - a row MAC over an unambiguous, length-prefixed, typed encoding of the
 *     row's table, number and random id, the ids of its patient and
 *     encounter (resolved from prow/erow, so a re-parented row fails),
 *     every clear column that carries meaning and its ciphertexts;
 *     encounters carry a second MAC over coding_status and the ordered
 *     encounter_dx and encounter_px rows;
 *   - the chart head (chart_heads): a counter and the sorted list of
 *     (table, row number, MAC prefix) of every row of the chart, under a
 *     MAC that also covers the patients row (id, version, confidential
 *     flag, ciphertexts). Every change rewrites it in the same transaction;
 *   - the audit entry of every change records the head it left
 *     ("SEQ:MACHEX", audit.chart_head, under the chain MAC). A read checks
 *     the head against the latest one recorded, and `audit verify` checks
 *     every head and every row set.
 * So an edited clear column, a swapped or moved value, a re-parented row,
 * a row put back from an old copy, a deleted row and a whole chart rolled
 * back are integrity errors (STATUS_INTEGRITY, the table and record
 * named), never a silently different chart. What stays undetectable: a
 * rollback of the whole database including the audit trail (the anchor
 * kept outside detects it), and anything done by someone who holds the
 * demo key and the file.
 *
 * A chart with no rows and never edited has no head (registration and
 * imports write none). A database from before migration 007 has rows
 * without MACs until they are re-sealed (core/reseal.h); until then
 * (clinic->sealed 0) such rows are read as they are. */
#ifndef CHARTROOM_INTEGRITY_H
#define CHARTROOM_INTEGRITY_H

#include <stdint.h>

#include "core/internal.h"
#include "db/db_clinical.h"
#include "db/db_codes.h"
#include "db/db_extid.h"
#include "db/db_integrity.h"
#include "db/db_patients.h"

/* A stored MAC: format byte (1), demo key version, 32-byte BLAKE2b. */
#define INTEGRITY_MAC_LEN (2 + CRYPTO_IMAC_LEN)
/* A head entry: table (1), row number (8, big-endian), MAC prefix (16). */
#define INTEGRITY_ENTRY_LEN 25
#define INTEGRITY_HEAD_TEXT 80
/* Diagnoses and procedures read to check a coding: more than an encounter
 * may hold (12 and 24), so an extra row added in the file is seen. */
#define CODING_ROWS_MAX 26

typedef struct chart_enc {
	int64_t erow;
	char id[33];
} chart_enc_t;

/* A chart as verified when a read or a write starts. */
typedef struct chart {
	int64_t prow;
	char pid[33];
	int version, confidential;
	int sealed;   /* clinic->sealed when loaded */
	int has_head; /* a head exists (or will, once stored) */
	int64_t seq;
	unsigned char *rows; /* n sorted entries */
	size_t n, cap;
	db_patient_row_t *patient; /* the patients row as verified */
	chart_enc_t *enc;          /* the chart's encounters: number -> id */
	int nenc;
	char head_text[INTEGRITY_HEAD_TEXT]; /* after chart_store: for the audit entry */
	/* The demo key version MACs are computed with: 0, the newest held
	 * (every write); a check sets the version of the MAC it checks for
	 * the time of the computation. */
	int mac_version;
	int head_version; /* the demo key version of the head's MAC, as loaded (0: none) */
} chart_t;

/* Load and verify chart prow (inside a transaction or read snapshot):
 * the patients row's ciphertexts (bound to its id, version and flag), the
 * head's MAC over them and its list, and the head against the latest one
 * the audit trail recorded. STATUS_INTEGRITY naming the record;
 * STATUS_NOTFOUND if there is no such patient; STATUS_DENIED without the
 * demo key. Free with chart_free (also after a failure). */
status_t chart_load(session_t *s, int64_t prow, chart_t *ch, msg_t *m);
void chart_free(chart_t *ch);

/* The id of encounter erow for binding (the chart's, or any other
 * patient's: a row moved under it then fails its check); "" if none. */
void chart_encounter_id(session_t *s, chart_t *ch, int64_t erow, char id[33]);

/* A new encounter of the chart (before its rows are MAC'd). */
status_t chart_add_encounter(chart_t *ch, int64_t erow, const char *id, msg_t *m);

/* Row MACs (INTEGRITY_MAC_LEN bytes into out) over the row as it is. */
status_t rowmac_encounter(session_t *s, chart_t *ch, const db_encounter_t *e, unsigned char *out,
			  msg_t *m);
status_t rowmac_coding(session_t *s, chart_t *ch, int64_t erow, const char *coding_status,
		       const db_dx_t *dx, int ndx, const db_px_t *px, int npx, unsigned char *out,
		       msg_t *m);
status_t rowmac_vitals(session_t *s, chart_t *ch, const db_vitals_t *v, unsigned char *out,
		       msg_t *m);
status_t rowmac_item(session_t *s, chart_t *ch, const db_item_t *it, unsigned char *out,
		     msg_t *m);
status_t rowmac_nka(session_t *s, chart_t *ch, const db_nka_t *n, unsigned char *out, msg_t *m);
status_t rowmac_note(session_t *s, chart_t *ch, const db_note_t *n, unsigned char *out, msg_t *m);
status_t rowmac_btg(session_t *s, chart_t *ch, const db_btg_t *b, unsigned char *out, msg_t *m);
status_t rowmac_extid(session_t *s, chart_t *ch, const db_extid_t *x, unsigned char *out,
		      msg_t *m);

/* Check a row read from table t: `computed` is its MAC as it is now,
 * stored/len the MAC column; toolong the db layer's flag. It must verify
 * and be the one the head lists. A row without a MAC passes only while
 * the database is not sealed yet. STATUS_INTEGRITY with "Integrity check
 * failed: allergies record 12 does not belong to this chart (changed
 * outside Chartroom)." and the like. */
status_t chart_check_row(session_t *s, chart_t *ch, db_chart_table_t t, int64_t row,
			 const unsigned char *computed, const unsigned char *stored, size_t len,
			 int toolong, msg_t *m);

/* Check table t's rows of the chart as a set against the head: none
 * missing, none extra, none an older copy. */
status_t chart_check_set(session_t *s, chart_t *ch, db_chart_table_t t, msg_t *m);

/* Check one row already read (its MAC, its head entry); an encounter
 * with its coding. */
status_t chart_verify_encounter(session_t *s, chart_t *ch, const db_encounter_t *e, msg_t *m);
status_t chart_verify_vitals(session_t *s, chart_t *ch, const db_vitals_t *v, msg_t *m);
status_t chart_verify_item(session_t *s, chart_t *ch, const db_item_t *it, msg_t *m);
status_t chart_verify_note(session_t *s, chart_t *ch, const db_note_t *n, msg_t *m);
/* The "no known allergies" statement (nka -1: none, and none listed). */
status_t chart_verify_nka(session_t *s, chart_t *ch, const db_nka_t *n, msg_t *m);

/* Check every row of table t in the chart and the rows as a set
 * (DB_CT_ENCOUNTERS and DB_CT_CODING: the encounters with their coding).
 * A read calls it before showing any row, so a failure shows nothing. */
status_t chart_verify(session_t *s, chart_t *ch, db_chart_table_t t, msg_t *m);

/* The chart's break-the-glass queue rows, each and as a set. */
status_t chart_check_btg(session_t *s, chart_t *ch, msg_t *m);
/* The chart's external identifiers (patient_identifiers), each and as a
 * set. */
status_t chart_check_extid(session_t *s, chart_t *ch, msg_t *m);

/* The head's entry for (t, row) becomes mac (added if new). */
status_t chart_put(chart_t *ch, db_chart_table_t t, int64_t row, const unsigned char *mac,
		   msg_t *m);

/* The head no longer lists (t, row): the row left the chart (a merge
 * moved it to another). */
void chart_drop(chart_t *ch, db_chart_table_t t, int64_t row);

/* Write the head (counter + 1, MAC over the list and the patients row as
 * ch->patient holds it now) and fill ch->head_text. In the write
 * transaction of the change, before chart_audit. */
status_t chart_store(session_t *s, chart_t *ch, msg_t *m);

/* The change's audit entry, recording the head. */
status_t chart_audit(session_t *s, chart_t *ch, const char *action, const char *detail,
		     msg_t *m);

/* "Integrity check failed: <table> record <row> <what> (changed outside
 * Chartroom)." Returns STATUS_INTEGRITY. */
status_t integrity_fail(msg_t *m, const char *table, int64_t row, const char *what);

/* Record a detected integrity failure in the audit trail (action
 * integrity_fail, the patient's id as target, m's text as detail), in a
 * transaction of its own: call after the failing operation ended its
 * transaction (does nothing inside one). Does nothing unless st is
 * STATUS_INTEGRITY; returns st. */
status_t integrity_report(session_t *s, const char *patient_id, status_t st, const msg_t *m);

/* The "c<flag>v<version>" bound into a patients row's ciphertexts. */
void integrity_patient_state(int confidential, int version, char out[32]);

/* Decrypt a chart value bound to the chart's patient (and encounter, may
 * be NULL or ""): an older-form blob is accepted only while the database
 * is not sealed. A failure names the table and record. */
status_t chart_open_text(session_t *s, chart_t *ch, domain_t d, const char *table,
			 const char *column, int64_t row, const char *row_id,
			 const char *encounter_id, db_blob_t b, char **out, size_t *out_len,
			 msg_t *m);
status_t chart_seal_text(session_t *s, chart_t *ch, domain_t d, const char *table,
			 const char *column, const char *row_id, const char *encounter_id,
			 const char *text, unsigned char **out, size_t *out_len, msg_t *m);

/* For `audit verify`, after the chain itself: every chart head equals the
 * latest one the trail recorded for its patient, every recorded one still
 * exists, every chart's rows are the ones its head lists (stored MACs
 * compared, no key needed), and with the demo key every head's MAC holds.
 * *charts gets how many heads were checked. STATUS_INTEGRITY naming the
 * first bad one. Inside a read snapshot. */
status_t integrity_verify_all(session_t *s, int64_t *charts, msg_t *m);

/* Is this database sealed (every row carries a MAC)? Reads the audit
 * trail's marks; see core/reseal.c. */
status_t integrity_sealed(clinic_t *c, int *sealed, msg_t *m);

#endif
