/* patient.h - the patient record: its fields, their validation and
 * normalisation, registration, editing with optimistic concurrency, and
 * opening a chart (audited; break-the-glass for confidential charts).
 *
 * Every field is encrypted under the demo key before it reaches the
 * database; lookups go through blind-index tokens (pindex.h). */
#ifndef CHARTROOM_PATIENT_H
#define CHARTROOM_PATIENT_H

#include <stdint.h>

#include "base/status.h"
#include "core/config.h"
#include "core/session.h"

#define PATIENT_FIELD_MAX 128 /* bytes, including the NUL */

/* X(ID, "csv-and-cli-name", "Label", max chars, group, kind, required)
 * group: 0 = ident (what a search list shows), 1 = details. */
#define PATIENT_FIELDS(X)                                                        \
	X(MRN, "mrn", "MRN", 16, 0, PK_MRN, 0)                                   \
	X(LAST, "last_name", "Last name", 60, 0, PK_NAME, 1)                     \
	X(FIRST, "first_name", "First name", 60, 0, PK_NAME, 1)                  \
	X(MIDDLE, "middle_name", "Middle name", 60, 0, PK_NAME, 0)               \
	X(SUFFIX, "suffix", "Suffix", 10, 0, PK_SUFFIX, 0)                       \
	X(DOB, "dob", "Date of birth", 10, 0, PK_DOB, 1)                         \
	X(SEX, "sex", "Sex (F/M/X/U)", 1, 0, PK_SEX, 1)                          \
	X(ADDR1, "address1", "Address", 80, 1, PK_TEXT, 0)                       \
	X(ADDR2, "address2", "Address line 2", 80, 1, PK_TEXT, 0)                \
	X(CITY, "city", "City", 60, 1, PK_PLACE, 0)                              \
	X(STATE, "state", "State", 2, 1, PK_STATE, 0)                            \
	X(ZIP, "zip", "ZIP", 10, 1, PK_ZIP, 0)                                   \
	X(PHONE_HOME, "phone_home", "Home phone", 20, 1, PK_PHONE, 0)            \
	X(PHONE_MOBILE, "phone_mobile", "Mobile phone", 20, 1, PK_PHONE, 0)      \
	X(EMAIL, "email", "Email", 100, 1, PK_EMAIL, 0)                          \
	X(SSN, "ssn", "SSN", 11, 1, PK_SSN, 0)                                   \
	X(LANGUAGE, "language", "Preferred language", 40, 1, PK_PLACE, 0)        \
	X(PAYER, "payer", "Insurance payer", 60, 1, PK_TEXT, 0)                  \
	X(MEMBER_ID, "member_id", "Member ID", 30, 1, PK_ID, 0)                  \
	X(EC_NAME, "emergency_name", "Emergency contact", 80, 1, PK_PERSON, 0)   \
	X(EC_RELATION, "emergency_relation", "Relation", 30, 1, PK_PLACE, 0)     \
	X(EC_PHONE, "emergency_phone", "Emergency phone", 20, 1, PK_PHONE, 0)    \
	X(DEATH, "death_date", "Date of death", 10, 1, PK_DEATH, 0)

typedef enum {
#define PF_ENUM(id, name, label, max, group, kind, req) PF_##id,
	PATIENT_FIELDS(PF_ENUM)
#undef PF_ENUM
	PF_COUNT
} pfield_t;

typedef struct patient {
	char id[33];         /* random 128-bit id; "" before registration */
	int64_t prow;        /* internal row number */
	int version;         /* for optimistic concurrency */
	int confidential;    /* break-the-glass for roles without view_confidential */
	char f[PF_COUNT][PATIENT_FIELD_MAX]; /* normalised values; "" = empty */
	char created[24], created_by[72], updated[24], updated_by[72];
} patient_t;

const char *patient_field_name(pfield_t f);
const char *patient_field_label(pfield_t f);
int patient_field_required(pfield_t f);
int patient_field_max(pfield_t f);
/* How long a typed value may be: the stored maximum, but for fields that
 * take words for their codes (sex: "female"; state: "Massachusetts"). */
int patient_field_typed_max(pfield_t f);
/* PF_COUNT for an unknown name. */
pfield_t patient_field_from_name(const char *name);

