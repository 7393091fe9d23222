/* deid.h - the de-identified export (HIPAA Safe Harbor, 45 CFR
 * 164.514(b)(2)): CSV files of patients, encounters, diagnoses,
 * procedures, vitals, medications and allergies with the eighteen
 * identifiers removed, and the rules that do it (ZIP3, ages, years).
 *
 * What is written: codes (ICD-10-CM, HCPCS/CPT), years, numbers,
 * statuses, sex, state, ZIP3 (000 for the restricted three-digit areas),
 * ages (90+ for anyone over 89, with no birth year). Never: names,
 * addresses below the state, any full date, phones, email, SSN, MRN,
 * insurance, contacts, user names, row numbers, or any free text (reasons
 * for visit, notes, drug names, substances, reactions, problem
 * descriptions, locations): those are not even decrypted. Patients and
 * encounters get study ids drawn at random for this export and kept
 * nowhere, and every file is in the order of those ids, so two exports
 * cannot be linked row by row. */
#ifndef CHARTROOM_DEID_H
#define CHARTROOM_DEID_H

#include <stddef.h>

#include "base/status.h"
#include "core/session.h"

/* Groups of fewer patients than this sharing birth year, sex and ZIP3 are
 * counted in the re-identification warning. */
#define DEID_SMALL_GROUP 5

/* The first three digits of a 5-digit ZIP or ZIP+4 into out (4 bytes):
 * "000" for the restricted three-digit areas of 20,000 people or fewer
 * (036, 059, 063, 102, 203, 556, 692, 790, 821, 823, 830, 831, 878, 879,
 * 884, 890, 893); "" for anything else (empty, malformed). Returns 1 when
 * restricted. */
int deid_zip3(const char *zip, char out[4]);

/* An age as exported into out: "" for unknown (< 0), "90+" over 89,
 * else the number. */
void deid_age(int age, char *out, size_t size);

/* The year of an ISO date or time ("2026-03-08", "2026-03-08T10:00:00Z")
 * into out (5 bytes), "" if it does not start with one. Returns the year
 * as a number, 0 if none. */
int deid_year(const char *date, char out[5]);

/* Whole years from birth (y, m, d) to the day (ey, em, ed); -1 if before. */
int deid_age_on(int y, int m, int d, int ey, int em, int ed);

typedef struct deid_report {
	long patients, encounters, diagnoses, procedures, vitals, medications, allergies;
	long groups;         /* distinct (birth year, sex, ZIP3) among the patients */
	long smallest_group; /* patients in the smallest of them (0: no patients) */
	long small_groups;   /* groups of fewer than DEID_SMALL_GROUP */
	long withheld;       /* values left blank: not of the shape a code or number has */
	long over89;         /* patients exported as 90+ */
} deid_report_t;

/* Export (ACT_EXPORT_DEID; audited as export_deid with the counts). from
 * and to (YYYY-MM-DD or MM/DD/YYYY, inclusive, NULL: unbounded) select
 * encounters by date of service, and the patients who have one; with
 * neither, every patient. dir must not exist: it is made (0700) and the
 * seven files written in it (0600); on any failure they and dir are
 * removed. Everything is read in one snapshot. */
status_t deid_export(session_t *s, const char *from, const char *to, const char *dir,
		     deid_report_t *rep, msg_t *m);

#endif
