/* db_rights.c - SQL for disclosures and rights requests (db_rights.h). */
#include "db/db_rights.h"

#include <string.h>

#include "db/db_internal.h"

static status_t one_int(db_t *db, const char *sql, const char *text, int64_t *out,
			const char *what, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db, sql, &st, m);
	if (ret != STATUS_OK)
		return ret;
	if (text)
		db_bind_text(st, 1, text);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		ret = db_fail(db, rc, what, m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_disclosure_next(db_t *db, int64_t *n, msg_t *m)
{
	return one_int(db, "SELECT coalesce(max(n), 0) + 1 FROM disclosures", NULL, n,
		       "numbering the disclosure", m);
}

status_t db_disclosure_add(db_t *db, const db_disclosure_t *d, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(
		db,
		"INSERT INTO disclosures(id, n, prow, disclosed_on, category, source, roi, strikes, "
		"suspended_until, recorded_at, recorded_by, body, mac) VALUES (?1, ?2, ?3, ?4, ?5, "
		"?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
		&st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, d->id);
	sqlite3_bind_int64(st, 2, d->n);
	sqlite3_bind_int64(st, 3, d->prow);
	db_bind_text(st, 4, d->disclosed_on);
	db_bind_text(st, 5, d->category);
	db_bind_text(st, 6, d->source);
	sqlite3_bind_int64(st, 7, d->roi);
	sqlite3_bind_int64(st, 8, d->strikes);
	db_bind_text(st, 9, d->suspended_until);
	db_bind_text(st, 10, d->recorded_at);
	db_bind_text(st, 11, d->recorded_by);
	db_bind_blob(st, 12, d->body.p, d->body.n);
	db_bind_blob(st, 13, d->mac.p, d->mac.n);
	return db_exec_stmt(db, st, "recording the disclosure", m);
}

static void blob_col(sqlite3_stmt *st, int col, db_blob_t *b)
{
	b->p = sqlite3_column_blob(st, col);
	b->n = (size_t)sqlite3_column_bytes(st, col);
}

status_t db_disclosure_list(db_t *db, int64_t prow, int64_t n,
			    int (*fn)(const db_disclosure_t *d, void *arg), void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	db_disclosure_t d;
	int rc;
	status_t ret = db_prepare(
		db,
		"SELECT id, n, prow, disclosed_on, category, source, roi, strikes, suspended_until, "
		"recorded_at, recorded_by, body, mac FROM disclosures WHERE (?1 = 0 OR prow = ?1) "
		"AND (?2 = 0 OR n = ?2) ORDER BY n",
		&st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	sqlite3_bind_int64(st, 2, n);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&d, 0, sizeof d);
		db_col_text_fit(st, 0, d.id, sizeof d.id, &d.toolong);
		d.n = sqlite3_column_int64(st, 1);
		d.prow = sqlite3_column_int64(st, 2);
		db_col_text_fit(st, 3, d.disclosed_on, sizeof d.disclosed_on, &d.toolong);
		db_col_text_fit(st, 4, d.category, sizeof d.category, &d.toolong);
		db_col_text_fit(st, 5, d.source, sizeof d.source, &d.toolong);
		d.roi = sqlite3_column_int64(st, 6);
		d.strikes = sqlite3_column_int64(st, 7);
		db_col_text_fit(st, 8, d.suspended_until, sizeof d.suspended_until, &d.toolong);
		db_col_text_fit(st, 9, d.recorded_at, sizeof d.recorded_at, &d.toolong);
		db_col_text_fit(st, 10, d.recorded_by, sizeof d.recorded_by, &d.toolong);
		blob_col(st, 11, &d.body);
		blob_col(st, 12, &d.mac);
		if (fn(&d, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading disclosures", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_request_next(db_t *db, const char *kind, int64_t *req, msg_t *m)
{
	return one_int(db, "SELECT coalesce(max(req), 0) + 1 FROM rights_requests WHERE kind = ?1",
		       kind, req, "numbering the request", m);
}

status_t db_request_add(db_t *db, const db_request_t *r, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(
		db,
		"INSERT INTO rights_requests(id, kind, req, seq, prow, ev, at, by_user, status, "
		"received, due, extended, closed_on, category, parts, from_date, to_date, auth, "
		"auth_signed, auth_expires, code, fee_cents, disclosure, body, mac) VALUES (?1, ?2, "
		"?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, "
		"?21, ?22, ?23, ?24, ?25)",
		&st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, r->id);
	db_bind_text(st, 2, r->kind);
	sqlite3_bind_int64(st, 3, r->req);
	sqlite3_bind_int64(st, 4, r->seq);
	sqlite3_bind_int64(st, 5, r->prow);
	db_bind_text(st, 6, r->ev);
	db_bind_text(st, 7, r->at);
	db_bind_text(st, 8, r->by_user);
	db_bind_text(st, 9, r->status);
	db_bind_text(st, 10, r->received);
	db_bind_text(st, 11, r->due);
	sqlite3_bind_int(st, 12, r->extended);
	db_bind_text(st, 13, r->closed_on);
	db_bind_text(st, 14, r->category);
	db_bind_text(st, 15, r->parts);
	db_bind_text(st, 16, r->from_date);
	db_bind_text(st, 17, r->to_date);
	db_bind_text(st, 18, r->auth);
	db_bind_text(st, 19, r->auth_signed);
	db_bind_text(st, 20, r->auth_expires);
	db_bind_text(st, 21, r->code);
	sqlite3_bind_int64(st, 22, r->fee_cents);
	sqlite3_bind_int64(st, 23, r->disclosure);
	db_bind_blob(st, 24, r->body.p, r->body.n);
	db_bind_blob(st, 25, r->mac.p, r->mac.n);
	return db_exec_stmt(db, st, "recording the request", m);
}

status_t db_request_events(db_t *db, const char *kind, int64_t req, int64_t prow,
			   int (*fn)(const db_request_t *r, void *arg), void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	db_request_t r;
	int rc;
	status_t ret = db_prepare(
		db,
		"SELECT id, kind, req, seq, prow, ev, at, by_user, status, received, due, extended, "
		"closed_on, category, parts, from_date, to_date, auth, auth_signed, auth_expires, "
		"code, fee_cents, disclosure, body, mac FROM rights_requests WHERE kind = ?1 AND "
		"(?2 = 0 OR req = ?2) AND (?3 = 0 OR prow = ?3) ORDER BY req, seq",
		&st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, kind);
	sqlite3_bind_int64(st, 2, req);
	sqlite3_bind_int64(st, 3, prow);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int *tl = &r.toolong;
		memset(&r, 0, sizeof r);
		db_col_text_fit(st, 0, r.id, sizeof r.id, tl);
		db_col_text_fit(st, 1, r.kind, sizeof r.kind, tl);
		r.req = sqlite3_column_int64(st, 2);
		r.seq = sqlite3_column_int64(st, 3);
		r.prow = sqlite3_column_int64(st, 4);
		db_col_text_fit(st, 5, r.ev, sizeof r.ev, tl);
		db_col_text_fit(st, 6, r.at, sizeof r.at, tl);
		db_col_text_fit(st, 7, r.by_user, sizeof r.by_user, tl);
		db_col_text_fit(st, 8, r.status, sizeof r.status, tl);
		db_col_text_fit(st, 9, r.received, sizeof r.received, tl);
		db_col_text_fit(st, 10, r.due, sizeof r.due, tl);
		r.extended = sqlite3_column_int(st, 11);
		db_col_text_fit(st, 12, r.closed_on, sizeof r.closed_on, tl);
		db_col_text_fit(st, 13, r.category, sizeof r.category, tl);
		db_col_text_fit(st, 14, r.parts, sizeof r.parts, tl);
		db_col_text_fit(st, 15, r.from_date, sizeof r.from_date, tl);
		db_col_text_fit(st, 16, r.to_date, sizeof r.to_date, tl);
		db_col_text_fit(st, 17, r.auth, sizeof r.auth, tl);
		db_col_text_fit(st, 18, r.auth_signed, sizeof r.auth_signed, tl);
		db_col_text_fit(st, 19, r.auth_expires, sizeof r.auth_expires, tl);
		db_col_text_fit(st, 20, r.code, sizeof r.code, tl);
		r.fee_cents = sqlite3_column_int64(st, 21);
		r.disclosure = sqlite3_column_int64(st, 22);
		blob_col(st, 23, &r.body);
		blob_col(st, 24, &r.mac);
		if (fn(&r, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading requests", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_rights_rekeying(db_t *db, int on, msg_t *m)
{
	return on ? db_meta_set(db, "rights_rekeying", "1", m)
		  : db_meta_delete(db, "rights_rekeying", m);
}

static status_t rekey(db_t *db, const char *sql, const char *id, const db_blob_t *body,
		      const db_blob_t *mac, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db, sql, &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, id);
	db_bind_blob(st, 2, body->p, body->n);
	db_bind_blob(st, 3, mac->p, mac->n);
	return db_exec_stmt(db, st, "re-keying patients' rights records", m);
}

status_t db_disclosure_rekey(db_t *db, const char *id, const db_blob_t *body,
			     const db_blob_t *mac, msg_t *m)
{
	return rekey(db, "UPDATE disclosures SET body = ?2, mac = ?3 WHERE id = ?1", id, body, mac,
		     m);
}

status_t db_request_rekey(db_t *db, const char *id, const db_blob_t *body, const db_blob_t *mac,
			  msg_t *m)
{
	return rekey(db, "UPDATE rights_requests SET body = ?2, mac = ?3 WHERE id = ?1", id, body,
		     mac, m);
}
