/* db_retention.c - retention events, destruction certificates and the
 * destruction of a chart (db_retention.h). */
#include "db/db_retention.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_internal.h"

static void copy_blob(sqlite3_stmt *st, int col, unsigned char *dst, size_t cap, size_t *len,
                      int *toolong)
{
	const void *p = sqlite3_column_blob(st, col);
	int n = sqlite3_column_bytes(st, col);
	*len = 0;
	if (n <= 0 || !p)
		return;
	if ((size_t)n > cap) {
		*toolong = 1;
		return;
	}
	memcpy(dst, p, (size_t)n);
	*len = (size_t)n;
}

/* The registry's lines: table and destruction condition. */
static const struct {
	const char *table, *destroy;
} patient_tables[] = {
#define DB_PT_LINE(table, column, merge, destroy, why) {table, destroy},
    DB_PATIENT_REGISTRY(DB_PT_LINE)
#undef DB_PT_LINE
};
#define N_PATIENT_TABLES (sizeof patient_tables / sizeof patient_tables[0])

static int listed(const char *name)
{
	for (size_t i = 0; i < N_PATIENT_TABLES; i++)
		if (strcmp(patient_tables[i].table, name) == 0)
			return 1;
	return 0;
}

status_t db_patient_tables_unlisted(db_t *db, char *out, size_t size, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	size_t o = 0;
	/* A table is patient-bound if it has a prow or erow column or a
	 * foreign key to patients or encounters. */
	status_t ret = db_prepare(
	    db,
	    "SELECT DISTINCT t.name FROM sqlite_schema t WHERE t.type = 'table' AND "
	    "t.name NOT LIKE 'sqlite_%' AND (EXISTS (SELECT 1 FROM pragma_table_info(t.name) c "
	    "WHERE c.name IN ('prow', 'erow')) OR EXISTS (SELECT 1 FROM "
	    "pragma_foreign_key_list(t.name) f WHERE f.\"table\" IN ('patients', 'encounters'))) "
	    "ORDER BY t.name",
	    &st, m);
	if (size)
		out[0] = '\0';
	if (ret != STATUS_OK)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);
		if (!name || listed(name))
			continue;
		if (o < size)
			o += (size_t)snprintf(out + o, size - o, "%s%s", o ? ", " : "", name);
	}
	if (rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the schema", m);
	sqlite3_finalize(st);
	return ret;
}

/* The latest date of service, or the registration when there is none. */
/* The later of the last encounter and the registration here: a chart
 * imported with old history is kept from its import, never due at once
 * (and no chart registered after a cut-off is due, which lets the
 * candidates come from the patients_created index). */
#define LAST_ACTIVITY                                                                              \
	"max(p.created, coalesce((SELECT max(e.start) FROM encounters e WHERE e.prow = p.prow), "   \
	"p.created))"
#define FIRST_ACTIVITY                                                                             \
	"min(p.created, coalesce((SELECT min(e.start) FROM encounters e WHERE e.prow = "           \
	"p.prow), p.created))"

