/* test_order.c - issue 11 item 2: search results in name order with
 * paging (core/porder.h, core/patient_search.h).
 *
 *  - the first page of a prefix with more than a page of matches is the
 *    alphabetically first (folded last, first, middle, date of birth,
 *    MRN), whatever order the patients were registered or imported in;
 *    the next pages (patient_search_next, patient_search_page with a page
 *    number or an MRN to start after) follow without a gap or a repeat;
 *  - registrations one by one (binary search), imports (sort and merge)
 *    and both mixed;
 *  - an edit that changes the name moves the patient;
 *  - names registered one after another into the same gap run it out: a
 *    window is renumbered, the order stays right;
 *  - exact kinds (date of birth) in name order too;
 *  - a database from before migration 011 (ranks 0, rank_pending) sorts
 *    what it finds, refuses later pages, and `keys reindex`
 *    (reindex_all) puts it in order;
 *  - the order rank and token rows hold no name in the clear. */
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "core/import.h"
#include "core/internal.h"
#include "core/patient_search.h"
#include "core/pindex.h"
#include "core/porder.h"
#include "core/reindex.h"
#include "core/precord.h"
#include "core/synth.h"

#define FD_PW "front desk password for order"
#define HIM_PW "him clerk password for order"

typedef struct fixture {
	char dir[PATH_MAX];
	char db[PATH_MAX];
	config_t *cfg;
	clinic_t *c;
	session_t *admin, *fd, *him;
	int files;
} fixture_t;

static int setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	tu_crypto_init();
	assert_non_null(f);
	f->cfg = calloc(1, sizeof *f->cfg);
	assert_non_null(f->cfg);
	tu_config(f->cfg);
	tu_tmpdir(f->dir);
	tu_path(f->db, f->dir, "clinic.db");
	tu_clinic_init(f->db, f->cfg, NULL);
	f->c = tu_clinic_open(f->db, f->cfg);
	f->admin = tu_login(f->c, TU_ADMIN, TU_ADMIN_PW);
	tu_add_user(f->admin, "fd", "frontdesk", FD_PW);
	tu_add_user(f->admin, "him", "him", HIM_PW);
	f->fd = tu_login(f->c, "fd", FD_PW);
	f->him = tu_login(f->c, "him", HIM_PW);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture_t *f = *state;
	session_logout(f->him);
	session_logout(f->fd);
	session_logout(f->admin);
	clinic_close(f->c);
	tu_rmtree(f->dir);
	free(f->cfg);
	free(f);
	return 0;
}

static void import_rows(fixture_t *f, const char *rows)
{
	char path[PATH_MAX], name[32], *text;
	import_report_t rep;
	import_opts_t o = {.register_anyway = 1};
	msg_t m;
	size_t len = strlen(rows) + 64;
	snprintf(name, sizeof name, "rows%d.csv", ++f->files);
	tu_path(path, f->dir, name);
	text = malloc(len);
	assert_non_null(text);
	snprintf(text, len, "last_name,first_name,middle_name,dob,sex\n%s", rows);
	tu_write_text(path, text);
	free(text);
	if (import_patients_with(f->him, path, &o, &rep, &m) != STATUS_OK)
		fail_msg("import: %s", m.text);
}

/* The key a plaintext index would sort by (core/porder.h). */
static void key_of_row(const patient_row_t *r, char *out, size_t size)
{
	char l[PATIENT_FIELD_MAX], fi[PATIENT_FIELD_MAX], mi[PATIENT_FIELD_MAX];
	pindex_fold(r->last, l, sizeof l);
	pindex_fold(r->first, fi, sizeof fi);
	pindex_fold(r->middle, mi, sizeof mi);
	snprintf(out, size, "%s %s %s\x01%s\x01%s", l, fi, mi, r->dob, r->mrn);
}

typedef struct keyed {
	char key[PORDER_KEY_MAX];
	char mrn[24];
} keyed_t;

static int keyed_cmp(const void *a, const void *b)
{
	return strcmp(((const keyed_t *)a)->key, ((const keyed_t *)b)->key);
}

