/* test_listed.c - "searched and listed" (issue 12 item 1): a search's
 * audit event carries the row numbers of the patients it listed, MAC'd
 * with the event and, once chained, with its trail entry (audit.listed);
 * they are indexed by patient in audit_listed, and each listed patient's
 * access report shows the search (user, role, the kind of search, never
 * its text), while a patient it did not list sees nothing of it. Searches
 * of one session chained together list every patient they showed, each
 * once. audit verify passes, and finds audit_listed's pairs removed,
 * added or moved and a trail entry's listing edited with SQL; a listing
 * forged in the journal file is rejected when chained, never indexed. */
#include "testutil.h"

#include <fcntl.h>
#include <inttypes.h>
#include <unistd.h>

#include "core/access.h"
#include "core/internal.h"
#include "core/patient_search.h"
#include "core/users.h"

typedef struct fixture {
	tu_clinic_t t;
	patient_t p, q, r; /* Quarrington, Quarry (both "quarr"), Zeller */
	int64_t pp, qp, rp; /* their row numbers */
} fixture_t;

static int64_t prow_of(fixture_t *f, const patient_t *p)
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT prow FROM patients WHERE id = '%s'", p->id);
	return tu_sql_int(f->t.db, sql);
}

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	assert_non_null(f);
	tu_clinic_up(&f->t, TU_R_FD | TU_R_PRIV);
	tu_patient(&f->p, "Quarrington", "Ottilie", "1971-04-04", "F");
	tu_register(f->t.fd, &f->p, 1);
	tu_patient(&f->q, "Quarry", "Bram", "1980-02-02", "M");
	tu_register(f->t.fd, &f->q, 1);
	tu_patient(&f->r, "Zeller", "Anke", "1990-03-03", "F");
	tu_register(f->t.fd, &f->r, 1);
	f->pp = prow_of(f, &f->p);
	f->qp = prow_of(f, &f->q);
	f->rp = prow_of(f, &f->r);
	*state = f;
	return 0;
}

static void search(session_t *s, const char *query, int want)
{
	patient_list_t *l = NULL;
	msg_t m;
	assert_int_equal(patient_search(s, query, 20, &l, &m), STATUS_OK);
	assert_int_equal(patient_list_count(l), want);
	patient_list_free(l);
}

typedef struct searches {
	int n;
	char what[160];
	char user[72];
	char role[16];
	char source[72];
} searches_t;

static int search_hit(const access_entry_t *e, void *arg)
{
	searches_t *h = arg;
	if (strcmp(e->action, "patient_search") == 0) {
		if (h->n++ == 0) {
			snprintf(h->what, sizeof h->what, "%s", e->what);
			snprintf(h->user, sizeof h->user, "%s", e->user_name);
			snprintf(h->role, sizeof h->role, "%s", e->role);
			snprintf(h->source, sizeof h->source, "%s", e->source);
		}
	}
	return 0;
}

/* The searches in p's access report. */
static searches_t report(fixture_t *f, const patient_t *p)
{
	searches_t h;
	char label[256];
	msg_t m;
	memset(&h, 0, sizeof h);
	assert_int_equal(access_patient(f->t.priv, p->f[PF_MRN], NULL, search_hit, &h, label,
					sizeof label, &m),
			 STATUS_OK);
	return h;
}

static status_t verify(fixture_t *f, msg_t *m)
{
	int64_t count = 0, bad = 0;
	return audit_verify(f->t.admin, NULL, &count, &bad, m);
}

static void test_listed_patients_see_the_search(void **state)
{
	fixture_t *f = *state;
	searches_t h;
	search(f->t.fd, "quarr", 2);
	h = report(f, &f->p);
	assert_int_equal(h.n, 1);
	assert_string_equal(h.what, "searched and listed (by name)");
	assert_string_equal(h.user, "fd1");
	assert_string_equal(h.role, "frontdesk");
	assert_true(h.source[0] != '\0');
	assert_null(strstr(h.what, "quarr"));
	h = report(f, &f->q);
	assert_int_equal(h.n, 1);
	/* Zeller was not listed: nothing of the search in her report. */
	h = report(f, &f->r);
	assert_int_equal(h.n, 0);
	/* A search that lists nobody lists nobody. */
	search(f->t.fd, "zzyzx", 0);
	assert_int_equal(report(f, &f->r).n, 0);
}

