/* db_audit.c - SQL for the audit chain and the pending-event table. */
#include "db/db_audit.h"

#include <stdlib.h>
#include <string.h>

#include "db/db_internal.h"

#define AUDIT_COLS                                                                 \
	"seq, ts, user_id, user_name, os_user, source, action, target, outcome, detail, " \
	"key_version, mac, chart_head, listed"

status_t db_audit_last(db_t *db, int64_t *seq, unsigned char mac[DB_AUDIT_MAC_LEN], msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db, "SELECT seq, mac FROM audit ORDER BY seq DESC LIMIT 1", &st,
				  m);
	if (ret != STATUS_OK)
		return ret;
	*seq = 0;
	memset(mac, 0, DB_AUDIT_MAC_LEN);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const void *p = sqlite3_column_blob(st, 1);
		size_t n = (size_t)sqlite3_column_bytes(st, 1);
		*seq = sqlite3_column_int64(st, 0);
		if (p)
			memcpy(mac, p, n < DB_AUDIT_MAC_LEN ? n : DB_AUDIT_MAC_LEN);
	} else if (rc != SQLITE_DONE) {
		ret = db_fail(db, rc, "reading the audit trail", m);
	}
	sqlite3_finalize(st);
	return ret;
}

status_t db_audit_insert(db_t *db, const db_audit_row_t *r, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT INTO audit(" AUDIT_COLS ") VALUES "
				  "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, r->seq);
	db_bind_text(st, 2, r->ts);
	db_bind_text(st, 3, r->user_id);
	db_bind_text(st, 4, r->user_name);
	db_bind_text(st, 5, r->os_user);
	db_bind_text(st, 6, r->source);
	db_bind_text(st, 7, r->action);
	db_bind_text(st, 8, r->target);
	db_bind_text(st, 9, r->outcome);
	if (r->has_detail)
		db_bind_blob(st, 10, r->detail, r->detail_len);
	else
		sqlite3_bind_null(st, 10);
	sqlite3_bind_int(st, 11, r->key_version);
	db_bind_blob(st, 12, r->mac, DB_AUDIT_MAC_LEN);
	db_bind_text(st, 13, r->chart_head[0] ? r->chart_head : NULL);
	db_bind_text(st, 14, r->listed[0] ? r->listed : NULL);
	return db_exec_stmt(db, st, "writing the audit trail", m);
}

/* Columns are read as text/blob exactly as stored: a tampered row must
 * reach the MAC check, not be normalised away here. */
static void row_from_stmt(sqlite3_stmt *st, db_audit_row_t *r, int with_chain)
{
	memset(r, 0, sizeof *r);
	r->seq = sqlite3_column_int64(st, 0);
	db_col_text(st, 1, r->ts, sizeof r->ts);
	db_col_text(st, 2, r->user_id, sizeof r->user_id);
	db_col_text(st, 3, r->user_name, sizeof r->user_name);
	db_col_text(st, 4, r->os_user, sizeof r->os_user);
	db_col_text(st, 5, r->source, sizeof r->source);
	db_col_text(st, 6, r->action, sizeof r->action);
	db_col_text(st, 7, r->target, sizeof r->target);
	db_col_text(st, 8, r->outcome, sizeof r->outcome);
	if (!with_chain)
		return;
	if (sqlite3_column_type(st, 9) != SQLITE_NULL) {
		const void *p = sqlite3_column_blob(st, 9);
		size_t n = (size_t)sqlite3_column_bytes(st, 9);
		r->has_detail = 1;
		if (n > sizeof r->detail)
			n = sizeof r->detail;
		if (p && n)
			memcpy(r->detail, p, n);
		r->detail_len = n;
	}
	r->key_version = sqlite3_column_int(st, 10);
	{
		const void *p = sqlite3_column_blob(st, 11);
		size_t n = (size_t)sqlite3_column_bytes(st, 11);
		r->mac_len = n;
		if (p)
			memcpy(r->mac, p, n < DB_AUDIT_MAC_LEN ? n : DB_AUDIT_MAC_LEN);
	}
	/* An over-long head is cut to a length no MAC'd head has: it fails. */
	db_col_text(st, 12, r->chart_head, sizeof r->chart_head);
	db_col_text(st, 13, r->listed, sizeof r->listed);
}

