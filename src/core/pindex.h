/* pindex.h - the patient blind index: normalisation of names and numbers,
 * Soundex, and the keyed-hash tokens stored for each patient and computed
 * for each query (SECURITY.md "Blind indexes").
 *
 * A token is the first [security] blind_index_bytes bytes of a keyed
 * BLAKE2b (the patients subkey of the blind-index key, DOMAIN_INDEX in
 * crypto.h) over "family|value", read as a signed 64-bit integer.
 *
 * Names are folded before they are tokenised (pindex_fold): compatibility
 * decomposition and case folding (Unicode, libunistring), diacritics
 * dropped, everything but letters dropped, recomposed (NFC). A last name
 * is also split into its parts (at spaces, hyphens, apostrophes and any
 * other character that is not a letter): its name units are the whole
 * name, each part, and each run of parts to the end ("de la Cruz": the
 * units delacruz, de, la, cruz, lacruz). Its prefixes (and the prefixes of
 * each run) up to PINDEX_PREFIX_MAX letters are tokens, so a name query of
 * up to that many letters has exactly its own candidates; every unit is
 * a token of its own (PFAM_LAST_UNIT), and with each first-name prefix
 * (PFAM_LAST_FIRST) for "last, first".
 *
 * Generations: the tokens a patient row holds were made by generation 1
 * (before issue 11: names folded by a Latin table, prefixes of 2..6
 * letters, parts split at spaces and hyphens only, no units) or 2 (this
 * one). Each match set holds the mark of the version and generation it
 * was made with; pindex_row_gen tells which, so what a row holds can be
 * deleted exactly (core/reindex.h re-makes generation-1 rows).
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
	X(LAST_PREFIX, "lp", 1, 0)   /* prefix of the name or a run */ \
	X(LAST, "l", 0, 1)           /* whole last name */             \
	X(LAST_UNIT, "lu", 1, 0)     /* a name unit, whole */          \
	X(LAST_FIRST, "lf", 1, 0)    /* unit | first prefix 1..5 */    \
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

/* Prefix tokens up to this many letters (of the whole last name and of
 * each run of its parts); a longer query uses the longest and filters. */
#define PINDEX_PREFIX_MAX 16
/* Generation 1's longest prefix token (core/reindex.h). */
#define PINDEX_LEGACY_PREFIX_MAX 6
/* "last, first" tokens: a name unit with 1..5 letters of the first name
 * (generation 1: 1..3). A common last name with a common first-name
 * prefix ("smith, mar") has thousands of patients: with five letters
 * ("smith, maris") the token holds only those that match. */
#define PINDEX_FIRST_PREFIX_MAX 5
#define PINDEX_LEGACY_FIRST_PREFIX_MAX 3
/* A last name's parts: the rest of a longer name is its last part. */
#define PINDEX_PARTS_MAX 6
/* Enough for the most a patient can have: prefixes of the name and of 5
 * runs (6 x 16), 12 units, each with 5 first-name prefixes (60), and 18
 * of the other families (186). pindex_patient fails, rather than drop a
 * token, if it were ever exceeded. */
#define PINDEX_TOKENS_MAX 192

#define PINDEX_GEN_LEGACY 1
#define PINDEX_GEN 2 /* what pindex_patient makes */

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

/* Fold a name for indexing: NFKD, case folded, diacritics dropped
 * (the combining marks of Latin, Greek and Cyrillic, Hebrew points,
 * Arabic vowel marks; marks that spell a letter in other scripts are
 * kept), a few letters that do not decompose written as ASCII (ae, o,
 * l, d, th, oe, ...), everything but letters dropped, then NFC. Cut at a
 * character boundary to fit size. */
void pindex_fold(const char *in, char *out, size_t size);

/* Letters (code points) in a folded name. */
int pindex_letters(const char *folded);

/* The fewest letters a name query may have: 1 when the folded text
 * starts with a letter of a script written without spaces between
 * syllables (Han, Hiragana, Katakana, Hangul, Bopomofo, Yi), else 2. */
int pindex_min_letters(const char *folded);

/* A last name's units (see the top): whole, its parts (nparts of them,
 * at most PINDEX_PARTS_MAX; a name of one part has nparts 1), and run[i],
 * parts i.. to the end, for 1 <= i < nparts (run[0] is whole). Folded. */
typedef struct pname {
	int nparts;
	char whole[PATIENT_FIELD_MAX];
	char part[PINDEX_PARTS_MAX][PATIENT_FIELD_MAX];
	char run[PINDEX_PARTS_MAX][PATIENT_FIELD_MAX];
} pname_t;
void pindex_name(const char *last, pname_t *out);

/* Does the name start with prefix (its whole or a run: a prefix query)?
 * Is word one of its units, whole (the last name of "last, first")? */
int pindex_name_has_prefix(const pname_t *n, const char *prefix);
int pindex_name_has_unit(const pname_t *n, const char *word);

/* Soundex of a folded name ("r163"); "" if it has no ASCII letter. */
void pindex_soundex(const char *folded, char out[5]);

/* The token of one value in one family. */
status_t pindex_token(const keyring_t *kr, int bytes, pfamily_t fam, const char *value,
		      int64_t *tok, msg_t *m);
/* The same under a given version of the index key (CRYPTO_CURRENT: the
 * newest held). */
status_t pindex_token_at(const keyring_t *kr, int version, int bytes, pfamily_t fam,
			 const char *value, int64_t *tok, msg_t *m);

/* The mark every match set made with that version (and this generation)
 * holds (the token of a constant, 8 bytes big-endian into out). */
status_t pindex_mark(const keyring_t *kr, int version, int bytes, unsigned char out[8], msg_t *m);
/* The mark of that version made by generation gen. */
status_t pindex_mark_gen(const keyring_t *kr, int version, int bytes, int gen,
			 unsigned char out[8], msg_t *m);

/* All tokens for a patient (normalised fields), the mark first. */
status_t pindex_patient(const keyring_t *kr, int bytes, const patient_t *p, ptokens_t *out,
			msg_t *m);
status_t pindex_patient_at(const keyring_t *kr, int version, int bytes, const patient_t *p,
			   ptokens_t *out, msg_t *m);
/* The same made by generation gen (PINDEX_GEN_LEGACY or PINDEX_GEN). */
status_t pindex_patient_gen(const keyring_t *kr, int version, int bytes, int gen,
			    const patient_t *p, ptokens_t *out, msg_t *m);

/* The generation whose tokens a stored row holds under that version of
 * the index key: PINDEX_GEN when its match set holds that generation's
 * mark, else PINDEX_GEN_LEGACY (a row from before match sets included). */
status_t pindex_row_gen(const keyring_t *kr, int version, int bytes, const unsigned char *match,
			size_t match_len, int *gen, msg_t *m);

/* The tokens a stored row holds under that version (all of them,
 * comparison families included: a row from before match sets has those
 * in the index too): what is deleted when the row's tokens are re-made. */
status_t pindex_patient_stored(const keyring_t *kr, int version, int bytes,
			       const unsigned char *match, size_t match_len, const patient_t *p,
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
