/* test_perm.c - the role x action matrix (core/perm.h).
 *
 * The expected default matrix is written out here independently, from
 * ARCHITECTURE.md's role descriptions, and every cell is compared, so a
 * change to PERM_ACTIONS that grants or takes a permission by accident
 * fails here. */
#include "testutil.h"

#include "core/perm.h"

/* Columns: frontdesk, nurse, provider, him, privacy, admin. */
static const struct {
	const char *action;
	const char *roles; /* 6 characters, 'x' = allowed, '.' = not */
} expected[] = {
	/*                       F N P H V A */
	{"patient_search",      "xxxx.."},
	{"patient_view",        "xxxx.."},
	{"patient_register",    "x..x.."},
	{"patient_edit",        "x..x.."},
	{"patient_import",      "...x.."},
	{"view_confidential",   "..xx.."},
	{"encounter_checkin",   "x....."},
	{"encounter_close",     ".xx..."},
	{"clinical_view",       ".xxx.."},
	{"vitals_record",       ".xx..."},
	{"allergy_record",      ".xx..."},
	{"medication_record",   ".xx..."},
	{"problem_record",      "..x..."},
	{"note_write",          ".xx..."},
	{"note_sign",           "..x..."},
	{"coding_edit",         "..xx.."},
	{"coding_queue",        "...x.."},
	{"coding_finalize",     "...x.."},
	{"codeset_manage",      "...x.x"},
	{"him_records",         "...x.."},
	{"audit_view",          "....xx"},
	{"audit_verify",        "....xx"},
	{"privacy_review",      "....x."},
	{"audit_review",        "...xx."},
	{"btg_review",          "....x."},
	{"reports_view",        "...xxx"},
	{"user_manage",         ".....x"},
	{"policy_manage",       ".....x"},
	{"key_manage",          ".....x"},
	{"backup",              ".....x"},
	{"export_fhir",         "...x.."},
	{"export_deid",         "....xx"},
	{"roi_manage",          "...x.."},
	{"disclosure_add",      "...xx."},
	{"disclosure_view",     "...xx."},
	{"amendment_manage",    "...xx."},
	{"amendment_decide",    "....x."},
	{"chart_merge",         "...x.."},
	{"retention_propose",   "...x.."},
	{"retention_approve",   "....x."},
	{"legal_hold",          "...xx."},
};
#define NEXPECTED (sizeof expected / sizeof expected[0])

static const char *const role_names[] = {"frontdesk", "nurse", "provider", "him", "privacy", "admin"};

/* Actions that touch clinical content or need the clinical key. */
static const char *const clinical_actions[] = {
	"clinical_view", "vitals_record", "allergy_record", "medication_record", "problem_record",
	"note_write",    "note_sign",     "coding_edit",    "him_records",       "view_confidential",
	"encounter_close", "export_fhir",
};

static role_t role(const char *name)
{
	role_t r = perm_role_from_name(name);
	assert_int_not_equal(r, ROLE_COUNT);
	return r;
}

static action_t act(const char *name)
{
	action_t a = perm_action_from_name(name);
	if (a == ACT_COUNT)
		fail_msg("unknown action %s", name);
	return a;
}

static void test_expected_table_covers_every_action(void **state)
{
	(void)state;
	assert_int_equal(NEXPECTED, ACT_COUNT);
	assert_int_equal(sizeof role_names / sizeof role_names[0], ROLE_COUNT);
	/* Every action appears exactly once in the table. */
	for (int a = 0; a < ACT_COUNT; a++) {
		int seen = 0;
		for (size_t i = 0; i < NEXPECTED; i++)
			if (strcmp(expected[i].action, perm_action_name((action_t)a)) == 0)
				seen++;
		if (seen != 1)
			fail_msg("action %s appears %d times in the expected table",
				 perm_action_name((action_t)a), seen);
	}
}