static void test_listing_on_the_chain(void **state)
{
	fixture_t *f = *state;
	char want[64], got[256], sql[200];
	msg_t m;
	search(f->t.fd, "quarr", 2);
	tu_audit_flush(f->t.fd);
	snprintf(want, sizeof want, "%" PRId64 " %" PRId64, f->pp < f->qp ? f->pp : f->qp,
		 f->pp < f->qp ? f->qp : f->pp);
	tu_sql_text(f->t.db, "SELECT listed FROM audit WHERE action = 'patient_search'", got,
		    sizeof got);
	assert_string_equal(got, want);
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM audit_listed l JOIN audit a USING (seq) "
		 "WHERE a.action = 'patient_search' AND l.prow IN (%" PRId64 ", %" PRId64 ")",
		 f->pp, f->qp);
	assert_int_equal(tu_sql_int(f->t.db, sql), 2);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM audit_listed"), 2);
	assert_int_equal(verify(f, &m), STATUS_OK);
}

/* Searches of one session chained as one entry: it lists every patient
 * they showed, each once, and says every kind of search. */
static void test_grouped_searches(void **state)
{
	fixture_t *f = *state;
	searches_t h;
	msg_t m;
	search(f->t.fd, "quarr", 2);
	search(f->t.fd, "zell", 1);
	search(f->t.fd, f->q.f[PF_MRN], 1);
	tu_audit_flush(f->t.fd);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM audit WHERE action = "
					   "'patient_search'"),
			 1);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM audit_listed"), 3);
	h = report(f, &f->r);
	assert_int_equal(h.n, 1);
	assert_string_equal(h.what, "searched and listed (by name, MRN)");
	assert_int_equal(report(f, &f->q).n, 1);
	assert_int_equal(verify(f, &m), STATUS_OK);
}

/* Each edit with sqlite3 is found by audit verify, and undone it passes. */
static void expect_broken(fixture_t *f, const char *edit, const char *undo, const char *says)
{
	msg_t m;
	tu_sql(f->t.db, edit);
	assert_int_equal(verify(f, &m), STATUS_INTEGRITY);
	if (!strstr(m.text, says))
		fail_msg("verify said '%s', expected '%s'", m.text, says);
	tu_sql(f->t.db, undo);
	assert_int_equal(verify(f, &m), STATUS_OK);
}

