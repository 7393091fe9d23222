/* synthea.h - the files of Synthea's CSV exporter (patients, providers,
 * encounters, conditions, allergies, medications, observations,
 * procedures; columns in ../shared/data/synthea/HEADERS.md), read and
 * checked row by row before anything is imported: every value's shape
 * (UUIDs, dates and timestamps, SNOMED CT / RxNorm / LOINC codes, vital
 * signs by LOINC code with their UCUM unit, clean single-line text) and
 * every link between the files (an encounter's patient and provider, a
 * condition's encounter belonging to the same patient). Bad rows are
 * reported as file:line with the reason.
 *
 * This is the first pass of `import synthea` (issue 14 item 4; the
 * import itself is core/synthea_import.c). Nothing here touches the
 * database. */
#ifndef CHARTROOM_SYNTHEA_H
#define CHARTROOM_SYNTHEA_H

#include "base/status.h"

typedef enum {
	SYN_PATIENTS,
	SYN_PROVIDERS,
	SYN_ENCOUNTERS,
	SYN_CONDITIONS,
	SYN_ALLERGIES,
	SYN_MEDICATIONS,
	SYN_OBSERVATIONS,
	SYN_PROCEDURES,
	SYN_NFILES
} syn_file_t;

/* "patients.csv", ... */
const char *synthea_file_name(syn_file_t f);

typedef struct syn_count {
	long rows;  /* data rows read */
	long good;  /* rows that passed */
	long bad;   /* rows refused (each reported) */
	long other; /* observations that are not vital signs: skipped, counted */
} syn_count_t;

typedef struct syn_report {
	syn_count_t f[SYN_NFILES];
	int present[SYN_NFILES]; /* the file is in the directory */
} syn_report_t;

/* The vital signs Chartroom keeps, by the LOINC code Synthea writes. */
typedef enum {
	SYN_V_NONE,
	SYN_V_SYSTOLIC,  /* 8480-6, mm[Hg] */
	SYN_V_DIASTOLIC, /* 8462-4, mm[Hg] */
	SYN_V_PULSE,     /* 8867-4, /min */
	SYN_V_RESP,      /* 9279-1, /min */
	SYN_V_TEMP,      /* 8310-5, Cel */
	SYN_V_SPO2,      /* 59408-5 or 2708-6, % */
	SYN_V_HEIGHT,    /* 8302-2, cm */
	SYN_V_WEIGHT,    /* 29463-7, kg */
	SYN_V_BMI        /* 39156-5, kg/m2 */
} syn_vital_t;

/* Which vital sign a LOINC code is (SYN_V_NONE: not one), and the UCUM
 * unit its value must be in (*unit; may be NULL). */
syn_vital_t synthea_vital(const char *loinc, const char **unit);

/* A Synthea date or timestamp -> UTC "YYYY-MM-DDTHH:MM:SSZ" (a date
 * alone: midnight). 0 when it is not one. */
int synthea_when(const char *s, char out[24]);

/* Called for each bad row: the file's name, the line the row starts on,
 * and why. */
typedef void (*syn_bad_fn)(const char *file, long line, const char *reason, void *arg);

/* Check every row of the Synthea export in dir. patients.csv is required;
 * a missing other file counts as empty (rep->present says which were
 * there). STATUS_OK when no row is bad; STATUS_INVALID when some are (each
 * reported through on_bad, counted in rep; m says how many), or when a
 * file lacks a column it needs (m names file:1 and the column);
 * STATUS_NOTFOUND without patients.csv. */
status_t synthea_check(const char *dir, syn_report_t *rep, syn_bad_fn on_bad, void *arg,
		       msg_t *m);

/* The columns of each file a good row is handed over with, in this order
 * (an optional column absent: ""):
 * patients     Id BIRTHDATE DEATHDATE FIRST LAST GENDER ADDRESS CITY STATE ZIP
 * providers    Id NAME GENDER SPECIALITY ORGANIZATION CITY STATE
 * encounters   Id START STOP PATIENT PROVIDER ENCOUNTERCLASS CODE DESCRIPTION
 *              REASONCODE REASONDESCRIPTION
 * conditions   START STOP PATIENT ENCOUNTER CODE DESCRIPTION
 * allergies    START STOP PATIENT ENCOUNTER CODE DESCRIPTION DESCRIPTION1 SEVERITY1
 * medications  START STOP PATIENT ENCOUNTER CODE DESCRIPTION
 * observations DATE PATIENT ENCOUNTER CATEGORY CODE DESCRIPTION VALUE UNITS
 *              (vital signs only)
 * procedures   START STOP PATIENT ENCOUNTER CODE DESCRIPTION
 * The values are borrowed for the call; non-zero stops the read (out of
 * memory). */
typedef int (*syn_row_fn)(syn_file_t f, long line, const char *const *vals, void *arg);

/* synthea_check, handing each good row to on_row (may be NULL) as it is
 * read: a row that depends on a bad one (its patient, its encounter) is
 * bad itself, so the good rows are whole. */
status_t synthea_read(const char *dir, syn_report_t *rep, syn_bad_fn on_bad, syn_row_fn on_row,
		      void *arg, msg_t *m);

#endif
