/* amendment.h - a patient's requests to amend their record (45 CFR
 * 164.526).
 *
 * A request names the part of the record (a chart section, and a record
 * number in it or none) and what the patient asks, with its received date.
 * The decision is due 60 days after receipt; one extension of at most 30
 * days may be taken, only before day 60, with the written reason given to
 * the patient (core/rights.h counts the days in clinic-local dates). An
 * accepted amendment is appended to the chart, linked to the request: the
 * signed note or entry it concerns is never rewritten (the chart shows the
 * amendment with the part); the people to notify are recorded. A denial
 * gives one of the rule's reasons (AMENDMENT_DENIALS); the patient's
 * statement of disagreement and the clinic's rebuttal are attached, and
 * the part they concern is marked on the chart and released with it
 * (core/roi.h). Every step is an event of the request's history
 * (core/request.h), encrypted, bound to the patient, audited.
 * Permissions: ACT_AMENDMENT_MANAGE to log, extend and attach statements;
 * ACT_AMENDMENT_DECIDE to accept or deny. */
#ifndef CHARTROOM_AMENDMENT_H
#define CHARTROOM_AMENDMENT_H

#include <stdint.h>
#include <stdio.h>

#include "base/date.h"
#include "base/status.h"
#include "core/session.h"

/* X(code, what the denial letter says) - 164.526(a)(2) */
#define AMENDMENT_DENIALS(X)                                                                 \
	X("not_created", "Not created by this clinic (the originator can act on it)")       \
	X("not_in_record_set", "Not part of the designated record set")                   \
	X("not_open_to_inspection", "Not available for inspection under 164.524")         \
	X("accurate_complete", "The record is accurate and complete")

#define AMENDMENT_SECTIONS \
	"demographics", "allergies", "medications", "problems", "vitals", "encounters", "notes"

const char *amendment_denial_desc(const char *code); /* "" when unknown */

typedef struct amendment_input {
	const char *section;  /* an AMENDMENT_SECTIONS name */
	const char *ref;      /* the record in it ("12": note 12), or "" / NULL */
	const char *received; /* clinic-local date; "" today */
	const char *request;  /* what the patient asks (required) */
	const char *part;     /* the part in the patient's words, optional */
} amendment_input_t;

typedef struct amendment_info {
	int64_t n;
	char mrn[24], patient_name[128];
	char status[16];            /* pending, accepted, denied */
	char section[24], ref[24], received[DATE_ISO_SIZE], due[DATE_ISO_SIZE];
	char decided[DATE_ISO_SIZE], denial[24];
	int extended, overdue;
	int merged_in;              /* a list of one chart: a request of a chart merged into it
				     * (mrn is that chart's) */
	long days_left;
	char last_event[16], updated_at[24], updated_by[72], logged_at[24], logged_by[72];
	/* text, valid during the callback ("" when none) */
	const char *request, *part, *extension_reason, *amendment, *notify, *explanation,
		*disagreement, *rebuttal;
} amendment_info_t;

/* Log a request for patient (id or MRN); *n gets its number. */
status_t amendment_add(session_t *s, const char *patient, const amendment_input_t *in, int64_t *n,
		       msg_t *m);
/* The one extension: days 1-30 (0: 30), before day 60, with a reason. */
status_t amendment_extend(session_t *s, int64_t n, int days, const char *reason, msg_t *m);
/* Accept: text is the amendment appended to the chart (NULL or "": the
 * request's words); notify names who must be told (people the patient
 * named, others who have the part and may rely on it). */
status_t amendment_accept(session_t *s, int64_t n, const char *text, const char *notify,
			  msg_t *m);
/* Deny with a reason code of AMENDMENT_DENIALS and an explanation. */
status_t amendment_deny(session_t *s, int64_t n, const char *code, const char *explanation,
			msg_t *m);
/* The patient's statement of disagreement (a denied request), and the
 * clinic's rebuttal of it (after a statement). Each once. */
status_t amendment_disagree(session_t *s, int64_t n, const char *statement, msg_t *m);
status_t amendment_rebut(session_t *s, int64_t n, const char *rebuttal, msg_t *m);

/* One request (audited amendment_view), its history, or a list (patient
 * NULL or "": all; filter NULL/"", "open", "overdue", or a status). */
status_t amendment_get(session_t *s, int64_t n,
		       int (*fn)(const amendment_info_t *a, void *arg), void *arg, msg_t *m);
status_t amendment_history(session_t *s, int64_t n,
			   int (*fn)(const amendment_info_t *a, void *arg), void *arg, msg_t *m);
status_t amendment_list(session_t *s, const char *patient, const char *filter,
			int (*fn)(const amendment_info_t *a, void *arg), void *arg, msg_t *m);

/* What the chart shows about the parts of a patient's record: every
 * accepted amendment and every denial with a statement of disagreement
 * (ACT_PATIENT_VIEW: whoever opens the chart). */
status_t amendment_chart_marks(session_t *s, const char *patient,
			       int (*fn)(const amendment_info_t *a, void *arg), void *arg,
			       msg_t *m);

/* Inside core (a release, core/roi_write.c): write to f the amendments,
 * statements of disagreement and rebuttals that concern `section` of
 * chart prow. Nothing when there are none. */
status_t amendment_release_notes(session_t *s, int64_t prow, const char *section, FILE *f,
				 msg_t *m);

#endif
