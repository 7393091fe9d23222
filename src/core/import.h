/* import.h - importing patients from CSV files: Chartroom's own
 * header-named format (the field names of patient.h plus "confidential")
 * and Synthea's patients.csv. Every row is validated first; bad rows are
 * reported with their line and reason. Without skip_bad, one bad row means
 * nothing is imported; with it, the good rows are. One transaction. */
#ifndef CHARTROOM_IMPORT_H
#define CHARTROOM_IMPORT_H

#include "base/status.h"
#include "core/session.h"

typedef struct import_report {
	long rows;        /* data rows read */
	long bad;         /* rows refused */
	long imported;    /* rows saved */
	long ssn_dropped; /* Synthea test SSNs (9xx) left blank */
	int synthea;      /* the file was Synthea's format */
} import_report_t;

/* Called for each bad row: its starting line and the reason. */
typedef void (*import_bad_fn)(long line, const char *reason, void *arg);

/* Requires ACT_PATIENT_IMPORT. */
status_t import_patients(session_t *s, const char *path, int skip_bad, import_report_t *rep,
			 import_bad_fn on_bad, void *arg, msg_t *m);

#endif
