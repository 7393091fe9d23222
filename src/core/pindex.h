/* pindex.h - the patient blind index: normalisation of names and numbers,
 * Soundex, and the keyed-hash tokens stored for each patient and computed
 * for each query (SECURITY.md "Blind indexes").
 *
 * A token is the first [security] blind_index_bytes bytes of a keyed
 * BLAKE2b (the patients subkey of the blind-index key, DOMAIN_INDEX in
 * crypto.h) over "family|value", read as a signed 64-bit integer.
 *
 * While the index key is rotated (core/rotate.h) a patient's tokens are
 * those of either version: searches look up both (pindex_token_at). Every
 * match set holds the mark of the version it was made with (PFAM_MARK),
 * so what is left under an older one can be counted. */
#ifndef CHARTROOM_PINDEX_H
#define CHARTROOM_PINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/patient.h"

/* Token families: what a token stands for; whether it goes in the lookup
 * index (patient_tokens: the tokens that find patients); and whether it is
 * in the patient's match set (stored with the row: the tokens the
 * duplicate check compares a candidate on). A family only compared, never
 * looked up, is not in the index: a million patients write nine fewer
 * index rows each. */
#define PINDEX_FAMILIES(X)                                            \
	X(MRN, "mrn", 1, 0)                                           \
	X(LAST_PREFIX, "lp", 1, 0)   /* last-name prefix, 2..6 */      \
	X(LAST, "l", 0, 1)           /* whole last name */             \
	X(LAST_FIRST, "lf", 1, 0)    /* last | first prefix 1..3 */    \
	X(FIRST, "f", 0, 1)          /* whole first name */            \
	X(DOB, "dob", 1, 1)                                           \
	X(DOB_YM, "dym", 0, 1)                                        \
	X(DOB_YD, "dyd", 0, 1)                                        \
	X(DOB_MD, "dmd", 0, 1)                                        \
	X(PHONE, "ph", 1, 1)                                          \
	X(PHONE4, "p4", 1, 0)                                         \
	X(SSN4, "s4", 1, 1)                                           \
	X(SDX_LAST, "sl", 0, 1)                                       \
	X(SDX_FIRST, "sf", 0, 1)                                      \
	X(SDX_PAIR, "sp", 1, 0)                                       \
	X(ZIP, "z", 0, 1)                                             \
	X(SEX, "sx", 0, 1)                                            \
	X(MARK, "kv", 0, 1) /* the index key version's mark */

typedef enum {
#define PFAM_ENUM(id, tag, indexed, matched) PFAM_##id,
	PINDEX_FAMILIES(PFAM_ENUM)
#undef PFAM_ENUM
	PFAM_COUNT
} pfamily_t;

#define PINDEX_PREFIX_MAX 6  /* longer prefixes use the 6-letter token and a filter */
#define PINDEX_FIRST_PREFIX_MAX 3
#define PINDEX_TOKENS_MAX 64

/* A patient's tokens with their families. */
typedef struct ptokens {
	int n;
	int64_t tok[PINDEX_TOKENS_MAX];
	unsigned char fam[PINDEX_TOKENS_MAX];
} ptokens_t;

/* Is fam's token kept in the lookup index? In the match set? */
int pindex_family_indexed(pfamily_t fam);
int pindex_family_matched(pfamily_t fam);

/* The match set: the match-family tokens of t as 8-byte big-endian
 * values in ascending order, at most PINDEX_MATCH_MAX bytes. Sorted, so
 * the stored set does not say which token is which family. Returns its
 * length. */
#define PINDEX_MATCH_MAX 256
size_t pindex_match_set(const ptokens_t *t, unsigned char *out, size_t cap);

/* Does a stored match set hold token? (A malformed set holds nothing.) */
int pindex_match_has(const unsigned char *set, size_t len, int64_t token);

/* Fold a name for indexing: lower case, accents removed (Latin scripts),
 * other letters kept, everything but letters dropped. */
void pindex_fold(const char *in, char *out, size_t size);

/* Soundex of a folded name ("r163"); "" if it has no ASCII letter. */
void pindex_soundex(const char *folded, char out[5]);

/* The token of one value in one family. */
status_t pindex_token(const keyring_t *kr, int bytes, pfamily_t fam, const char *value,
		      int64_t *tok, msg_t *m);
/* The same under a given version of the index key (CRYPTO_CURRENT: the
 * newest held). */
status_t pindex_token_at(const keyring_t *kr, int version, int bytes, pfamily_t fam,
			 const char *value, int64_t *tok, msg_t *m);

/* The mark every match set made with that version holds (the token of a
 * constant, 8 bytes big-endian into out). */
status_t pindex_mark(const keyring_t *kr, int version, int bytes, unsigned char out[8], msg_t *m);

/* All tokens for a patient (normalised fields), the mark first. */
status_t pindex_patient(const keyring_t *kr, int bytes, const patient_t *p, ptokens_t *out,
			msg_t *m);
status_t pindex_patient_at(const keyring_t *kr, int version, int bytes, const patient_t *p,
			   ptokens_t *out, msg_t *m);

/* A memo of tokens already computed, for bulk loads: many patients share
 * a last name and its prefixes and sounds, a first name, a date of birth,
 * a ZIP, and a value always has the same token. A hit is checked against
 * the whole value, so the tokens are exactly pindex_patient's. One per
 * thread and per keyring; it holds values (PHI) and pindex_memo_free
 * wipes it. NULL when out of memory. */
typedef struct pindex_memo pindex_memo_t;
pindex_memo_t *pindex_memo_new(void);
void pindex_memo_free(pindex_memo_t *memo);

/* pindex_patient, taking what it can from the memo and adding to it. */
status_t pindex_patient_memo(const keyring_t *kr, int bytes, const patient_t *p,
			     pindex_memo_t *memo, ptokens_t *out, msg_t *m);

/* Digits only, at most size-1 of them. */
void pindex_digits(const char *in, char *out, size_t size);

#endif
