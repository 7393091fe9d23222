/* synthea_import.h - `import synthea DIR` (issue 14 item 4): a Synthea CSV
 * export's patients, encounters, conditions, allergies, medications and
 * vital signs into charts. Every row is checked first (core/synthea.h);
 * the good rows become the FHIR R4 resources the export writes
 * (core/fhir.h) and go through the FHIR import (fhir_import_with), so
 * each write is the clinic's own (registration with its duplicate check,
 * check-in at a past time, vitals, problems, ...), checked, sealed and
 * audited, and a chart that holds a resource already does not get it
 * twice.
 *
 * Mapping (README "Importing a Synthea export"):
 * - a patient is matched to a chart of the same last and first name,
 *   date of birth and sex (Synthea's digits stripped from the names); a
 *   re-run of the same export therefore adds nothing. Synthea's patient
 *   Id itself is not stored.
 * - ENCOUNTERCLASS -> one of the clinic's encounter types by [clinical]
 *   synthea_classes (synthea_type);
 *   every encounter is recorded with the one provider user the import is
 *   given (Synthea's providers are checked, counted, not stored: there
 *   are no provider records without a login); location "Synthea import".
 * - conditions -> problems with their SNOMED CT code and description
 *   (resolved when STOP is set); allergies -> allergies (reaction and
 *   severity of the first reaction); medications -> medications with
 *   route "other" and frequency "recorded elsewhere" (Synthea has
 *   neither; the RxNorm code is not kept); vital signs by LOINC -> one
 *   vitals row per encounter and time (BMI computed as on screen).
 * - procedures -> the procedure history (CHART_PROCEDURE) with their
 *   SNOMED CT code, description and date (coding takes HCPCS/CPT only:
 *   they are history, not claim lines). */
#ifndef CHARTROOM_SYNTHEA_IMPORT_H
#define CHARTROOM_SYNTHEA_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "core/fhir.h"
#include "core/session.h"
#include "core/synthea.h"

typedef struct synthea_import_opts {
	int skip_bad;         /* import the good rows when some are bad */
	const char *provider; /* a provider user's name; NULL: the clinic's only one */
	/* Each bad row: synthea.csv file and line, the reason (may be NULL). */
	syn_bad_fn on_bad;
	void *arg;
	/* Told after each resource written (may be NULL). */
	void (*progress)(int64_t done, int64_t total, void *arg);
	void *progress_arg;
} synthea_import_opts_t;

typedef struct synthea_import_report {
	syn_report_t rows;     /* per file: rows read, good, bad, other */
	long refused[SYN_NFILES]; /* good rows the clinic's rules refused (--skip-bad) */
	fhir_import_report_t fhir; /* what was written, per resource type */
} synthea_import_report_t;

/* The clinic's encounter type a Synthea ENCOUNTERCLASS is recorded as:
 * [clinical] synthea_classes maps CLASS = TYPE (shipped: wellness ->
 * "annual exam", virtual/telehealth -> "telephone", home -> "nurse
 * visit", * -> "office visit"); a class not listed takes the "*" entry,
 * and without one the first of [clinical] encounter_types. */
void synthea_type(const config_t *cfg, const char *cls, char *out, size_t size);

/* Every TYPE of [clinical] synthea_classes is one of the clinic's
 * encounter types: STATUS_CONFIG naming the class and the type if not
 * (synthea_import checks it before reading anything). */
status_t synthea_classes_check(const config_t *cfg, msg_t *m);

/* Check the export in dir and import it (see above). Needs
 * patient_import and the actions each kind of record needs; audited as
 * synthea_import with the counts. STATUS_INVALID when a row is bad and
 * !skip_bad (nothing imported; each reported). */
status_t synthea_import(session_t *s, const char *dir, const synthea_import_opts_t *o,
		       synthea_import_report_t *rep, msg_t *m);

#endif
