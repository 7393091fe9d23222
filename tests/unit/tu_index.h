/* tu_index.h - a test helper (static inline only) for the search index's
 * generations (core/pindex.h, core/reindex.h): make a patient's tokens
 * look as the first generation, before schema 010, left them. */
#ifndef CHARTROOM_TU_INDEX_H
#define CHARTROOM_TU_INDEX_H

#include "testutil.h"

#include "core/internal.h"
#include "core/pindex.h"
#include "core/precord.h"
#include "db/db_patients.h"

/* Row prow's tokens as generation 1 made them, under the newest index key
 * version: the tokens it holds now out, generation 1's in, with
 * generation 1's match set; with pre_sets, as a row from before match
 * sets (no set, every token in the index). The database then says it has
 * rows to re-make (meta reindex_after = 0), as migration 010 leaves an
 * old one. */
static inline void tu_index_legacy(session_t *s, int64_t prow, int pre_sets)
{
	db_patient_row_t *row = malloc(sizeof *row);
	patient_t *p = malloc(sizeof *p);
	ptokens_t *t = malloc(sizeof *t);
	int bytes = s->c->cfg->blind_index_bytes;
	size_t len = 0;
	msg_t m;
	assert_non_null(row);
	assert_non_null(p);
	assert_non_null(t);
	if (db_patient_get(s->c->db, prow, row, &m) != STATUS_OK ||
	    precord_open(s->kr, row, p, 0, 0, &m) != STATUS_OK ||
	    pindex_patient_stored(s->kr, CRYPTO_CURRENT, bytes, row->match, row->match_len, p, t,
				  &m) != STATUS_OK)
		fail_msg("patient row %lld: %s", (long long)prow, m.text);
	for (int i = 0; i < t->n; i++)
		assert_int_equal(db_token_delete(s->c->db, t->tok[i], prow, &m), STATUS_OK);
	assert_int_equal(pindex_patient_gen(s->kr, CRYPTO_CURRENT, bytes, PINDEX_GEN_LEGACY, p, t,
					    &m),
			 STATUS_OK);
	for (int i = 0; i < t->n; i++)
		if (pre_sets || pindex_family_indexed((pfamily_t)t->fam[i]))
			assert_int_equal(db_token_insert(s->c->db, t->tok[i], prow, &m), STATUS_OK);
	if (!pre_sets)
		len = pindex_match_set(t, row->match, sizeof row->match);
	assert_int_equal(db_patient_set_match(s->c->db, prow, row->match, len, &m), STATUS_OK);
	assert_int_equal(db_meta_set(s->c->db, "reindex_after", "0", &m), STATUS_OK);
	s->c->reindexing = 1;
	sodium_memzero(p, sizeof *p);
	free(row);
	free(p);
	free(t);
}

/* Does row prow hold exactly the tokens this generation makes for it
 * (in the index: the lookup families; in its match set: the mark)? */
static inline void tu_index_current(session_t *s, int64_t prow)
{
	db_patient_row_t *row = malloc(sizeof *row);
	patient_t *p = malloc(sizeof *p);
	ptokens_t *t = malloc(sizeof *t);
	int bytes = s->c->cfg->blind_index_bytes, indexed = 0, gen = 0;
	int64_t have = 0;
	msg_t m;
	assert_non_null(row);
	assert_non_null(p);
	assert_non_null(t);
	if (db_patient_get(s->c->db, prow, row, &m) != STATUS_OK ||
	    precord_open(s->kr, row, p, 0, 0, &m) != STATUS_OK ||
	    pindex_patient(s->kr, bytes, p, t, &m) != STATUS_OK)
		fail_msg("patient row %lld: %s", (long long)prow, m.text);
	assert_int_equal(pindex_row_gen(s->kr, CRYPTO_CURRENT, bytes, row->match, row->match_len,
					&gen, &m),
			 STATUS_OK);
	if (gen != PINDEX_GEN)
		fail_msg("row %lld: its match set is of generation %d", (long long)prow, gen);
	for (int i = 0; i < t->n; i++) {
		int exists = 0;
		assert_int_equal(db_token_exists(s->c->db, t->tok[i], prow, &exists, &m), STATUS_OK);
		if (exists != pindex_family_indexed((pfamily_t)t->fam[i]))
			fail_msg("row %lld: token %d (family %d) %s", (long long)prow, i, t->fam[i],
				 exists ? "in the index" : "missing");
		indexed += pindex_family_indexed((pfamily_t)t->fam[i]);
	}
	/* Nothing else: the index holds as many rows for it. */
	{
		sqlite3 *db = NULL;
		sqlite3_stmt *st = NULL;
		char sql[128];
		assert_int_equal(sqlite3_open_v2(db_path(s->c->db), &db, SQLITE_OPEN_READONLY, NULL),
				 SQLITE_OK);
		snprintf(sql, sizeof sql, "SELECT count(*) FROM patient_tokens WHERE prow = %lld",
			 (long long)prow);
		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		have = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		sqlite3_close(db);
	}
	if (have != indexed)
		fail_msg("row %lld: %lld index rows, %d expected", (long long)prow, (long long)have,
			 indexed);
	sodium_memzero(p, sizeof *p);
	free(row);
	free(p);
	free(t);
}

#endif
