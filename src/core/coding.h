/* coding.h - code sets and encounter coding: ICD-10-CM, HCPCS and a
 * clinic's licensed CPT list, by version with effective dates; word and
 * code search (SQLite FTS5); diagnoses and procedures on encounters with
 * the checks a claim scrubber makes; coding status and the coding queue.
 *
 * Codes are given with or without the dot; they are stored without it and
 * shown with it (ICD-10-CM: after the third character). */
#ifndef CHARTROOM_CODING_H
#define CHARTROOM_CODING_H

#include <stdint.h>

#include "base/status.h"
#include "core/session.h"

#define CODING_MAX_DX 12
#define CODING_MAX_PX 24

typedef enum { CS_ICD10CM, CS_HCPCS, CS_CPT, CS_COUNT } codesys_t;

const char *codesys_name(codesys_t cs);
codesys_t codesys_from_name(const char *name); /* CS_COUNT if unknown */

typedef struct codeset_info {
	char system[12], version[32], effective[11], until[11]; /* until "" = current */
	char imported[24], imported_by[72];
	int64_t codes, billable;
} codeset_info_t;

typedef struct code_hit {
	char code[16];    /* with the dot (ICD-10-CM) */
	int billable;     /* 0: a header: choosing it opens its children */
	char desc[256];
} code_hit_t;

typedef struct codes_import_report {
	int64_t codes, billable;
	int already_loaded;
} codes_import_report_t;

/* Import a code file as one version (ACT_CODESET_MANAGE), in one
 * transaction. ICD-10-CM: the CMS order file; HCPCS: the CMS fixed-width
 * (ANWEB) file; CPT: a "code,description" CSV. A malformed line is refused
 * with its number and nothing changes. Re-importing the same file as the
 * same version is a no-op; a different file under a loaded version is
 * refused. */
status_t codes_import(session_t *s, codesys_t cs, const char *path, const char *version,
		      const char *effective, codes_import_report_t *rep, msg_t *m);

/* Every loaded version, by system and date. */
status_t codes_versions(session_t *s, int (*fn)(const codeset_info_t *v, void *arg), void *arg,
			msg_t *m);

/* Search the version in effect on date (NULL: today): a code or code
 * prefix ("e11", "E11.6") or words in any order, each a prefix ("diab 2
 * kidn"). At most limit hits, best first. */
status_t codes_search(session_t *s, codesys_t cs, const char *query, const char *date, int limit,
		      int (*fn)(const code_hit_t *h, void *arg), void *arg, msg_t *m);

/* The codes under a header (its children), in code order. */
status_t codes_children(session_t *s, codesys_t cs, const char *header, const char *date,
			int limit, int (*fn)(const code_hit_t *h, void *arg), void *arg, msg_t *m);

/* Check one code for a date of service: STATUS_OK with its description, or
 * STATUS_INVALID naming the rule: "not a code", "a header (choose a more
 * specific code: E11.0, E11.1, ...)", "not valid on 2025-11-01 (FY2026 made
 * it a header)". */
status_t codes_check(session_t *s, codesys_t cs, const char *code, const char *date,
		     code_hit_t *out, msg_t *m);

/* ---- encounter coding ---- */

typedef struct coding_dx {
	char code[16]; /* with the dot */
	char desc[256];
} coding_dx_t;

typedef struct coding_px {
	char system[8]; /* hcpcs or cpt */
	char code[16];
	char modifiers[4][3];
	int nmod;
	int units;
	int pointers[CODING_MAX_DX]; /* diagnosis sequence numbers (1 = primary) */
	int npointers;
	char desc[256];
} coding_px_t;

/* The patient an encounter belongs to, as coding shows them: decrypted
 * in core for roles that may see demographics (ACT_PATIENT_VIEW), all ""
 * for others (shown = 0). */
typedef struct coding_patient {
	int shown;
	char mrn[24];
	char name[160];        /* "Last, First Middle" */
	char dob[11];          /* YYYY-MM-DD */
	char sex[4];           /* F, M, X, U */
} coding_patient_t;

