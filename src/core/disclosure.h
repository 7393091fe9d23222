/* disclosure.h - the accounting of disclosures (45 CFR 164.528).
 *
 * Every disclosure of a patient's information is recorded here: those
 * made through release of information (core/roi.h), by an export, and
 * those made outside Chartroom entered by hand (a phone report to public
 * health). Entries are append-only: the database refuses UPDATE and
 * DELETE (migration 014); a mistake is corrected by a later entry that
 * strikes it (disclosure_strike, or disclosure_record with `corrects`).
 * Each entry is audited (disclosure_add) in the transaction that writes
 * it, so it is on the audit chain.
 *
 * The recipient's name and address, the description and the purpose are
 * encrypted under the demo key and bound to the entry and its patient;
 * the row's MAC covers its number, patient, date, category, source,
 * strike and suspension, so an entry edited, moved to another chart or
 * put in with sqlite3 is an integrity error naming it.
 *
 * The patient's accounting (disclosure_accounting) covers the six years
 * before today (or from --since, if later): each entry's date, recipient
 * name and address, description and purpose. Entries of the kinds the
 * rule excludes (164.528(a)(1): treatment, payment, operations, to the
 * patient, under an authorization, ...) are kept but left out, and the
 * summary counts them; struck entries and the entries striking them are
 * left out; an entry under a health oversight agency's temporary
 * suspension (164.528(a)(2)) is hidden until the day after its end date. */
#ifndef CHARTROOM_DISCLOSURE_H
#define CHARTROOM_DISCLOSURE_H

#include <stddef.h>
#include <stdint.h>

#include "base/date.h"
#include "base/status.h"
#include "core/session.h"

/* X(name, excluded from the accounting, description) */
#define DISCLOSURE_CATEGORIES(X)                                                      \
	X("public_health", 0, "Public health activities")                            \
	X("abuse_report", 0, "Report of abuse, neglect or domestic violence")        \
	X("oversight", 0, "Health oversight agency")                                 \
	X("judicial", 0, "Judicial or administrative proceeding")                    \
	X("law_enforcement", 0, "Law enforcement")                                   \
	X("decedent", 0, "Coroner, medical examiner or funeral director")           \
	X("organ_donation", 0, "Organ, eye or tissue donation")                      \
	X("research", 0, "Research without an authorization")                        \
	X("serious_threat", 0, "To avert a serious threat to health or safety")      \
	X("workers_comp", 0, "Workers' compensation")                                \
	X("required_by_law", 0, "Required by law")                                   \
	X("other", 0, "Other disclosure")                                            \
	X("treatment", 1, "Treatment (excluded)")                                    \
	X("payment", 1, "Payment (excluded)")                                        \
	X("operations", 1, "Health care operations (excluded)")                      \
	X("to_patient", 1, "To the patient (excluded)")                              \
	X("authorized", 1, "Under the patient's authorization (excluded)")           \
	X("directory", 1, "Facility directory (excluded)")                           \
	X("involved_persons", 1, "To persons involved in care or notification (excluded)") \
	X("national_security", 1, "National security or intelligence (excluded)")   \
	X("correctional", 1, "Correctional institution or custody (excluded)")       \
	X("limited_data_set", 1, "Part of a limited data set (excluded)")            \
	X("incidental", 1, "Incident to a permitted use (excluded)")

/* Is name a category (1/0); is it one the accounting excludes; its
 * description ("" unknown). The i-th name, NULL past the end. */
int disclosure_category_valid(const char *name);
int disclosure_category_excluded(const char *name);
const char *disclosure_category_desc(const char *name);
const char *disclosure_category_name(int i);

/* A disclosure to record. Text fields may be NULL (""); the recipient's
 * name and the description are required. */
typedef struct disclosure {
	const char *date;            /* the day it was made, clinic-local YYYY-MM-DD or
				      * MM/DD/YYYY; NULL or "": today; not in the future */
	const char *category;        /* a DISCLOSURE_CATEGORIES name */
	const char *recipient_name;
	const char *recipient_address;
	const char *description;     /* what was disclosed */
	const char *purpose;         /* why (the statement's "purpose") */
	const char *suspended_until; /* a health oversight agency's suspension: the
				      * last day it is hidden; NULL or "": none */
	int64_t corrects;            /* 0, or an entry this one replaces (struck) */
} disclosure_t;

/* Record a disclosure made outside the system (ACT_DISCLOSURE_ADD), for
 * the patient with id or MRN `patient`. *n gets its number. Audited
 * (disclosure_add) in the same transaction. */
status_t disclosure_record(session_t *s, const char *patient, const disclosure_t *d, int64_t *n,
			   msg_t *m);

/* The same for a disclosure core made under the caller's own permission
 * (an export by a module that checked its own action; release of
 * information): no permission check here; `source` is "roi", "export" or
 * "manual", `roi` the ROI request number or 0. Opens its own write
 * transaction unless one is open (then the caller commits). */
status_t disclosure_record_for(session_t *s, const char *patient, const disclosure_t *d,
			       const char *source, int64_t roi, int64_t *n, msg_t *m);

/* Strike entry n (recorded in error) with a reason (ACT_DISCLOSURE_ADD):
 * a new entry; *new_n (may be NULL) gets its number. */
status_t disclosure_strike(session_t *s, int64_t n, const char *reason, int64_t *new_n, msg_t *m);
/* The same, refused (STATUS_NOTFOUND, nothing written) unless entry n is
 * a disclosure of `patient` (id or MRN; NULL or "": any): the screen
 * strikes from one patient's accounting. */
status_t disclosure_strike_of(session_t *s, const char *patient, int64_t n, const char *reason,
			      int64_t *new_n, msg_t *m);

typedef struct disclosure_info {
	int64_t n;
	char mrn[24], patient_name[128];
	char date[DATE_ISO_SIZE], category[24], source[12];
	int64_t roi, strikes, struck_by;
	char suspended_until[DATE_ISO_SIZE], recorded_at[24], recorded_by[72];
	char *recipient_name, *recipient_address, *description, *purpose; /* valid during fn */
	int excluded;     /* a kind the rule leaves out of the accounting */
	int suspended;    /* under a suspension that has not ended */
	int in_statement; /* what the patient's accounting shows */
	int merged_in;    /* made from a chart since merged into this one (mrn is that chart's) */
} disclosure_info_t;

typedef struct disclosure_summary {
	char from[DATE_ISO_SIZE], to[DATE_ISO_SIZE]; /* the period covered */
	int shown, excluded, struck, suspended, older;
} disclosure_summary_t;

/* A patient's disclosures (ACT_DISCLOSURE_VIEW; audited disclosures_view),
 * oldest first: with all 0 only the entries of the accounting (period
 * from since, or six years back, whichever is later, to today), with all
 * 1 every entry with its flags. sum (may be NULL) gets the counts. fn
 * returns non-zero to stop. A damaged entry is STATUS_INTEGRITY, and no
 * entry is shown. */
status_t disclosure_accounting(session_t *s, const char *patient, const char *since, int all,
			       int (*fn)(const disclosure_info_t *d, void *arg), void *arg,
			       disclosure_summary_t *sum, msg_t *m);

/* Inside core (a demo key rotation, core/rotate.c; inside its write
 * transaction, the rows marked re-keying by the caller): every entry of
 * chart prow (patient id pid) not yet under demo key version `to` is
 * checked, then re-encrypted and re-MAC'd with the newest version. *n gets
 * how many were. */
status_t disclosure_rekey(session_t *s, int64_t prow, const char *pid, int to, int64_t *n,
			  msg_t *m);

#endif
