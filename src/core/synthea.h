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
 * This is the first pass of `import synthea` (issue 14 item 4); the
 * import itself is not built yet. Nothing here touches the database. */
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

#endif
