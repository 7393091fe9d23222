/* patient_search.h - chart lookup: one search box that understands what
 * is typed (name prefix, "last, first", MRN, date of birth, phone or its
 * last four digits), through blind-index tokens only. Results are
 * decrypted, checked against the query (tokens can collide) and sorted.
 * With an empty query: the user's recently opened charts.
 *
 * Answers are exact (issue 11): every candidate of the query's token is
 * checked, up to one match past the limit (then "more"), or up to a
 * bound on decryptions per search (then "more" too: candidates are left
 * unchecked). A search never answers "not found" for a patient that
 * matches. Names match by their units (core/pindex.h): a prefix of the
 * whole last name or of a run of its parts; for "last, first" a whole
 * unit (or, when no patient has that unit, a prefix) and a first-name
 * prefix.
 *
 * A patient_list_t is owned by the caller; list widgets draw its rows on
 * demand through patient_list_row(). */
#ifndef CHARTROOM_PATIENT_SEARCH_H
#define CHARTROOM_PATIENT_SEARCH_H

#include <stdint.h>

#include "base/status.h"
#include "core/session.h"

typedef struct patient_row {
	char id[33];
	int64_t prow;
	char mrn[24];
	char last[128];
	char first[128];
	char middle[128];
	char suffix[16];
	char dob[11];   /* YYYY-MM-DD */
	int age;        /* whole years (at death if deceased), -1 unknown */
	char sex[2];
	int confidential;
	int deceased;   /* a date of death is recorded */
	char death[11]; /* YYYY-MM-DD, "" if none */
	char last_visit[11]; /* date of the latest encounter, "" if none */
	int64_t rank;        /* its place in the name order (core/porder.h) */
} patient_row_t;

typedef struct patient_list patient_list_t;

/* What kind of query it was understood as. */
typedef enum {
	PQ_RECENT,
	PQ_NAME,
	PQ_LAST_FIRST,
	PQ_MRN,
	PQ_DOB,
	PQ_PHONE,
	PQ_PHONE4,
	PQ_INCOMPLETE /* too short or not understood; msg says what to type */
} pquery_kind_t;

/* Search. At most `limit` rows; patient_list_more() tells whether there
 * are more matches than shown, or candidates that were not checked (the
 * user should type more). Requires
 * ACT_PATIENT_SEARCH. The query's blind token (never its text) goes into
 * the audit trail with the session's next audited action, with the row
 * numbers of the patients listed (DB_JOURNAL_LISTED_MAX to an event), so
 * each listed patient's access report shows the search (core/access.h). On success *out
 * is set even when empty; msg describes the result ("12 matches for a
 * name"). */
status_t patient_search(session_t *s, const char *query, int limit, patient_list_t **out,
			msg_t *m);

/* The pages after the first, in name order (core/porder.h), as a
 * plaintext index on (last, first, date of birth) would give them:
 * patient_search_next the `limit` matches after the last row of prev (a
 * list of the same query: PgDn); patient_search_page page `page` (1: the
 * first) or, with after_mrn, the matches after that patient's row (the
 * command line's --page and --after). Each is a search of its own
 * (audited). While a database from before migration 011 is being put in
 * name order, asking for a later page is refused with a message saying
 * to run `chartroom keys reindex`. */
status_t patient_search_next(session_t *s, const char *query, int limit,
			     const patient_list_t *prev, patient_list_t **out, msg_t *m);
status_t patient_search_page(session_t *s, const char *query, int limit, int page,
			     const char *after_mrn, patient_list_t **out, msg_t *m);
/* Which page this list is (1: the first; with --after: 0). */
int patient_list_page(const patient_list_t *l);

int patient_list_count(const patient_list_t *l);
const patient_row_t *patient_list_row(const patient_list_t *l, int i);
int patient_list_more(const patient_list_t *l);
pquery_kind_t patient_list_kind(const patient_list_t *l);
/* Wipes the decrypted rows. NULL allowed. */
void patient_list_free(patient_list_t *l);

#endif