/* ?1-?5 of a report query over the audit trail. */
typedef struct audit_params {
	const char *p1, *p2, *p3; /* ?1-?3: text; NULL binds NULL */
	int64_t limit;            /* ?4: <= 0 for none */
	int64_t prow;             /* ?5, when the SQL has it */
} audit_params_t;

/* An optional text parameter: "" binds NULL. */
static const char *opt(const char *s)
{
	return s && *s ? s : NULL;
}

/* The one loop of the report queries: prepare sql, bind q, read each row
 * (with its chain columns) and hand it to row() with the statement (for
 * columns past the audit's own); row returns nonzero to stop. */
static status_t audit_rows(db_t *db, const char *sql, const audit_params_t *q,
			   int (*row)(sqlite3_stmt *st, const db_audit_row_t *r, void *arg),
			   void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	db_audit_row_t *r = NULL;
	status_t ret;
	int rc;
	ret = db_prepare(db, sql, &st, m);
	if (ret != STATUS_OK)
		return ret;
	if (!(r = malloc(sizeof *r))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory reading the audit trail.");
		goto cleanup;
	}
	db_bind_text(st, 1, q->p1);
	db_bind_text(st, 2, q->p2);
	db_bind_text(st, 3, q->p3);
	sqlite3_bind_int64(st, 4, q->limit > 0 ? q->limit : -1);
	if (sqlite3_bind_parameter_count(st) >= 5)
		sqlite3_bind_int64(st, 5, q->prow);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_from_stmt(st, r, 1);
		if (row(st, r, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the audit trail", m);
cleanup:
	free(r);
	sqlite3_finalize(st);
	return ret;
}

/* A caller's fn(row, arg), for audit_rows. */
typedef struct plain_fn {
	int (*fn)(const db_audit_row_t *row, void *arg);
	void *arg;
} plain_fn_t;

static int plain_row(sqlite3_stmt *st, const db_audit_row_t *r, void *arg)
{
	const plain_fn_t *p = arg;
	(void)st;
	return p->fn(r, p->arg);
}

status_t db_audit_each(db_t *db, const db_audit_filter_t *f,
		       int (*fn)(const db_audit_row_t *row, void *arg), void *arg, msg_t *m)
{
	static const db_audit_filter_t none = {0};
	plain_fn_t p = {fn, arg};
	audit_params_t q;
	const char *sql_asc = "SELECT " AUDIT_COLS " FROM audit "
			      "WHERE (?1 IS NULL OR user_name = ?1) AND (?2 IS NULL OR ts >= ?2) "
			      "AND (?3 IS NULL OR target = ?3) ORDER BY seq LIMIT ?4";
	const char *sql_desc = "SELECT " AUDIT_COLS " FROM audit "
			       "WHERE (?1 IS NULL OR user_name = ?1) AND (?2 IS NULL OR ts >= ?2) "
			       "AND (?3 IS NULL OR target = ?3) ORDER BY seq DESC LIMIT ?4";

	if (!f)
		f = &none;
	memset(&q, 0, sizeof q);
	q.p1 = opt(f->user_name);
	q.p2 = opt(f->since);
	q.p3 = opt(f->target);
	q.limit = f->limit;
	return audit_rows(db, f->newest_first ? sql_desc : sql_asc, &q, plain_row, &p, m);
}

status_t db_audit_count(db_t *db, int64_t *out, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db, "SELECT count(*) FROM audit", &st, m);
	if (ret != STATUS_OK)
		return ret;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		ret = db_fail(db, rc, "counting the audit trail", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_audit_pending_add(db_t *db, const db_audit_row_t *r, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT INTO audit_pending(ts, user_id, user_name, os_user, "
				  "source, action, target, outcome) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, r->ts);
	db_bind_text(st, 2, r->user_id);
	db_bind_text(st, 3, r->user_name);
	db_bind_text(st, 4, r->os_user);
	db_bind_text(st, 5, r->source);
	db_bind_text(st, 6, r->action);
	db_bind_text(st, 7, r->target);
	db_bind_text(st, 8, r->outcome);
	return db_exec_stmt(db, st, "writing the audit trail", m);
}

status_t db_audit_pending_drain(db_t *db, int (*fn)(const db_audit_row_t *row, void *arg),
				void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL, *del = NULL;
	db_audit_row_t *r = NULL;
	int rc;
	status_t ret = db_prepare(db,
				  "SELECT id, ts, user_id, user_name, os_user, source, action, "
				  "target, outcome FROM audit_pending ORDER BY id",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	if ((ret = db_prepare(db, "DELETE FROM audit_pending WHERE id = ?1", &del, m)) !=
	    STATUS_OK)
		goto cleanup;
	if (!(r = malloc(sizeof *r))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory reading the audit trail.");
		goto cleanup;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_from_stmt(st, r, 0);
		if (fn(r, arg) != 0)
			continue;
		sqlite3_bind_int64(del, 1, r->seq);
		rc = sqlite3_step(del);
		sqlite3_reset(del);
		if (rc != SQLITE_DONE) {
			ret = db_fail(db, rc, "moving pending audit events", m);
			goto cleanup;
		}
	}
	if (rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading pending audit events", m);
cleanup:
	free(r);
	sqlite3_finalize(del);
	sqlite3_finalize(st);
	return ret;
}

status_t db_audit_failures_since_login(db_t *db, const char *user_id, const char *user_name,
				       int *out, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	/* Newest first through audit_user (user_name, seq): the last sign-on
	 * is found without reading the user's older history, and only the
	 * entries after it are counted. */
	status_t ret = db_prepare(
		db,
		"SELECT count(*) FROM audit WHERE user_name = ?2 AND user_id = ?1 "
		"AND action IN ('login_failed', 'login_refused') AND seq > coalesce("
		"(SELECT seq FROM audit WHERE user_name = ?2 AND user_id = ?1 AND action = 'login' "
		"AND outcome = 'ok' ORDER BY seq DESC LIMIT 1), 0)",
		&st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, user_id);
	db_bind_text(st, 2, user_name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	else
		ret = db_fail(db, rc, "counting failed sign-ons", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_audit_chart_head(db_t *db, const char *target, char *out, size_t size, msg_t *m)
{
	static const char sql[] = "SELECT chart_head FROM audit WHERE target = ?1 AND chart_head "
				  "IS NOT NULL ORDER BY seq DESC LIMIT 1";
	sqlite3_stmt *st;
	int rc;
	status_t ret = db_cached(db, sql, &st, m);
	out[0] = '\0';
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, target);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		db_col_text(st, 0, out, size);
	else if (rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the audit trail", m);
	sqlite3_reset(st);
	return ret;
}

status_t db_audit_chart_heads(db_t *db, int (*fn)(const char *target, const char *head, void *arg),
			      void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	char target[72], head[80];
	status_t ret = db_prepare(db,
				  "SELECT target, chart_head FROM audit a WHERE chart_head IS NOT NULL "
				  "AND seq = (SELECT max(seq) FROM audit b WHERE b.target = a.target AND "
				  "b.chart_head IS NOT NULL) ORDER BY target",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_col_text(st, 0, target, sizeof target);
		db_col_text(st, 1, head, sizeof head);
		if (fn(target, head, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the audit trail", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_audit_mark(db_t *db, const char *action, int64_t *seq, msg_t *m)
{
	/* The same IN list as the partial index audit_integrity_marks, so
	 * SQLite answers from it instead of reading the whole trail. */
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db,
				  "SELECT seq FROM audit WHERE action IN ('integrity_on', "
				  "'integrity_migration_start') AND action = ?1 ORDER BY seq LIMIT 1",
				  &st, m);
	*seq = 0;
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, action);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*seq = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the audit trail", m);
	sqlite3_finalize(st);
	return ret;
}

/* ---- events chained from the side journal (migration 009) -------------- */

static const char SQL_EVENT_SEEN[] = "SELECT seq FROM audit_events WHERE event_id = ?1";
static const char SQL_EVENT_ADD[] = "INSERT INTO audit_events(event_id, seq) VALUES (?1, ?2)";

status_t db_audit_event_seen(db_t *db, const char *event_id, int *seen, msg_t *m)
{
	sqlite3_stmt *st;
	int rc;
	status_t ret = db_cached(db, SQL_EVENT_SEEN, &st, m);
	*seen = 0;
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, event_id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		*seen = 1;
	else if (rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the audit trail", m);
	return ret;
}

status_t db_audit_event_add(db_t *db, const char *event_id, int64_t seq, msg_t *m)
{
	sqlite3_stmt *st;
	int rc;
	status_t ret = db_cached(db, SQL_EVENT_ADD, &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, event_id);
	sqlite3_bind_int64(st, 2, seq);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		ret = db_fail(db, rc, "writing the audit trail", m);
	return ret;
}

status_t db_audit_events_prune(db_t *db, int64_t below, msg_t *m)
{
	static const char sql[] = "DELETE FROM audit_events WHERE seq < ?1";
	sqlite3_stmt *st;
	int rc;
	status_t ret = db_cached(db, sql, &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, below);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		ret = db_fail(db, rc, "writing the audit trail", m);
	return ret;
}

status_t db_audit_pending_count(db_t *db, const char *user_id, const char *user_name,
				int64_t *out, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db,
				  "SELECT count(*) FROM audit_pending WHERE user_id = ?1 AND "
				  "user_name = ?2 AND action IN ('login_failed', 'login_refused')",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, user_id);
	db_bind_text(st, 2, user_name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		ret = db_fail(db, rc, "reading pending audit events", m);
	sqlite3_finalize(st);
	return ret;
}

/* ---- access reports (core/access.h) ---------------------------------- */

status_t db_audit_for_target(db_t *db, const char *target, const char *from, const char *until,
			     int64_t limit, int (*fn)(const db_audit_row_t *row, void *arg),
			     void *arg, msg_t *m)
{
	plain_fn_t p = {fn, arg};
	audit_params_t q = {target, opt(from), opt(until), limit, 0};
	/* audit_target (target, seq): one index range, newest first. */
	return audit_rows(db,
			  "SELECT " AUDIT_COLS " FROM audit INDEXED BY audit_target "
			  "WHERE target = ?1 AND (?2 IS NULL OR ts >= ?2) "
			  "AND (?3 IS NULL OR ts < ?3) ORDER BY seq DESC LIMIT ?4",
			  &q, plain_row, &p, m);
}

status_t db_audit_for_patient(db_t *db, const char *target, int64_t prow, const char *from,
			      const char *until, int64_t limit,
			      int (*fn)(const db_audit_row_t *row, void *arg), void *arg,
			      msg_t *m)
{
	plain_fn_t p = {fn, arg};
	audit_params_t q = {target, opt(from), opt(until), limit, prow};
	/* Two index ranges (audit_target, audit_listed's key), their
	 * sequence numbers merged, then each entry by its key. */
	return audit_rows(db,
			  "SELECT " AUDIT_COLS " FROM audit WHERE seq IN ("
			  "SELECT seq FROM audit INDEXED BY audit_target WHERE target = ?1 "
			  "UNION SELECT seq FROM audit_listed WHERE prow = ?5) "
			  "AND (?2 IS NULL OR ts >= ?2) AND (?3 IS NULL OR ts < ?3) "
			  "ORDER BY seq DESC LIMIT ?4",
			  &q, plain_row, &p, m);
}

status_t db_audit_listed_add(db_t *db, int64_t seq, const int64_t *prows, int n, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret;
	if (n <= 0)
		return STATUS_OK;
	if ((ret = db_prepare(db, "INSERT INTO audit_listed(prow, seq) VALUES (?1, ?2)", &st, m)) !=
	    STATUS_OK)
		return ret;
	for (int i = 0; i < n && ret == STATUS_OK; i++) {
		int rc;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, prows[i]);
		sqlite3_bind_int64(st, 2, seq);
		if ((rc = sqlite3_step(st)) != SQLITE_DONE)
			ret = db_fail(db, rc, "indexing the patients a search listed", m);
	}
	sqlite3_finalize(st);
	return ret;
}

status_t db_audit_listed_has(db_t *db, int64_t prow, int64_t seq, int *found, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret;
	int rc;
	static const char sql[] = "SELECT 1 FROM audit_listed WHERE prow = ?1 AND seq = ?2";
	*found = 0;
	/* Kept prepared: audit verify asks once per listed patient. */
	if ((ret = db_cached(db, sql, &st, m)) != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	sqlite3_bind_int64(st, 2, seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*found = 1;
	else if (rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the patients a search listed", m);
	sqlite3_reset(st);
	return ret;
}

status_t db_audit_listed_count(db_t *db, int64_t upto, int64_t *out, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret;
	int rc;
	*out = 0;
	if ((ret = db_prepare(db, "SELECT count(*) FROM audit_listed WHERE seq <= ?1", &st, m)) !=
	    STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, upto);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		ret = db_fail(db, rc, "reading the patients a search listed", m);
	sqlite3_finalize(st);
	return ret;
}

/* The caller's fn(row, prow, arg) of db_audit_user_charts. */
typedef struct chart_fn {
	int (*fn)(const db_audit_row_t *row, int64_t prow, void *arg);
	void *arg;
} chart_fn_t;

static int chart_row(sqlite3_stmt *st, const db_audit_row_t *r, void *arg)
{
	const chart_fn_t *c = arg;
	return c->fn(r, sqlite3_column_int64(st, 14), c->arg);
}

status_t db_audit_user_charts(db_t *db, const char *user_name, const char *from,
			      const char *until, int64_t limit,
			      int (*fn)(const db_audit_row_t *row, int64_t prow, void *arg),
			      void *arg, msg_t *m)
{
	chart_fn_t c = {fn, arg};
	audit_params_t q = {user_name, opt(from), opt(until), limit, 0};
	/* audit_user (user_name, seq), each entry's target looked up among
	 * the patients' ids (unique): the entries about a chart, and the
	 * user's searches that listed patients (prow 0: the caller reads
	 * their listed rows). */
	return audit_rows(db,
			  "SELECT a.seq, a.ts, a.user_id, a.user_name, a.os_user, a.source, a.action, "
			  "a.target, a.outcome, a.detail, a.key_version, a.mac, a.chart_head, a.listed, "
			  "coalesce(p.prow, 0) FROM audit a INDEXED BY audit_user "
			  "LEFT JOIN patients p ON p.id = a.target "
			  "WHERE a.user_name = ?1 AND (p.prow IS NOT NULL OR "
			  "(a.action = 'patient_search' AND a.listed IS NOT NULL)) "
			  "AND (?2 IS NULL OR a.ts >= ?2) "
			  "AND (?3 IS NULL OR a.ts < ?3) ORDER BY a.seq DESC LIMIT ?4",
			  &q, chart_row, &c, m);
}

status_t db_audit_patient_ids(db_t *db, const int64_t *prows, int n, char (*ids)[33], msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc = SQLITE_DONE;
	status_t ret = db_prepare(db, "SELECT id FROM patients WHERE prow = ?1", &st, m);
	if (ret != STATUS_OK)
		return ret;
	/* one statement for the whole listing, reset for each row */
	for (int i = 0; i < n; i++) {
		ids[i][0] = '\0';
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, prows[i]);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			db_col_text(st, 0, ids[i], 33);
		else if (rc != SQLITE_DONE) {
			ret = db_fail(db, rc, "reading a patient's id", m);
			break;
		}
	}
	sqlite3_finalize(st);
	return ret;
}

status_t db_audit_get(db_t *db, int64_t seq, db_audit_row_t *out, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db, "SELECT " AUDIT_COLS " FROM audit WHERE seq = ?1", &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		row_from_stmt(st, out, 1);
	else if (rc == SQLITE_DONE)
		ret = msg_fail(m, STATUS_NOTFOUND, "No audit entry %lld.", (long long)seq);
	else
		ret = db_fail(db, rc, "reading the audit trail", m);
	sqlite3_finalize(st);
	return ret;
}

/* Every entry of one action, seq and target, oldest first. The SQL is a
 * literal per action, so it matches that action's partial index
 * (audit_btg_reviews, audit_btg_accesses). */
static status_t seq_targets(db_t *db, const char *sql,
			    int (*fn)(int64_t seq, const char *target, void *arg), void *arg,
			    msg_t *m)
{
	sqlite3_stmt *st = NULL;
	char target[72];
	int rc;
	status_t ret = db_prepare(db, sql, &st, m);
	if (ret != STATUS_OK)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_col_text(st, 1, target, sizeof target);
		if (fn(sqlite3_column_int64(st, 0), target, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the audit trail", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_audit_btg_reviews(db_t *db, int (*fn)(int64_t seq, const char *target, void *arg),
			      void *arg, msg_t *m)
{
	return seq_targets(db,
			   "SELECT seq, target FROM audit WHERE action = 'btg_review' AND target "
			   "NOT IN (SELECT patient_id FROM destruction_certificates) ORDER BY seq",
			   fn, arg, m);
}

status_t db_audit_btg_accesses(db_t *db, int (*fn)(int64_t seq, const char *target, void *arg),
			       void *arg, msg_t *m)
{
	return seq_targets(
	    db,
	    "SELECT seq, target FROM audit WHERE action = 'break_the_glass' AND target NOT IN "
	    "(SELECT patient_id FROM destruction_certificates) ORDER BY seq",
	    fn, arg, m);
}