static void test_default_matrix_every_cell(void **state)
{
	perm_matrix_t pm;
	int mismatches = 0;
	(void)state;
	perm_defaults(&pm);
	for (size_t i = 0; i < NEXPECTED; i++) {
		action_t a = act(expected[i].action);
		assert_int_equal(strlen(expected[i].roles), ROLE_COUNT);
		for (int r = 0; r < ROLE_COUNT; r++) {
			int want = expected[i].roles[r] == 'x';
			int got = perm_allowed(&pm, role(role_names[r]), a);
			if (want != got) {
				print_error("cell %s x %s: expected %d, got %d\n", role_names[r],
					    expected[i].action, want, got);
				mismatches++;
			}
		}
	}
	assert_int_equal(mismatches, 0);
}

static void test_frontdesk_has_no_clinical_action(void **state)
{
	perm_matrix_t pm;
	(void)state;
	perm_defaults(&pm);
	for (size_t i = 0; i < sizeof clinical_actions / sizeof clinical_actions[0]; i++)
		if (perm_allowed(&pm, ROLE_FRONTDESK, act(clinical_actions[i])))
			fail_msg("frontdesk may %s", clinical_actions[i]);
}

static void test_admin_has_no_patient_or_clinical_action(void **state)
{
	perm_matrix_t pm;
	(void)state;
	perm_defaults(&pm);
	for (int a = 0; a < ACT_COUNT; a++) {
		const char *n = perm_action_name((action_t)a);
		if (!perm_allowed(&pm, ROLE_ADMIN, (action_t)a))
			continue;
		if (strncmp(n, "patient_", 8) == 0 || strncmp(n, "encounter_", 10) == 0)
			fail_msg("admin may %s", n);
		for (size_t i = 0; i < sizeof clinical_actions / sizeof clinical_actions[0]; i++)
			if (strcmp(n, clinical_actions[i]) == 0)
				fail_msg("admin may %s", n);
	}
	/* ... but does hold what an administrator is for. */
	assert_true(perm_allowed(&pm, ROLE_ADMIN, ACT_USER_MANAGE));
	assert_true(perm_allowed(&pm, ROLE_ADMIN, ACT_KEY_MANAGE));
}

static void test_role_domains(void **state)
{
	perm_matrix_t pm;
	const unsigned demo = DOMAIN_BIT(DOMAIN_DEMO), clin = DOMAIN_BIT(DOMAIN_CLIN),
		       audit = DOMAIN_BIT(DOMAIN_AUDIT);
	(void)state;
	perm_defaults(&pm);
	/* SECURITY.md: a front-desk user has no wrap of clin. */
	assert_int_equal(perm_role_domains(&pm, ROLE_FRONTDESK), demo | audit);
	assert_int_equal(perm_role_domains(&pm, ROLE_NURSE), demo | clin | audit);
	assert_int_equal(perm_role_domains(&pm, ROLE_PROVIDER), demo | clin | audit);
	assert_int_equal(perm_role_domains(&pm, ROLE_HIM), demo | clin | audit);
	assert_int_equal(perm_role_domains(&pm, ROLE_PRIVACY), demo | audit);
	/* Issue 10: the administrator holds no clinical key by default. */
	assert_int_equal(perm_role_domains(&pm, ROLE_ADMIN), demo | audit);
	assert_false(perm_role_domains(&pm, ROLE_ADMIN) & clin);
}

/* Changes relative to the matrix in force (the database's policy), and the
 * canonical list a role's actions are stored as. */
