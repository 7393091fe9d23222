/* pindex.h - the patient blind index: normalisation of names and numbers,
 * Soundex, and the keyed-hash tokens stored for each patient and computed
 * for each query (SECURITY.md "Blind indexes").
 *
 * A token is the first [security] blind_index_bytes bytes of a keyed
 * BLAKE2b (the patients index subkey of the demo key) over "family|value",
 * read as a signed 64-bit integer. */
#ifndef CHARTROOM_PINDEX_H
#define CHARTROOM_PINDEX_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "core/config.h"
#include "core/crypto.h"
#include "core/patient.h"

/* Token families: what a token stands for. */
#define PINDEX_FAMILIES(X)                                       \
	X(MRN, "mrn")                                            \
	X(LAST_PREFIX, "lp")       /* last-name prefix, 2..6 */  \
	X(LAST, "l")               /* whole last name */         \
	X(LAST_FIRST, "lf")        /* last | first prefix 1..3 */ \
	X(FIRST, "f")              /* whole first name */        \
	X(DOB, "dob")                                            \
	X(DOB_YM, "dym")                                         \
	X(DOB_YD, "dyd")                                         \
	X(DOB_MD, "dmd")                                         \
	X(PHONE, "ph")                                           \
	X(PHONE4, "p4")                                          \
	X(SSN4, "s4")                                            \
	X(SDX_LAST, "sl")                                        \
	X(SDX_FIRST, "sf")                                       \
	X(SDX_PAIR, "sp")                                        \
	X(ZIP, "z")                                              \
	X(SEX, "sx")

typedef enum {
#define PFAM_ENUM(id, tag) PFAM_##id,
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

/* Fold a name for indexing: lower case, accents removed (Latin scripts),
 * other letters kept, everything but letters dropped. */
void pindex_fold(const char *in, char *out, size_t size);

/* Soundex of a folded name ("r163"); "" if it has no ASCII letter. */
void pindex_soundex(const char *folded, char out[5]);

/* The token of one value in one family. */
status_t pindex_token(const keyring_t *kr, int bytes, pfamily_t fam, const char *value,
		      int64_t *tok, msg_t *m);

/* All tokens for a patient (normalised fields). */
status_t pindex_patient(const keyring_t *kr, int bytes, const patient_t *p, ptokens_t *out,
			msg_t *m);

/* Digits only, at most size-1 of them. */
void pindex_digits(const char *in, char *out, size_t size);

#endif
