/* db_deficiency.c - the deficiency scan, discharges per provider and month,
 * and the deficiency_reminders table (db_deficiency.h). */
#include "db/db_deficiency.h"

#include <string.h>

#include "db/db_internal.h"

/* Each kind is one SELECT of (kind, row, erow, prow, who, since), its
 * cause written as plain SQL so a report writer can read the rules. */
static const char scan_sql[] =
    "SELECT * FROM ("
    /* a draft note or addendum left unsigned too long: its author's */
    " SELECT CASE WHEN n.addendum_of IS NULL THEN 'D' ELSE 'A' END AS kind, n.nrow AS row,"
    "        n.erow, n.prow, n.author AS who, n.created AS since"
    "   FROM notes n WHERE n.status = 'draft' AND n.created < ?1"
    " UNION ALL"
    /* An imported history (source set, migration 022: another system's
     * visits, under the row MAC) is not work done here: the encounter
     * rules O, X and C leave it alone. A draft written here on such a
     * visit still counts (D, A). */
    /* an encounter still open too long: its provider's */
    " SELECT 'O', e.erow, e.erow, e.prow, e.provider, e.start"
    "   FROM encounters e WHERE e.status = 'open' AND e.start < ?2 AND e.source IS NULL"
    " UNION ALL"
    /* a closed encounter without a diagnosis: its provider's */
    " SELECT 'X', e.erow, e.erow, e.prow, e.provider, COALESCE(e.closed_at, e.start)"
    /* Final coding always has a diagnosis (complete requires one, any
     * edit goes back to uncoded, and the coding MAC covers the rows), so
     * only the backlog is searched (the partial index encounters_backlog,
     * migration 017). */
    "   FROM encounters e WHERE e.status = 'closed' AND e.coding_status != 'final'"
    "    AND e.source IS NULL"
    "    AND NOT EXISTS (SELECT 1 FROM encounter_dx d WHERE d.erow = e.erow)"
    " UNION ALL"
    /* a signed original note by a role that needs a countersignature,
     * without a signed addendum by someone outside those roles: the
     * encounter provider's */
    " SELECT 'C', n.nrow, n.erow, n.prow, e.provider, n.signed_at"
    "   FROM notes n JOIN users u ON u.name = n.author"
    "   JOIN encounters e ON e.erow = n.erow"
    /* No roles configured (the default): the branch is skipped whole (a
     * constant condition, tested once). An addendum is always on its
     * note's encounter (note_create; the erow is under the row MAC), so
     * the search for a countersignature goes through notes_encounter
     * instead of every signed note (it was quadratic: minutes at 30,000
     * notes). */
    "  WHERE ?3 <> ',,' AND n.status = 'signed' AND n.addendum_of IS NULL"
    "    AND e.source IS NULL"
    "    AND instr(?3, ',' || u.role || ',') > 0"
    "    AND NOT EXISTS (SELECT 1 FROM notes a JOIN users v ON v.name = a.author"
    "                     WHERE a.erow = n.erow AND a.addendum_of = n.nrow"
    "                       AND a.status = 'signed'"
    "                       AND a.author <> n.author"
    "                       AND instr(?3, ',' || v.role || ',') = 0)"
    ") WHERE ?4 IS NULL OR who = ?4 ORDER BY prow, kind, row";

