/* pair_mac.h - the MAC of a row that names two charts: the duplicate
 * worklist's dup_candidates (core/dupscan.c) and the do-not-link list's
 * dup_not_same (core/notsame.c). One rule for both: a keyed MAC under the
 * demo key (format byte, key version, crypto_integrity_mac) over the
 * row's label, its clear numbers, both charts' patient ids (so a row
 * re-pointed at another chart with sqlite3 fails) and the row's other
 * fields, which the caller appends. */
#ifndef CHARTROOM_PAIR_MAC_H
#define CHARTROOM_PAIR_MAC_H

#include <stddef.h>
#include <stdint.h>

#include "base/lpbuf.h"
#include "base/status.h"
#include "core/crypto.h"
#include "core/session.h"

#define PAIR_MAC_FORMAT 1
#define PAIR_MAC_LEN (2 + CRYPTO_IMAC_LEN)

/* What a row's MAC covers, besides the two patient ids. */
typedef struct pair_mac_in {
	const char *label; /* "chartroom:dup_candidates:1" */
	const char *what;  /* "the duplicate worklist": named when the demo key is missing */
	const char *num;   /* the row's clear numbers, as text */
	/* Append the row's other fields (after the ids), or NULL. */
	void (*more)(lpbuf_t *b, const void *arg);
	const void *arg;
} pair_mac_in_t;

/* A stored row, to check. */
typedef struct pair_row {
	const char *table; /* named in the integrity error */
	int64_t row;
	int64_t prow_a, prow_b;
	const unsigned char *mac;
	size_t mac_len;
	int toolong; /* a column longer than its buffer (tampering) */
} pair_row_t;

/* The patient id of prow as stored; STATUS_NOTFOUND. */
status_t pair_patient_id(session_t *s, int64_t prow, char pid[33], msg_t *m);

/* The MAC of a row over the ids pa and pb, under demo key `version` (0:
 * the newest); STATUS_DENIED when the session holds no demo key. */
status_t pair_mac(session_t *s, const pair_mac_in_t *in, const char *pa, const char *pb,
                  int version, unsigned char out[PAIR_MAC_LEN], msg_t *m);

/* Check a stored row against its MAC, under the key version it names:
 * pa and pb get both charts' ids. STATUS_INTEGRITY naming r->table and
 * r->row when a chart is missing or the MAC does not match. */
status_t pair_check(session_t *s, const pair_mac_in_t *in, const pair_row_t *r, char pa[33],
                    char pb[33], msg_t *m);

#endif