/* Every patient matching q, in name order, as the truth: a search with a
 * limit above their number (sorted from decrypted names, whatever the
 * ranks say), sorted here again by the plaintext key. */
static int truth(fixture_t *f, const char *q, keyed_t *out, int max)
{
	patient_list_t *l = NULL;
	msg_t m;
	int n;
	assert_int_equal(patient_search(f->fd, q, max, &l, &m), STATUS_OK);
	assert_false(patient_list_more(l));
	n = patient_list_count(l);
	for (int i = 0; i < n; i++) {
		key_of_row(patient_list_row(l, i), out[i].key, sizeof out[i].key);
		snprintf(out[i].mrn, sizeof out[i].mrn, "%s", patient_list_row(l, i)->mrn);
	}
	patient_list_free(l);
	qsort(out, (size_t)n, sizeof *out, keyed_cmp);
	return n;
}

/* Page through q by `limit` with PgDn (patient_search_next) and by page
 * number, and check both against the truth: the first page the
 * alphabetically first, then on without a gap or a repeat, "more" on
 * every page but the last. */
static void pages_match_truth(fixture_t *f, const char *q, int limit)
{
	keyed_t *all = calloc(4000, sizeof *all);
	patient_list_t *l = NULL, *next = NULL, *byno = NULL;
	msg_t m;
	int n, seen = 0, page = 1;
	assert_non_null(all);
	n = truth(f, q, all, 4000);
	assert_true(n > 2 * limit);
	assert_int_equal(patient_search(f->fd, q, limit, &l, &m), STATUS_OK);
	assert_true(tu_has(m.text, "type more"));
	for (;;) {
		int k = patient_list_count(l);
		assert_int_equal(patient_list_page(l), page);
		assert_int_equal(patient_search_page(f->fd, q, limit, page, NULL, &byno, &m), STATUS_OK);
		assert_int_equal(patient_list_count(byno), k);
		for (int i = 0; i < k; i++) {
			const patient_row_t *r = patient_list_row(l, i);
			if (seen + i >= n || strcmp(r->mrn, all[seen + i].mrn) != 0)
				fail_msg("'%s' page %d row %d: %s, %s %s; expected %s", q, page, i, r->last,
					 r->first, r->mrn, seen + i < n ? all[seen + i].key : "(none)");
			assert_string_equal(patient_list_row(byno, i)->mrn, r->mrn);
		}
		assert_int_equal(patient_list_more(byno), patient_list_more(l));
		patient_list_free(byno);
		seen += k;
		if (!patient_list_more(l))
			break;
		assert_int_equal(k, limit);
		/* --after the last MRN shown gives the same next page. */
		assert_int_equal(patient_search_page(f->fd, q, limit, 1,
						     patient_list_row(l, k - 1)->mrn, &byno, &m),
				 STATUS_OK);
		assert_int_equal(patient_search_next(f->fd, q, limit, l, &next, &m), STATUS_OK);
		assert_int_equal(patient_list_count(byno), patient_list_count(next));
		for (int i = 0; i < patient_list_count(next); i++)
			assert_string_equal(patient_list_row(byno, i)->mrn,
					    patient_list_row(next, i)->mrn);
		patient_list_free(byno);
		patient_list_free(l);
		l = next;
		page++;
	}
	assert_int_equal(seen, n);
	assert_true(tu_has(m.text, "the last of them") || page == 1);
	patient_list_free(l);
	free(all);
}

/* 150 Ordways (and Ordens, Ordóñez) registered one by one in a shuffled
 * order, then 150 more imported in another: each page is in name order. */