static void test_apply_change_and_list(void **state)
{
	perm_matrix_t pm, back;
	char buf[1024];
	msg_t m;
	(void)state;
	perm_defaults(&pm);
	assert_int_equal(perm_apply_override(&pm, ROLE_NURSE, "+encounter_checkin", &m), STATUS_OK);
	/* +/- build on what the role has now, not on the defaults. */
	assert_int_equal(perm_apply_change(&pm, ROLE_NURSE, "-vitals_record", &m), STATUS_OK);
	assert_true(perm_allowed(&pm, ROLE_NURSE, ACT_ENCOUNTER_CHECKIN));
	assert_false(perm_allowed(&pm, ROLE_NURSE, ACT_VITALS_RECORD));
	perm_role_list(&pm, ROLE_NURSE, buf, sizeof buf);
	assert_true(tu_has(buf, "encounter_checkin"));
	assert_false(tu_has(buf, "vitals_record"));
	assert_true(tu_has(buf, "patient_search, patient_view"));
	/* The list read back as a [roles] value gives the same role. */
	perm_defaults(&back);
	assert_int_equal(perm_apply_override(&back, ROLE_NURSE, buf, &m), STATUS_OK);
	assert_int_equal(back.allowed[ROLE_NURSE], pm.allowed[ROLE_NURSE]);
	assert_int_equal(perm_apply_change(&pm, ROLE_NURSE, "none", &m), STATUS_OK);
	perm_role_list(&pm, ROLE_NURSE, buf, sizeof buf);
	assert_string_equal(buf, "none");
	assert_int_equal(perm_apply_change(&pm, ROLE_NURSE, "+nope", &m), STATUS_CONFIG);
	assert_int_equal(perm_apply_change(&pm, ROLE_COUNT, "+note_sign", &m), STATUS_CONFIG);
}

static void test_role_domains_follow_overrides(void **state)
{
	perm_matrix_t pm;
	msg_t m;
	(void)state;
	perm_defaults(&pm);
	/* Every role needs the audit key, even with no actions at all. */
	assert_int_equal(perm_apply_override(&pm, ROLE_NURSE, "none", &m), STATUS_OK);
	assert_int_equal(perm_role_domains(&pm, ROLE_NURSE), DOMAIN_BIT(DOMAIN_AUDIT));
	/* Granting a clinical action to the front desk brings the clin key. */
	assert_int_equal(perm_apply_override(&pm, ROLE_FRONTDESK, "+clinical_view", &m), STATUS_OK);
	assert_true(perm_role_domains(&pm, ROLE_FRONTDESK) & DOMAIN_BIT(DOMAIN_CLIN));
}

static void test_role_names(void **state)
{
	(void)state;
	for (int r = 0; r < ROLE_COUNT; r++) {
		assert_string_equal(perm_role_name((role_t)r), role_names[r]);
		assert_int_equal(perm_role_from_name(role_names[r]), r);
		assert_true(strlen(perm_role_desc((role_t)r)) > 0);
	}
	assert_int_equal(perm_role_from_name("doctor"), ROLE_COUNT);
	assert_int_equal(perm_role_from_name("Admin"), ROLE_COUNT); /* names are exact */
	assert_int_equal(perm_role_from_name(""), ROLE_COUNT);
	assert_int_equal(perm_role_from_name(NULL), ROLE_COUNT);
	assert_string_equal(perm_role_name(ROLE_COUNT), "?");
	assert_string_equal(perm_role_desc(ROLE_COUNT), "?");
}

static void test_action_names(void **state)
{
	(void)state;
	for (int a = 0; a < ACT_COUNT; a++) {
		assert_int_equal(perm_action_from_name(perm_action_name((action_t)a)), a);
		assert_true(strlen(perm_action_desc((action_t)a)) > 0);
	}
	assert_int_equal(perm_action_from_name("fly"), ACT_COUNT);
	assert_int_equal(perm_action_from_name("patient_search "), ACT_COUNT);
	assert_int_equal(perm_action_from_name(NULL), ACT_COUNT);
	assert_string_equal(perm_action_name(ACT_COUNT), "?");
	/* Out-of-range questions are answered "no", never read past the table. */
	{
		perm_matrix_t pm;
		perm_defaults(&pm);
		assert_false(perm_allowed(&pm, ROLE_COUNT, ACT_PATIENT_SEARCH));
		assert_false(perm_allowed(&pm, ROLE_ADMIN, ACT_COUNT));
	}
}

