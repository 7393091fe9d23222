/* test_integrity.c - core/integrity.h and core/reseal.h: row MACs cover
 * every field of a row and the chart it belongs to; chart heads move with
 * every change and are recorded in the audit trail; the whole-database
 * check (audit verify) catches a deleted row, a rolled-back chart and a
 * chart whose head is gone; and the re-sealing of a database in the older
 * form goes a batch at a time, resumes after an interruption (a new
 * process, the next sign-on), and leaves every row sealed and readable.
 *
 * A fresh clinic per test: several tests damage their database. */
#include "testutil.h"

#include <inttypes.h>

#include "core/clinical.h"
#include "core/coding.h"
#include "core/integrity.h"
#include "core/internal.h"
#include "core/reseal.h"
#include "db/db_audit.h"

typedef struct fixture {
	tu_clinic_t t;
	char pid[3][33];
	int64_t prow[3], erow[3];
} fixture_t;

static void logout_all(fixture_t *f)
{
	session_logout(f->t.prov);
	session_logout(f->t.nurse);
	session_logout(f->t.fd);
	session_logout(f->t.admin);
	f->t.admin = f->t.fd = f->t.nurse = f->t.prov = NULL;
}

static int64_t prow_of(fixture_t *f, const char *pid)
{
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT prow FROM patients WHERE id = '%s'", pid);
	return tu_sql_int(f->t.db, sql);
}

/* Three charts: each an encounter with a reason, vitals, an allergy, a
 * medication, a problem and a note. */
static void fill(fixture_t *f)
{
	static const char *const names[3] = {"Integra", "Sealwell", "Hashford"};
	for (int i = 0; i < 3; i++) {
		patient_t p;
		int64_t row = 0, nrow = 0;
		msg_t m;
		const char *bad;
		vitals_input_t v = {"120/80", "70", NULL, NULL, NULL, "170cm", "70kg"};
		char dob[16];
		snprintf(dob, sizeof dob, "19%d0-0%d-1%d", 5 + i, 1 + i, i);
		tu_patient(&p, names[i], "Ivy", dob, "F");
		tu_register(f->t.fd, &p, 1);
		snprintf(f->pid[i], 33, "%s", p.id);
		f->prow[i] = prow_of(f, p.id);
		assert_int_equal(encounter_checkin(f->t.fd, p.id, "office visit", "prov1", "Room 5",
						   "Headache since Monday", &f->erow[i], &m),
				 STATUS_OK);
		assert_int_equal(vitals_record(f->t.nurse, f->erow[i], &v, &bad, &m), STATUS_OK);
		assert_int_equal(allergy_add(f->t.nurse, p.id, "Aspirin", "Wheeze", "moderate", &row, &m),
				 STATUS_OK);
		assert_int_equal(medication_add(f->t.nurse, p.id, "Sumatriptan", "50 mg", "PO",
						"once at onset", "2025-01-02", &row, &m),
				 STATUS_OK);
		assert_int_equal(problem_add(f->t.prov, p.id, "G43.909", "Migraine", NULL, &row, &m),
				 STATUS_OK);
		assert_int_equal(note_create(f->t.nurse, f->erow[i], 0, "Migraine, photophobia.", &nrow,
					     &m),
				 STATUS_OK);
		if (i == 0)
			assert_int_equal(note_sign(f->t.nurse, nrow, 0, &m), STATUS_OK);
	}
}

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	assert_non_null(f);
	tu_clinic_up(&f->t, TU_R_FD | TU_R_NURSE | TU_R_PROV);
	assert_int_equal(f->t.c->sealed, 1); /* born sealed */
	fill(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	logout_all(f);
	tu_clinic_down(&f->t);
	free(f);
	return 0;
}

/* ---- row MACs ------------------------------------------------------------ */

static void mac_of_item(session_t *s, chart_t *ch, const db_item_t *it, unsigned char *out)
{
	msg_t m;
	assert_int_equal(rowmac_item(s, ch, it, out, &m), STATUS_OK);
}