static void test_pages_in_name_order(void **state)
{
	fixture_t *f = *state;
	static const char *const lasts[] = {"Ordway", "Orden", "Ordóñez", "ORDWAY-Smith", "ordway"};
	char *rows = malloc(150 * 96);
	size_t o = 0;
	assert_non_null(rows);
	for (int i = 0; i < 150; i++) {
		int j = (i * 67) % 150; /* shuffled */
		patient_t p;
		char first[16];
		snprintf(first, sizeof first, "F%c%c", 'a' + j % 26, 'a' + j / 26);
		tu_patient(&p, lasts[j % 5], first, j % 3 ? "1970-01-01" : "1969-12-31", "F");
		tu_register(f->fd, &p, 1);
	}
	pages_match_truth(f, "ord", 50);
	for (int i = 0; i < 150; i++) {
		int j = (i * 89) % 150;
		o += (size_t)snprintf(rows + o, 150 * 96 - o, "%s,G%c%c,%s,%04d-03-03,M\n",
				      lasts[(j + 2) % 5], 'a' + j % 26, 'a' + j / 26,
				      j % 4 ? "" : "Mid", 1950 + j % 30);
	}
	import_rows(f, rows);
	free(rows);
	pages_match_truth(f, "ord", 50);
	pages_match_truth(f, "ordway", 40);
	pages_match_truth(f, "ordway, g", 20);
	/* A date of birth shared by many: in name order too. */
	pages_match_truth(f, "1970-01-01", 30);
}

/* Every patient has a rank of its own, and every token row carries its
 * patient's (a bulk load inserts each row with its rank, and a row placed
 * through the database may be moved by a later one's renumbering). */
static void ranks_consistent(fixture_t *f)
{
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM patients WHERE sort_rank = 0"), 0);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) - count(DISTINCT sort_rank) FROM patients"),
			 0);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM patient_tokens t JOIN patients p "
					   "ON p.prow = t.prow WHERE t.rank != p.sort_rank"),
			 0);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM patient_tokens t WHERE NOT EXISTS "
					   "(SELECT 1 FROM patients p WHERE p.prow = t.prow)"),
			 0);
}

/* ranks_consistent, and every patient has index rows (a bulk load wrote
 * each row's tokens with it). */
static void bulk_index_whole(fixture_t *f)
{
	ranks_consistent(f);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM patients p WHERE NOT EXISTS "
					   "(SELECT 1 FROM patient_tokens t WHERE t.prow = p.prow)"),
			 0);
}

/* A bulk load into a clinic that has patients (sort and merge), then one
 * registration among them, then an edit that moves one. */
static void test_bulk_then_edit(void **state)
{
	fixture_t *f = *state;
	int64_t made = 0;
	msg_t m;
	patient_t p;
	patient_list_t *l = NULL;
	pfield_t bad;
	if (synth_patients(f->him, 3000, 7, &made, &m) != STATUS_OK)
		fail_msg("synth: %s", m.text);
	assert_int_equal(synth_patients(f->him, 3000, 8, &made, &m), STATUS_OK);
	ranks_consistent(f);
	/* The commonest 2-letter prefixes of synthetic names have hundreds. */
	pages_match_truth(f, "ma", 50);
	pages_match_truth(f, "sm", 50);
	tu_patient(&p, "Smaaa", "Aaron", "1980-01-01", "M");
	tu_register(f->fd, &p, 1);
	/* First of those whose whole last name starts so (a compound name
	 * with a part "Sm..." sorts by its whole name, as in plaintext). */
	assert_int_equal(patient_search(f->fd, "smaa", 5, &l, &m), STATUS_OK);
	assert_string_equal(patient_list_row(l, 0)->mrn, p.f[PF_MRN]);
	patient_list_free(l);
	pages_match_truth(f, "sm", 50);
	/* Renamed: it moves to its new place. */
	snprintf(p.f[PF_LAST], sizeof p.f[PF_LAST], "%s", "Smzzz");
	assert_int_equal(patient_update(f->fd, &p, &bad, &m), STATUS_OK);
	assert_int_equal(patient_search(f->fd, "sm", 5, &l, &m), STATUS_OK);
	for (int i = 0; i < patient_list_count(l); i++)
		assert_string_not_equal(patient_list_row(l, i)->mrn, p.f[PF_MRN]);
	patient_list_free(l);
	pages_match_truth(f, "sm", 50);
}

