/* test_clinical.c - core/clinical.h: check-in with a reason for visit the
 * front desk can write but not read, encounters, vitals (plausibility
 * limits with the reason, units, BMI from this or an earlier height),
 * allergies with an explicit "no known allergies", medications, problems
 * (ICD-10-CM shape, stored without the dot), notes (draft, sign, only the
 * author edits, versions, addenda, signed notes final even to raw SQL,
 * deficiencies), permissions by role, the audit entries every view and
 * change writes, and PHI at rest: no canary in the database files, and a
 * front-desk keyring cannot decrypt clinical rows read straight from the
 * file while a nurse's can.
 *
 * One clinic database for the group; each test registers its own patient
 * (and encounter) so tests do not depend on one another. */
#include "testutil.h"

#include <math.h>
#include <time.h>

#include "core/clinical.h"
#include "core/internal.h"

#define NURSE2_PW "nurse two password clinical"

typedef struct fixture {
	tu_clinic_t t;
	session_t *nurse2;
	int npatients;
} fixture_t;

static int group_setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	assert_non_null(f);
	tu_clinic_up(&f->t, TU_R_FD | TU_R_NURSE | TU_R_PROV | TU_R_HIM);
	tu_add_user(f->t.admin, "nurse2", "nurse", NURSE2_PW);
	f->nurse2 = tu_login(f->t.c, "nurse2", NURSE2_PW);
	*state = f;
	return 0;
}

static int group_teardown(void **state)
{
	fixture_t *f = *state;
	session_logout(f->nurse2);
	tu_clinic_down(&f->t);
	free(f);
	return 0;
}

/* A new patient registered by the front desk; its id into id. */
static void new_patient(fixture_t *f, const char *last, char id[33], patient_t *out)
{
	patient_t p;
	char dob[16];
	snprintf(dob, sizeof dob, "19%02d-03-%02d", 40 + f->npatients % 50, 1 + f->npatients % 28);
	f->npatients++;
	tu_patient(&p, last, "Pat", dob, "F");
	tu_register(f->t.fd, &p, 1);
	snprintf(id, 33, "%s", p.id);
	if (out)
		*out = p;
}

/* Check the patient in (front desk) with a provider visit. */
static int64_t new_encounter(fixture_t *f, const char *pid, const char *reason)
{
	int64_t erow = 0;
	msg_t m;
	status_t st = encounter_checkin(f->t.fd, pid, "office visit", "prov1", "Room 3", reason, &erow,
					&m);
	if (st != STATUS_OK)
		fail_msg("check-in: %s", m.text);
	assert_true(erow > 0);
	return erow;
}

/* ---- encounters -------------------------------------------------------- */

static void test_encounter_types(void **state)
{
	fixture_t *f = *state;
	char buf[48];
	static const char *const want[] = {"office visit", "telephone",  "procedure",
					   "nurse visit",  "follow-up", "annual exam"};
	for (int i = 0; i < 6; i++) {
		assert_int_equal(encounter_type(f->t.cfg, i, buf, sizeof buf), 1);
		assert_string_equal(buf, want[i]);
	}
	assert_int_equal(encounter_type(f->t.cfg, 6, buf, sizeof buf), 0);
	assert_int_equal(encounter_type(f->t.cfg, 0, buf, 5), 1); /* cut to fit */
	assert_string_equal(buf, "offi");
}

