/* db_ptables.h - the one registry of every patient-bound table: each
 * (table, column) that ties a row to a patient or an encounter, what a
 * chart merge does with its rows (core/merge_plan.c builds its plan from
 * it) and which rows the destruction of a chart removes
 * (db_retention.c db_chart_destroy walks it). A header only: there is no
 * code to own, just the list.
 *
 * A migration that adds a table with a prow or erow column, or a foreign
 * key to patients or encounters, must add a line here: the unit tests
 * test_merge_plan (every column, core/merge_plan.c merge_plan_check) and
 * test_retention (every table, db_patient_tables_unlisted) compare the
 * list with the schema and fail naming the table.
 *
 * X(table, column, merge, destroy, why):
 *   merge   - a token core pastes after MERGE_ (core/merge_plan.h says what
 *             each means); db never interprets it.
 *   destroy - the condition that picks a patient's rows for destruction
 *             (?1: the patient's prow), or DB_PT_OTHER when another line of
 *             the same table removes them, or DB_PT_KEPT when
 *             db_chart_destroy leaves the table alone: audit data the
 *             chain needs (row numbers only), and the merge journal, whose
 *             merges of the chart the destruction removes first
 *             (db_merge.h db_merge_forget).
 *   why     - one line for the README and reports.
 * The lines are in destruction order: children before parents. */
#ifndef CHARTROOM_DB_PTABLES_H
#define CHARTROOM_DB_PTABLES_H

#define DB_PATIENT_ROWS   "prow = ?1"
#define DB_ENCOUNTER_ROWS "erow IN (SELECT erow FROM encounters WHERE prow = ?1)"
#define DB_PAIR_ROWS      "prow_a = ?1 OR prow_b = ?1"
#define DB_PT_OTHER       NULL
#define DB_PT_KEPT        ""

#define DB_PATIENT_REGISTRY(X)                                                                     \
	X("encounter_dx", "erow", FOLLOWS_ENCOUNTER, DB_ENCOUNTER_ROWS,                            \
	  "coding goes with its encounter")                                                        \
	X("encounter_px", "erow", FOLLOWS_ENCOUNTER, DB_ENCOUNTER_ROWS,                            \
	  "coding goes with its encounter")                                                        \
	X("vitals", "prow", MOVE, DB_PATIENT_ROWS, "clinical rows move")                           \
	X("vitals", "erow", FOLLOWS_ENCOUNTER, DB_PT_OTHER, "vitals stay on their encounter")      \
	X("notes", "prow", MOVE, DB_PATIENT_ROWS, "signed notes move with their text unchanged")   \
	X("notes", "erow", FOLLOWS_ENCOUNTER, DB_PT_OTHER, "a note stays on its encounter")        \
	X("allergies", "prow", MOVE, DB_PATIENT_ROWS, "clinical rows move")                        \
	X("allergy_review", "prow", ONE_PER_PATIENT, DB_PATIENT_ROWS,                              \
	  "one per chart: moves only when the survivor has none")                                  \
	X("medications", "prow", MOVE, DB_PATIENT_ROWS, "clinical rows move")                      \
	X("problems", "prow", MOVE, DB_PATIENT_ROWS, "clinical rows move")                         \
	X("btg_review", "prow", STAYS_LINKED, DB_PATIENT_ROWS,                                     \
	  "append-only findings about those accesses")                                             \
	X("btg_queue", "prow", STAYS_LINKED, DB_PATIENT_ROWS,                                      \
	  "an access to the retired chart as it happened; reviewed as such")                       \
	X("recent_patients", "prow", DERIVED, DB_PATIENT_ROWS,                                     \
	  "a recently opened retired chart opens with the merged-into notice")                     \
	X("disclosures", "prow", STAYS_LINKED, DB_PATIENT_ROWS,                                    \
	  "append-only by law: the survivor's accounting includes them through the link")          \
	X("rights_requests", "prow", STAYS_LINKED, DB_PATIENT_ROWS,                                \
	  "append-only request events; listed for the survivor through the link")                  \
	X("deficiency_reminders", "prow", MOVE, DB_PATIENT_ROWS,                                   \
	  "reminders follow the rows they are about")                                              \
	X("chart_tracking", "prow", STAYS_LINKED, DB_PATIENT_ROWS,                                 \
	  "append-only MAC chain of the retired chart's paper volumes")                            \
	X("retention_events", "prow", STAYS_LINKED, DB_PATIENT_ROWS,                               \
	  "holds and proposals: an append-only chain per chart")                                   \
	X("patient_identifiers", "prow", MOVE, DB_PATIENT_ROWS,                                    \
	  "external identifiers move; one the survivor holds already (same system and value) "    \
	  "stays with the retired chart")                                                          \
	X("procedure_history", "prow", MOVE, DB_PATIENT_ROWS, "the procedure history moves")       \
	X("dup_candidates", "prow_a", PAIR, DB_PAIR_ROWS, "the merged pair leaves the worklist")   \
	X("dup_candidates", "prow_b", PAIR, DB_PT_OTHER, "the merged pair leaves the worklist")    \
	X("dup_not_same", "prow_a", PAIR, DB_PAIR_ROWS, "do-not-link decisions stay as made")      \
	X("dup_not_same", "prow_b", PAIR, DB_PT_OTHER, "do-not-link decisions stay as made")       \
	X("patient_tokens", "prow", DERIVED, DB_PATIENT_ROWS,                                      \
	  "the retired chart stays findable by MRN and name, to say where it went")                \
	X("chart_heads", "prow", DERIVED, DB_PATIENT_ROWS,                                         \
	  "both charts' heads are rewritten by the merge")                                         \
	X("encounters", "prow", MOVE, DB_PATIENT_ROWS, "clinical rows move")                       \
	X("audit_listed", "prow", STAYS_LINKED, DB_PT_KEPT,                                        \
	  "audit data under the chain: the searches that listed the retired chart stay its own")   \
	X("merges", "keep_prow", JOURNAL, DB_PT_KEPT, "the merge journal: the chart kept")         \
	X("merges", "retire_prow", JOURNAL, DB_PT_KEPT, "the merge journal: the chart retired")    \
	X("patients", "prow", PATIENT_ROW, DB_PATIENT_ROWS,                                        \
	  "the retired row is kept; the journal marks it")

#endif