/* Names each just after the one before and before a fixed neighbour
 * halve the same gap: after about 60 the gap runs out and a window is
 * renumbered; the order stays right and every rank stays distinct. */
static void test_gap_runs_out(void **state)
{
	fixture_t *f = *state;
	patient_t p;
	tu_patient(&p, "Gapley", "Zz", "1950-01-01", "M");
	tu_register(f->fd, &p, 1);
	tu_patient(&p, "Gapley", "A", "1950-01-01", "M");
	tu_register(f->fd, &p, 1);
	for (int i = 0; i < 75; i++) {
		/* The same name, each born a day after the one before: each
		 * sorts after the last, before "Gapley, Zz". */
		char dob[32];
		snprintf(dob, sizeof dob, "1951-%02d-%02d", 1 + i / 28, 1 + i % 28);
		tu_patient(&p, "Gapley", "Bea", dob, "F");
		tu_register(f->fd, &p, 1);
	}
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) - count(DISTINCT sort_rank) FROM patients"),
			 0);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM patients WHERE sort_rank = 0"), 0);
	/* Token rows carry their patient's rank. */
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM patient_tokens t JOIN patients p "
					   "ON p.prow = t.prow WHERE t.rank != p.sort_rank"),
			 0);
	pages_match_truth(f, "gapley", 10);
}

/* A few rows imported among many patients are placed one by one through
 * the database; here each sorts just after the one before, before a
 * fixed neighbour, so the gap runs out and windows holding rows of the
 * same import are renumbered: every row, and every token row, must end
 * with the rank it really has. */
static void test_bulk_few_among_many(void **state)
{
	fixture_t *f = *state;
	int64_t made = 0;
	msg_t m;
	patient_t p;
	char *rows = malloc(80 * 64);
	size_t o = 0;
	assert_non_null(rows);
	assert_int_equal(synth_patients(f->him, 5200, 11, &made, &m), STATUS_OK);
	tu_patient(&p, "Gapley", "Zz", "1950-01-01", "M");
	tu_register(f->fd, &p, 1);
	tu_patient(&p, "Gapley", "A", "1950-01-01", "M");
	tu_register(f->fd, &p, 1);
	for (int i = 0; i < 75; i++)
		o += (size_t)snprintf(rows + o, 80 * 64 - o, "Gapley,Bea,,1951-%02d-%02d,F\n",
				      1 + i / 28, 1 + i % 28);
	import_rows(f, rows);
	free(rows);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM patients"), 5200 + 2 + 75);
	ranks_consistent(f);
	pages_match_truth(f, "gapley", 10);
	pages_match_truth(f, "gapley, bea", 20);
}

/* A load in many commits, written in parts, each sealed while the one
 * before is written (pbulk_load), with another user's registration
 * between two of them:
 * every row is there once, opens (its MAC and binding hold), has its MRN
 * of its own, its rank and its token rows. */
static void test_bulk_sealed_ahead(void **state)
{
	fixture_t *f = *state;
	int64_t made = 0;
	msg_t m;
	patient_t p;
	assert_int_equal(synth_patients_batched(f->him, 2500, 13, 300, 700, &made, &m), STATUS_OK);
	assert_int_equal(made, 2500);
	/* The load left its log checkpointed (the next user's commit must not
	 * copy it): every page is in the database file itself. Read before
	 * any other connection is opened. */
	{
		struct stat sb;
		assert_int_equal(stat(f->db, &sb), 0);
		assert_true(sb.st_size >= tu_sql_int(f->db, "PRAGMA page_count") *
						 tu_sql_int(f->db, "PRAGMA page_size"));
	}
	tu_patient(&p, "Between", "Batches", "1960-06-06", "F");
	tu_register(f->fd, &p, 1);
	assert_int_equal(synth_patients_batched(f->him, 2900, 14, 250, 600, &made, &m), STATUS_OK);
	assert_int_equal(made, 2900);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM patients"), 2500 + 1 + 2900);
	/* One audit entry a commit. A commit holds whole parts (a quarter
	 * of the most, at least a chunk) and never more than the most: 2500
	 * in parts of 300 (at most 700) is 600, 600, 600 and 300 + 300 + 100;
	 * 2900 in parts of 250 (at most 600) is 5 x 500 and 250 + 150. */
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM audit WHERE action = 'patient_import'"),
			 4 + 6);
	bulk_index_whole(f);
	pages_match_truth(f, "ma", 50);
	pages_match_truth(f, "sm", 50);
	{
		patient_list_t *l = NULL;
		assert_int_equal(patient_search(f->fd, "between, batches", 5, &l, &m), STATUS_OK);
		assert_int_equal(patient_list_count(l), 1);
		assert_string_equal(patient_list_row(l, 0)->mrn, p.f[PF_MRN]);
		patient_list_free(l);
	}
}

