/* fhir.h - charts as FHIR R4 resources: the mapping of a chart's records
 * to Patient, Encounter, Condition, AllergyIntolerance, MedicationStatement,
 * Observation (vital signs), Procedure and DocumentReference; the export of
 * one chart or of every chart (a disclosure: ACT_EXPORT_FHIR, audited per
 * chart); and the import of resources into charts (core/fhir_import.c).
 *
 * JSON is built and read with jansson only. The mapping functions are
 * plain (no session, no database) so they are tested on their own; the
 * export reads the chart through the public functions of patient.h,
 * clinical.h and coding.h, so every view is checked and audited as any
 * other. Resources are owned by the caller (json_decref). */
#ifndef CHARTROOM_FHIR_H
#define CHARTROOM_FHIR_H

#include <jansson.h>
#include <stdint.h>

#include "base/status.h"
#include "core/clinical.h"
#include "core/coding.h"
#include "core/patient.h"
#include "core/provider.h"
#include "core/session.h"

/* Code systems and the identifier system of a Chartroom MRN. */
#define FHIR_SYS_ICD10CM "http://hl7.org/fhir/sid/icd-10-cm"
#define FHIR_SYS_LOINC "http://loinc.org"
#define FHIR_SYS_UCUM "http://unitsofmeasure.org"
#define FHIR_SYS_SNOMED "http://snomed.info/sct"
#define FHIR_SYS_HCPCS "urn:oid:2.16.840.1.113883.6.285"
#define FHIR_SYS_CPT "http://www.ama-assn.org/go/cpt"
#define FHIR_SYS_MRN "urn:chartroom:mrn"
/* A Practitioner's organisation (Practitioner has no element for it: an
 * extension, valueString; a Synthea export's ORGANIZATION id). */
#define FHIR_EXT_ORGANIZATION "urn:chartroom:provider-organization"
/* SNOMED CT 716186003 "No known allergy (situation)". */
#define FHIR_NKA_CODE "716186003"
/* A reaction's severity recorded without its description. */
#define FHIR_NO_REACTION "Reaction not recorded"

/* The resource types, in the order a chart's resources are written (and
 * the NDJSON files of a bulk export are named after them). */
#define FHIR_TYPES(X)                                                                              \
	X(PATIENT, "Patient")                                                                      \
	X(PRACTITIONER, "Practitioner")                                                            \
	X(ENCOUNTER, "Encounter")                                                                  \
	X(CONDITION, "Condition")                                                                  \
	X(ALLERGY, "AllergyIntolerance")                                                           \
	X(MEDICATION, "MedicationStatement")                                                       \
	X(OBSERVATION, "Observation")                                                              \
	X(PROCEDURE, "Procedure")                                                                  \
	X(DOCUMENT, "DocumentReference")

typedef enum {
#define FHIR_TYPE_ENUM(id, name) FHIR_##id,
	FHIR_TYPES(FHIR_TYPE_ENUM)
#undef FHIR_TYPE_ENUM
	FHIR_TYPE_COUNT
} fhir_type_t;

const char *fhir_type_name(fhir_type_t t);
/* FHIR_TYPE_COUNT for a name that is not one of these. */
fhir_type_t fhir_type_from_name(const char *name);

/* ---- the mapping (plain; NULL only when out of memory or a value is not
 * UTF-8) ---- */

/* Patient: MRN identifier, name, gender, birth date, death, address,
 * phones, email, language, emergency contact; a confidential chart is
 * meta.security R. The SSN, payer and member ID are not exported. */
json_t *fhir_patient(const patient_t *p);
/* Append an identifier of another system (use secondary) to a Patient
 * (core/extid.h: the export adds each the chart holds). 0, or -1. */
int fhir_patient_add_identifier(json_t *patient, const char *system, const char *value);
/* An encounter naming a provider record (e->provider_ref) gets a second
 * participant referring to its Practitioner (fhir_practitioner's id). */
json_t *fhir_encounter(const encounter_info_t *e, const char *patient_id);
/* A provider record (core/provider.h) as a Practitioner, id "prv-" and
 * the record's id: its identifier, name, gender, speciality
 * (qualification) and location (address text). */
json_t *fhir_practitioner(const provider_t *p);
/* The Observations of one vitals row (one per vital sign taken; blood
 * pressure is one panel with its two components), appended to out.
 * Returns 0, -1 on failure. */
int fhir_vitals(const vitals_row_t *v, const char *patient_id, json_t *out);
/* Allergy, medication or problem. */
json_t *fhir_chart_item(const chart_item_t *it, const char *patient_id);
/* "No known allergy" as its own AllergyIntolerance. */
json_t *fhir_nka(const char *patient_id);
/* An encounter diagnosis (seq from 1, primary first) and a procedure line
 * (from 1; its pointers become reasonReference to the diagnoses). */
json_t *fhir_encounter_dx(const coding_t *c, int seq, const char *patient_id);
json_t *fhir_procedure(const coding_t *c, int line, const char *patient_id);
/* A signed note (and an addendum, relatesTo the note it appends). */
json_t *fhir_document(const note_info_t *n, const char *patient_id);

/* ---- the export ---- */

/* Called with each resource of a chart (borrowed: keep it with
 * json_incref). Non-OK stops the export with that status (m filled). */