static void test_checkin_reason_sealed_from_front_desk(void **state)
{
	fixture_t *f = *state;
	char pid[33], sql[200], eid[40];
	const char *reason = "Crushing chest pain since this morning";
	encounter_info_t e;
	msg_t m;
	int64_t erow, checkins = tu_audit_count(f->t.db, "encounter_checkin", "fd1");
	unsigned char *blob;
	size_t blen;
	char *plain = NULL;
	size_t plen = 0;

	new_patient(f, "Sealwright", pid, NULL);
	erow = new_encounter(f, pid, reason);
	assert_int_equal(tu_audit_count(f->t.db, "encounter_checkin", "fd1"), checkins + 1);

	/* The front desk wrote it but may not read the encounter back ... */
	memset(&e, 0, sizeof e);
	assert_int_equal(encounter_get(f->t.fd, erow, &e, &m), STATUS_DENIED);
	assert_string_equal(e.reason, "");
	/* ... a nurse reads the reason and everything else. */
	assert_int_equal(encounter_get(f->t.nurse, erow, &e, &m), STATUS_OK);
	assert_int_equal(e.erow, erow);
	assert_string_equal(e.patient_id, pid);
	assert_string_equal(e.reason, reason);
	assert_string_equal(e.type, "office visit");
	assert_string_equal(e.provider, "prov1");
	assert_string_equal(e.location, "Room 3");
	assert_string_equal(e.status, "open");
	assert_string_equal(e.created_by, "fd1");
	assert_int_equal(strlen(e.start), 20);

	/* In the file: ciphertext only, bound to its row. */
	snprintf(sql, sizeof sql, "SELECT id FROM encounters WHERE erow = %lld", (long long)erow);
	tu_sql_text(f->t.db, sql, eid, sizeof eid);
	{
		sqlite3 *raw = tu_sql_open(f->t.db);
		sqlite3_stmt *st = NULL;
		snprintf(sql, sizeof sql, "SELECT reason FROM encounters WHERE erow = %lld",
			 (long long)erow);
		assert_int_equal(sqlite3_prepare_v2(raw, sql, -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		blen = (size_t)sqlite3_column_bytes(st, 0);
		blob = malloc(blen);
		assert_non_null(blob);
		memcpy(blob, sqlite3_column_blob(st, 0), blen);
		sqlite3_finalize(st);
		sqlite3_close(raw);
	}
	assert_false(tu_contains(blob, blen, "chest", 5));
	{
		crypto_bind_t bind = {"encounters", "reason", eid, pid, eid, NULL};
		char other[33];
		assert_int_equal(crypto_unseal_text(f->t.nurse->kr, DOMAIN_CLIN, &bind, 0, blob, blen,
						    &plain, &plen, &m),
				 STATUS_OK);
		assert_string_equal(plain, reason);
		crypto_free_plain(plain, plen);
		/* Sealed to this encounter and this chart: opening it as another
		 * row, or as another patient's, fails. */
		snprintf(other, sizeof other, "%s", pid);
		other[0] = other[0] == 'a' ? 'b' : 'a';
		bind.patient_id = other;
		assert_int_equal(crypto_unseal_text(f->t.nurse->kr, DOMAIN_CLIN, &bind, 0, blob, blen,
						    &plain, &plen, &m),
				 STATUS_INTEGRITY);
		assert_null(plain);
		bind.patient_id = pid;
		eid[0] = eid[0] == 'a' ? 'b' : 'a';
		bind.encounter_id = eid;
		assert_int_equal(crypto_unseal_text(f->t.nurse->kr, DOMAIN_CLIN, &bind, 0, blob, blen,
						    &plain, &plen, &m),
				 STATUS_INTEGRITY);
		assert_null(plain);
	}
	free(blob);

	/* Without a reason, none is stored. */
	erow = new_encounter(f, pid, "");
	assert_int_equal(encounter_get(f->t.nurse, erow, &e, &m), STATUS_OK);
	assert_string_equal(e.reason, "");
	snprintf(sql, sizeof sql, "SELECT reason IS NULL FROM encounters WHERE erow = %lld",
		 (long long)erow);
	assert_int_equal(tu_sql_int(f->t.db, sql), 1);
}

/* Someone with the file moves one encounter's sealed reason onto another,
 * or alters a byte: the read is an integrity error naming the encounter
 * (never the other patient's reason, never garbage, never a crash), and
 * the failure is on record. */
static void test_tampered_reason_reported_not_shown(void **state)
{
	fixture_t *f = *state;
	char pid[33], pid2[33], sql[256], where[64];
	int64_t mine, theirs;
	encounter_info_t e;
	msg_t m;
	new_patient(f, "Tamperton", pid, NULL);
	new_patient(f, "Othersby", pid2, NULL);
	mine = new_encounter(f, pid, "Sprained left ankle");
	theirs = new_encounter(f, pid2, "Confidential counselling follow-up");
	snprintf(sql, sizeof sql,
		 "UPDATE encounters SET reason = (SELECT reason FROM encounters WHERE erow = %lld) "
		 "WHERE erow = %lld",
		 (long long)theirs, (long long)mine);
	tu_sql(f->t.db, sql);
	for (int i = 0; i < 20; i++) {
		char want[64];
		memset(&e, 0, sizeof e);
		assert_int_equal(encounter_get(f->t.nurse, mine, &e, &m), STATUS_INTEGRITY);
		assert_string_equal(e.reason, "");
		snprintf(want, sizeof want, "encounters record %lld", (long long)mine);
		if (!tu_has(m.text, want) || !tu_has(m.text, "Integrity check failed"))
			fail_msg("%s", m.text);
		assert_false(tu_has(m.text, "counselling"));
	}
	assert_true(tu_audit_count(f->t.db, "integrity_fail", "nurse1") >= 20);
	assert_int_equal(encounter_get(f->t.nurse, theirs, &e, &m), STATUS_OK);
	assert_string_equal(e.reason, "Confidential counselling follow-up");
	snprintf(where, sizeof where, "erow = %lld", (long long)theirs);
	tu_sql_flip_blob(f->t.db, "encounters", "reason", where, 40);
	for (int i = 0; i < 20; i++) {
		memset(&e, 0, sizeof e);
		assert_int_equal(encounter_get(f->t.prov, theirs, &e, &m), STATUS_INTEGRITY);
		assert_string_equal(e.reason, "");
	}
}

/* A front-desk role that was given clinical_view in the configuration
 * still holds no clin key: it sees the encounter, never the reason. */
static void test_reason_empty_without_clin_key(void **state)
{
	fixture_t *f = *state;
	config_t *cfg2 = malloc(sizeof *cfg2);
	clinic_t *c2;
	session_t *s;
	encounter_info_t e;
	char pid[33];
	int64_t erow;
	msg_t m;
	assert_non_null(cfg2);
	*cfg2 = *f->t.cfg;
	assert_int_equal(perm_apply_override(&cfg2->perms, ROLE_FRONTDESK, "+clinical_view", &m),
			 STATUS_OK);
	new_patient(f, "Keylessby", pid, NULL);
	erow = new_encounter(f, pid, "Follow-up of wound infection");

	c2 = tu_clinic_open(f->t.db, cfg2);
	s = tu_login(c2, "fd1", TU_FD_PW);
	assert_false(keyring_has(s->kr, DOMAIN_CLIN));
	assert_int_equal(encounter_get(s, erow, &e, &m), STATUS_OK);
	assert_string_equal(e.type, "office visit");
	assert_string_equal(e.reason, "");
	session_logout(s);
	clinic_close(c2);
	free(cfg2);
}

static void test_checkin_validation(void **state)
{
	fixture_t *f = *state;
	char pid[33], ctrl[] = "Cough\x1b[2J";
	int64_t erow = -1, before;
	msg_t m;
	new_patient(f, "Checkinson", pid, NULL);
	before = tu_sql_int(f->t.db, "SELECT count(*) FROM encounters");
	assert_int_equal(encounter_checkin(f->t.fd, pid, "x-ray", "prov1", "Room 3", "", &erow, &m),
			 STATUS_INVALID);
	assert_true(tu_has(m.text, "'x-ray' is not an encounter type here"));
	assert_int_equal(erow, 0);
	assert_int_equal(encounter_checkin(f->t.fd, pid, "office visit", "nurse1", "Room 3", "",
					   &erow, &m),
			 STATUS_INVALID);
	assert_true(tu_has(m.text, "nurse1 is not an active provider"));
	assert_int_equal(encounter_checkin(f->t.fd, pid, "office visit", "nobody", "Room 3", "",
					   &erow, &m),
			 STATUS_INVALID);
	assert_int_equal(encounter_checkin(f->t.fd, pid, "office visit", "", "Room 3", "", &erow, &m),
			 STATUS_INVALID);
	assert_true(tu_has(m.text, "Choose the provider"));
	assert_int_equal(encounter_checkin(f->t.fd, pid, "office visit", "prov1", "  ", "", &erow,
					   &m),
			 STATUS_INVALID);
	assert_true(tu_has(m.text, "Location is required."));
	assert_int_equal(encounter_checkin(f->t.fd, pid, "office visit", "prov1", "Room 3", ctrl,
					   &erow, &m),
			 STATUS_INVALID);
	assert_true(tu_has(m.text, "Reason for visit contains a control character (U+001B)."));
	assert_int_equal(encounter_checkin(f->t.fd, "CR99999990", "office visit", "prov1", "Room 3",
					   "", &erow, &m),
			 STATUS_NOTFOUND);
	/* Only the front desk checks in. */
	assert_int_equal(encounter_checkin(f->t.nurse, pid, "office visit", "prov1", "Room 3", "",
					   &erow, &m),
			 STATUS_DENIED);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM encounters"), before);
	/* The type is matched without regard to case and stored as listed. */
	assert_int_equal(encounter_checkin(f->t.fd, pid, "Annual Exam", "prov1", "Room 3", "", &erow,
					   &m),
			 STATUS_OK);
	{
		encounter_info_t e;
		assert_int_equal(encounter_get(f->t.nurse, erow, &e, &m), STATUS_OK);
		assert_string_equal(e.type, "annual exam");
	}
}

typedef struct enc_seen {
	int n;
	int64_t erow[8];
	char status[8][12];
} enc_seen_t;

static int enc_collect(const encounter_info_t *e, void *arg)
{
	enc_seen_t *s = arg;
	if (s->n < 8) {
		s->erow[s->n] = e->erow;
		snprintf(s->status[s->n], sizeof s->status[0], "%s", e->status);
	}
	s->n++;
	return 0;
}

static void test_encounter_close_and_list(void **state)
{
	fixture_t *f = *state;
	char pid[33];
	int64_t e1, e2;
	enc_seen_t seen = {0};
	encounter_info_t e;
	msg_t m;
	new_patient(f, "Closewell", pid, NULL);
	e1 = new_encounter(f, pid, "first");
	e2 = new_encounter(f, pid, "second");
	assert_int_equal(encounter_close(f->t.fd, e1, &m), STATUS_DENIED);
	assert_int_equal(encounter_close(f->t.nurse, e1, &m), STATUS_OK);
	assert_int_equal(encounter_get(f->t.prov, e1, &e, &m), STATUS_OK);
	assert_string_equal(e.status, "closed");
	assert_string_equal(e.closed_by, "nurse1");
	assert_int_equal(strlen(e.closed_at), 20);
	assert_int_equal(encounter_close(f->t.prov, e1, &m), STATUS_CONFLICT);
	assert_true(tu_has(m.text, "is not open"));
	assert_int_equal(encounter_close(f->t.prov, 999999, &m), STATUS_NOTFOUND);
	/* Newest first. */
	assert_int_equal(encounter_list(f->t.nurse, pid, enc_collect, &seen, &m), STATUS_OK);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.erow[0], e2);
	assert_string_equal(seen.status[0], "open");
	assert_int_equal(seen.erow[1], e1);
	assert_string_equal(seen.status[1], "closed");
	assert_int_equal(encounter_list(f->t.fd, pid, enc_collect, &seen, &m), STATUS_DENIED);
	assert_int_equal(encounter_get(f->t.nurse, 999999, &e, &m), STATUS_NOTFOUND);
}

/* ---- vitals ------------------------------------------------------------ */

typedef struct vit_seen {
	int n;
	vitals_row_t v[8];
} vit_seen_t;

static int vit_collect(const vitals_row_t *v, void *arg)
{
	vit_seen_t *s = arg;
	if (s->n < 8)
		s->v[s->n] = *v;
	s->n++;
	return 0;
}

static void expect_vitals_refused(fixture_t *f, int64_t erow, const vitals_input_t *in,
				  const char *field, const char *why)
{
	const char *bad = "unset";
	msg_t m;
	msg_clear(&m);
	if (vitals_record(f->t.nurse, erow, in, &bad, &m) != STATUS_INVALID)
		fail_msg("vitals for %s were accepted", field);
	if (field)
		assert_non_null(bad);
	if (field && strcmp(bad, field) != 0)
		fail_msg("refused vitals name field '%s', expected '%s' (%s)", bad, field, m.text);
	if (!field)
		assert_null(bad);
	if (!tu_has(m.text, why))
		fail_msg("\"%s\" does not say \"%s\"", m.text, why);
}

static void test_vitals_refused_when_implausible(void **state)
{
	fixture_t *f = *state;
	char pid[33];
	int64_t erow, before;
	const char *bad;
	msg_t m;
	vitals_input_t in;
	new_patient(f, "Vitalstein", pid, NULL);
	erow = new_encounter(f, pid, "");
	before = tu_sql_int(f->t.db, "SELECT count(*) FROM vitals");

#define ONLY(field, value)                     \
	do {                                   \
		memset(&in, 0, sizeof in);     \
		in.field = value;              \
	} while (0)
	ONLY(pulse, "700");
	expect_vitals_refused(f, erow, &in, "pulse", "Pulse 700 is not plausible (20 to 250");
	ONLY(pulse, "19");
	expect_vitals_refused(f, erow, &in, "pulse", "Pulse 19 is not plausible");
	ONLY(pulse, "72.5");
	expect_vitals_refused(f, erow, &in, "pulse", "Pulse '72.5' is not a whole number.");
	ONLY(pulse, "fast");
	expect_vitals_refused(f, erow, &in, "pulse", "is not a whole number");
	ONLY(temp, "9");
	expect_vitals_refused(f, erow, &in, "temp", "Temperature 9F is not plausible (85 to 110F)");
	ONLY(temp, "38.5"); /* Celsius typed without its unit where F is the default */
	expect_vitals_refused(f, erow, &in, "temp", "Temperature 38.5F is not plausible");
	ONLY(temp, "45C");
	expect_vitals_refused(f, erow, &in, "temp", "Temperature 45C is not plausible (29.5 to "
						    "43.5C)");
	ONLY(temp, "98.6K");
	expect_vitals_refused(f, erow, &in, "temp", "optionally with F or C");
	ONLY(bp, "80/120");
	expect_vitals_refused(f, erow, &in, "bp",
			      "Blood pressure 80/120: the diastolic must be below the systolic.");
	ONLY(bp, "120/120");
	expect_vitals_refused(f, erow, &in, "bp", "the diastolic must be below the systolic");
	ONLY(bp, "120-80");
	expect_vitals_refused(f, erow, &in, "bp", "must be systolic/diastolic, e.g. 120/80");
	ONLY(bp, "120/80/60");
	expect_vitals_refused(f, erow, &in, "bp", "must be systolic/diastolic");
	ONLY(bp, "400/80");
	expect_vitals_refused(f, erow, &in, "bp", "Systolic pressure 400 is not plausible");
	ONLY(resp, "3");
	expect_vitals_refused(f, erow, &in, "resp", "Respiratory rate 3 is not plausible");
	ONLY(spo2, "101%");
	expect_vitals_refused(f, erow, &in, "spo2", "SpO2 101 is not plausible (50 to 100)");
	ONLY(weight, "2000 lb");
	expect_vitals_refused(f, erow, &in, "weight", "Weight 2000 lb is not plausible");
	ONLY(weight, "82 stone");
	expect_vitals_refused(f, erow, &in, "weight", "must be a number in lb or kg");
	ONLY(height, "5'13\"");
	expect_vitals_refused(f, erow, &in, "height", "inches must be 0 to 11");
	ONLY(height, "300cm");
	expect_vitals_refused(f, erow, &in, "height", "Height 300 cm is not plausible");
	ONLY(height, "70 ft");
	expect_vitals_refused(f, erow, &in, "height", "must be a number in inches or cm");
#undef ONLY
	/* One bad value among good ones: nothing is saved. */
	memset(&in, 0, sizeof in);
	in.bp = "120/80";
	in.pulse = "72";
	in.temp = "9";
	expect_vitals_refused(f, erow, &in, "temp", "Temperature 9F");
	memset(&in, 0, sizeof in);
	in.pulse = "";
	expect_vitals_refused(f, erow, &in, NULL, "Enter at least one vital sign.");
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM vitals"), before);
	/* Roles: the front desk records none; a missing encounter is named. */
	memset(&in, 0, sizeof in);
	in.pulse = "72";
	assert_int_equal(vitals_record(f->t.fd, erow, &in, &bad, &m), STATUS_DENIED);
	assert_int_equal(vitals_record(f->t.nurse, 999999, &in, &bad, &m), STATUS_NOTFOUND);
	assert_int_equal(tu_sql_int(f->t.db, "SELECT count(*) FROM vitals"), before);
}

static void test_vitals_units_and_bmi(void **state)
{
	fixture_t *f = *state;
	char pid[33], pid2[33];
	int64_t erow, erow2, records = tu_audit_count(f->t.db, "vitals_record", "nurse1");
	const char *bad = "x";
	vit_seen_t seen = {0};
	vitals_input_t in;
	msg_t m;
	new_patient(f, "Unitsworth", pid, NULL);
	erow = new_encounter(f, pid, "");

	/* Fahrenheit, pounds and feet-and-inches. */
	memset(&in, 0, sizeof in);
	in.bp = " 128 / 82 ";
	in.pulse = "72";
	in.resp = "16";
	in.spo2 = "98%";
	in.temp = "98.6F";
	in.height = "5'10\"";
	in.weight = "180 lb";
	assert_int_equal(vitals_record(f->t.nurse, erow, &in, &bad, &m), STATUS_OK);
	assert_null(bad);
	assert_true(tu_has(m.text, "BMI computed"));
	/* Later: weight alone in kg; BMI from the earlier height. */
	memset(&in, 0, sizeof in);
	in.weight = "82kg";
	in.temp = "37.2C";
	assert_int_equal(vitals_record(f->t.nurse, erow, &in, &bad, &m), STATUS_OK);
	/* Centimetres; inches without a unit (the configured unit). */
	memset(&in, 0, sizeof in);
	in.height = "178 cm";
	in.weight = "80 kg";
	assert_int_equal(vitals_record(f->t.prov, erow, &in, &bad, &m), STATUS_OK);
	memset(&in, 0, sizeof in);
	in.height = "70";
	in.temp = "100.4";
	assert_int_equal(vitals_record(f->t.nurse, erow, &in, &bad, &m), STATUS_OK);
	assert_int_equal(tu_audit_count(f->t.db, "vitals_record", "nurse1"), records + 3);

	assert_int_equal(vitals_list(f->t.nurse, pid, 10, vit_collect, &seen, &m), STATUS_OK);
	assert_int_equal(seen.n, 4);
	/* Newest first. */
	assert_float_equal(seen.v[0].height_cm, 177.8, 0.01);
	assert_float_equal(seen.v[0].temp_c, 38.0, 0.01);
	assert_true(seen.v[0].weight_kg < 0);
	assert_true(seen.v[0].bmi < 0);
	assert_int_equal(seen.v[0].pulse, -1);
	assert_float_equal(seen.v[1].height_cm, 178.0, 0.01);
	assert_float_equal(seen.v[1].bmi, 25.2, 0.001); /* 80 / 1.78^2 = 25.25 -> 25.2 */
	assert_string_equal(seen.v[1].recorded_by, "prov1");
	assert_float_equal(seen.v[2].weight_kg, 82.0, 0.001);
	assert_float_equal(seen.v[2].temp_c, 37.2, 0.001);
	assert_true(seen.v[2].height_cm < 0);
	assert_float_equal(seen.v[2].bmi, 25.9, 0.001); /* 82 / 1.778^2 = 25.94 */
	assert_int_equal(seen.v[3].systolic, 128);
	assert_int_equal(seen.v[3].diastolic, 82);
	assert_int_equal(seen.v[3].pulse, 72);
	assert_int_equal(seen.v[3].resp, 16);
	assert_int_equal(seen.v[3].spo2, 98);
	assert_float_equal(seen.v[3].temp_c, 37.0, 0.001);
	assert_float_equal(seen.v[3].height_cm, 177.8, 0.001);
	assert_float_equal(seen.v[3].weight_kg, 81.6466, 0.001);
	assert_float_equal(seen.v[3].bmi, 25.8, 0.001); /* 81.65 / 1.778^2 = 25.83 */
	assert_int_equal(seen.v[3].erow, erow);
	assert_string_equal(seen.v[3].recorded_by, "nurse1");
	/* A limit applies. */
	memset(&seen, 0, sizeof seen);
	assert_int_equal(vitals_list(f->t.nurse, pid, 2, vit_collect, &seen, &m), STATUS_OK);
	assert_int_equal(seen.n, 2);

	/* Another patient with no height on record: no BMI. */
	new_patient(f, "Unitsworthy", pid2, NULL);
	erow2 = new_encounter(f, pid2, "");
	memset(&in, 0, sizeof in);
	in.weight = "150";
	assert_int_equal(vitals_record(f->t.nurse, erow2, &in, &bad, &m), STATUS_OK);
	memset(&seen, 0, sizeof seen);
	assert_int_equal(vitals_list(f->t.nurse, pid2, 10, vit_collect, &seen, &m), STATUS_OK);
	assert_int_equal(seen.n, 1);
	assert_float_equal(seen.v[0].weight_kg, 150 * 0.45359237, 0.001);
	assert_true(seen.v[0].bmi < 0);
	assert_int_equal(vitals_list(f->t.fd, pid2, 10, vit_collect, &seen, &m), STATUS_DENIED);
}

/* ---- allergies, medications, problems ---------------------------------- */

typedef struct items_seen {
	int n;
	chart_item_t it[8];
} items_seen_t;

static int item_collect(const chart_item_t *it, void *arg)
{
	items_seen_t *s = arg;
	if (s->n < 8)
		s->it[s->n] = *it;
	s->n++;
	return 0;
}

static void banner_is(fixture_t *f, const char *pid, const char *want)
{
	char buf[256];
	msg_t m;
	assert_int_equal(clinical_banner(f->t.nurse, pid, buf, sizeof buf, &m), STATUS_OK);
	assert_string_equal(buf, want);
}

static void test_allergies_and_nka(void **state)
{
	fixture_t *f = *state;
	char pid[33], buf[256], sql[200];
	int64_t pen = 0, latex = 0, row = 0;
	items_seen_t seen = {0};
	msg_t m;
	patient_t p;
	new_patient(f, "Allergano", pid, &p);

	/* Nothing recorded is not the same as no known allergies. */
	banner_is(f, pid, "Allergies not recorded");
	assert_int_equal(allergy_none_known(f->t.nurse, pid, &m), STATUS_OK);
	banner_is(f, pid, "NKA (no known allergies)");
	snprintf(sql, sizeof sql, "SELECT nka FROM allergy_review WHERE prow = %lld",
		 (long long)p.prow);
	assert_int_equal(tu_sql_int(f->t.db, sql), 1);

	/* Recording an allergy withdraws the NKA statement. */
	assert_int_equal(allergy_add(f->t.nurse, pid, "Penicillin", "hives", "severe", &pen, &m),
			 STATUS_OK);
	assert_true(pen > 0);
	assert_int_equal(tu_sql_int(f->t.db, sql), 0);
	banner_is(f, pid, "ALLERGIES: Penicillin (severe)");
	/* NKA is refused while an allergy is active. */
	assert_int_equal(allergy_none_known(f->t.nurse, pid, &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "1 active allergy"));
	banner_is(f, pid, "ALLERGIES: Penicillin (severe)");

	assert_int_equal(allergy_add(f->t.prov, pid, " Latex ", "", "", &latex, &m), STATUS_OK);
	assert_int_equal(clinical_banner(f->t.nurse, pid, buf, sizeof buf, &m), STATUS_OK);
	assert_true(strncmp(buf, "ALLERGIES: ", 11) == 0);
	assert_true(tu_has(buf, "Penicillin (severe)"));
	assert_true(tu_has(buf, "Latex"));
	assert_false(tu_has(buf, "Latex ("));
	assert_int_equal(allergy_none_known(f->t.nurse, pid, &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "2 active allergies"));

	/* Read back, decrypted. */
	assert_int_equal(chart_items(f->t.nurse, pid, CHART_ALLERGY, item_collect, &seen, &m),
			 STATUS_OK);
	assert_int_equal(seen.n, 2);
	for (int i = 0; i < 2; i++) {
		const chart_item_t *it = &seen.it[i];
		assert_int_equal(it->kind, CHART_ALLERGY);
		assert_string_equal(it->status, "active");
		if (it->row == pen) {
			assert_string_equal(it->text, "Penicillin");
			assert_string_equal(it->text2, "hives");
			assert_string_equal(it->code, "severe");
			assert_string_equal(it->recorded_by, "nurse1");
		} else {
			assert_int_equal(it->row, latex);
			assert_string_equal(it->text, "Latex");
			assert_string_equal(it->text2, "");
			assert_string_equal(it->code, "unknown");
		}
	}

	/* Bad input. */
	assert_int_equal(allergy_add(f->t.nurse, pid, "Sulfa", "rash", "deadly", &row, &m),
			 STATUS_INVALID);
	assert_true(tu_has(m.text, "Severity must be mild, moderate, severe or unknown."));
	assert_int_equal(allergy_add(f->t.nurse, pid, "  ", "rash", "mild", &row, &m),
			 STATUS_INVALID);
	assert_true(tu_has(m.text, "Substance is required."));
	assert_int_equal(allergy_add(f->t.nurse, pid, "Sul\x07" "fa", "", "mild", &row, &m),
			 STATUS_INVALID);
	assert_int_equal(row, 0);

	/* Once none is active, NKA may be stated again. */
	assert_int_equal(chart_item_set_status(f->t.nurse, CHART_ALLERGY, pen, "entered-in-error", &m),
			 STATUS_OK);
	assert_int_equal(chart_item_set_status(f->t.nurse, CHART_ALLERGY, latex, "paused", &m),
			 STATUS_INVALID);
	assert_true(tu_has(m.text, "Status must be active, inactive or entered-in-error."));
	assert_int_equal(chart_item_set_status(f->t.nurse, CHART_ALLERGY, latex, "inactive", &m),
			 STATUS_OK);
	banner_is(f, pid, "Allergies not recorded");
	assert_int_equal(allergy_none_known(f->t.nurse, pid, &m), STATUS_OK);
	banner_is(f, pid, "NKA (no known allergies)");

	/* The front desk sees no allergies at all. */
	assert_int_equal(clinical_banner(f->t.fd, pid, buf, sizeof buf, &m), STATUS_DENIED);
	assert_string_equal(buf, "");
	assert_int_equal(allergy_add(f->t.fd, pid, "Codeine", "", "mild", &row, &m), STATUS_DENIED);
	assert_int_equal(allergy_none_known(f->t.fd, pid, &m), STATUS_DENIED);
	assert_int_equal(chart_item_set_status(f->t.fd, CHART_ALLERGY, latex, "active", &m),
			 STATUS_DENIED);
}

static void test_medications(void **state)
{
	fixture_t *f = *state;
	char pid[33], today[11], tomorrow[11];
	int64_t row = 0, row2 = 0;
	items_seen_t seen = {0};
	msg_t m;
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(today, sizeof today, "%Y-%m-%d", &tm);
	t += 86400;
	gmtime_r(&t, &tm);
	strftime(tomorrow, sizeof tomorrow, "%Y-%m-%d", &tm);
	new_patient(f, "Medicamento", pid, NULL);

	assert_int_equal(medication_add(f->t.nurse, pid, "Lisinopril", "10 mg", "po", "daily",
					"03/01/2024", &row, &m),
			 STATUS_OK);
	assert_int_equal(medication_add(f->t.prov, pid, "Albuterol", "2 puffs", "inhaled", "q4h PRN",
					"", &row2, &m),
			 STATUS_OK);
	/* Route from the list only; frequency required; dates checked with
	 * the field's own name. */
	assert_int_equal(medication_add(f->t.nurse, pid, "Aspirin", "81 mg", "by mouth", "daily", "",
					&row, &m),
			 STATUS_INVALID);
	assert_true(tu_has(m.text, "Route must be one of PO, IV, IM"));
	assert_int_equal(medication_add(f->t.nurse, pid, "Aspirin", "81 mg", "PO", "", "", &row, &m),
			 STATUS_INVALID);
	assert_true(tu_has(m.text, "Frequency is required."));
	assert_int_equal(medication_add(f->t.nurse, pid, "", "81 mg", "PO", "daily", "", &row, &m),
			 STATUS_INVALID);
	assert_true(tu_has(m.text, "Medication is required."));
	assert_int_equal(medication_add(f->t.nurse, pid, "Aspirin", "81 mg", "PO", "daily",
					"02/30/2024", &row, &m),
			 STATUS_INVALID);
	assert_string_equal(m.text, "Start date: 02/30/2024 is not a real date.");
	assert_int_equal(medication_add(f->t.nurse, pid, "Aspirin", "81 mg", "PO", "daily", "soon",
					&row, &m),
			 STATUS_INVALID);
	assert_true(tu_has(m.text, "Start date: 'soon' is not a date"));
	assert_int_equal(medication_add(f->t.nurse, pid, "Aspirin", "81 mg", "PO", "daily", tomorrow,
					&row, &m),
			 STATUS_INVALID);
	if (!tu_has(m.text, "is in the future"))
		fail_msg("a start date tomorrow: \"%s\"", m.text);
	assert_true(strncmp(m.text, "Start date ", 11) == 0);
	assert_true(tu_has(m.text, tomorrow));
	assert_false(tu_has(m.text, "death"));
	assert_int_equal(medication_add(f->t.nurse, pid, "Aspirin", "81 mg", "PO", "daily",
					"1850-01-01", &row, &m),
			 STATUS_INVALID);
	assert_string_equal(m.text, "Start date 1850-01-01 is before 1880-01-01.");
	assert_int_equal(medication_add(f->t.fd, pid, "Aspirin", "81 mg", "PO", "daily", "", &row, &m),
			 STATUS_DENIED);

	/* Stopping sets the stop date. */
	assert_int_equal(chart_item_set_status(f->t.nurse, CHART_MEDICATION, row2, "stopped", &m),
			 STATUS_OK);
	assert_int_equal(chart_items(f->t.nurse, pid, CHART_MEDICATION, item_collect, &seen, &m),
			 STATUS_OK);
	assert_int_equal(seen.n, 2);
	/* Active first. */
	assert_string_equal(seen.it[0].text, "Lisinopril");
	assert_string_equal(seen.it[0].text2, "10 mg");
	assert_string_equal(seen.it[0].code, "PO");
	assert_string_equal(seen.it[0].extra, "daily");
	assert_string_equal(seen.it[0].date1, "2024-03-01");
	assert_string_equal(seen.it[0].date2, "");
	assert_string_equal(seen.it[0].status, "active");
	assert_string_equal(seen.it[1].text, "Albuterol");
	assert_string_equal(seen.it[1].code, "inhaled");
	assert_string_equal(seen.it[1].extra, "q4h PRN");
	assert_string_equal(seen.it[1].status, "stopped");
	assert_string_equal(seen.it[1].date2, today);
	assert_int_equal(chart_item_set_status(f->t.nurse, CHART_MEDICATION, 999999, "stopped", &m),
			 STATUS_NOTFOUND);
}

static void test_problems_icd10(void **state)
{
	fixture_t *f = *state;
	char pid[33], sql[160], code[16];
	int64_t row = 0, dm = 0, fx = 0, cholera = 0, nocode = 0;
	items_seen_t seen = {0};
	msg_t m;
	new_patient(f, "Problematic", pid, NULL);
	assert_int_equal(problem_add(f->t.prov, pid, "E11.9", "Type 2 diabetes", "2019-05-01", &dm,
				     &m),
			 STATUS_OK);
	assert_int_equal(problem_add(f->t.prov, pid, "s72.001a", "Fracture of right femur", "", &fx,
				     &m),
			 STATUS_OK);
	assert_int_equal(problem_add(f->t.prov, pid, "A00", "Cholera", "", &cholera, &m), STATUS_OK);
	assert_int_equal(problem_add(f->t.prov, pid, "", "Social isolation", "", &nocode, &m),
			 STATUS_OK);
	/* Stored without the dot, upper case; no code is NULL. */
	snprintf(sql, sizeof sql, "SELECT code FROM problems WHERE pbrow = %lld", (long long)dm);
	tu_sql_text(f->t.db, sql, code, sizeof code);
	assert_string_equal(code, "E119");
	snprintf(sql, sizeof sql, "SELECT code FROM problems WHERE pbrow = %lld", (long long)fx);
	tu_sql_text(f->t.db, sql, code, sizeof code);
	assert_string_equal(code, "S72001A");
	snprintf(sql, sizeof sql, "SELECT code IS NULL FROM problems WHERE pbrow = %lld",
		 (long long)nocode);
	assert_int_equal(tu_sql_int(f->t.db, sql), 1);

	/* Shape refused, with the reason. */
	static const char *const bad[] = {"E1",   "11.9",     "E11.12345", "E11-9", "EE1.1",
					  "E1.19", "E11.9.1", "E11 9",     "É11.9", NULL};
	for (int i = 0; bad[i]; i++) {
		assert_int_equal(problem_add(f->t.prov, pid, bad[i], "Something", "", &row, &m),
				 STATUS_INVALID);
		if (!tu_has(m.text, "is not an ICD-10-CM code"))
			fail_msg("'%s': %s", bad[i], m.text);
	}
	assert_int_equal(problem_add(f->t.prov, pid, "E11.9", "", "", &row, &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "Problem is required."));
	assert_int_equal(problem_add(f->t.prov, pid, "E11.9", "Diabetes", "2019-02-29", &row, &m),
			 STATUS_INVALID);
	assert_string_equal(m.text, "Onset date: 2019-02-29 is not a real date.");
	assert_int_equal(problem_add(f->t.prov, pid, "E11.9", "Diabetes", "3000-01-01", &row, &m),
			 STATUS_INVALID);
	assert_string_equal(m.text, "Onset date 3000-01-01 is in the future.");
	/* Only providers keep the problem list. */
	assert_int_equal(problem_add(f->t.nurse, pid, "E11.9", "Diabetes", "", &row, &m),
			 STATUS_DENIED);

	/* Shown with the dot. */
	assert_int_equal(chart_item_set_status(f->t.prov, CHART_PROBLEM, cholera, "resolved", &m),
			 STATUS_OK);
	assert_int_equal(chart_items(f->t.nurse, pid, CHART_PROBLEM, item_collect, &seen, &m),
			 STATUS_OK);
	assert_int_equal(seen.n, 4);
	for (int i = 0; i < 4; i++) {
		const chart_item_t *it = &seen.it[i];
		if (it->row == dm) {
			assert_string_equal(it->code, "E11.9");
			assert_string_equal(it->text, "Type 2 diabetes");
			assert_string_equal(it->date1, "2019-05-01");
		} else if (it->row == fx) {
			assert_string_equal(it->code, "S72.001A");
		} else if (it->row == cholera) {
			assert_string_equal(it->code, "A00");
			assert_string_equal(it->status, "resolved");
			assert_int_equal(i, 3); /* active ones first */
		} else {
			assert_int_equal(it->row, nocode);
			assert_string_equal(it->code, "");
		}
	}
	assert_int_equal(chart_item_set_status(f->t.nurse, CHART_PROBLEM, dm, "resolved", &m),
			 STATUS_DENIED);
}

/* Problems coded in SNOMED CT (Synthea's conditions; other systems'
 * problem lists): the concept id's shape and check digit, stored as its
 * digits, shown as "SNOMED id"; never checked against the ICD-10-CM set. */
static void test_problems_snomed(void **state)
{
	fixture_t *f = *state;
	char pid[33], sql[160], code[24];
	int64_t row = 0, dm = 0;
	items_seen_t seen = {0};
	msg_t m;
	static const char *const good[] = {"44054006", "38341003", "444814009", "73761001",
					   "195967001", "22298006", NULL};
	static const char *const bad[] = {"44054007", "44054016", "04054006", "12345",
					  "444814019", "1234567890123456789", NULL};
	new_patient(f, "Snomedic", pid, NULL);
	for (int i = 0; good[i]; i++)
		if (!clinical_snomed_valid(good[i]))
			fail_msg("%s refused", good[i]);
	for (int i = 0; bad[i]; i++) {
		if (clinical_snomed_valid(bad[i]))
			fail_msg("%s accepted", bad[i]);
		assert_int_equal(problem_add(f->t.prov, pid, bad[i], "Something", "", &row, &m),
				 STATUS_INVALID);
		if (!tu_has(m.text, "is not a SNOMED CT concept id"))
			fail_msg("'%s': %s", bad[i], m.text);
	}
	assert_int_equal(problem_add(f->t.prov, pid, "44054006", "Diabetes mellitus type 2 (disorder)",
				     "2022-07-20", &dm, &m),
			 STATUS_OK);
	snprintf(sql, sizeof sql, "SELECT code FROM problems WHERE pbrow = %lld", (long long)dm);
	tu_sql_text(f->t.db, sql, code, sizeof code);
	assert_string_equal(code, "44054006");
	assert_int_equal(chart_items(f->t.nurse, pid, CHART_PROBLEM, item_collect, &seen, &m),
			 STATUS_OK);
	assert_int_equal(seen.n, 1);
	assert_string_equal(seen.it[0].code, "SNOMED 44054006");
	assert_string_equal(seen.it[0].text, "Diabetes mellitus type 2 (disorder)");
}

/* ---- notes -------------------------------------------------------------- */

typedef struct notes_seen {
	int n;
	int64_t nrow[8], addendum_of[8];
	char status[8][10];
	char body[8][128];
} notes_seen_t;

static int note_collect(const note_info_t *n, void *arg)
{
	notes_seen_t *s = arg;
	if (s->n < 8) {
		s->nrow[s->n] = n->nrow;
		s->addendum_of[s->n] = n->addendum_of;
		snprintf(s->status[s->n], sizeof s->status[0], "%s", n->status);
		snprintf(s->body[s->n], sizeof s->body[0], "%s", n->body ? n->body : "(none)");
	}
	s->n++;
	return 0;
}

static void test_notes_draft_sign_addendum(void **state)
{
	fixture_t *f = *state;
	char pid[33];
	int64_t erow, nrow = 0, add = 0, add2 = 0, row = 0;
	note_info_t n;
	notes_seen_t seen = {0};
	msg_t m;
	new_patient(f, "Notesworth", pid, NULL);
	erow = new_encounter(f, pid, "");

	assert_int_equal(note_create(f->t.nurse, erow, 0, "\n  Seen in clinic. Stable.  \n", &nrow,
				     &m),
			 STATUS_OK);
	assert_true(nrow > 0);
	assert_int_equal(note_get(f->t.nurse, nrow, &n, &m), STATUS_OK);
	assert_string_equal(n.status, "draft");
	assert_string_equal(n.author, "nurse1");
	assert_string_equal(n.body, "Seen in clinic. Stable.");
	assert_int_equal(n.version, 1);
	assert_int_equal(n.erow, erow);
	assert_int_equal(n.addendum_of, 0);
	note_info_clear(&n);
	assert_null(n.body);

	/* Only the author edits a draft, at the version read. */
	assert_int_equal(note_save(f->nurse2, nrow, "Rewritten by someone else", 1, &m),
			 STATUS_DENIED);
	assert_true(tu_has(m.text, "Only nurse1, who wrote this draft, may change it."));
	assert_int_equal(note_save(f->t.prov, nrow, "Rewritten by the provider", 1, &m),
			 STATUS_DENIED);
	assert_int_equal(note_save(f->t.nurse, nrow, "Seen in clinic. Stable. BP fine.", 1, &m),
			 STATUS_OK);
	assert_int_equal(note_save(f->t.nurse, nrow, "A stale copy", 1, &m), STATUS_CONFLICT);
	assert_true(tu_has(m.text, "reopen it"));
	assert_int_equal(note_save(f->t.nurse, nrow, "", 2, &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "The note is required."));
	assert_int_equal(note_get(f->nurse2, nrow, &n, &m), STATUS_OK);
	assert_string_equal(n.body, "Seen in clinic. Stable. BP fine.");
	assert_int_equal(n.version, 2);
	note_info_clear(&n);

	/* An addendum needs a signed original. */
	assert_int_equal(note_create(f->t.nurse, 0, nrow, "Addendum too early", &add, &m),
			 STATUS_INVALID);
	assert_true(tu_has(m.text, "still a draft"));
	assert_int_equal(add, 0);

	/* Signing: by the note's author only (a nurse signs her nursing
	 * note; a provider cannot sign it for her), at the current version. */
	assert_int_equal(note_sign(f->t.prov, nrow, 2, &m), STATUS_DENIED);
	assert_true(tu_has(m.text, "Only nurse1, who wrote note"));
	assert_int_equal(note_sign(f->nurse2, nrow, 2, &m), STATUS_DENIED);
	assert_int_equal(note_sign(f->t.fd, nrow, 2, &m), STATUS_DENIED);
	assert_int_equal(note_sign(f->t.nurse, nrow, 1, &m), STATUS_CONFLICT);
	assert_int_equal(note_sign(f->t.nurse, nrow, 2, &m), STATUS_OK);
	assert_int_equal(note_get(f->t.prov, nrow, &n, &m), STATUS_OK);
	assert_string_equal(n.status, "signed");
	assert_string_equal(n.signed_by, "nurse1");
	assert_int_equal(strlen(n.signed_at), 20);
	assert_string_equal(n.body, "Seen in clinic. Stable. BP fine.");
	note_info_clear(&n);

	/* Signed: read-only, with a pointer to addenda. */
	assert_int_equal(note_save(f->t.nurse, nrow, "Changed after signing", 3, &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "signed notes cannot be changed; add an addendum"));
	assert_true(tu_has(m.text, "nurse1"));
	assert_int_equal(note_sign(f->t.nurse, nrow, 0, &m), STATUS_INVALID);
	assert_true(tu_has(m.text, "already signed by nurse1"));

	/* Addenda to the signed original; not to an addendum. */
	assert_int_equal(note_create(f->nurse2, 0, nrow, "Addendum: potassium came back normal.",
				     &add, &m),
			 STATUS_OK);
	assert_int_equal(note_get(f->nurse2, add, &n, &m), STATUS_OK);
	assert_int_equal(n.addendum_of, nrow);
	assert_int_equal(n.erow, erow);
	assert_string_equal(n.status, "draft");
	note_info_clear(&n);
	assert_int_equal(note_sign(f->t.prov, add, 0, &m), STATUS_DENIED);
	assert_int_equal(note_sign(f->nurse2, add, 0, &m), STATUS_OK);
	assert_int_equal(note_create(f->t.nurse, 0, add, "Addendum to an addendum", &add2, &m),
			 STATUS_INVALID);
	assert_true(tu_has(m.text, "itself an addendum"));
	assert_int_equal(note_create(f->t.nurse, 0, 999999, "To nothing", &add2, &m),
			 STATUS_NOTFOUND);
	assert_int_equal(note_create(f->t.nurse, 999999, 0, "On no encounter", &add2, &m),
			 STATUS_NOTFOUND);
	assert_int_equal(note_create(f->t.nurse, erow, 0, "Second note.", &row, &m), STATUS_OK);

	/* Listed: each original followed by its addenda. */
	assert_int_equal(note_list(f->t.nurse, erow, note_collect, &seen, &m), STATUS_OK);
	assert_int_equal(seen.n, 3);
	assert_int_equal(seen.nrow[0], nrow);
	assert_string_equal(seen.status[0], "signed");
	assert_int_equal(seen.nrow[1], add);
	assert_int_equal(seen.addendum_of[1], nrow);
	assert_string_equal(seen.body[1], "Addendum: potassium came back normal.");
	assert_int_equal(seen.nrow[2], row);
	assert_string_equal(seen.body[2], "Second note.");

	/* The front desk writes and reads no notes. */
	assert_int_equal(note_create(f->t.fd, erow, 0, "Front desk note", &add2, &m), STATUS_DENIED);
	assert_int_equal(note_get(f->t.fd, nrow, &n, &m), STATUS_DENIED);
	assert_null(n.body);
	assert_int_equal(note_list(f->t.fd, erow, note_collect, &seen, &m), STATUS_DENIED);
	assert_int_equal(note_get(f->t.nurse, 999999, &n, &m), STATUS_NOTFOUND);
}

static void test_signed_note_final_in_database(void **state)
{
	fixture_t *f = *state;
	char pid[33], sql[200], err[256], before[1024], after[1024];
	int64_t erow, nrow = 0, draft = 0;
	note_info_t n;
	msg_t m;
	new_patient(f, "Immutabile", pid, NULL);
	erow = new_encounter(f, pid, "");
	assert_int_equal(note_create(f->t.prov, erow, 0, "Final words.", &nrow, &m), STATUS_OK);
	assert_int_equal(note_sign(f->t.prov, nrow, 1, &m), STATUS_OK);
	snprintf(sql, sizeof sql, "SELECT hex(body) || status || version FROM notes WHERE nrow = %lld",
		 (long long)nrow);
	tu_sql_text(f->t.db, sql, before, sizeof before);

	/* Someone with the file tries to rewrite, unsign or delete it. */
	static const char *const attacks[] = {
		"UPDATE notes SET body = x'00' WHERE nrow = %lld",
		"UPDATE notes SET status = 'draft', signed_by = NULL WHERE nrow = %lld",
		"UPDATE notes SET version = version + 1 WHERE nrow = %lld",
		"DELETE FROM notes WHERE nrow = %lld",
	};
	for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
		char q[200];
		snprintf(q, sizeof q, attacks[i], (long long)nrow);
		assert_int_not_equal(tu_sql_try(f->t.db, q, err, sizeof err), SQLITE_OK);
		if (!tu_has(err, i == 3 ? "notes are never deleted"
					: "a signed note cannot be changed; add an addendum"))
			fail_msg("%s: %s", q, err);
	}
	tu_sql_text(f->t.db, sql, after, sizeof after);
	assert_string_equal(after, before);
	assert_int_equal(note_get(f->t.nurse, nrow, &n, &m), STATUS_OK);
	assert_string_equal(n.body, "Final words.");
	note_info_clear(&n);
	/* A draft may still be changed (that is how the application saves). */
	assert_int_equal(note_create(f->t.prov, erow, 0, "Draft words.", &draft, &m), STATUS_OK);
	snprintf(sql, sizeof sql, "UPDATE notes SET updated = updated WHERE nrow = %lld",
		 (long long)draft);
	assert_int_equal(tu_sql_try(f->t.db, sql, err, sizeof err), SQLITE_OK);
}