/* A writer in line (a shared lock on the database's directory, as a
 * waiting change takes) while such a load runs: every batch sealed ahead
 * stops at its first chunk, so the load commits a chunk at a time and the
 * writer would wait for no more than one. */
static void test_bulk_ahead_writer_waits(void **state)
{
	fixture_t *f = *state;
	int64_t made = 0;
	msg_t m;
	int fd = open(f->dir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_SH), 0);
	assert_int_equal(synth_patients_batched(f->him, 1000, 15, 200, 800, &made, &m), STATUS_OK);
	flock(fd, LOCK_UN);
	close(fd);
	assert_int_equal(made, 1000);
	/* 1000 in chunks of 200: five batches, not two of 800 and 200. */
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM audit WHERE action = 'patient_import'"),
			 5);
	ranks_consistent(f);
}

/* A producer of synthetic patients that fails (a bad row, as an import's
 * would) at patient `fail_at`. */
typedef struct failing {
	int64_t next, fail_at;
} failing_t;

static int failing_produce(void *arg, patient_t *p, msg_t *m)
{
	failing_t *g = arg;
	if (g->next == g->fail_at)
		return msg_fail(m, STATUS_INVALID, "row %lld is bad", (long long)g->next), -1;
	synth_patient(21, g->next++, p);
	return 1;
}

/* A load that fails part-way (the producer's failure found while the next
 * part is sealed ahead): it says so, what it committed stays whole (every
 * row with its rank and token rows, its count what *done says), and what
 * the open transaction held is rolled back, not half there. */
static void test_bulk_fails_midway(void **state)
{
	fixture_t *f = *state;
	int64_t done = -1;
	msg_t m;
	pbulk_t *b = NULL;
	failing_t g = {0, 1700};
	msg_clear(&m);
	assert_int_equal(pbulk_begin(f->him, "failing load", &b, &m), STATUS_OK);
	/* Parts of 300, commits of at most 700 (two parts each): rows 0..1199
	 * in two commits. Rows 1200..1499 are written into the open
	 * transaction while rows 1500.. are sealed ahead, which fails at row
	 * 1700: the open transaction is rolled back. */
	assert_int_equal(pbulk_load(b, failing_produce, &g, 3000, 300, 700, &done, &m), STATUS_INVALID);
	assert_non_null(strstr(m.text, "row 1700 is bad"));
	pbulk_abort(b);
	assert_int_equal(done, 1200);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM patients"), done);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM audit WHERE action = 'patient_import'"),
			 2);
	bulk_index_whole(f);
	pages_match_truth(f, "ma", 10);
}

/* One load of n rows from prod in parts of 300, at most max_rows a
 * commit, that must succeed: whether it wrote the file directly. */
static int load_ok(fixture_t *f, const char *what, pbulk_producer_fn prod, void *arg, int64_t n,
		   int64_t max_rows, int64_t *done)
{
	pbulk_t *b = NULL;
	msg_t m;
	int direct;
	msg_clear(&m);
	assert_int_equal(pbulk_begin(f->him, what, &b, &m), STATUS_OK);
	assert_int_equal(pbulk_load(b, prod, arg, n, 300, max_rows, done, &m), STATUS_OK);
	direct = pbulk_wrote_direct(b);
	pbulk_end(b);
	return direct;
}

