/* clinical.h - the clinical chart: encounters and check-in, vitals with
 * plausibility limits, allergies (with an explicit "no known allergies"),
 * medications, the problem list, and notes that are drafts until signed
 * and are then only amended by addenda.
 *
 * Free text is encrypted under the clin key (the check-in location under
 * demo); a reason for visit is sealed to the clin key's public half so the
 * front desk can write it without being able to read any. Every value is
 * bound to its patient (and encounter), and every row carries a MAC listed
 * in the chart's head (core/integrity.h): a read checks the section before
 * showing any of it, and a row changed, moved, deleted or put back outside
 * Chartroom is STATUS_INTEGRITY naming the table and record (a missing key
 * is STATUS_DENIED). Every view of a clinical section and every change is
 * audited, a change with the chart head it left. A confidential patient's
 * clinical sections need view_confidential or this session's
 * break-the-glass (patient_open with a reason). Callbacks of the listing
 * functions may call other functions of this module only from
 * encounter_list (its rows are handed out after its read ends). */
#ifndef CHARTROOM_CLINICAL_H
#define CHARTROOM_CLINICAL_H

#include <stdint.h>

#include "base/status.h"
#include "core/session.h"

#define CLIN_TEXT_MAX 512

/* ---- encounters ---- */

typedef struct encounter_info {
	int64_t erow;            /* the encounter number */
	char patient_id[33];
	char start[24];          /* UTC "YYYY-MM-DDTHH:MM:SSZ" */
	char type[48];
	char provider[72];
	char location[72];
	char reason[CLIN_TEXT_MAX]; /* "" if none or not readable by this session */
	char status[12];         /* open, closed */
	char closed_at[24], closed_by[72];
	char coding_status[16];
	char created_by[72];
	/* Its provider record (core/provider.h) when the visit names one: the
	 * record's id and name ("" none); and where it came from, "synthea"
	 * or "fhir" for an imported history ("" checked in here). */
	char provider_ref[33], provider_name[104];
	char source[12];
} encounter_info_t;

/* The configured encounter types, one at a time: the i-th into buf, 0 when
 * there is none. */
int encounter_type(const config_t *cfg, int i, char *buf, size_t size);

/* Check a patient in (ACT_ENCOUNTER_CHECKIN): type from the configured
 * list, provider a user with the provider role, a location, and an
 * optional reason for visit (sealed to the clin key). *erow gets the new
 * encounter's number. */
status_t encounter_checkin(session_t *s, const char *patient, const char *type,
			   const char *provider, const char *location, const char *reason,
			   int64_t *erow, msg_t *m);
/* The [clinic] sites name a check-in location begins with (the longest;
 * case aside, followed by its end or a character that is not a letter or
 * digit: "Harbor Annex, room 2"), in the list's spelling; "" when none.
 * Only that name is kept in the clear (report visits --by location). */
void encounter_site(const config_t *cfg, const char *loc, char *out, size_t size);

/* The earliest date of service taken: a chart's history (paper charts
 * entered late, an import of a Synthea or FHIR record) reaches back
 * decades, so only dates before 1900 are refused as typing errors. */
#define SERVICE_DATE_MIN "1900-01-01"

/* The same, for a visit at another time (a late entry, a telephone call
 * yesterday, a visit of an imported history): `when` is "YYYY-MM-DD" or
 * "YYYY-MM-DD HH:MM" (UTC), from SERVICE_DATE_MIN, not in the future;
 * NULL or "" means now. */
status_t encounter_checkin_at(session_t *s, const char *patient, const char *type,
			      const char *provider, const char *location, const char *reason,
			      const char *when, int64_t *erow, msg_t *m);
/* An imported visit (core/fhir_import.c): as encounter_checkin_at, with
 * the provider record it names (provider_ref: an id of core/provider.h,
 * checked; NULL or "" none) and its source ("synthea" or "fhir"; the
 * encounter is then history that the deficiency rules O, X and C leave
 * alone, core/deficiency.h). Both are under the encounter's row MAC. */
status_t encounter_checkin_imported(session_t *s, const char *patient, const char *type,
				    const char *provider, const char *location,
				    const char *reason, const char *when,
				    const char *provider_ref, const char *source, int64_t *erow,
				    msg_t *m);