static void test_override_add_remove_replace(void **state)
{
	perm_matrix_t pm, def;
	msg_t m;
	(void)state;
	perm_defaults(&def);

	perm_defaults(&pm);
	assert_int_equal(perm_apply_override(&pm, ROLE_NURSE, "+encounter_checkin", &m), STATUS_OK);
	assert_true(perm_allowed(&pm, ROLE_NURSE, ACT_ENCOUNTER_CHECKIN));
	assert_int_equal(pm.allowed[ROLE_NURSE],
			 def.allowed[ROLE_NURSE] | (1ull << ACT_ENCOUNTER_CHECKIN));

	perm_defaults(&pm);
	assert_int_equal(perm_apply_override(&pm, ROLE_NURSE, "-vitals_record", &m), STATUS_OK);
	assert_false(perm_allowed(&pm, ROLE_NURSE, ACT_VITALS_RECORD));
	assert_int_equal(pm.allowed[ROLE_NURSE],
			 def.allowed[ROLE_NURSE] & ~(1ull << ACT_VITALS_RECORD));

	/* A list of bare names replaces, separated by commas and/or spaces. */
	perm_defaults(&pm);
	assert_int_equal(perm_apply_override(&pm, ROLE_NURSE, "patient_search, clinical_view", &m),
			 STATUS_OK);
	assert_int_equal(pm.allowed[ROLE_NURSE],
			 (1ull << ACT_PATIENT_SEARCH) | (1ull << ACT_CLINICAL_VIEW));

	/* "none" empties. */
	perm_defaults(&pm);
	assert_int_equal(perm_apply_override(&pm, ROLE_HIM, "none", &m), STATUS_OK);
	assert_int_equal(pm.allowed[ROLE_HIM], 0);

	/* Other roles are untouched by all of that. */
	for (int r = 0; r < ROLE_COUNT; r++)
		if (r != ROLE_HIM)
			assert_int_equal(pm.allowed[r], def.allowed[r]);
}

static void test_override_errors(void **state)
{
	perm_matrix_t pm, def;
	msg_t m;
	(void)state;
	perm_defaults(&def);
	perm_defaults(&pm);

	assert_int_equal(perm_apply_override(&pm, ROLE_NURSE, "clinical_view, +vitals_record", &m),
			 STATUS_CONFIG);
	assert_true(tu_has(m.text, "mix"));
	assert_int_equal(perm_apply_override(&pm, ROLE_NURSE, "none -vitals_record", &m),
			 STATUS_CONFIG);
	assert_true(tu_has(m.text, "mix"));

	assert_int_equal(perm_apply_override(&pm, ROLE_NURSE, "+fly_to_the_moon", &m), STATUS_CONFIG);
	assert_true(tu_has(m.text, "fly_to_the_moon"));
	assert_int_equal(perm_apply_override(&pm, ROLE_NURSE, "clinical_view bogus", &m),
			 STATUS_CONFIG);
	assert_true(tu_has(m.text, "'bogus'"));

	/* A refused override changes nothing. */
	for (int r = 0; r < ROLE_COUNT; r++)
		assert_int_equal(pm.allowed[r], def.allowed[r]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expected_table_covers_every_action),
		cmocka_unit_test(test_default_matrix_every_cell),
		cmocka_unit_test(test_frontdesk_has_no_clinical_action),
		cmocka_unit_test(test_admin_has_no_patient_or_clinical_action),
		cmocka_unit_test(test_role_domains),
		cmocka_unit_test(test_role_domains_follow_overrides),
		cmocka_unit_test(test_apply_change_and_list),
		cmocka_unit_test(test_role_names),
		cmocka_unit_test(test_action_names),
		cmocka_unit_test(test_override_add_remove_replace),
		cmocka_unit_test(test_override_errors),
	};
	return cmocka_run_group_tests_name("perm", tests, NULL, NULL);
}
