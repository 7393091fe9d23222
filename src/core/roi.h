/* roi.h - release of information (issue 12 item 3; 45 CFR 164.524 for an
 * individual's own access, 164.508 authorizations for others).
 *
 * A request log: who asks (requester kind and name), who receives it
 * (recipient name and address), the purpose, the authorization (on file
 * with its signed and expiry dates, not required with its legal basis, or
 * pending), what is asked for (chart sections and a date range), when it
 * was received and when it is due (30 days, core/rights.h; one 30-day
 * extension with a written reason, asked for before the due date), its
 * status (logged, awaiting_authorization, in_process, released, denied,
 * withdrawn) and fee. Every change is an event of the request's history
 * (core/request.h): nothing is rewritten, all of it is audited, the text
 * is encrypted and bound to the patient.
 *
 * Release writes the selected sections of the chart, as plain text, to a
 * new file (mode 0600, never over an existing one), with any amendment,
 * statement of disagreement and rebuttal concerning them
 * (core/amendment.h), and records the disclosure (core/disclosure.h) in
 * the transaction that marks the request released.
 * Permission: ACT_ROI_MANAGE (and the clinical sections need
 * ACT_CLINICAL_VIEW, which HIM holds). */
#ifndef CHARTROOM_ROI_H
#define CHARTROOM_ROI_H

#include <stdint.h>

#include "base/date.h"
#include "base/status.h"
#include "core/session.h"

/* Requester kinds, statuses and the sections a release can hold. */
#define ROI_REQUESTERS                                                                     \
	"patient", "representative", "provider", "payer", "attorney", "law_enforcement", \
		"public_health", "other"
#define ROI_STATUSES \
	"logged", "awaiting_authorization", "in_process", "released", "denied", "withdrawn"
#define ROI_SECTIONS \
	"demographics", "allergies", "medications", "problems", "vitals", "encounters", "notes"

/* What a request says. NULL leaves a field as it is (roi_update) or
 * empty (roi_add). */
typedef struct roi_input {
	const char *requester_kind;
	const char *requester_name, *recipient_name, *recipient_address, *purpose;
	const char *auth;           /* on_file, not_required, pending */
	const char *auth_signed, *auth_expires;
	const char *legal_basis;    /* when not_required: why */
	const char *sections;       /* comma-separated ROI_SECTIONS, or "all" */
	const char *from_date, *to_date; /* the period asked for; "" any */
	const char *received;       /* clinic-local date; add: "" today */
	const char *fee;            /* dollars: "0", "12.50" */
	const char *category;       /* the disclosure's kind (core/disclosure.h);
				     * default from the requester and authorization */
	const char *note;
} roi_input_t;

typedef struct roi_info {
	int64_t n;
	char mrn[24], patient_name[128];
	char status[24], requester_kind[24], category[24], sections[160];
	char from_date[DATE_ISO_SIZE], to_date[DATE_ISO_SIZE];
	char auth[16], auth_signed[DATE_ISO_SIZE], auth_expires[DATE_ISO_SIZE];
	char received[DATE_ISO_SIZE], due[DATE_ISO_SIZE], closed_on[DATE_ISO_SIZE];
	int extended, open, overdue;
	int merged_in;              /* roi_list of one chart: a request of a chart merged into
				     * it (mrn is that chart's) */
	long days_left;             /* due - today */
	int64_t fee_cents, disclosure;
	char last_event[16], updated_at[24], updated_by[72], logged_at[24], logged_by[72];
	/* text, valid during the callback */
	const char *requester_name, *recipient_name, *recipient_address, *purpose, *legal_basis,
		*extension_reason, *denial_reason, *note, *file;
} roi_info_t;

/* Log a request for patient (id or MRN). *n gets its number. */
status_t roi_add(session_t *s, const char *patient, const roi_input_t *in, int64_t *n, msg_t *m);
/* Change what is given in `in` (may be NULL) and, when status is not NULL,
 * the status: logged, awaiting_authorization, in_process or withdrawn
 * (released and denied have their own calls). A closed request is not
 * changed. */
status_t roi_update(session_t *s, int64_t n, const roi_input_t *in, const char *status,
		    msg_t *m);
/* The one 30-day extension, with its written reason, before the due date
 * has passed. */
status_t roi_extend(session_t *s, int64_t n, const char *reason, msg_t *m);
/* Deny, with the reason. */
status_t roi_deny(session_t *s, int64_t n, const char *reason, msg_t *m);
/* Release to a new file at path (0600): the sections asked for, then the
 * disclosure is recorded. *disclosure (may be NULL) gets its number. */
/* The file's form: plain text, or a FHIR R4 Bundle (core/fhir.h). */
typedef enum { ROI_TEXT, ROI_FHIR } roi_format_t;
status_t roi_release(session_t *s, int64_t n, const char *path, int64_t *disclosure, msg_t *m);
/* roi_release, in the form asked for. */
status_t roi_release_as(session_t *s, int64_t n, const char *path, roi_format_t format,
			int64_t *disclosure, msg_t *m);

/* One request as it stands (audited roi_view). */
status_t roi_get(session_t *s, int64_t n, int (*fn)(const roi_info_t *r, void *arg), void *arg,
		 msg_t *m);
/* Its history, oldest event first (info as it stood after each). */
status_t roi_history(session_t *s, int64_t n, int (*fn)(const roi_info_t *r, void *arg),
		     void *arg, msg_t *m);
/* Requests of one patient (id or MRN; NULL or "": all), filter NULL or
 * "": all; "open": not closed; "overdue": open and past due; or a status. */
status_t roi_list(session_t *s, const char *patient, const char *filter,
		  int (*fn)(const roi_info_t *r, void *arg), void *arg, msg_t *m);

#endif