static void test_verify_finds_listing_tampered(void **state)
{
	fixture_t *f = *state;
	char edit[400], undo[400], listed[128];
	int64_t seq;
	msg_t m;
	search(f->t.fd, "quarr", 2);
	tu_audit_flush(f->t.fd);
	assert_int_equal(verify(f, &m), STATUS_OK);
	seq = tu_sql_int(f->t.db, "SELECT seq FROM audit WHERE action = 'patient_search'");
	tu_sql_text(f->t.db, "SELECT listed FROM audit WHERE action = 'patient_search'", listed,
		    sizeof listed);
	/* A pair removed (the search hidden from Quarrington's report). */
	snprintf(edit, sizeof edit, "DELETE FROM audit_listed WHERE prow = %" PRId64, f->pp);
	snprintf(undo, sizeof undo, "INSERT INTO audit_listed VALUES (%" PRId64 ", %" PRId64 ")",
		 f->pp, seq);
	expect_broken(f, edit, undo, "no longer records");
	/* A pair added (a search forged into Zeller's report). */
	snprintf(edit, sizeof edit, "INSERT INTO audit_listed VALUES (%" PRId64 ", %" PRId64 ")",
		 f->rp, seq);
	snprintf(undo, sizeof undo, "DELETE FROM audit_listed WHERE prow = %" PRId64, f->rp);
	expect_broken(f, edit, undo, "audit_listed records 3");
	/* A pair moved to another patient. */
	snprintf(edit, sizeof edit, "UPDATE audit_listed SET prow = %" PRId64 " WHERE prow = %" PRId64,
		 f->rp, f->qp);
	snprintf(undo, sizeof undo, "UPDATE audit_listed SET prow = %" PRId64 " WHERE prow = %" PRId64,
		 f->qp, f->rp);
	expect_broken(f, edit, undo, "no longer records");
	/* A pair pointing at an entry that is no search. */
	snprintf(edit, sizeof edit, "INSERT INTO audit_listed VALUES (%" PRId64 ", 1)", f->rp);
	snprintf(undo, sizeof undo, "DELETE FROM audit_listed WHERE seq = 1");
	expect_broken(f, edit, undo, "audit_listed records");
	/* The entry's own listing edited, audit_listed made to match it: only
	 * the entry's MAC can tell. Then the listing erased with its pairs. */
	snprintf(edit, sizeof edit,
		 "UPDATE audit SET listed = '%" PRId64 "' WHERE seq = %" PRId64 ";"
		 "DELETE FROM audit_listed; INSERT INTO audit_listed VALUES (%" PRId64
		 ", %" PRId64 ")",
		 f->rp, seq, f->rp, seq);
	snprintf(undo, sizeof undo,
		 "UPDATE audit SET listed = '%s' WHERE seq = %" PRId64 "; DELETE FROM audit_listed;"
		 "INSERT INTO audit_listed VALUES (%" PRId64 ", %" PRId64 "), (%" PRId64
		 ", %" PRId64 ")",
		 listed, seq, f->pp, seq, f->qp, seq);
	expect_broken(f, edit, undo, "does not match its MAC");
	snprintf(edit, sizeof edit,
		 "UPDATE audit SET listed = NULL WHERE seq = %" PRId64 "; DELETE FROM audit_listed",
		 seq);
	snprintf(undo, sizeof undo,
		 "UPDATE audit SET listed = '%s' WHERE seq = %" PRId64 ";"
		 "INSERT INTO audit_listed VALUES (%" PRId64 ", %" PRId64 "), (%" PRId64
		 ", %" PRId64 ")",
		 listed, seq, f->pp, seq, f->qp, seq);
	expect_broken(f, edit, undo, "does not match its MAC");
}

static uint32_t fnv1a(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

/* The journal file's last record gets its last listed row number
 * replaced by `prow`, its checksum made right again (what someone who can
 * write the file but holds no key could do). */
static void forge_last_listing(const char *db, int64_t prow)
{
	char path[PATH_MAX + 32];
	unsigned char slot[52];
	uint64_t best = 0, start = 0, used = 0, o;
	size_t last = 0, last_len = 0;
	unsigned char *buf;
	int fd;
	snprintf(path, sizeof path, "%s.audit-journal", db);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	for (int i = 0; i < 2; i++) {
		uint64_t counter;
		uint32_t sum;
		assert_int_equal(pread(fd, slot, sizeof slot, i * 512), (ssize_t)sizeof slot);
		memcpy(&sum, slot + 48, 4);
		if (memcmp(slot, "CRAJRNL1", 8) != 0 || fnv1a(slot, 48) != sum)
			continue;
		memcpy(&counter, slot + 8, 8);
		if (counter >= best) {
			best = counter;
			memcpy(&start, slot + 16, 8);
			memcpy(&used, slot + 24, 8);
		}
	}
	assert_true(used > start);
	buf = malloc(used - start);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, used - start, 4096 + (off_t)start), (ssize_t)(used - start));
	for (o = 0; o + 8 <= used - start;) {
		uint32_t len;
		memcpy(&len, buf + o, 4);
		last = (size_t)o;
		last_len = len;
		o += 8 + len;
	}
	assert_int_equal(buf[last + 8], 2); /* the search: format 2, with its listing */
	memcpy(buf + last + 8 + last_len - 8, &prow, 8);
	{
		uint32_t sum = fnv1a(buf + last + 8, last_len);
		memcpy(buf + last + 4, &sum, 4);
	}
	assert_int_equal(pwrite(fd, buf + last, 8 + last_len, 4096 + (off_t)start + (off_t)last),
			 (ssize_t)(8 + last_len));
	close(fd);
	free(buf);
}