/* After a load that wrote the file directly: back in WAL mode, no
 * rollback journal left, the file whole. */
static void direct_left_clean(fixture_t *f)
{
	char side[PATH_MAX + 16];
	struct stat sb;
	snprintf(side, sizeof side, "%s-journal", f->db);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM pragma_journal_mode "
					   "WHERE journal_mode = 'wal'"),
			 1);
	assert_int_equal(stat(side, &sb), -1);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM pragma_integrity_check "
					   "WHERE integrity_check = 'ok'"),
			 1);
}

/* A load into a database without patients that no other connection has
 * open writes the file directly (db_direct_write): afterwards the
 * database is back in WAL mode with no rollback journal left, whole, and
 * every row has its rank and token rows. A second load (there are
 * patients now) goes through the log. */
static void test_bulk_direct(void **state)
{
	fixture_t *f = *state;
	int64_t done = -1;
	failing_t g = {0, -1};
	assert_true(load_ok(f, "direct load", failing_produce, &g, 1500, 2000, &done));
	assert_int_equal(done, 1500);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM patients"), 1500);
	direct_left_clean(f);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM audit WHERE action = 'patient_import'"),
			 1);
	bulk_index_whole(f);
	pages_match_truth(f, "ma", 10);
	/* The next load: through the log, and the clinic's search still whole. */
	assert_false(load_ok(f, "second load", failing_produce, &g, 600, 2000, &done));
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM patients"), 2100);
	bulk_index_whole(f);
	pages_match_truth(f, "ma", 10);
}

/* Another connection has the (empty) database open: the load goes through
 * the log, as any load would, and is whole. */
static void test_bulk_direct_not_alone(void **state)
{
	fixture_t *f = *state;
	int64_t done = -1;
	failing_t g = {0, -1};
	sqlite3 *other = NULL;
	assert_int_equal(sqlite3_open(f->db, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL),
			 SQLITE_OK);
	assert_false(load_ok(f, "shared load", failing_produce, &g, 900, 2000, &done));
	sqlite3_close(other);
	assert_int_equal(done, 900);
	direct_left_clean(f);
	bulk_index_whole(f);
}

/* A direct load that fails part-way is rolled back whole: no patient, no
 * audit entry for it, the file whole and back in WAL mode with no journal
 * left; a load after it works. */
static void test_bulk_direct_fails(void **state)
{
	fixture_t *f = *state;
	int64_t done = -1;
	msg_t m;
	pbulk_t *b = NULL;
	failing_t g = {0, 1000};
	msg_clear(&m);
	assert_int_equal(pbulk_begin(f->him, "failing direct load", &b, &m), STATUS_OK);
	assert_int_equal(pbulk_load(b, failing_produce, &g, 1500, 300, 2000, &done, &m),
			 STATUS_INVALID);
	assert_true(pbulk_wrote_direct(b));
	assert_non_null(strstr(m.text, "row 1000 is bad"));
	pbulk_abort(b);
	assert_int_equal(done, 0);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM patients"), 0);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM patient_tokens"), 0);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM audit WHERE action = 'patient_import'"),
			 0);
	direct_left_clean(f);
	g.fail_at = -1;
	load_ok(f, "load again", failing_produce, &g, 700, 2000, &done);
	assert_int_equal(done, 700);
	bulk_index_whole(f);
}

/* Rows that no longer fit their gap are placed one by one through the
 * database, renumbering neighbours and their token rows; in a load, the
 * token rows of the parts before wait for the commit (kept in memory):
 * they go in first, so that the renumbering finds and moves them too.
 * Part one (300 x "Gapley, Bea", each its own birthday) fits between two
 * patients 1000 ranks apart; part two (300 more, born on the first's
 * day) all fall between two of part one's rows, 3 ranks apart. */
typedef struct gapgen {
	int64_t next;
} gapgen_t;

