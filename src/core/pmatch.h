/* pmatch.h - inside core only: the duplicate check's scoring, shared by
 * registration (patient_find_duplicates) and imports (each row against the
 * registered patients and against the rows of its file before it).
 *
 * A record is compared through its blind-index tokens only: the families
 * that propose candidates (date of birth, the sound-alike name pair, phone,
 * SSN last four) and those scored (names whole and by sound, date of birth
 * whole and by parts, sex, phone, SSN last four, ZIP), each with its weight
 * from [matching]. A candidate at or over the threshold that also shares a
 * feature of the person (first name, date of birth, SSN last four) is a
 * likely duplicate: a household shares a last name, a phone and a ZIP. */
#ifndef CHARTROOM_PMATCH_H
#define CHARTROOM_PMATCH_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "core/config.h"
#include "core/patient.h"
#include "core/pindex.h"
#include "core/session.h"

/* A record's compared and candidate-proposing tokens, sorted by token. */
#define PMATCH_REC_MAX 24
typedef struct pmatch_rec {
	int n;
	int64_t tok[PMATCH_REC_MAX];
	unsigned char fam[PMATCH_REC_MAX];
} pmatch_rec_t;

/* The part of a patient's tokens (pindex_patient) the check uses. */
void pmatch_rec_make(const ptokens_t *t, pmatch_rec_t *r);

/* Likely duplicates among registered patients of the record whose tokens
 * under each index key version held are recs[0..nrecs-1] (the newest
 * first; two while the index key is rotated), not self_prow: up to max,
 * best first, each described (MRN, name, date of birth) after decrypting
 * its ident. No permission check: callers check theirs. */
status_t pmatch_registered(session_t *s, const pmatch_rec_t *recs, int nrecs, int64_t self_prow,
			   patient_match_t *out, int max, int *n, msg_t *m);

/* For many records checked in a row (an import): what the database said
 * about each token (the patients holding it) and each candidate (its match
 * set), kept so that rows sharing a date of birth, a name's sound or a
 * candidate read them once. Bounded (about 90 MB at most); tokens and
 * match sets only, wiped at free. Valid inside one read snapshot. */
typedef struct pmatch_cache pmatch_cache_t;
pmatch_cache_t *pmatch_cache_new(void);
void pmatch_cache_free(pmatch_cache_t *c);

/* pmatch_registered, reading through the cache (NULL: none). With
 * import_rule, a candidate must also share the date of birth (whole, or
 * two of its three parts) or the SSN's last four: a name alone, however
 * complete, does not hold an imported row back. */
status_t pmatch_registered_cached(session_t *s, const pmatch_rec_t *recs, int nrecs,
				  int64_t self_prow, patient_match_t *out, int max, int *n,
				  pmatch_cache_t *cache, int import_rule, msg_t *m);

/* Records held in memory (an import file's rows), each checked against
 * those added before it. Not thread-safe; tokens only (no PHI), wiped at
 * free all the same. */
typedef struct pmatch_set pmatch_set_t;
pmatch_set_t *pmatch_set_new(void);
void pmatch_set_free(pmatch_set_t *set);

/* Record i (counting from 0 in the order added), as it was added. */
const pmatch_rec_t *pmatch_set_rec(const pmatch_set_t *set, long i);

/* The best-scoring record of the set for r, under the import rule
 * (pmatch_registered_cached) (*best its number, counting
 * from 0 in the order added, *score its score, why what matched), or
 * *best = -1 when none reaches the threshold; then r is added as the next
 * record. STATUS_NOMEM. */
status_t pmatch_set_add(pmatch_set_t *set, const config_t *cfg, const pmatch_rec_t *r, long *best,
			int *score, char *why, size_t why_size, msg_t *m);

/* For a scan of every registered patient (core/dupscan.h): r is checked
 * against the records of the set before it through the same blocks as
 * pmatch_set_add (the candidate-proposing tokens, at most 400 records per
 * token), scored under the import rule (pmatch_registered_cached) or,
 * with import_rule 0, the registration rule (a full name and sex are
 * enough), and fn(j, score, matched features, arg) is called for every
 * record j at or over the threshold (a non-zero return fails with
 * STATUS_NOMEM); then r joins the set. */
typedef int (*pmatch_pair_fn)(long j, int score, unsigned matched, void *arg);
status_t pmatch_set_pairs(pmatch_set_t *set, const config_t *cfg, const pmatch_rec_t *r,
			  int import_rule, pmatch_pair_fn fn, void *arg, msg_t *m);

/* What the matched feature bits say, in words ("last name sound, DOB"). */
void pmatch_why(unsigned matched, char *out, size_t size);

#endif