/* Every field of a row, and the chart it is bound to, changes its MAC;
 * NULL and a value (vitals) differ; the same row gives the same MAC. */
static void test_row_mac_covers_every_field(void **state)
{
	fixture_t *f = *state;
	chart_t ch;
	db_item_t base, it;
	db_vitals_t v, w;
	unsigned char a[INTEGRITY_MAC_LEN], b[INTEGRITY_MAC_LEN];
	unsigned char blob1[] = {5, 1, 2, 3}, blob2[] = {5, 1, 2, 4};
	msg_t m;
	memset(&ch, 0, sizeof ch);
	snprintf(ch.pid, sizeof ch.pid, "%s", f->pid[0]);
	ch.prow = f->prow[0];
	memset(&base, 0, sizeof base);
	base.kind = DB_MEDICATION;
	base.row = 7;
	snprintf(base.id, sizeof base.id, "%032d", 7);
	base.a = (db_blob_t){blob1, sizeof blob1};
	base.b = (db_blob_t){blob1, sizeof blob1};
	base.c = (db_blob_t){blob1, sizeof blob1};
	snprintf(base.code, sizeof base.code, "PO");
	snprintf(base.date1, sizeof base.date1, "2025-01-01");
	snprintf(base.status, sizeof base.status, "active");
	snprintf(base.recorded, sizeof base.recorded, "2025-01-01T10:00:00Z");
	snprintf(base.recorded_by, sizeof base.recorded_by, "nurse1");
	mac_of_item(f->t.nurse, &ch, &base, a);
	mac_of_item(f->t.prov, &ch, &base, b); /* any holder of the demo key: the same */
	assert_memory_equal(a, b, sizeof a);
	assert_int_equal(a[0], 1);
	assert_int_equal(a[1], 1); /* demo key version */
#define DIFFERS(change)                                                          \
	do {                                                                     \
		it = base;                                                       \
		change;                                                          \
		mac_of_item(f->t.nurse, &ch, &it, b);                              \
		if (memcmp(a, b, sizeof a) == 0)                                 \
			fail_msg("the MAC does not cover: %s", #change);          \
	} while (0)
	DIFFERS(it.row = 8);
	DIFFERS(it.id[0] = '1');
	DIFFERS(it.kind = DB_ALLERGY);
	DIFFERS(it.a.p = blob2);
	DIFFERS(it.b.p = blob2);
	DIFFERS(it.c.p = blob2);
	DIFFERS(it.c.n = 0);
	DIFFERS(it.code[0] = 'I');
	DIFFERS(it.extra[0] = 'x');
	DIFFERS(it.date1[3] = '4');
	DIFFERS(it.date2[0] = '2');
	DIFFERS(it.status[0] = 'x');
	DIFFERS(it.recorded[5] = '1');
	DIFFERS(it.recorded_by[0] = 'm');
	DIFFERS(it.updated[0] = '2');
	DIFFERS(it.updated_by[0] = 'x');
	/* Bound to the chart: the same row on another patient's chart. */
	it = base;
	snprintf(ch.pid, sizeof ch.pid, "%s", f->pid[1]);
	mac_of_item(f->t.nurse, &ch, &it, b);
	assert_memory_not_equal(a, b, sizeof a);
	snprintf(ch.pid, sizeof ch.pid, "%s", f->pid[0]);
	/* Field boundaries are unambiguous: moving a character from one text
	 * field to the next changes the MAC. */
	it = base;
	snprintf(it.recorded_by, sizeof it.recorded_by, "nurse");
	snprintf(it.updated, sizeof it.updated, "1");
	mac_of_item(f->t.nurse, &ch, &it, a);
	snprintf(it.recorded_by, sizeof it.recorded_by, "nurse1");
	it.updated[0] = '\0';
	mac_of_item(f->t.nurse, &ch, &it, b);
	assert_memory_not_equal(a, b, sizeof a);
#undef DIFFERS

	/* Vitals: "not taken" and 0 differ; every measure is covered. */
	memset(&v, 0, sizeof v);
	v.vrow = 3;
	v.erow = f->erow[0];
	v.systolic = v.diastolic = v.pulse = v.resp = v.spo2 = -1;
	v.temp_c = v.height_cm = v.weight_kg = v.bmi = -1;
	assert_int_equal(rowmac_vitals(f->t.nurse, &ch, &v, a, &m), STATUS_OK);
	w = v;
	w.pulse = 0;
	assert_int_equal(rowmac_vitals(f->t.nurse, &ch, &w, b, &m), STATUS_OK);
	assert_memory_not_equal(a, b, sizeof a);
	w = v;
	w.weight_kg = 0;
	assert_int_equal(rowmac_vitals(f->t.nurse, &ch, &w, b, &m), STATUS_OK);
	assert_memory_not_equal(a, b, sizeof a);
	/* ... and the encounter it is under. */
	w = v;
	w.erow = f->erow[1];
	assert_int_equal(rowmac_vitals(f->t.nurse, &ch, &w, b, &m), STATUS_OK);
	assert_memory_not_equal(a, b, sizeof a);
	chart_free(&ch);
}

static void test_row_mac_needs_the_demo_key(void **state)
{
	fixture_t *f = *state;
	chart_t ch;
	db_nka_t n;
	keyring_t *none = keyring_new(), *keep;
	unsigned char mac[INTEGRITY_MAC_LEN];
	msg_t m;
	memset(&ch, 0, sizeof ch);
	memset(&n, 0, sizeof n);
	snprintf(ch.pid, sizeof ch.pid, "%s", f->pid[0]);
	keep = f->t.nurse->kr;
	f->t.nurse->kr = none;
	assert_int_equal(rowmac_nka(f->t.nurse, &ch, &n, mac, &m), STATUS_DENIED);
	assert_false(tu_has(m.text, "ntegrity"));
	assert_int_equal(chart_load(f->t.nurse, f->prow[0], &ch, &m), STATUS_DENIED);
	chart_free(&ch);
	f->t.nurse->kr = keep;
	keyring_free(none);
}

/* ---- chart heads ------------------------------------------------------------ */

static void test_head_moves_with_every_change_and_is_audited(void **state)
{
	fixture_t *f = *state;
	chart_t ch;
	char sql[160], recorded[80];
	int64_t seq, row = 0;
	msg_t m;
	assert_int_equal(chart_load(f->t.nurse, f->prow[0], &ch, &m), STATUS_OK);
	seq = ch.seq;
	/* encounter + coding, vitals, allergy + review, med, problem, note */
	assert_int_equal((int)ch.n, 8);
	chart_free(&ch);
	assert_int_equal(allergy_add(f->t.nurse, f->pid[0], "Codeine", "", "mild", &row, &m), STATUS_OK);
	assert_int_equal(chart_load(f->t.nurse, f->prow[0], &ch, &m), STATUS_OK);
	assert_int_equal(ch.seq, seq + 1);
	assert_int_equal((int)ch.n, 9);
	chart_free(&ch);
	/* The change's audit entry holds the head it left: SEQ:MACHEX. */
	snprintf(sql, sizeof sql,
		 "SELECT chart_head FROM audit WHERE target = '%s' AND chart_head IS NOT NULL "
		 "ORDER BY seq DESC LIMIT 1",
		 f->pid[0]);
	tu_sql_text(f->t.db, sql, recorded, sizeof recorded);
	snprintf(sql, sizeof sql, "%" PRId64 ":", seq + 1);
	assert_true(strncmp(recorded, sql, strlen(sql)) == 0);
	assert_int_equal(strlen(recorded) - strlen(sql), 32);
	/* A chart never touched has no head; the others all do. */
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM chart_heads"), 3);
	/* The head covers the patients row: the flag changed in the file. */
	snprintf(sql, sizeof sql, "UPDATE patients SET confidential = 1 WHERE prow = %" PRId64,
		 f->prow[0]);
	tu_sql(f->t.db, sql);
	assert_int_equal(chart_load(f->t.nurse, f->prow[0], &ch, &m), STATUS_INTEGRITY);
	chart_free(&ch);
	snprintf(sql, sizeof sql, "patients record %" PRId64, f->prow[0]);
	if (!tu_has(m.text, sql))
		fail_msg("%s", m.text);
}

static void test_verify_all(void **state)
{
	fixture_t *f = *state;
	int64_t charts = 0, count = 0, bad = 0;
	char sql[200], want[80], *old = NULL;
	msg_t m;
	assert_int_equal(integrity_verify_all(f->t.nurse, &charts, &m), STATUS_OK);
	assert_int_equal(charts, 3);
	assert_int_equal(audit_verify(f->t.admin, NULL, &count, &bad, &m), STATUS_OK);
	assert_true(tu_has(m.text, "chart heads OK: 3 charts"));

	/* A deleted row, nobody reading the chart. */
	tu_sql(f->t.db, "CREATE TABLE keep AS SELECT * FROM problems");
	snprintf(sql, sizeof sql, "DELETE FROM problems WHERE prow = %" PRId64, f->prow[1]);
	tu_sql(f->t.db, sql);
	assert_int_equal(integrity_verify_all(f->t.nurse, &charts, &m), STATUS_INTEGRITY);
	assert_true(tu_has(m.text, "problems record") && tu_has(m.text, "is missing"));
	assert_int_equal(audit_verify(f->t.admin, NULL, &count, &bad, &m), STATUS_INTEGRITY);
	assert_true(tu_has(m.text, "audit chain OK") && tu_has(m.text, "charts FAILED"));
	tu_sql(f->t.db, "INSERT INTO problems SELECT * FROM keep WHERE pbrow NOT IN (SELECT pbrow "
			"FROM problems); DROP TABLE keep");
	assert_int_equal(integrity_verify_all(f->t.nurse, &charts, &m), STATUS_OK);

	/* A head whose chart was rolled back (an older head put back). */
	tu_sql(f->t.db, "CREATE TABLE keep AS SELECT * FROM chart_heads");
	assert_int_equal(medication_add(f->t.nurse, f->pid[2], "Naproxen", "", "PO", "BID", NULL,
					&count, &m),
			 STATUS_OK);
	snprintf(sql, sizeof sql,
		 "DELETE FROM medications WHERE mrow = %" PRId64 "; UPDATE chart_heads SET (seq, "
		 "rows, mac) = (SELECT seq, rows, mac FROM keep WHERE keep.prow = chart_heads.prow) "
		 "WHERE prow = %" PRId64,
		 count, f->prow[2]);
	tu_sql(f->t.db, sql);
	assert_int_equal(integrity_verify_all(f->t.nurse, &charts, &m), STATUS_INTEGRITY);
	snprintf(want, sizeof want, "chart_heads record %" PRId64, f->prow[2]);
	if (!tu_has(m.text, want))
		fail_msg("%s", m.text);
	/* Without the demo key the comparison with the trail still runs. */
	{
		keyring_t *keep = f->t.admin->kr, *audit_only = keyring_new();
		unsigned char k[CRYPTO_KEY_LEN];
		randombytes_buf(k, sizeof k);
		assert_int_equal(keyring_set(audit_only, DOMAIN_AUDIT, 1,
					     keyring_key(keep, DOMAIN_AUDIT), &m),
				 STATUS_OK);
		sodium_memzero(k, sizeof k);
		f->t.admin->kr = audit_only;
		assert_int_equal(integrity_verify_all(f->t.admin, &charts, &m), STATUS_INTEGRITY);
		assert_true(tu_has(m.text, want));
		f->t.admin->kr = keep;
		keyring_free(audit_only);
	}
	tu_sql(f->t.db, "DROP TABLE keep");

	/* A chart whose head is gone, though rows and the trail remain. */
	snprintf(sql, sizeof sql, "DELETE FROM chart_heads WHERE prow = %" PRId64, f->prow[1]);
	tu_sql(f->t.db, sql);
	assert_int_equal(integrity_verify_all(f->t.nurse, &charts, &m), STATUS_INTEGRITY);
	(void)old;
}

/* ---- re-sealing a database in the older form ------------------------------ */

/* Turn every sealed value of the database back into the older form the
 * release before 007 wrote (format 1, bound to table|column|row only; the
 * location and frequency in their clear columns; no MACs, no heads, no
 * marks), as an old database is found. */
static void blob_update(sqlite3 *raw, const char *sql, const unsigned char *blob, size_t len,
			const char *text, int64_t key)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(raw, sql, -1, &st, NULL), SQLITE_OK);
	if (blob)
		sqlite3_bind_blob(st, 1, blob, (int)len, SQLITE_TRANSIENT);
	else
		sqlite3_bind_text(st, 1, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, key);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

