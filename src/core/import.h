/* import.h - importing patients from CSV files: Chartroom's own
 * header-named format (the field names of patient.h plus "confidential")
 * and Synthea's patients.csv. Every row is validated first; bad rows are
 * reported with their line and reason. Without skip_bad, one bad row means
 * nothing is imported; with it, the good rows are.
 *
 * Every good row then runs the duplicate check registration runs (core/
 * pmatch.h: blind-index tokens only), against the registered patients and
 * against the rows of the file before it. A likely duplicate is reported
 * with its line and the registered patient (or the earlier line) and is
 * not imported, unless register_anyway: then it is, and each such patient
 * is audited as patient_register_anyway with the candidates' ids, as the
 * registration screen's "register anyway" is. */
#ifndef CHARTROOM_IMPORT_H
#define CHARTROOM_IMPORT_H

#include <stdint.h>

#include "base/status.h"
#include "core/patient.h"
#include "core/session.h"

typedef struct import_report {
	long rows;        /* data rows read */
	long bad;         /* rows refused */
	long imported;    /* rows saved by this run */
	long ssn_dropped; /* Synthea test SSNs (9xx) left blank */
	int synthea;      /* the file was Synthea's format */
	int64_t import_id;    /* the import (a re-run of the same file resumes it) */
	int64_t total;        /* good rows in the file */
	int64_t resumed_from; /* rows an earlier run had committed */
	int already;          /* an earlier run finished it: nothing done */
	long dups;            /* likely duplicates among the rows checked */
	long held;            /* of them, not imported (without register_anyway) */
} import_report_t;

/* A likely duplicate row (reported before anything is saved). */
typedef struct import_dup {
	long line;           /* where the row starts */
	int score;
	const patient_match_t *match; /* the registered patient it resembles, or NULL */
	long other_line;     /* else the earlier row of the file it resembles */
	const char *why;     /* what matched ("last name, first name, DOB") */
	int imported;        /* register_anyway: it is imported all the same */
} import_dup_t;
typedef void (*import_dup_fn)(const import_dup_t *d, void *arg);

/* Patients saved per transaction by an import (and the demo generator). */
#define IMPORT_BATCH_ROWS 10000

/* Called for each bad row: its starting line and the reason. */
typedef void (*import_bad_fn)(long line, const char *reason, void *arg);
/* Called once the import has its id, before any patient is saved (the
 * command line prints the id first). */
typedef void (*import_start_fn)(const import_report_t *rep, void *arg);

/* Requires ACT_PATIENT_IMPORT. Patients are committed in batches of
 * IMPORT_BATCH_ROWS, each with its own audit entry and
 * the import's progress (imports table), the write lock free for others
 * between them. The same file run again (same bytes: its digest) resumes
 * after the last committed batch, or, if an earlier run finished it,
 * imports nothing (rep->already). */
status_t import_patients(session_t *s, const char *path, int skip_bad, import_report_t *rep,
			 import_bad_fn on_bad, import_start_fn on_start, void *arg, msg_t *m);

/* The same with every choice: on_dup (may be NULL) hears of each likely
 * duplicate; register_anyway imports them too (audited).
 *
 * A run that resumes an import checks only the rows after those its
 * earlier runs went through (imported or held back), never its own
 * earlier batches against themselves. A file none of whose rows is left
 * to import (every one a likely duplicate) imports nothing and says so. */
typedef struct import_opts {
	int skip_bad;
	int register_anyway;
	import_bad_fn on_bad;
	import_dup_fn on_dup;
	import_start_fn on_start;
	void *arg;
} import_opts_t;
status_t import_patients_with(session_t *s, const char *path, const import_opts_t *o,
			      import_report_t *rep, msg_t *m);

#endif