status_t db_retention_candidates(db_t *db, const char *before, db_ret_candidate_fn fn, void *arg,
                                 msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db,
	                          "SELECT p.prow, p.id, " FIRST_ACTIVITY ", " LAST_ACTIVITY
	                          " AS last FROM patients p INDEXED BY patients_created WHERE p.created < ?1 AND "
	                          "last < ?1 ORDER BY p.prow",
	                          &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, before);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char id[33], first[24], last[24];
		db_col_text(st, 1, id, sizeof id);
		db_col_text(st, 2, first, sizeof first);
		db_col_text(st, 3, last, sizeof last);
		if (fn(sqlite3_column_int64(st, 0), id, first, last, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "finding charts past retention", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_retention_span(db_t *db, int64_t prow, char first[24], char last[24], msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(
	    db, "SELECT " FIRST_ACTIVITY ", " LAST_ACTIVITY " FROM patients p WHERE p.prow = ?1",
	    &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		db_col_text(st, 0, first, 24);
		db_col_text(st, 1, last, 24);
	} else if (rc == SQLITE_DONE) {
		ret = msg_fail(m, STATUS_NOTFOUND, "No such patient.");
	} else {
		ret = db_fail(db, rc, "reading the chart's dates", m);
	}
	sqlite3_finalize(st);
	return ret;
}

#define EVENT_COLS "rrow, prow, kind, ref, due, at, by_user, reason, mac"

static void read_event(sqlite3_stmt *st, db_ret_event_t *e)
{
	memset(e, 0, sizeof *e);
	e->rrow = sqlite3_column_int64(st, 0);
	e->prow = sqlite3_column_int64(st, 1);
	db_col_text_fit(st, 2, e->kind, sizeof e->kind, &e->toolong);
	e->ref = sqlite3_column_int64(st, 3);
	db_col_text_fit(st, 4, e->due, sizeof e->due, &e->toolong);
	db_col_text_fit(st, 5, e->at, sizeof e->at, &e->toolong);
	db_col_text_fit(st, 6, e->by, sizeof e->by, &e->toolong);
	copy_blob(st, 7, e->reason, sizeof e->reason, &e->reason_len, &e->toolong);
	copy_blob(st, 8, e->mac, sizeof e->mac, &e->mac_len, &e->toolong);
}

status_t db_retention_events(db_t *db, int64_t prow, db_ret_event_fn fn, void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	db_ret_event_t *e = malloc(sizeof *e);
	status_t ret;
	if (!e)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	ret = db_prepare(db,
	                 "SELECT " EVENT_COLS " FROM retention_events WHERE ?1 = 0 OR prow = ?1 "
	                 "ORDER BY prow, rrow",
	                 &st, m);
	if (ret != STATUS_OK) {
		free(e);
		return ret;
	}
	sqlite3_bind_int64(st, 1, prow);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_event(st, e);
		if (fn(e, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the retention events", m);
	sqlite3_finalize(st);
	free(e);
	return ret;
}

status_t db_retention_prows_with(db_t *db, const char *kind, int (*fn)(int64_t prow, void *arg),
                                 void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(
	    db, "SELECT DISTINCT prow FROM retention_events WHERE kind = ?1 ORDER BY prow", &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, kind);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(sqlite3_column_int64(st, 0), arg))
			break;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the retention events", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_retention_event_prows(db_t *db, int (*fn)(int64_t prow, void *arg), void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret =
	    db_prepare(db, "SELECT DISTINCT prow FROM retention_events ORDER BY prow", &st, m);
	if (ret != STATUS_OK)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (fn(sqlite3_column_int64(st, 0), arg))
			break;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the retention events", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_retention_audited(db_t *db, int (*fn)(const char *target, void *arg), void *arg,
                              msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	char target[72];
	status_t ret =
	    db_prepare(db,
	               "SELECT DISTINCT target FROM audit WHERE action IN ('legal_hold', "
	               "'legal_hold_release', 'retention_propose', 'retention_reject') "
	               "ORDER BY target",
	               &st, m);
	if (ret != STATUS_OK)
		return ret;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_col_text(st, 0, target, sizeof target);
		if (fn(target, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the audit trail", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_retention_event_prow(db_t *db, int64_t rrow, int64_t *prow, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db, "SELECT prow FROM retention_events WHERE rrow = ?1", &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, rrow);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*prow = sqlite3_column_int64(st, 0);
	else if (rc == SQLITE_DONE)
		ret = msg_fail(m, STATUS_NOTFOUND, "There is no retention record %lld.",
		               (long long)rrow);
	else
		ret = db_fail(db, rc, "reading the retention events", m);
	sqlite3_finalize(st);
	return ret;
}

static status_t next_of(db_t *db, const char *sql, int64_t *out, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db, sql, &st, m);
	if (ret != STATUS_OK)
		return ret;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		ret = db_fail(db, rc, "numbering the record", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_retention_next(db_t *db, int64_t *rrow, msg_t *m)
{
	/* Numbers are never reused, even after a chart's events went with
	 * it: the certificates name proposal numbers. */
	return next_of(db,
	               "SELECT max(coalesce((SELECT max(rrow) FROM retention_events), 0), "
	               "coalesce((SELECT max(proposal) FROM destruction_certificates), 0)) + 1",
	               rrow, m);
}

status_t db_retention_insert(db_t *db, const db_ret_event_t *e, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(
	    db, "INSERT INTO retention_events(" EVENT_COLS ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
	    &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, e->rrow);
	sqlite3_bind_int64(st, 2, e->prow);
	db_bind_text(st, 3, e->kind);
	sqlite3_bind_int64(st, 4, e->ref);
	db_bind_text(st, 5, e->due);
	db_bind_text(st, 6, e->at);
	db_bind_text(st, 7, e->by);
	db_bind_blob(st, 8, e->reason, e->reason_len);
	db_bind_blob(st, 9, e->mac, e->mac_len);
	return db_exec_stmt(db, st, "saving the retention event", m);
}

status_t db_retention_reseal(db_t *db, const db_ret_event_t *e, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(
	    db, "UPDATE retention_events SET reason = ?2, mac = ?3 WHERE rrow = ?1", &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, e->rrow);
	db_bind_blob(st, 2, e->reason, e->reason_len);
	db_bind_blob(st, 3, e->mac, e->mac_len);
	return db_exec_stmt(db, st, "re-sealing the retention event", m);
}

status_t db_retention_audit_count(db_t *db, const char *target, int64_t *n, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db,
	                          "SELECT count(*) FROM audit WHERE target = ?1 AND action IN "
	                          "('legal_hold', 'legal_hold_release', 'retention_propose', "
	                          "'retention_reject')",
	                          &st, m);
	*n = 0;
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, target);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*n = sqlite3_column_int64(st, 0);
	else
		ret = db_fail(db, rc, "reading the audit trail", m);
	sqlite3_finalize(st);
	return ret;
}

#define CERT_COLS                                                                                  \
	"n, patient_id, mrn_token, key_version, first_date, last_date, rule, due, method, "        \
	"proposal, proposed_by, proposed_at, approved_by, destroyed_at, rows_removed, "            \
	"audit_version, mac"

status_t db_cert_next(db_t *db, int64_t *n, msg_t *m)
{
	return next_of(db, "SELECT coalesce(max(n), 0) + 1 FROM destruction_certificates", n, m);
}

status_t db_cert_exists(db_t *db, int64_t n, const char *patient_id, int *found, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(
	    db, "SELECT 1 FROM destruction_certificates WHERE n = ?1 AND patient_id = ?2", &st, m);
	*found = 0;
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, n);
	db_bind_text(st, 2, patient_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*found = 1;
	else if (rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the destruction certificates", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_cert_insert(db_t *db, const db_ret_cert_t *c, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret =
	    db_prepare(db,
	               "INSERT INTO destruction_certificates(" CERT_COLS
	               ") VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)",
	               &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, c->n);
	db_bind_text(st, 2, c->patient_id);
	db_bind_blob(st, 3, c->mrn_token, c->mrn_token_len);
	sqlite3_bind_int(st, 4, c->key_version);
	db_bind_text(st, 5, c->first_date);
	db_bind_text(st, 6, c->last_date);
	db_bind_text(st, 7, c->rule);
	db_bind_text(st, 8, c->due);
	db_bind_text(st, 9, c->method);
	sqlite3_bind_int64(st, 10, c->proposal);
	db_bind_text(st, 11, c->proposed_by);
	db_bind_text(st, 12, c->proposed_at);
	db_bind_text(st, 13, c->approved_by);
	db_bind_text(st, 14, c->destroyed_at);
	sqlite3_bind_int64(st, 15, c->rows_removed);
	sqlite3_bind_int(st, 16, c->audit_version);
	db_bind_blob(st, 17, c->mac, c->mac_len);
	return db_exec_stmt(db, st, "saving the destruction certificate", m);
}

static status_t cert_query(db_t *db, sqlite3_stmt *st, int (*fn)(const db_ret_cert_t *c, void *arg),
                           void *arg, msg_t *m)
{
	int rc;
	status_t ret = STATUS_OK;
	db_ret_cert_t c;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&c, 0, sizeof c);
		c.n = sqlite3_column_int64(st, 0);
		db_col_text_fit(st, 1, c.patient_id, sizeof c.patient_id, &c.toolong);
		copy_blob(st, 2, c.mrn_token, sizeof c.mrn_token, &c.mrn_token_len, &c.toolong);
		c.key_version = sqlite3_column_int(st, 3);
		db_col_text_fit(st, 4, c.first_date, sizeof c.first_date, &c.toolong);
		db_col_text_fit(st, 5, c.last_date, sizeof c.last_date, &c.toolong);
		db_col_text_fit(st, 6, c.rule, sizeof c.rule, &c.toolong);
		db_col_text_fit(st, 7, c.due, sizeof c.due, &c.toolong);
		db_col_text_fit(st, 8, c.method, sizeof c.method, &c.toolong);
		c.proposal = sqlite3_column_int64(st, 9);
		db_col_text_fit(st, 10, c.proposed_by, sizeof c.proposed_by, &c.toolong);
		db_col_text_fit(st, 11, c.proposed_at, sizeof c.proposed_at, &c.toolong);
		db_col_text_fit(st, 12, c.approved_by, sizeof c.approved_by, &c.toolong);
		db_col_text_fit(st, 13, c.destroyed_at, sizeof c.destroyed_at, &c.toolong);
		c.rows_removed = sqlite3_column_int64(st, 14);
		c.audit_version = sqlite3_column_int(st, 15);
		copy_blob(st, 16, c.mac, sizeof c.mac, &c.mac_len, &c.toolong);
		if (fn(&c, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading the destruction certificates", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_cert_each(db_t *db, int64_t n, int (*fn)(const db_ret_cert_t *c, void *arg), void *arg,
                      msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
	                          "SELECT " CERT_COLS " FROM destruction_certificates WHERE ?1 = 0 "
	                          "OR n = ?1 ORDER BY n",
	                          &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, n);
	return cert_query(db, st, fn, arg, m);
}

status_t db_cert_by_token(db_t *db, const unsigned char *tok, size_t len,
                          int (*fn)(const db_ret_cert_t *c, void *arg), void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
	                          "SELECT " CERT_COLS " FROM destruction_certificates WHERE "
	                          "mrn_token = ?1 ORDER BY n",
	                          &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_blob(st, 1, tok, len);
	return cert_query(db, st, fn, arg, m);
}

status_t db_chart_destroy(db_t *db, int64_t prow, int64_t *rows, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret;
	char sql[256];
	int rc;
	*rows = 0;
	/* The deleted rows' bytes must not stay in free space in the file. */
	if ((ret = db_prepare(db, "PRAGMA secure_delete", &st, m)) != STATUS_OK)
		return ret;
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW || sqlite3_column_int(st, 0) != 1) {
		sqlite3_finalize(st);
		return msg_fail(m, STATUS_DB,
		                "SQLite's secure_delete is off: nothing was destroyed.");
	}
	sqlite3_finalize(st);
	if ((ret = db_meta_set(db, "chart_destroying", "1", m)) != STATUS_OK)
		return ret;
	for (size_t i = 0; i < N_PATIENT_TABLES && ret == STATUS_OK; i++) {
		/* Another line of the table removes its rows, or it is kept. */
		if (!patient_tables[i].destroy || !*patient_tables[i].destroy)
			continue;
		snprintf(sql, sizeof sql, "DELETE FROM %s WHERE %s", patient_tables[i].table,
		         patient_tables[i].destroy);
		if ((ret = db_prepare(db, sql, &st, m)) != STATUS_OK)
			break;
		sqlite3_bind_int64(st, 1, prow);
		if ((ret = db_exec_stmt(db, st, "destroying the chart", m)) == STATUS_OK)
			*rows += sqlite3_changes(db->conn);
	}
	if (ret == STATUS_OK)
		ret = db_meta_delete(db, "chart_destroying", m);
	return ret;
}