typedef struct legacy_col {
	const char *table, *key, *col, *column, *dest; /* dest: a clear column */
	domain_t d;
	int with_enc; /* bound to the encounter too */
} legacy_col_t;

static void to_legacy(fixture_t *f)
{
	static const legacy_col_t cols[] = {
		{"allergies", "arow", "substance", "a", NULL, DOMAIN_CLIN, 0},
		{"allergies", "arow", "reaction", "b", NULL, DOMAIN_CLIN, 0},
		{"medications", "mrow", "name", "a", NULL, DOMAIN_CLIN, 0},
		{"medications", "mrow", "dose", "b", NULL, DOMAIN_CLIN, 0},
		{"medications", "mrow", "frequency_ct", "c", "frequency", DOMAIN_CLIN, 0},
		{"problems", "pbrow", "description", "a", NULL, DOMAIN_CLIN, 0},
		{"notes", "nrow", "body", "body", NULL, DOMAIN_CLIN, 1},
		{"encounters", "erow", "location_ct", "location", "location", DOMAIN_DEMO, 1},
	};
	sqlite3 *raw = tu_sql_open(f->t.db);
	keyring_t *kr = f->t.nurse->kr;
	unsigned char pk[32];
	msg_t m;
	assert_int_equal(sqlite3_exec(raw,
				      "BEGIN; DROP TRIGGER notes_signed_are_final; DROP TRIGGER "
				      "notes_never_deleted;",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
		const legacy_col_t *c = &cols[i];
		char sql[512];
		sqlite3_stmt *st = NULL;
		snprintf(sql, sizeof sql,
			 "SELECT t.%s, t.id, p.id, coalesce(e.id, ''), t.%s FROM %s t JOIN patients p "
			 "ON p.prow = t.prow LEFT JOIN encounters e ON e.erow = %s WHERE t.%s IS NOT "
			 "NULL",
			 c->key, c->col, c->table,
			 strcmp(c->table, "notes") == 0 ? "t.erow"
			 : strcmp(c->table, "encounters") == 0 ? "t.erow"
							       : "-1",
			 c->col);
		assert_int_equal(sqlite3_prepare_v2(raw, sql, -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			int64_t key = sqlite3_column_int64(st, 0);
			const char *id = (const char *)sqlite3_column_text(st, 1);
			const char *pid = (const char *)sqlite3_column_text(st, 2);
			const char *eid = (const char *)sqlite3_column_text(st, 3);
			crypto_bind_t b = {c->table, c->column, id, pid, c->with_enc ? eid : NULL, NULL};
			char *plain = NULL, upd[256];
			size_t plen = 0, blen = 0;
			unsigned char *blob = NULL;
			assert_int_equal(crypto_field_open(kr, c->d, &b, 0, sqlite3_column_blob(st, 4),
							   (size_t)sqlite3_column_bytes(st, 4), &plain,
							   &plen, &m),
					 STATUS_OK);
			if (c->dest) {
				snprintf(upd, sizeof upd, "UPDATE %s SET %s = ?1, %s = NULL WHERE %s = ?2",
					 c->table, c->dest, c->col, c->key);
				blob_update(raw, upd, NULL, 0, plain, key);
			} else {
				assert_int_equal(crypto_field_encrypt(kr, c->d, c->table, c->column, id,
								      plain, plen, 1, &blob, &blen, &m),
						 STATUS_OK);
				snprintf(upd, sizeof upd, "UPDATE %s SET %s = ?1 WHERE %s = ?2", c->table,
					 c->col, c->key);
				blob_update(raw, upd, blob, blen, NULL, key);
			}
			free(blob);
			crypto_free_plain(plain, plen);
		}
		sqlite3_finalize(st);
	}
	/* Reasons for visit: the older sealed box held "row|text". */
	assert_int_equal(crypto_seal_public(kr, DOMAIN_CLIN, pk, &m), STATUS_OK);
	{
		sqlite3_stmt *st = NULL;
		assert_int_equal(sqlite3_prepare_v2(raw,
						    "SELECT e.erow, e.id, p.id, e.reason FROM encounters e "
						    "JOIN patients p ON p.prow = e.prow WHERE reason IS "
						    "NOT NULL",
						    -1, &st, NULL),
				 SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *eid = (const char *)sqlite3_column_text(st, 1);
			crypto_bind_t b = {"encounters", "reason", eid,
					   (const char *)sqlite3_column_text(st, 2), eid, NULL};
			char *plain = NULL;
			size_t plen = 0, n, padded;
			unsigned char buf[600], box[700];
			assert_int_equal(crypto_unseal_text(kr, DOMAIN_CLIN, &b, 0,
							    sqlite3_column_blob(st, 3),
							    (size_t)sqlite3_column_bytes(st, 3), &plain,
							    &plen, &m),
					 STATUS_OK);
			n = (size_t)snprintf((char *)buf, sizeof buf, "%s|%s", eid, plain);
			assert_int_equal(sodium_pad(&padded, buf, n, 64, sizeof buf), 0);
			box[0] = 3;
			assert_int_equal(crypto_box_seal(box + 1, buf, padded, pk), 0);
			blob_update(raw, "UPDATE encounters SET reason = ?1 WHERE erow = ?2", box,
				    1 + padded + crypto_box_SEALBYTES, NULL,
				    sqlite3_column_int64(st, 0));
			crypto_free_plain(plain, plen);
		}
		sqlite3_finalize(st);
	}
	/* The patients rows: both ciphertexts in format 1. */
	{
		sqlite3_stmt *st = NULL;
		assert_int_equal(sqlite3_prepare_v2(raw,
						    "SELECT prow, id, confidential, version, created, "
						    "created_by, updated, updated_by, ident, details FROM "
						    "patients",
						    -1, &st, NULL),
				 SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *id = (const char *)sqlite3_column_text(st, 1);
			char s0[32], s1[400];
			const char *state[2] = {s0, s1};
			snprintf(s0, sizeof s0, "c%dv%d", sqlite3_column_int(st, 2),
				 sqlite3_column_int(st, 3));
			snprintf(s1, sizeof s1, "c%dv%d;%s;%s;%s;%s", sqlite3_column_int(st, 2),
				 sqlite3_column_int(st, 3), sqlite3_column_text(st, 4),
				 sqlite3_column_text(st, 5), sqlite3_column_text(st, 6),
				 sqlite3_column_text(st, 7));
			for (int g = 0; g < 2; g++) {
				crypto_bind_t b = {"patients", g ? "details" : "ident", id, id, NULL,
						   state[g]};
				char *plain = NULL, upd[96];
				size_t plen = 0, blen = 0;
				unsigned char *blob = NULL;
				assert_int_equal(crypto_field_open(f->t.fd->kr, DOMAIN_DEMO, &b, 0,
								   sqlite3_column_blob(st, 8 + g),
								   (size_t)sqlite3_column_bytes(st, 8 + g),
								   &plain, &plen, &m),
						 STATUS_OK);
				assert_int_equal(crypto_field_encrypt(f->t.fd->kr, DOMAIN_DEMO, "patients",
								      b.column, id, plain, plen, 1, &blob,
								      &blen, &m),
						 STATUS_OK);
				snprintf(upd, sizeof upd, "UPDATE patients SET %s = ?1 WHERE prow = ?2",
					 b.column);
				blob_update(raw, upd, blob, blen, NULL, sqlite3_column_int64(st, 0));
				free(blob);
				crypto_free_plain(plain, plen);
			}
		}
		sqlite3_finalize(st);
	}
	assert_int_equal(
		sqlite3_exec(raw,
			     "UPDATE encounters SET mac = NULL, coding_mac = NULL;"
			     "UPDATE vitals SET mac = NULL, id = NULL;"
			     "UPDATE allergies SET mac = NULL; UPDATE allergy_review SET mac = NULL;"
			     "UPDATE medications SET mac = NULL; UPDATE problems SET mac = NULL;"
			     "UPDATE notes SET mac = NULL; UPDATE btg_queue SET mac = NULL;"
			     "DELETE FROM chart_heads; UPDATE audit SET chart_head = NULL;"
			     "DELETE FROM audit WHERE action = 'integrity_on';"
			     "DELETE FROM meta WHERE key = 'reseal_after';"
			     "CREATE TRIGGER notes_signed_are_final BEFORE UPDATE ON notes WHEN "
			     "OLD.status = 'signed' AND NOT EXISTS (SELECT 1 FROM meta WHERE key = "
			     "'resealing_signed_notes') BEGIN SELECT RAISE(ABORT, 'a signed note "
			     "cannot be changed; add an addendum'); END;"
			     "CREATE TRIGGER notes_never_deleted BEFORE DELETE ON notes BEGIN SELECT "
			     "RAISE(ABORT, 'notes are never deleted'); END; COMMIT;",
			     NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(raw);
}

static int count_item(const chart_item_t *it, void *arg)
{
	(*(int *)arg)++;
	if (it->kind == CHART_MEDICATION)
		assert_string_equal(it->extra, "once at onset");
	return 0;
}

/* The charts read in full, as written. */
static void read_all(fixture_t *f, session_t *s)
{
	for (int i = 0; i < 3; i++) {
		encounter_info_t e;
		note_info_t n;
		int items = 0;
		msg_t m;
		char sql[128];
		assert_int_equal(encounter_get(s, f->erow[i], &e, &m), STATUS_OK);
		assert_string_equal(e.location, "Room 5");
		assert_string_equal(e.reason, "Headache since Monday");
		for (int k = CHART_ALLERGY; k <= CHART_PROBLEM; k++)
			assert_int_equal(chart_items(s, f->pid[i], (chart_kind_t)k, count_item, &items,
						     &m),
					 STATUS_OK);
		assert_int_equal(items, 3);
		snprintf(sql, sizeof sql, "SELECT min(nrow) FROM notes WHERE erow = %" PRId64,
			 f->erow[i]);
		assert_int_equal(note_get(s, tu_sql_int(f->t.db, sql), &n, &m), STATUS_OK);
		assert_string_equal(n.body, "Migraine, photophobia.");
		note_info_clear(&n);
	}
}

static void test_reseal_in_batches_and_resume(void **state)
{
	fixture_t *f = *state;
	int done = -1;
	char buf[32], sql[160];
	int64_t charts = 0;
	msg_t m;
	to_legacy(f);
	logout_all(f);
	clinic_close(f->t.c);
	/* Reopened: not sealed; the front desk (no clin key) signs on and
	 * nothing is re-sealed, yet everything it may see reads. */
	f->t.c = tu_clinic_open(f->t.db, f->t.cfg);
	assert_int_equal(f->t.c->sealed, 0);
	f->t.fd = tu_login(f->t.c, "fd1", TU_FD_PW);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM chart_heads"), 0);
	assert_int_equal(reseal_run(f->t.fd, 1, 0, &done, &m), STATUS_OK);
	assert_int_equal(done, 0);
	/* One batch of one patient, then an interruption. */
	f->t.nurse = NULL;
	{
		/* A nurse session without the automatic run: its keys, taken from
		 * a sign-on on a second connection that is then closed. */
		clinic_t *c2 = tu_clinic_open(f->t.db, f->t.cfg);
		session_t *s2;
		c2->sealed = 1; /* so that this sign-on does not re-seal all */
		s2 = tu_login(c2, "nurse1", TU_NURSE_PW);
		s2->c = f->t.c; /* act through the first connection */
		f->t.nurse = s2;
		assert_int_equal(reseal_run(f->t.nurse, 1, 1, &done, &m), STATUS_OK);
		assert_int_equal(done, 0);
		f->t.nurse->c = c2;
		session_logout(f->t.nurse);
		f->t.nurse = NULL;
		clinic_close(c2);
	}
	assert_int_equal(db_meta_get(f->t.c->db, "reseal_after", buf, sizeof buf, &m), STATUS_OK);
	snprintf(sql, sizeof sql, "%" PRId64, f->prow[0]);
	assert_string_equal(buf, sql);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM chart_heads"), 1);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM allergies WHERE mac IS NULL AND prow = %" PRId64,
		 f->prow[0]);
	assert_int_equal(tu_sql_int(f->t.db, sql), 0);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM allergies WHERE mac IS NULL AND prow = %" PRId64,
		 f->prow[1]);
	assert_int_equal(tu_sql_int(f->t.db, sql), 1);
	assert_int_equal(tu_audit_count(f->t.db, "integrity_migration_start", NULL), 1);
	assert_int_equal(tu_audit_count(f->t.db, "integrity_on", NULL), 0);
	/* Half done, in a new process: the charts read, old and new alike. */
	session_logout(f->t.fd);
	clinic_close(f->t.c);
	f->t.c = tu_clinic_open(f->t.db, f->t.cfg);
	assert_int_equal(f->t.c->sealed, 0);
	f->t.fd = tu_login(f->t.c, "fd1", TU_FD_PW);
	/* The next sign-on holding the keys finishes it. */
	f->t.nurse = tu_login(f->t.c, "nurse1", TU_NURSE_PW);
	assert_int_equal(f->t.c->sealed, 1);
	assert_int_equal(tu_audit_count(f->t.db, "integrity_migration_start", NULL), 1);
	assert_int_equal(tu_audit_count(f->t.db, "integrity_on", NULL), 1);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM chart_heads"), 3);
	assert_int_equal(
		tu_sql_int(f->t.db, "SELECT (SELECT count(*) FROM encounters WHERE mac IS NULL OR "
				  "location != '') + (SELECT count(*) FROM medications WHERE mac IS "
				  "NULL OR frequency != '') + (SELECT count(*) FROM vitals WHERE id "
				  "IS NULL) + (SELECT count(*) FROM notes WHERE mac IS NULL)"),
		0);
	f->t.admin = tu_login(f->t.c, TU_ADMIN, TU_ADMIN_PW);
	f->t.prov = tu_login(f->t.c, "prov1", TU_PROV_PW);
	read_all(f, f->t.nurse);
	assert_int_equal(integrity_verify_all(f->t.nurse, &charts, &m), STATUS_OK);
	assert_int_equal(charts, 3);
	/* Sealed now: a row put back without its MAC is refused. */
	snprintf(sql, sizeof sql, "UPDATE problems SET mac = NULL WHERE prow = %" PRId64,
		 f->prow[2]);
	tu_sql(f->t.db, sql);
	{
		int n = 0;
		assert_int_equal(chart_items(f->t.nurse, f->pid[2], CHART_PROBLEM, count_item, &n, &m),
				 STATUS_INTEGRITY);
		assert_true(tu_has(m.text, "carries no integrity seal"));
		assert_int_equal(n, 0); /* nothing shown */
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_row_mac_covers_every_field, setup, teardown),
		cmocka_unit_test_setup_teardown(test_row_mac_needs_the_demo_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_moves_with_every_change_and_is_audited,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reseal_in_batches_and_resume, setup, teardown),
	};
	return cmocka_run_group_tests_name("integrity", tests, NULL, NULL);
}
