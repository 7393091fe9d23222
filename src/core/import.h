/* import.h - importing patients from CSV files: Chartroom's own
 * header-named format (the field names of patient.h plus "confidential")
 * and Synthea's patients.csv. Every row is validated first; bad rows are
 * reported with their line and reason. Without skip_bad, one bad row means
 * nothing is imported; with it, the good rows are. */
#ifndef CHARTROOM_IMPORT_H
#define CHARTROOM_IMPORT_H

#include <stdint.h>

#include "base/status.h"
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
} import_report_t;

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

#endif