/* open -> closed (ACT_ENCOUNTER_CLOSE), now or, for a late entry, at
 * `when` ("YYYY-MM-DD" or "YYYY-MM-DD HH:MM", UTC; not in the future, not
 * before the encounter started). */
status_t encounter_close(session_t *s, int64_t erow, msg_t *m);
status_t encounter_close_at(session_t *s, int64_t erow, const char *when, msg_t *m);
/* One encounter, or a patient's encounters newest first (ACT_CLINICAL_VIEW;
 * the listing is audited as a view of the section). */
status_t encounter_get(session_t *s, int64_t erow, encounter_info_t *out, msg_t *m);
status_t encounter_list(session_t *s, const char *patient,
			int (*fn)(const encounter_info_t *e, void *arg), void *arg, msg_t *m);

/* ---- vitals ---- */

/* What was typed; NULL or "" for not taken. Units may be typed ("98.6F",
 * "37C", "180 lb", "82kg", "70in", "178 cm", 5'10"); without one the
 * configured unit applies. bp is "120/80". */
typedef struct vitals_input {
	const char *bp, *pulse, *resp, *temp, *spo2, *height, *weight;
} vitals_input_t;

typedef struct vitals_row {
	int64_t vrow, erow;
	char taken[24], recorded_by[72];
	int systolic, diastolic, pulse, resp, spo2; /* -1: not taken */
	double temp_c, height_cm, weight_kg, bmi;  /* < 0: not taken */
} vitals_row_t;

/* Record vitals on an encounter (ACT_VITALS_RECORD). An implausible value
 * is refused with the reason ("Pulse 700 is not plausible (20 to 250)")
 * and *bad names the field ("pulse"); nothing is saved. BMI is computed
 * from the weight and this or the latest height. */
status_t vitals_record(session_t *s, int64_t erow, const vitals_input_t *in, const char **bad,
		       msg_t *m);
/* The same with the time they were taken, "YYYY-MM-DDTHH:MM:SSZ" (UTC,
 * not in the future; NULL or "" for now): an import (core/fhir.h) keeps
 * the time the vitals were taken at the clinic they come from. */
status_t vitals_record_at(session_t *s, int64_t erow, const vitals_input_t *in, const char *taken,
			  const char **bad, msg_t *m);
/* Newest first, at most limit (ACT_CLINICAL_VIEW, audited; limit -1: all). */
status_t vitals_list(session_t *s, const char *patient, int limit,
		     int (*fn)(const vitals_row_t *v, void *arg), void *arg, msg_t *m);

/* ---- allergies, medications, problems ---- */

/* CHART_PROCEDURE: the procedure history (SNOMED CT; issue 14), not the
 * coding of an encounter. */
typedef enum { CHART_ALLERGY, CHART_MEDICATION, CHART_PROBLEM, CHART_PROCEDURE } chart_kind_t;

typedef struct chart_item {
	chart_kind_t kind;
	int64_t row;
	char text[CLIN_TEXT_MAX];  /* substance / drug name / problem description */
	char text2[CLIN_TEXT_MAX]; /* reaction / dose / "" */
	char code[48];             /* severity / route / ICD-10-CM code (with the dot) or
	                              "SNOMED 44054006" */
	char extra[48];            /* "" / frequency / "" */
	char date1[24];            /* "" / start / onset */
	char date2[24];            /* "" / stop / "" */
	char status[20];
	char recorded[24], recorded_by[72];
} chart_item_t;

/* severity: mild, moderate, severe, unknown. Recording an allergy withdraws
 * a "no known allergies" statement. (ACT_ALLERGY_RECORD) */
status_t allergy_add(session_t *s, const char *patient, const char *substance,
		     const char *reaction, const char *severity, int64_t *row, msg_t *m);
/* "No known allergies": refused while active allergies exist. */
status_t allergy_none_known(session_t *s, const char *patient, msg_t *m);
/* route: PO IV IM SC SL PR topical inhaled nasal ophthalmic otic
 * transdermal other; frequency free (BID, q6h PRN, ...). (ACT_MEDICATION_RECORD) */
status_t medication_add(session_t *s, const char *patient, const char *name, const char *dose,
			const char *route, const char *frequency, const char *start, int64_t *row,
			msg_t *m);
