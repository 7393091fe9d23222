/* extid.h - a patient's identifiers in other systems (issue 14): the
 * Synthea patient Id, a FHIR Patient.identifier other than Chartroom's
 * MRN. Kept so that an import run again finds the chart by them
 * (core/synthea_import.c, core/fhir_validate.c) and so the FHIR export
 * gives them back as Patient.identifier.
 *
 * SECURITY: a row of patient_identifiers (migration 018) is part of its
 * patient's chart (core/integrity.h, chart table 10): the value encrypted
 * under the demo key, bound to the row and the patient; a row MAC over
 * its number, id, the patient's id, the system, the ciphertext, when and
 * by whom; listed in the chart head, so a row edited, moved to another
 * patient, deleted or replayed from an old copy is an integrity error.
 * The lookup goes through a blind index token (the demo key's subkey for
 * patient_identifiers.value over "system|value"), and every candidate it
 * finds is decrypted and checked before it is believed. A key rotation
 * of the demo key re-seals the value, the token and the MAC (extid_rekey).
 * The system (a URI naming the issuer) is clear: it is not PHI. */
#ifndef CHARTROOM_EXTID_H
#define CHARTROOM_EXTID_H

#include <stdint.h>

#include "base/status.h"
#include "core/session.h"

#define EXTID_SYSTEM_MAX 120
#define EXTID_VALUE_MAX 100
#define EXTID_PER_PATIENT 8
/* The system Synthea's patient Ids are kept under. */
#define EXTID_SYSTEM_SYNTHEA "https://github.com/synthetichealth/synthea"

/* A system (an absolute URI: "scheme:...", clean, one line, at most
 * EXTID_SYSTEM_MAX) and a value (clean one-line text, 1 to
 * EXTID_VALUE_MAX bytes). STATUS_INVALID naming which, never quoting the
 * value. */
status_t extid_check(const char *system, const char *value, msg_t *m);

/* Record (system, value) for the patient (id or MRN), needs
 * patient_import; audited (identifier_add) with the chart's new head.
 * *added (may be NULL) 1 when written, 0 when the chart held it already.
 * STATUS_CONFLICT when the chart holds another value of that system, or
 * another chart holds this one (an identifier names one patient). */
status_t extid_add(session_t *s, const char *patient, const char *system, const char *value,
		   int *added, msg_t *m);

/* The chart holding (system, value): its patient id into pid.
 * STATUS_NOTFOUND when none; needs patient_import. Each candidate's chart
 * is verified and its value decrypted before it is believed. */
status_t extid_find(session_t *s, const char *system, const char *value, char pid[33],
		    msg_t *m);

/* A chart's identifiers, oldest first, checked (each row and the set)
 * before the first is handed out; needs patient_view. fn returns
 * non-zero to stop. */
status_t extid_list(session_t *s, const char *patient,
		    int (*fn)(const char *system, const char *value, void *arg), void *arg,
		    msg_t *m);

/* Inside core (a demo key rotation, core/rotate.c; in its transaction,
 * the chart loaded and verified): each row of the chart not under demo
 * key version `to` gets its value, token and MAC made anew and its head
 * entry replaced. *n gets how many. */
struct chart;
status_t extid_rekey(session_t *s, struct chart *ch, int to, int64_t *n, msg_t *m);

#endif