typedef status_t (*fhir_emit_fn)(json_t *resource, void *arg, msg_t *m);

/* The accounting-of-disclosures entry (core/disclosure.h) an export
 * records for each chart it hands out, source "export": an export is a
 * disclosure, and Chartroom cannot tell where the file goes, so the one
 * exporting says; what they leave out takes the defaults. A NULL
 * fhir_disclosure_t is all defaults. */
#define FHIR_DISCLOSURE_CATEGORY "other"
#define FHIR_DISCLOSURE_NOT_STATED "Not stated at export"
typedef struct fhir_disclosure {
	/* A DISCLOSURE_CATEGORIES name; NULL or "": "other", which the
	 * patient's accounting shows (an excluded kind, such as treatment or
	 * to_patient, only when the exporter says so). */
	const char *category;
	/* NULL or "": "Not stated at export" (name, purpose), "" (address). */
	const char *recipient_name, *recipient_address, *purpose;
} fhir_disclosure_t;

/* Is d usable (its category known): STATUS_INVALID naming it if not. */
status_t fhir_disclosure_check(const fhir_disclosure_t *d, msg_t *m);

/* Every resource of one chart (id or MRN), the Patient first. Needs
 * ACT_EXPORT_FHIR and, as any reader, patient_view and clinical_view (a
 * confidential chart needs view_confidential: there is no break-the-glass
 * for a disclosure); the encounters' diagnoses and procedures are
 * included when the session may read coding. The whole chart is read
 * before anything is emitted; the disclosure is audited (export_fhir,
 * the count of resources) and recorded in the accounting of disclosures
 * (d, above; its description names the resources) before the first
 * resource is handed out, so a write that fails after leaves an entry
 * to strike rather than a disclosure unaccounted for. */
status_t fhir_export_chart(session_t *s, const char *patient, const fhir_disclosure_t *d,
			   fhir_emit_fn fn, void *arg, msg_t *m);

typedef struct fhir_bulk_report {
	int64_t charts, resources;
	int64_t skipped; /* confidential charts this session may not open */
	int64_t count[FHIR_TYPE_COUNT];
} fhir_bulk_report_t;

/* Every chart, one after the other (each audited and recorded as a
 * disclosure as fhir_export_chart's, with d).
 * progress (may be NULL) is told after each chart how many of how many
 * are done. */
status_t fhir_export_all(session_t *s, const fhir_disclosure_t *d, fhir_emit_fn fn, void *arg,
			 void (*progress)(int64_t done, int64_t total, void *arg),
			 fhir_bulk_report_t *rep, msg_t *m);

/* The resources of a chart as an export reads them, into the array out,
 * without the disclosure (for the import's comparison with what a chart
 * holds: each section read is audited as a view). Core only. */
status_t fhir_chart_read(session_t *s, const char *patient, json_t *out, msg_t *m);

/* ---- the import (core/fhir_import.c) ---- */

/* One resource to import and where it came from ("bundle.json entry 3",
 * "Patient.ndjson:12"), for the messages. */
typedef struct fhir_item {
	json_t *res; /* borrowed */
	char where[96];
} fhir_item_t;

typedef struct fhir_import_report {
	int bad;                       /* resources refused by the validation */
	int same;                      /* already in a matched chart: not added again */
	int charts_new, charts_updated;
	int64_t count[FHIR_TYPE_COUNT]; /* imported, per type */
} fhir_import_report_t;

/* Validate every item (shape, codes, values, references between them,
 * the patient fields as a registration checks them): each bad one goes
 * to on_bad with its place and reason. Then, if none was bad or
 * skip_bad (the bad ones and what refers to them left out), write them:
 * a Patient whose MRN identifier is one of this clinic's charts (with the
 * same birth date and sex) updates that chart's demographics, and what
 * the chart holds already is not added again (rep->same); any other is
 * registered (its duplicate check run as a registration's); the rest are
 * recorded in that chart through
 * the same core functions as on screen, so the session needs the actions
 * each needs (checked before anything is written). Needs patient_import;
 * audited (fhir_import, the counts). STATUS_INVALID when any item was bad
 * and !skip_bad (nothing written). */
status_t fhir_import(session_t *s, const fhir_item_t *items, int n, int skip_bad,
		     void (*on_bad)(const char *where, const char *why, void *arg), void *arg,
		     fhir_import_report_t *rep, msg_t *m);

/* What another importer (core/synthea_import.c) tells fhir_import_with. */
typedef struct fhir_import_opts {
	const char *audit_action; /* the audit entry's action ("fhir_import") */
	const char *source;       /* its detail's first words ("FHIR R4") */
	/* Told after each resource written how many of how many (may be NULL). */
	void (*progress)(int64_t done, int64_t total, void *arg);
	void *progress_arg;
	/* The imported encounters' source mark (clinical.h
	 * encounter_checkin_imported): "synthea"; NULL: "fhir". */
	const char *encounter_source;
} fhir_import_opts_t;

/* fhir_import with those (o NULL: fhir_import's). */
status_t fhir_import_with(session_t *s, const fhir_item_t *items, int n, int skip_bad,
			  void (*on_bad)(const char *where, const char *why, void *arg), void *arg,
			  const fhir_import_opts_t *o, fhir_import_report_t *rep, msg_t *m);

#endif