/* 1 if route is one medication_add takes (any case). */
int medication_route_valid(const char *route);
/* code: optional; ICD-10-CM, checked for shape (A00, E11.9, S72.001A)
 * and, once a code set is loaded, against it; or a SNOMED CT concept id
 * (digits: clinical_snomed_valid), stored as its digits and shown as
 * "SNOMED 44054006". (ACT_PROBLEM_RECORD) */
/* A procedure of the patient's history, coded in SNOMED CT (a Synthea or
 * FHIR import; issue 14): not the coding of an encounter (HCPCS/CPT,
 * coding.h), kept as history. Needs problem_record; code a SNOMED CT
 * concept id, performed a date (may be empty), status completed. */
status_t procedure_add(session_t *s, const char *patient, const char *code,
		       const char *description, const char *performed, int64_t *row, msg_t *m);
status_t problem_add(session_t *s, const char *patient, const char *code,
		     const char *description, const char *onset, int64_t *row, msg_t *m);
/* 1 when code is a SNOMED CT concept id: 6 to 18 digits, no leading
 * zero, partition 00 or 10, a valid Verhoeff check digit. */
int clinical_snomed_valid(const char *code);

/* New status: allergies active|inactive|entered-in-error, medications
 * active|stopped|entered-in-error, problems active|resolved|entered-in-error. */
status_t chart_item_set_status(session_t *s, chart_kind_t kind, int64_t row, const char *status,
			       msg_t *m);
/* A patient's items, active first (ACT_CLINICAL_VIEW, audited). */
status_t chart_items(session_t *s, const char *patient, chart_kind_t kind,
		     int (*fn)(const chart_item_t *it, void *arg), void *arg, msg_t *m);

/* What the chart banner shows about allergies: "NKA", "Allergies not
 * recorded", or "ALLERGIES: Penicillin (severe), Latex". Needs
 * ACT_CLINICAL_VIEW (STATUS_DENIED otherwise: show nothing). Not audited
 * on its own: it is part of opening the chart. */
status_t clinical_banner(session_t *s, const char *patient, char *out, size_t size, msg_t *m);

/* ---- notes ---- */

typedef struct note_info {
	int64_t nrow, erow, addendum_of; /* addendum_of 0: an original */
	char author[72], created[24], updated[24];
	char status[10];                 /* draft, signed */
	char signed_by[72], signed_at[24];
	int version;
	char *body;                      /* malloc'd; note_info_clear wipes it */
	size_t body_len;
} note_info_t;

#define NOTE_MAX (64 * 1024)

void note_info_clear(note_info_t *n);

/* A new draft on an encounter (ACT_NOTE_WRITE), or an addendum to a
 * signed note (addendum_of = its number). *nrow gets the note number. */
status_t note_create(session_t *s, int64_t erow, int64_t addendum_of, const char *body,
		     int64_t *nrow, msg_t *m);
/* Replace a draft's text: only its author, only while a draft, only if
 * still at `version` (STATUS_CONFLICT otherwise). A signed note is refused
 * with "signed notes cannot be changed; add an addendum". */
status_t note_save(session_t *s, int64_t nrow, const char *body, int version, msg_t *m);
/* Sign (ACT_NOTE_SIGN): records who and when; read-only after. */
status_t note_sign(session_t *s, int64_t nrow, int version, msg_t *m);
/* Countersign another author's signed note (ACT_NOTE_SIGN): a signed
 * addendum "Countersigned by NAME." written and signed by this user (two
 * audited steps), which resolves the note's countersignature deficiency
 * (core/deficiency.h). Refused for one's own note, a draft, an addendum.
 * *addendum gets the addendum's number. */
status_t note_countersign(session_t *s, int64_t nrow, int64_t *addendum, msg_t *m);
/* Read one note (ACT_CLINICAL_VIEW, audited). out->body is the caller's
 * (note_info_clear). */
status_t note_get(session_t *s, int64_t nrow, note_info_t *out, msg_t *m);
/* An encounter's notes, each original followed by its addenda. */
status_t note_list(session_t *s, int64_t erow, int (*fn)(const note_info_t *n, void *arg),
		   void *arg, msg_t *m);
/* Drafts older than [clinical] draft_deficiency_days: deficiencies
 * (ACT_HIM_RECORDS or ACT_NOTE_SIGN). */
status_t note_deficiencies(session_t *s, int (*fn)(const note_info_t *n, void *arg), void *arg,
			   msg_t *m);

#endif