static void test_forged_journal_listing_rejected(void **state)
{
	fixture_t *f = *state;
	msg_t m;
	search(f->t.fd, "zell", 1);
	forge_last_listing(f->t.db, f->pp); /* Zeller's search made to list Quarrington */
	tu_audit_flush(f->t.priv);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM audit WHERE action = "
					   "'audit_journal_rejected'"),
			 1);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM audit_listed"), 0);
	assert_int_equal(report(f, &f->p).n, 0);
	assert_int_equal(report(f, &f->r).n, 0);
	assert_int_equal(verify(f, &m), STATUS_OK);
}

/* A caller's limit above a page: every patient listed is recorded (in
 * events of DB_JOURNAL_LISTED_MAX), none left out of their reports. */
static void test_long_list_recorded_whole(void **state)
{
	fixture_t *f = *state;
	patient_list_t *l = NULL;
	patient_t *p = malloc(sizeof *p);
	const int many = DB_JOURNAL_LISTED_MAX + 5;
	char name[32];
	msg_t m;
	assert_non_null(p);
	for (int i = 0; i < many; i++) {
		snprintf(name, sizeof name, "Listmany%c%c", 'a' + i / 26, 'a' + i % 26);
		tu_patient(p, name, "Ann", "1950-01-01", "F");
		tu_register(f->t.fd, p, 1);
	}
	assert_int_equal(patient_search(f->t.fd, "listmany", many + 10, &l, &m), STATUS_OK);
	assert_int_equal(patient_list_count(l), many);
	patient_list_free(l);
	tu_audit_flush(f->t.fd);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM audit_listed"), many);
	/* The last registered (in the second event) sees the search. */
	assert_int_equal(report(f, p).n, 1);
	assert_int_equal(verify(f, &m), STATUS_OK);
	free(p);
}

/* The text form: one text per set, anything else refused. */
static void test_listed_text(void **state)
{
	int64_t v[4] = {30, 4, 30, 7}, out[8];
	char text[64];
	(void)state;
	assert_int_equal(audit_listed_format(v, 4, text, sizeof text), 3);
	assert_string_equal(text, "4 7 30");
	assert_int_equal(audit_listed_parse(text, out, 8), 3);
	assert_true(out[0] == 4 && out[1] == 7 && out[2] == 30);
	assert_int_equal(audit_listed_parse("", out, 8), 0);
	assert_int_equal(audit_listed_parse("7 4", out, 8), -1);
	assert_int_equal(audit_listed_parse("4 4", out, 8), -1);
	assert_int_equal(audit_listed_parse("04", out, 8), -1);
	assert_int_equal(audit_listed_parse("4  7", out, 8), -1);
	assert_int_equal(audit_listed_parse("4 7 ", out, 8), -1);
	assert_int_equal(audit_listed_parse("-4", out, 8), -1);
	assert_int_equal(audit_listed_parse("4 7 30", out, 2), -1);
	assert_int_equal(audit_listed_format(v, 4, text, 4), -1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, tu_clinic_teardown)
	const struct CMUnitTest tests[] = {
	    T(test_listed_patients_see_the_search),
	    T(test_listing_on_the_chain),
	    T(test_grouped_searches),
	    T(test_verify_finds_listing_tampered),
	    T(test_forged_journal_listing_rejected),
	    T(test_long_list_recorded_whole),
	    cmocka_unit_test(test_listed_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