typedef struct coding {
	int64_t erow;
	char date[11];         /* date of service */
	char status[16];       /* uncoded, coded, verified, final */
	char provider[72];
	char patient_id[33];
	coding_patient_t patient;
	/* Who changed or completed the coding since it was last verified or
	 * finalised, from the audit trail ("him, him2"; "" when nobody has):
	 * with [codes] verify_by_other none of them may verify it. */
	char coders[160];
	int ndx, npx;
	coding_dx_t dx[CODING_MAX_DX];
	coding_px_t px[CODING_MAX_PX];
} coding_t;

/* Read an encounter's coding (ACT_CODING_EDIT or ACT_CODING_QUEUE; a
 * provider their own encounters'): its codes, date of service, status and
 * patient_id; patient and coders left empty; not audited (a read inside
 * another audited one, such as a chart's export). */
status_t coding_get(session_t *s, int64_t erow, coding_t *out, msg_t *m);
/* The same for a person to look at (the coding screen, `coding show`):
 * also the patient (see coding_patient_t) and the coders; audited as
 * coding_view on the patient's chart before anything is returned. */
status_t coding_view(session_t *s, int64_t erow, coding_t *out, msg_t *m);

/* Edits (ACT_CODING_EDIT; a provider only on their own encounters). Each
 * checks what it adds and refuses by rule name; final coding refuses every
 * edit until reopened. Every change is audited with before and after. */
status_t coding_add_dx(session_t *s, int64_t erow, const char *code, msg_t *m);
status_t coding_remove_dx(session_t *s, int64_t erow, int seq, msg_t *m);
/* Make diagnosis seq the primary (moves it first). */
status_t coding_make_primary(session_t *s, int64_t erow, int seq, msg_t *m);
/* modifiers: up to 4, comma or space separated; pointers: diagnosis
 * numbers, e.g. "1,2". */
status_t coding_add_px(session_t *s, int64_t erow, codesys_t cs, const char *code,
		       const char *modifiers, int units, const char *pointers, msg_t *m);
status_t coding_remove_px(session_t *s, int64_t erow, int line, msg_t *m);

/* Status steps. complete: every rule checked again (at least one
 * diagnosis, every code valid on the date of service, every procedure
 * points to a diagnosis) -> coded. verify -> verified, finalize -> final
 * (ACT_CODING_FINALIZE; final locks). reopen: final or verified -> coded
 * with a reason (audited).
 *
 * Separation of duties, [codes] verify_by_other = yes (policy): whoever
 * changed or completed the coding since it was last verified or
 * finalised (its coders, read from the audit trail) may not verify it,
 * nor finalise it straight from coded (that skips the verification);
 * refused with STATUS_DENIED naming the rule. Finalising verified coding
 * is open to anyone with ACT_CODING_FINALIZE, the coder included: two
 * people have seen it. */
status_t coding_complete(session_t *s, int64_t erow, msg_t *m);
status_t coding_verify(session_t *s, int64_t erow, msg_t *m);
status_t coding_finalize(session_t *s, int64_t erow, msg_t *m);
status_t coding_reopen(session_t *s, int64_t erow, const char *reason, msg_t *m);

/* DNFB-style aging buckets of the days since the date of service. */
enum { CODING_AGE_0_3, CODING_AGE_4_7, CODING_AGE_8_14, CODING_AGE_15_30, CODING_AGE_OVER_30,
       CODING_AGE_BUCKETS };

/* The bucket of an age in days (a negative age, a visit dated after
 * today's clinic date, counts as 0-3). */
int coding_age_bucket(int days);
/* "0-3", "4-7", "8-14", "15-30", ">30". */
const char *coding_age_label(int bucket);

typedef struct coding_queue_row {
	int64_t erow;
	char patient_id[33];
	coding_patient_t patient;
	char date[11];      /* date of service */
	char closed[11];
	int days_waiting;   /* since the date of service, in the clinic's days */
	int bucket;         /* coding_age_bucket(days_waiting) */
	char type[48], provider[72], status[16];
	int late;           /* over [codes] late_after_days */
} coding_queue_row_t;

/* Closed encounters not final, oldest date of service first; *late gets
 * how many wait longer than [codes] late_after_days (ACT_CODING_QUEUE).
 * Days count from the date of service (the day the encounter started, in
 * the clinic's zone), not from closing. Each row names its patient (see
 * coding_patient_t); the listing is audited as coding_queue_view. */
status_t coding_queue(session_t *s, int (*fn)(const coding_queue_row_t *q, void *arg), void *arg,
		      int *late, msg_t *m);

#endif