/* Validate and normalise one value: names trimmed with single spaces,
 * dates to YYYY-MM-DD (accepts MM/DD/YYYY), phones to 555-123-4567, SSN
 * to 123-45-6789; sex to its code (F, M, X, U, or a word: female, woman,
 * male, man, other, another, non-binary, unknown); state to its code
 * (a code or a name, any case: "Massachusetts" is MA). Empty is fine
 * unless the field is required. On failure, msg says why and begins with
 * the field's label ("Date of birth: 02/30/1990 is not a real date").
 * out has PATIENT_FIELD_MAX bytes. */
status_t patient_normalize_field(const config_t *cfg, pfield_t f, const char *in, char *out,
				 msg_t *m);

/* Validate every field and the rules across fields (death after birth).
 * *bad gets the first bad field (PF_COUNT if none). Normalises in place. */
status_t patient_validate(const config_t *cfg, patient_t *p, pfield_t *bad, msg_t *m);

/* MRN: PREFIX + zero-padded sequence + Luhn check digit. */
void patient_mrn_format(const config_t *cfg, int64_t seq, char *out, size_t size);
int patient_mrn_valid(const config_t *cfg, const char *mrn);
/* What an MRN looks like, in the one wording every message about MRNs
 * uses: "an MRN is CR and 8 digits, the last a check digit". */
void patient_mrn_rule(const config_t *cfg, char *out, size_t size);

/* Age in whole years on `today` (YYYY-MM-DD; NULL: now, UTC); -1 if
 * dob is not a date. */
int patient_age(const char *dob, const char *today);

/* The age a list, banner or chart shows: for a deceased patient (a date
 * of death, YYYY-MM-DD) the whole years they lived ("died at 36"), never
 * what they would be today; otherwise the age on `today` (NULL: now,
 * UTC). -1 when the date of birth is not a date. *deceased (may be NULL)
 * is 1 when death is set. */
int patient_shown_age(const char *dob, const char *death, const char *today, int *deceased);

/* Format a stored ISO date for display per [ui] date_format. */
void patient_date_display(const config_t *cfg, const char *iso, char *out, size_t size);

/* A duplicate candidate from the matcher. */
typedef struct patient_match {
	char id[33];
	int64_t prow;
	int score;           /* sum of the weights of matching features */
	char mrn[24];
	char name[3 * PATIENT_FIELD_MAX + 8]; /* "Last, First Middle" */
	char dob[11];
	char sex[2];
	char why[200];       /* features that matched, e.g. "last name sound, DOB, phone" */
} patient_match_t;

#define PATIENT_MATCH_MAX 10

/* Likely duplicates of p among registered patients (not p itself), best
 * first, scored on blind-index tokens only (no decryption to score).
 * Requires ACT_PATIENT_REGISTER or ACT_PATIENT_EDIT. */
status_t patient_find_duplicates(session_t *s, const patient_t *p, patient_match_t *out, int max,
				 int *n, msg_t *m);

/* Register a new patient: validate, check for duplicates, assign the MRN,
 * encrypt, index, audit. If likely duplicates exist and `register_anyway`
 * is 0, nothing is saved and STATUS_CONFLICT returns with the count in
 * msg; with register_anyway the choice is audited with the candidates'
 * ids. On success p->id, p->mrn, p->prow and p->version are set. */
status_t patient_register(session_t *s, patient_t *p, int register_anyway, pfield_t *bad,
			  msg_t *m);

/* Save edits made to a record opened at version p->version. If anyone
 * saved it since, STATUS_CONFLICT with who and when; nothing is
 * overwritten. On success p->version is the new version. */
status_t patient_update(session_t *s, patient_t *p, pfield_t *bad, msg_t *m);

/* Open a chart (by id or MRN): audited as chart_open. A confidential
 * chart opened without ACT_VIEW_CONFIDENTIAL needs a reason (at least two
 * words and 10 characters): without one STATUS_BTG_REQUIRED; with one the
 * access is audited as break_the_glass with the reason and queued for the
 * privacy officer. */
status_t patient_open(session_t *s, const char *id_or_mrn, const char *btg_reason, patient_t *out,
		      msg_t *m);

/* Is this chart confidential and would opening it need a reason? Lets the
 * UI ask before trying. Writes nothing. */
int patient_needs_btg(session_t *s, const char *id);

#endif