typedef struct ids {
	int n;
	int64_t nrow[64];
} ids_t;

static int id_collect(const note_info_t *n, void *arg)
{
	ids_t *s = arg;
	if (s->n < 64)
		s->nrow[s->n++] = n->nrow;
	assert_null(n->body); /* a work list, not the notes' text */
	return 0;
}

static int listed(const ids_t *s, int64_t nrow)
{
	for (int i = 0; i < s->n; i++)
		if (s->nrow[i] == nrow)
			return 1;
	return 0;
}

/* The clock records are stamped with: this test's own core_now, linked
 * ahead of the library's (core/clock.c), so drafts can be written "days
 * ago" instead of editing their rows in the file (their MACs would catch
 * that, as they should). */
static int days_back;

void core_now(char buf[24])
{
	time_t t = time(NULL) - (time_t)days_back * 86400;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int64_t draft_days_ago(fixture_t *f, int64_t erow, const char *text, int days)
{
	int64_t nrow = 0;
	msg_t m;
	days_back = days;
	assert_int_equal(note_create(f->t.nurse, erow, 0, text, &nrow, &m), STATUS_OK);
	days_back = 0;
	return nrow;
}

static void test_note_deficiencies(void **state)
{
	fixture_t *f = *state;
	char pid[33];
	int64_t erow, fresh = 0, old = 0, recent = 0, signed_old = 0;
	ids_t seen = {0};
	msg_t m;
	assert_int_equal(f->t.cfg->draft_deficiency_days, 3);
	new_patient(f, "Deficientes", pid, NULL);
	erow = new_encounter(f, pid, "");
	assert_int_equal(note_create(f->t.nurse, erow, 0, "Fresh draft.", &fresh, &m), STATUS_OK);
	old = draft_days_ago(f, erow, "Old draft.", 5);
	recent = draft_days_ago(f, erow, "Two days old.", 2);
	signed_old = draft_days_ago(f, erow, "Old but signed.", 10);
	assert_int_equal(note_sign(f->t.nurse, signed_old, 0, &m), STATUS_OK);

	assert_int_equal(note_deficiencies(f->t.him, id_collect, &seen, &m), STATUS_OK);
	assert_true(listed(&seen, old));
	assert_false(listed(&seen, fresh));
	assert_false(listed(&seen, recent));
	assert_false(listed(&seen, signed_old));
	memset(&seen, 0, sizeof seen);
	assert_int_equal(note_deficiencies(f->t.prov, id_collect, &seen, &m), STATUS_OK);
	assert_true(listed(&seen, old));
	/* Signing (by its author) clears it. */
	assert_int_equal(note_sign(f->t.nurse, old, 0, &m), STATUS_OK);
	memset(&seen, 0, sizeof seen);
	assert_int_equal(note_deficiencies(f->t.him, id_collect, &seen, &m), STATUS_OK);
	assert_false(listed(&seen, old));
	/* Neither nurses nor the front desk work this queue. */
	assert_int_equal(note_deficiencies(f->t.nurse, id_collect, &seen, &m), STATUS_DENIED);
	assert_int_equal(note_deficiencies(f->t.fd, id_collect, &seen, &m), STATUS_DENIED);
}

/* ---- permissions and the audit trail ------------------------------------ */

static void test_role_matrix_on_clinical_calls(void **state)
{
	fixture_t *f = *state;
	char pid[33], buf[128];
	int64_t erow, row;
	items_seen_t seen = {0};
	vit_seen_t vs = {0};
	vitals_input_t in = {0};
	const char *bad;
	msg_t m;
	new_patient(f, "Rolemann", pid, NULL);
	erow = new_encounter(f, pid, "");
	in.pulse = "80";
	/* The front desk: nothing clinical. */
	assert_int_equal(vitals_record(f->t.fd, erow, &in, &bad, &m), STATUS_DENIED);
	assert_int_equal(chart_items(f->t.fd, pid, CHART_MEDICATION, item_collect, &seen, &m),
			 STATUS_DENIED);
	assert_int_equal(vitals_list(f->t.fd, pid, 5, vit_collect, &vs, &m), STATUS_DENIED);
	/* HIM: reads the chart, writes none of it. */
	assert_int_equal(chart_items(f->t.him, pid, CHART_ALLERGY, item_collect, &seen, &m),
			 STATUS_OK);
	assert_int_equal(clinical_banner(f->t.him, pid, buf, sizeof buf, &m), STATUS_OK);
	assert_int_equal(vitals_record(f->t.him, erow, &in, &bad, &m), STATUS_DENIED);
	assert_int_equal(allergy_add(f->t.him, pid, "Iodine", "", "", &row, &m), STATUS_DENIED);
	assert_int_equal(note_create(f->t.him, erow, 0, "HIM note", &row, &m), STATUS_DENIED);
	/* The administrator: no chart access. */
	assert_int_equal(chart_items(f->t.admin, pid, CHART_ALLERGY, item_collect, &seen, &m),
			 STATUS_DENIED);
	assert_int_equal(vitals_record(f->t.admin, erow, &in, &bad, &m), STATUS_DENIED);
	/* Nurses and providers record vitals. */
	assert_int_equal(vitals_record(f->t.nurse, erow, &in, &bad, &m), STATUS_OK);
	assert_int_equal(vitals_record(f->t.prov, erow, &in, &bad, &m), STATUS_OK);
	/* Unknown patients and rows. */
	assert_int_equal(chart_items(f->t.nurse, "CR99999990", CHART_ALLERGY, item_collect, &seen,
				     &m),
			 STATUS_NOTFOUND);
	assert_int_equal(chart_items(f->t.nurse, pid, (chart_kind_t)7, item_collect, &seen, &m),
			 STATUS_INVALID);
	assert_int_equal(allergy_add(f->t.nurse, "nobody", "Iodine", "", "", &row, &m),
			 STATUS_NOTFOUND);
}

typedef struct trail {
	int n;
	char action[64][40];
	char detail[64][512];
} trail_t;

static int trail_collect(const audit_entry_t *e, void *arg)
{
	trail_t *t = arg;
	if (t->n < 64) {
		snprintf(t->action[t->n], sizeof t->action[0], "%s", e->action);
		snprintf(t->detail[t->n], sizeof t->detail[0], "%s", e->detail);
	}
	t->n++;
	return 0;
}

static int in_trail(const trail_t *t, const char *action, const char *detail)
{
	int n = 0;
	for (int i = 0; i < t->n && i < 64; i++)
		if (strcmp(t->action[i], action) == 0 && (!detail || tu_has(t->detail[i], detail)))
			n++;
	return n;
}

static void test_views_and_changes_audited(void **state)
{
	fixture_t *f = *state;
	char pid[33], note[48], notes[48], buf[128];
	int64_t erow, row, nrow = 0;
	items_seen_t seen = {0};
	vit_seen_t vs = {0};
	enc_seen_t es = {0};
	notes_seen_t ns = {0};
	vitals_input_t in = {0};
	note_info_t n;
	trail_t t = {0};
	audit_query_t q = {0};
	const char *bad;
	msg_t m;
	new_patient(f, "Audittrail", pid, NULL);
	erow = new_encounter(f, pid, "Annual check");
	/* Changes ... */
	in.pulse = "66";
	assert_int_equal(vitals_record(f->t.nurse, erow, &in, &bad, &m), STATUS_OK);
	assert_int_equal(allergy_add(f->t.nurse, pid, "Shellfish", "", "mild", &row, &m), STATUS_OK);
	assert_int_equal(chart_item_set_status(f->t.nurse, CHART_ALLERGY, row, "inactive", &m),
			 STATUS_OK);
	assert_int_equal(allergy_none_known(f->t.nurse, pid, &m), STATUS_OK);
	assert_int_equal(medication_add(f->t.nurse, pid, "Metformin", "500 mg", "PO", "BID", "", &row,
					&m),
			 STATUS_OK);
	assert_int_equal(problem_add(f->t.prov, pid, "E11.9", "Diabetes", "", &row, &m), STATUS_OK);
	assert_int_equal(note_create(f->t.nurse, erow, 0, "Draft", &nrow, &m), STATUS_OK);
	assert_int_equal(note_save(f->t.nurse, nrow, "Draft, edited", 1, &m), STATUS_OK);
	assert_int_equal(note_sign(f->t.nurse, nrow, 2, &m), STATUS_OK);
	assert_int_equal(encounter_close(f->t.nurse, erow, &m), STATUS_OK);
	/* ... and views (the banner is part of opening the chart: not on its
	 * own). */
	assert_int_equal(encounter_list(f->t.nurse, pid, enc_collect, &es, &m), STATUS_OK);
	assert_int_equal(vitals_list(f->t.nurse, pid, 5, vit_collect, &vs, &m), STATUS_OK);
	assert_int_equal(chart_items(f->t.nurse, pid, CHART_ALLERGY, item_collect, &seen, &m),
			 STATUS_OK);
	seen.n = 0;
	assert_int_equal(chart_items(f->t.prov, pid, CHART_MEDICATION, item_collect, &seen, &m),
			 STATUS_OK);
	seen.n = 0;
	assert_int_equal(chart_items(f->t.him, pid, CHART_PROBLEM, item_collect, &seen, &m),
			 STATUS_OK);
	assert_int_equal(note_get(f->t.prov, nrow, &n, &m), STATUS_OK);
	note_info_clear(&n);
	assert_int_equal(note_list(f->t.him, erow, note_collect, &ns, &m), STATUS_OK);
	assert_int_equal(clinical_banner(f->t.nurse, pid, buf, sizeof buf, &m), STATUS_OK);

	q.target = pid;
	assert_int_equal(audit_list(f->t.admin, &q, trail_collect, &t, &m), STATUS_OK);
	assert_true(t.n < 64);
	assert_int_equal(in_trail(&t, "patient_register", NULL), 1);
	assert_int_equal(in_trail(&t, "encounter_checkin", NULL), 1);
	assert_int_equal(in_trail(&t, "vitals_record", NULL), 1);
	assert_int_equal(in_trail(&t, "chart_add", "allergy"), 1);
	assert_int_equal(in_trail(&t, "chart_add", "no known allergies"), 1);
	assert_int_equal(in_trail(&t, "chart_add", "medication"), 1);
	assert_int_equal(in_trail(&t, "chart_add", "problem"), 1);
	assert_int_equal(in_trail(&t, "chart_status", "inactive"), 1);
	assert_int_equal(in_trail(&t, "note_create", NULL), 1);
	assert_int_equal(in_trail(&t, "note_edit", NULL), 1);
	assert_int_equal(in_trail(&t, "note_sign", NULL), 1);
	assert_int_equal(in_trail(&t, "encounter_close", NULL), 1);
	snprintf(note, sizeof note, "note %lld", (long long)nrow);
	snprintf(notes, sizeof notes, "notes of encounter %lld", (long long)erow);
	assert_int_equal(in_trail(&t, "chart_view", "encounters"), 1);
	assert_int_equal(in_trail(&t, "chart_view", "vitals"), 1);
	assert_int_equal(in_trail(&t, "chart_view", "allergies"), 1);
	assert_int_equal(in_trail(&t, "chart_view", "medications"), 1);
	assert_int_equal(in_trail(&t, "chart_view", "problems"), 1);
	assert_int_equal(in_trail(&t, "chart_view", note), 1);
	assert_int_equal(in_trail(&t, "chart_view", notes), 1);
	assert_int_equal(in_trail(&t, "chart_view", NULL), 7);
	/* Who viewed is recorded in the clear column. */
	{
		char sql[200];
		snprintf(sql, sizeof sql,
			 "SELECT group_concat(user_name, ',') FROM (SELECT user_name FROM audit "
			 "WHERE target = '%s' AND action = 'chart_view' ORDER BY seq)",
			 pid);
		tu_sql_text(f->t.db, sql, buf, sizeof buf);
		assert_string_equal(buf, "nurse1,nurse1,nurse1,prov1,him1,prov1,him1");
	}
	/* No clinical text in any entry. */
	for (int i = 0; i < t.n; i++) {
		assert_false(tu_has(t.detail[i], "Shellfish"));
		assert_false(tu_has(t.detail[i], "Metformin"));
		assert_false(tu_has(t.detail[i], "Annual check"));
		assert_false(tu_has(t.detail[i], "Draft"));
	}
}

/* ---- PHI at rest -------------------------------------------------------- */

static const char *const canaries[] = {
	"Quuxwortle", "quuxwortle", "QUUXWORTLE", "Zebulonia", "zebulonia", "Xanthippe",
	"1961-07-23", "07/23/1961", "617-555-0199", "6175550199", "219-09-9999", "219099999",
	"zebulonia.q@canarymail.org", "canarymail", "Canarywood", "Blorptastic", "Glorbamycin",
	"Snarfwheeze", "Frobnazole", "frobs", "Wuzzleosis", "Xylophonitis", NULL,
};

static size_t scan_file(const char *path)
{
	size_t len = 0;
	unsigned char *buf = tu_read_file(path, &len);
	if (!buf)
		return 0;
	for (int i = 0; canaries[i]; i++)
		if (tu_contains(buf, len, canaries[i], strlen(canaries[i])))
			fail_msg("'%s' found in %s", canaries[i], path);
	free(buf);
	return len;
}

static void test_no_phi_in_database_files(void **state)
{
	fixture_t *f = *state;
	patient_t p;
	int64_t erow, row = 0, nrow = 0;
	vitals_input_t in = {0};
	const char *bad;
	char wal[PATH_MAX + 8], shm[PATH_MAX + 8];
	msg_t m;
	size_t wal_len;

	tu_patient(&p, "Quuxwortle", "Zebulonia", "07/23/1961", "F");
	strcpy(p.f[PF_MIDDLE], "Xanthippe");
	strcpy(p.f[PF_PHONE_HOME], "617-555-0199");
	strcpy(p.f[PF_SSN], "219-09-9999");
	strcpy(p.f[PF_EMAIL], "zebulonia.q@canarymail.org");
	strcpy(p.f[PF_ADDR1], "4242 Canarywood Lane");
	tu_register(f->t.fd, &p, 0);
	erow = new_encounter(f, p.id, "Blorptastic dizziness");
	in.pulse = "71";
	assert_int_equal(vitals_record(f->t.nurse, erow, &in, &bad, &m), STATUS_OK);
	assert_int_equal(allergy_add(f->t.nurse, p.id, "Glorbamycin", "Snarfwheeze", "severe", &row,
				     &m),
			 STATUS_OK);
	assert_int_equal(medication_add(f->t.nurse, p.id, "Frobnazole", "37 mg frobs", "PO", "BID",
					"", &row, &m),
			 STATUS_OK);
	assert_int_equal(problem_add(f->t.prov, p.id, "R42", "Wuzzleosis, chronic", "", &row, &m),
			 STATUS_OK);
	assert_int_equal(note_create(f->t.nurse, erow, 0, "Patient reports Xylophonitis after lunch.",
				     &nrow, &m),
			 STATUS_OK);
	assert_int_equal(note_save(f->t.nurse, nrow, "Patient reports Xylophonitis after lunch; "
						   "Blorptastic episodes resolved.",
				   1, &m),
			 STATUS_OK);
	/* Reading it all back decrypts fine (the canaries are really in). */
	{
		items_seen_t seen = {0};
		assert_int_equal(chart_items(f->t.nurse, p.id, CHART_ALLERGY, item_collect, &seen, &m),
				 STATUS_OK);
		assert_string_equal(seen.it[0].text, "Glorbamycin");
	}

	snprintf(wal, sizeof wal, "%s-wal", f->t.db);
	snprintf(shm, sizeof shm, "%s-shm", f->t.db);
	assert_true(scan_file(f->t.db) > 0);
	wal_len = scan_file(wal);
	assert_true(wal_len > 0); /* the recent pages really were looked at */
	scan_file(shm);
	assert_int_equal(db_checkpoint(f->t.c->db, &m), STATUS_OK);
	assert_true(scan_file(f->t.db) > 0);
	scan_file(wal);
	scan_file(shm);
}

/* One blob column of the row `where` in `table`, with the row's id. */
static unsigned char *raw_blob(fixture_t *f, const char *table, const char *column,
			       const char *where, char id[40], size_t *len)
{
	sqlite3 *raw = tu_sql_open(f->t.db);
	sqlite3_stmt *st = NULL;
	char sql[256];
	unsigned char *buf;
	snprintf(sql, sizeof sql, "SELECT id, %s FROM %s WHERE %s", column, table, where);
	assert_int_equal(sqlite3_prepare_v2(raw, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(id, 40, "%s", (const char *)sqlite3_column_text(st, 0));
	*len = (size_t)sqlite3_column_bytes(st, 1);
	buf = malloc(*len ? *len : 1);
	assert_non_null(buf);
	memcpy(buf, sqlite3_column_blob(st, 1), *len);
	sqlite3_finalize(st);
	sqlite3_close(raw);
	return buf;
}

static void test_front_desk_cannot_decrypt_clinical_rows(void **state)
{
	fixture_t *f = *state;
	char pid[33], id[40], where[64];
	int64_t erow, arow = 0, nrow = 0;
	unsigned char *blob;
	size_t len, plen = 0;
	char *plain = NULL;
	char eid[40], sql[128];
	msg_t m;
	crypto_bind_t bn = {"notes", "body", NULL, pid, eid, NULL};
	crypto_bind_t ba = {"allergies", "a", NULL, pid, NULL, NULL};
	crypto_bind_t br = {"encounters", "reason", NULL, pid, NULL, NULL};
	new_patient(f, "Blindside", pid, NULL);
	erow = new_encounter(f, pid, "Ringing in both ears");
	assert_int_equal(allergy_add(f->t.nurse, pid, "Tetracycline", "photosensitivity", "moderate",
				     &arow, &m),
			 STATUS_OK);
	assert_int_equal(note_create(f->t.nurse, erow, 0, "Tinnitus since the concert.", &nrow, &m),
			 STATUS_OK);
	assert_false(keyring_has(f->t.fd->kr, DOMAIN_CLIN));
	assert_true(keyring_has(f->t.fd->kr, DOMAIN_DEMO));
	assert_true(keyring_has(f->t.nurse->kr, DOMAIN_CLIN));
	snprintf(sql, sizeof sql, "SELECT id FROM encounters WHERE erow = %lld", (long long)erow);
	tu_sql_text(f->t.db, sql, eid, sizeof eid);

	/* A note body read straight from the file. */
	snprintf(where, sizeof where, "nrow = %lld", (long long)nrow);
	blob = raw_blob(f, "notes", "body", where, id, &len);
	bn.row_id = id;
	assert_int_equal(crypto_field_open(f->t.fd->kr, DOMAIN_CLIN, &bn, 0, blob, len, &plain, &plen,
					   &m),
			 STATUS_DENIED);
	assert_null(plain);
	assert_true(tu_has(m.text, "does not hold the clin key"));
	/* The key the front desk does hold opens nothing either. */
	assert_int_equal(crypto_field_open(f->t.fd->kr, DOMAIN_DEMO, &bn, 0, blob, len, &plain, &plen,
					   &m),
			 STATUS_INTEGRITY);
	assert_null(plain);
	assert_int_equal(crypto_field_open(f->t.nurse->kr, DOMAIN_CLIN, &bn, 0, blob, len, &plain,
					   &plen, &m),
			 STATUS_OK);
	assert_string_equal(plain, "Tinnitus since the concert.");
	crypto_free_plain(plain, plen);
	plain = NULL;
	free(blob);

	/* An allergy's substance. */
	snprintf(where, sizeof where, "arow = %lld", (long long)arow);
	blob = raw_blob(f, "allergies", "substance", where, id, &len);
	ba.row_id = id;
	assert_int_equal(crypto_field_open(f->t.fd->kr, DOMAIN_CLIN, &ba, 0, blob, len, &plain, &plen,
					   &m),
			 STATUS_DENIED);
	assert_null(plain);
	assert_int_equal(crypto_field_open(f->t.fd->kr, DOMAIN_DEMO, &ba, 0, blob, len, &plain, &plen,
					   &m),
			 STATUS_INTEGRITY);
	assert_int_equal(crypto_field_open(f->t.nurse->kr, DOMAIN_CLIN, &ba, 0, blob, len, &plain,
					   &plen, &m),
			 STATUS_OK);
	assert_string_equal(plain, "Tetracycline");
	crypto_free_plain(plain, plen);
	plain = NULL;
	free(blob);

	/* The reason for visit the front desk itself sealed. */
	snprintf(where, sizeof where, "erow = %lld", (long long)erow);
	blob = raw_blob(f, "encounters", "reason", where, id, &len);
	br.row_id = id;
	br.encounter_id = id;
	assert_int_not_equal(crypto_unseal_text(f->t.fd->kr, DOMAIN_CLIN, &br, 0, blob, len, &plain,
						&plen, &m),
			     STATUS_OK);
	assert_null(plain);
	assert_int_not_equal(crypto_unseal_text(f->t.fd->kr, DOMAIN_DEMO, &br, 0, blob, len, &plain,
						&plen, &m),
			     STATUS_OK);
	assert_null(plain);
	assert_int_equal(crypto_unseal_text(f->t.nurse->kr, DOMAIN_CLIN, &br, 0, blob, len, &plain,
					    &plen, &m),
			 STATUS_OK);
	assert_string_equal(plain, "Ringing in both ears");
	crypto_free_plain(plain, plen);
	free(blob);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encounter_types),
		cmocka_unit_test(test_checkin_reason_sealed_from_front_desk),
		cmocka_unit_test(test_tampered_reason_reported_not_shown),
		cmocka_unit_test(test_reason_empty_without_clin_key),
		cmocka_unit_test(test_checkin_validation),
		cmocka_unit_test(test_encounter_close_and_list),
		cmocka_unit_test(test_vitals_refused_when_implausible),
		cmocka_unit_test(test_vitals_units_and_bmi),
		cmocka_unit_test(test_allergies_and_nka),
		cmocka_unit_test(test_medications),
		cmocka_unit_test(test_problems_icd10),
		cmocka_unit_test(test_problems_snomed),
		cmocka_unit_test(test_notes_draft_sign_addendum),
		cmocka_unit_test(test_signed_note_final_in_database),
		cmocka_unit_test(test_note_deficiencies),
		cmocka_unit_test(test_role_matrix_on_clinical_calls),
		cmocka_unit_test(test_views_and_changes_audited),
		cmocka_unit_test(test_no_phi_in_database_files),
		cmocka_unit_test(test_front_desk_cannot_decrypt_clinical_rows),
	};
	return cmocka_run_group_tests_name("clinical", tests, group_setup, group_teardown);
}