status_t db_deficiency_scan(db_t *db, const db_deficiency_query_t *q, db_deficiency_fn fn,
			    void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db, scan_sql, &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, q->drafts_before);
	db_bind_text(st, 2, q->open_before);
	db_bind_text(st, 3, q->cosign_roles && *q->cosign_roles ? q->cosign_roles : ",,");
	db_bind_text(st, 4, q->who && *q->who ? q->who : NULL);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_deficiency_t d;
		char kind[4];
		memset(&d, 0, sizeof d);
		db_col_text(st, 0, kind, sizeof kind);
		d.kind = kind[0];
		d.row = sqlite3_column_int64(st, 1);
		d.erow = sqlite3_column_int64(st, 2);
		d.prow = sqlite3_column_int64(st, 3);
		db_col_text(st, 4, d.who, sizeof d.who);
		db_col_text(st, 5, d.since, sizeof d.since);
		if (fn(&d, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "finding chart deficiencies", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_discharges(db_t *db, const char *from, const char *to, db_discharge_fn fn, void *arg,
		       msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db,
				  /* Discharges here: an imported history (source set)
				   * is neither a discharge nor a deficiency. */
				  "SELECT provider, substr(closed_at, 1, 7) AS month, count(*) "
				  "FROM encounters WHERE status = 'closed' AND source IS NULL "
				  "AND closed_at >= ?1 "
				  "AND closed_at < ?2 GROUP BY provider, month ORDER BY provider, month",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, from);
	db_bind_text(st, 2, to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		char who[72], month[8];
		db_col_text(st, 0, who, sizeof who);
		db_col_text(st, 1, month, sizeof month);
		if (fn(who, month, sqlite3_column_int64(st, 2), arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "counting discharges", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_reminder_next(db_t *db, int64_t *rrow, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	int rc;
	status_t ret = db_prepare(db, "SELECT COALESCE(max(rrow), 0) + 1 FROM deficiency_reminders",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*rrow = sqlite3_column_int64(st, 0);
	else
		ret = db_fail(db, rc, "numbering the reminder", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_reminder_insert(db_t *db, const db_reminder_t *r, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "INSERT INTO deficiency_reminders(rrow, prow, deficiency, to_user, "
				  "sent_at, sent_by, seen_at, mac) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, r->rrow);
	sqlite3_bind_int64(st, 2, r->prow);
	db_bind_text(st, 3, r->deficiency);
	db_bind_text(st, 4, r->to_user);
	db_bind_text(st, 5, r->sent_at);
	db_bind_text(st, 6, r->sent_by);
	db_bind_text(st, 7, *r->seen_at ? r->seen_at : NULL);
	db_bind_blob(st, 8, r->mac, r->mac_len);
	return db_exec_stmt(db, st, "saving the reminder", m);
}

static status_t reminder_rows(db_t *db, sqlite3_stmt *st, db_reminder_fn fn, void *arg, msg_t *m);

status_t db_reminder_list(db_t *db, const char *to_user, int unseen, db_reminder_fn fn, void *arg,
			  msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "SELECT rrow, prow, deficiency, to_user, sent_at, sent_by, seen_at, "
				  "mac FROM deficiency_reminders WHERE (?1 IS NULL OR to_user = ?1) "
				  "AND (?2 = 0 OR seen_at IS NULL) ORDER BY rrow",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	db_bind_text(st, 1, to_user);
	sqlite3_bind_int(st, 2, unseen);
	return reminder_rows(db, st, fn, arg, m);
}

status_t db_reminder_list_chart(db_t *db, int64_t prow, db_reminder_fn fn, void *arg, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "SELECT rrow, prow, deficiency, to_user, sent_at, sent_by, seen_at, "
				  "mac FROM deficiency_reminders WHERE prow = ?1 ORDER BY rrow",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, prow);
	return reminder_rows(db, st, fn, arg, m);
}

static status_t reminder_rows(db_t *db, sqlite3_stmt *st, db_reminder_fn fn, void *arg, msg_t *m)
{
	int rc;
	status_t ret = STATUS_OK;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		db_reminder_t r;
		const void *p;
		int n;
		memset(&r, 0, sizeof r);
		r.rrow = sqlite3_column_int64(st, 0);
		r.prow = sqlite3_column_int64(st, 1);
		db_col_text_fit(st, 2, r.deficiency, sizeof r.deficiency, &r.toolong);
		db_col_text_fit(st, 3, r.to_user, sizeof r.to_user, &r.toolong);
		db_col_text_fit(st, 4, r.sent_at, sizeof r.sent_at, &r.toolong);
		db_col_text_fit(st, 5, r.sent_by, sizeof r.sent_by, &r.toolong);
		db_col_text_fit(st, 6, r.seen_at, sizeof r.seen_at, &r.toolong);
		p = sqlite3_column_blob(st, 7);
		n = sqlite3_column_bytes(st, 7);
		if (n > (int)sizeof r.mac)
			r.toolong = 1;
		else if (p && n > 0) {
			memcpy(r.mac, p, (size_t)n);
			r.mac_len = (size_t)n;
		}
		if (fn(&r, arg))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		ret = db_fail(db, rc, "reading reminders", m);
	sqlite3_finalize(st);
	return ret;
}

status_t db_reminder_seen(db_t *db, int64_t rrow, const char *seen_at, const unsigned char *mac,
			  size_t mac_len, msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret = db_prepare(db,
				  "UPDATE deficiency_reminders SET seen_at = ?2, mac = ?3 WHERE rrow = ?1",
				  &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, rrow);
	db_bind_text(st, 2, seen_at);
	db_bind_blob(st, 3, mac, mac_len);
	return db_exec_stmt(db, st, "marking the reminder seen", m);
}

status_t db_reminder_set_mac(db_t *db, int64_t rrow, const unsigned char *mac, size_t mac_len,
			     msg_t *m)
{
	sqlite3_stmt *st = NULL;
	status_t ret =
	    db_prepare(db, "UPDATE deficiency_reminders SET mac = ?2 WHERE rrow = ?1", &st, m);
	if (ret != STATUS_OK)
		return ret;
	sqlite3_bind_int64(st, 1, rrow);
	db_bind_blob(st, 2, mac, mac_len);
	return db_exec_stmt(db, st, "re-sealing the reminder", m);
}
