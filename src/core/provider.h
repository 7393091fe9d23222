/* provider.h - provider records that are not user accounts (issue 14
 * item 4): the clinicians an imported history names (a Synthea export's
 * providers.csv, a FHIR Practitioner), kept as reference data so an
 * imported visit shows who saw the patient, `report visits --by provider`
 * groups by them, and the FHIR export writes them as Practitioner. They
 * never sign on and hold no keys or permissions.
 *
 * Not patient PHI: every field is clear (migration 022). Each row is
 * MAC'd under the audit key's reference-row subkey (as the policy rows
 * and the accounts; every role that signs on can check it), over its
 * number, id and every field, so a row edited with sqlite3 is
 * STATUS_INTEGRITY wherever it is read. An encounter names its record by
 * id under the encounter's own row MAC. A record is found again by its
 * identifier (system, value): a re-import adds none. */
#ifndef CHARTROOM_PROVIDER_H
#define CHARTROOM_PROVIDER_H

#include <stdint.h>

#include "base/status.h"
#include "core/session.h"

/* The identifier system of Synthea's provider Id, and of an NPI. */
#define PROVIDER_SYSTEM_SYNTHEA "https://github.com/synthetichealth/synthea/provider"
#define PROVIDER_SYSTEM_NPI "http://hl7.org/fhir/sid/us-npi"

#define PROVIDER_SYSTEM_MAX 120
#define PROVIDER_VALUE_MAX 64
#define PROVIDER_NAME_MAX 100
#define PROVIDER_TEXT_MAX 100

typedef struct provider_input {
	const char *system, *value; /* required */
	const char *name;           /* required */
	const char *gender;         /* "", M, F (Synthea) or male/female/other/unknown */
	const char *speciality, *organization, *location; /* may be NULL or "" */
} provider_input_t;

typedef struct provider {
	int64_t row;
	char id[33];
	char system[PROVIDER_SYSTEM_MAX + 1], value[PROVIDER_VALUE_MAX + 1];
	char name[PROVIDER_NAME_MAX + 1], gender[8];
	char speciality[PROVIDER_TEXT_MAX + 1], organization[PROVIDER_TEXT_MAX + 1];
	char location[PROVIDER_TEXT_MAX + 1];
	char created[24], created_by[72];
} provider_t;

/* Check a record's fields (no database): each required one present, every
 * one clean single-line text within its length, the gender one of those
 * above. STATUS_INVALID naming the field. */
status_t provider_input_check(const provider_input_t *in, msg_t *m);

/* The record of in's identifier: found (checked against its MAC;
 * *created 0) or made (ACT_PATIENT_IMPORT, in its own transaction,
 * audited provider_add; *created 1). Its id into id. A found record
 * is not changed. */
status_t provider_ensure(session_t *s, const provider_input_t *in, char id[33], int *created,
			 msg_t *m);

/* A record by its id, checked (any signed-on session: it is reference
 * data, shown with the encounters that name it). STATUS_NOTFOUND when
 * there is none (an encounter naming a missing record is the caller's
 * integrity error). */
status_t provider_get(session_t *s, const char *id, provider_t *out, msg_t *m);

/* Every record by name, each checked first (ACT_REPORTS_VIEW: who reads
 * reports reads the providers they group by). */
status_t provider_list(session_t *s, int (*fn)(const provider_t *p, void *arg), void *arg,
		       msg_t *m);

/* The audit key's rotation (core/rotate.c): every record checked under
 * the key in force (provider_check_all), then MAC'd again under the new
 * one (provider_remac, inside the rotation's transaction). */
status_t provider_check_all(session_t *s, msg_t *m);
status_t provider_remac(session_t *s, msg_t *m);

#endif