static int gap_produce(void *arg, patient_t *p, msg_t *m)
{
	gapgen_t *g = arg;
	char dob[16];
	(void)m;
	if (g->next >= 600)
		return 0;
	if (g->next < 300)
		snprintf(dob, sizeof dob, "19%02d-%02d-%02d", 20 + (int)(g->next / 28 / 12) % 80,
			 1 + (int)(g->next / 28) % 12, 1 + (int)(g->next % 28));
	else
		snprintf(dob, sizeof dob, "1920-01-01");
	tu_patient(p, "Gapley", "Bea", dob, "F");
	g->next++;
	return 1;
}

static void test_bulk_gap_in_load(void **state)
{
	fixture_t *f = *state;
	int64_t done = -1;
	gapgen_t g = {0};
	patient_t p;
	tu_patient(&p, "Gapley", "A", "1950-01-01", "M");
	tu_register(f->fd, &p, 1);
	tu_patient(&p, "Gapley", "Zz", "1950-01-01", "M");
	tu_register(f->fd, &p, 1);
	/* Zz 1000 ranks after A, its token rows too. */
	tu_sql(f->db, "UPDATE patient_tokens SET rank = (SELECT min(sort_rank) FROM patients) + 1000 "
		      "WHERE rank = (SELECT max(sort_rank) FROM patients)");
	tu_sql(f->db, "UPDATE patients SET sort_rank = (SELECT min(sort_rank) FROM patients) + 1000 "
		      "WHERE sort_rank = (SELECT max(sort_rank) FROM patients)");
	ranks_consistent(f);
	assert_false(load_ok(f, "gap load", gap_produce, &g, 600, 1000, &done)); /* there were patients */
	assert_int_equal(done, 600);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM patients"), 602);
	/* One commit. */
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM audit WHERE action = 'patient_import'"),
			 1);
	bulk_index_whole(f);
	pages_match_truth(f, "gapley", 50);
	pages_match_truth(f, "gapley, bea", 50);
}

/* A database as migration 011 leaves one that had patients: ranks 0 and
 * rank_pending. The search sorts what it finds; a later page is refused
 * with the way out; `keys reindex` orders it. */
static void test_migrated_database(void **state)
{
	fixture_t *f = *state;
	int64_t made = 0;
	msg_t m;
	patient_list_t *l = NULL, *l2 = NULL;
	reindex_progress_t rp;
	assert_int_equal(synth_patients(f->him, 2000, 9, &made, &m), STATUS_OK);
	tu_sql(f->db, "UPDATE patients SET sort_rank = 0");
	tu_sql(f->db, "UPDATE patient_tokens SET rank = 0");
	tu_sql(f->db, "INSERT INTO meta(key, value) VALUES ('rank_pending', '1')");
	f->c->rank_pending = 1;
	assert_int_equal(patient_search(f->fd, "ma", 20, &l, &m), STATUS_OK);
	assert_int_equal(patient_list_count(l), 20);
	assert_true(patient_list_more(l));
	assert_int_equal(patient_search_next(f->fd, "ma", 20, l, &l2, &m), STATUS_INVALID);
	assert_null(l2);
	assert_true(tu_has(m.text, "keys reindex"));
	assert_int_equal(patient_search_page(f->fd, "ma", 20, 2, NULL, &l2, &m), STATUS_INVALID);
	patient_list_free(l);
	assert_int_equal(reindex_all(f->admin, 0, 0, &rp, &m), STATUS_OK);
	assert_int_equal(rp.ranked, 2000);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM meta WHERE key = 'rank_pending'"), 0);
	assert_int_equal(tu_sql_int(f->db, "SELECT count(*) FROM patient_tokens WHERE rank = 0"), 0);
	pages_match_truth(f, "ma", 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pages_in_name_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_then_edit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gap_runs_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_sealed_ahead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_ahead_writer_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_fails_midway, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_direct, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_direct_not_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_direct_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_gap_in_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_few_among_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrated_database, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
