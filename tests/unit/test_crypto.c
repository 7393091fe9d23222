/* test_crypto.c - core/crypto.h: key wrapping, field encryption bound to
 * table/column/row, tamper detection, blind tokens, padding, keyring
 * wiping, recovery-key text and random ids. No database needed. */
#include "testutil.h"

#include <sys/wait.h>

#include "core/crypto.h"

typedef struct fixture {
	keyring_t *kr;    /* every domain, random keys, version 1 */
	keyring_t *other; /* every domain, other random keys */
	keyring_t *demo_only;
} fixture_t;

static keyring_t *ring_with(unsigned domains)
{
	keyring_t *kr = keyring_new();
	unsigned char key[CRYPTO_KEY_LEN];
	msg_t m;
	assert_non_null(kr);
	for (int d = 0; d < DOMAIN_COUNT; d++) {
		if (!(domains & DOMAIN_BIT(d)))
			continue;
		randombytes_buf(key, sizeof key);
		assert_int_equal(keyring_set(kr, (domain_t)d, 1, key, &m), STATUS_OK);
	}
	sodium_memzero(key, sizeof key);
	return kr;
}

static int group_setup(void **state)
{
	fixture_t *f = calloc(1, sizeof *f);
	tu_crypto_init();
	assert_non_null(f);
	f->kr = ring_with(DOMAIN_ALL);
	f->other = ring_with(DOMAIN_ALL);
	f->demo_only = ring_with(DOMAIN_BIT(DOMAIN_DEMO));
	*state = f;
	return 0;
}

static int group_teardown(void **state)
{
	fixture_t *f = *state;
	keyring_free(f->kr);
	keyring_free(f->other);
	keyring_free(f->demo_only);
	free(f);
	return 0;
}

/* Encrypt text into a malloc'd blob, failing the test on error. */
static unsigned char *enc(const keyring_t *kr, domain_t d, const char *table, const char *col,
			  const char *row, const char *text, size_t len, int pad, size_t *blob_len)
{
	unsigned char *blob = NULL;
	msg_t m;
	status_t st = crypto_field_encrypt(kr, d, table, col, row, text, len, pad, &blob, blob_len, &m);
	if (st != STATUS_OK)
		fail_msg("encrypt: %s", m.text);
	assert_non_null(blob);
	return blob;
}

/* Decrypt and expect exactly text back. */
static void expect_plain(const keyring_t *kr, domain_t d, const char *table, const char *col,
			 const char *row, const unsigned char *blob, size_t blob_len,
			 const char *text, size_t len)
{
	char *out = NULL;
	size_t out_len = 99;
	msg_t m;
	status_t st = crypto_field_decrypt(kr, d, table, col, row, blob, blob_len, &out, &out_len, &m);
	if (st != STATUS_OK)
		fail_msg("decrypt: %s (%s)", status_str(st), m.text);
	assert_non_null(out);
	assert_int_equal(out_len, len);
	assert_memory_equal(out, text, len);
	assert_int_equal(out[len], '\0');
	crypto_free_plain(out, out_len);
}

/* Decrypt and expect STATUS_INTEGRITY, no output, and a message that
 * does not reveal the plaintext. */
static void expect_integrity(const keyring_t *kr, domain_t d, const char *table, const char *col,
			     const char *row, const unsigned char *blob, size_t blob_len,
			     const char *secret, const char *what)
{
	char *out = (char *)"sentinel";
	size_t out_len = 99;
	msg_t m;
	status_t st;
	msg_clear(&m);
	st = crypto_field_decrypt(kr, d, table, col, row, blob, blob_len, &out, &out_len, &m);
	if (st != STATUS_INTEGRITY) {
		if (st == STATUS_OK)
			crypto_free_plain(out, out_len);
		fail_msg("%s: expected integrity failure, got %s (%s)", what, status_str(st), m.text);
	}
	assert_null(out);
	assert_int_equal(out_len, 0);
	assert_true(strlen(m.text) > 0);
	if (tu_has(m.text, secret))
		fail_msg("%s: message reveals the plaintext: %s", what, m.text);
}

/* ---- wraps ---- */

static void test_wrap_round_trip(void **state)
{
	secret_t kek = {0};
	unsigned char key[CRYPTO_KEY_LEN], back[CRYPTO_KEY_LEN], blob[CRYPTO_WRAP_LEN];
	msg_t m;
	(void)state;
	assert_int_equal(secret_new(&kek, 1, &m), STATUS_OK);
	randombytes_buf(key, sizeof key);
	assert_int_equal(crypto_wrap(kek.bytes, "user1", "demo", 1, key, blob, &m), STATUS_OK);
	/* The wrapped blob does not contain the key. */
	assert_false(tu_contains(blob, sizeof blob, key, sizeof key));
	assert_int_equal(crypto_unwrap(kek.bytes, "user1", "demo", 1, blob, sizeof blob, back, &m),
			 STATUS_OK);
	assert_memory_equal(back, key, sizeof key);
	secret_free(&kek);
}

static void test_unwrap_wrong_kek(void **state)
{
	secret_t kek = {0}, wrong = {0};
	unsigned char key[CRYPTO_KEY_LEN], back[CRYPTO_KEY_LEN], blob[CRYPTO_WRAP_LEN];
	msg_t m;
	(void)state;
	assert_int_equal(secret_new(&kek, 1, &m), STATUS_OK);
	assert_int_equal(secret_new(&wrong, 1, &m), STATUS_OK);
	randombytes_buf(key, sizeof key);
	assert_int_equal(crypto_wrap(kek.bytes, "user1", "demo", 1, key, blob, &m), STATUS_OK);
	memset(back, 0xAA, sizeof back);
	assert_int_equal(crypto_unwrap(wrong.bytes, "user1", "demo", 1, blob, sizeof blob, back, &m),
			 STATUS_AUTH);
	/* Nothing of a half-opened key is left in the output. */
	assert_false(memcmp(back, key, sizeof key) == 0);
	assert_true(sodium_is_zero(back, sizeof back));
	secret_free(&kek);
	secret_free(&wrong);
}

static void test_wrap_aad_binding(void **state)
{
	secret_t kek = {0};
	unsigned char key[CRYPTO_KEY_LEN], back[CRYPTO_KEY_LEN], blob[CRYPTO_WRAP_LEN];
	msg_t m;
	(void)state;
	assert_int_equal(secret_new(&kek, 1, &m), STATUS_OK);
	randombytes_buf(key, sizeof key);
	assert_int_equal(crypto_wrap(kek.bytes, "user1", "clin", 2, key, blob, &m), STATUS_OK);
	/* Another holder, another domain, another version: all refused. */
	assert_int_equal(crypto_unwrap(kek.bytes, "user2", "clin", 2, blob, sizeof blob, back, &m),
			 STATUS_AUTH);
	assert_int_equal(crypto_unwrap(kek.bytes, "user1", "demo", 2, blob, sizeof blob, back, &m),
			 STATUS_AUTH);
	assert_int_equal(crypto_unwrap(kek.bytes, "user1", "clin", 1, blob, sizeof blob, back, &m),
			 STATUS_AUTH);
	assert_int_equal(crypto_unwrap(kek.bytes, "recovery", "clin", 2, blob, sizeof blob, back, &m),
			 STATUS_AUTH);
	/* A short or altered blob is refused too. */
	assert_int_equal(crypto_unwrap(kek.bytes, "user1", "clin", 2, blob, sizeof blob - 1, back, &m),
			 STATUS_AUTH);
	for (size_t i = 0; i < sizeof blob; i++) {
		blob[i] ^= 0x01;
		/* byte 1 (the version copy) is not authenticated on its own, but
		 * the version the caller names is: only that byte may pass. */
		if (i != 1)
			assert_int_equal(crypto_unwrap(kek.bytes, "user1", "clin", 2, blob, sizeof blob,
						       back, &m),
					 STATUS_AUTH);
		blob[i] ^= 0x01;
	}
	assert_int_equal(crypto_unwrap(kek.bytes, "user1", "clin", 2, blob, sizeof blob, back, &m),
			 STATUS_OK);
	assert_memory_equal(back, key, sizeof key);
	secret_free(&kek);
}

static void test_seal_round_trip(void **state)
{
	unsigned char pk[CRYPTO_PK_LEN], pk2[CRYPTO_PK_LEN], key[CRYPTO_KEY_LEN],
		back[CRYPTO_KEY_LEN], sealed[CRYPTO_SEALED_LEN];
	secret_t sk = {0}, sk2 = {0};
	msg_t m;
	(void)state;
	assert_int_equal(secret_new(&sk, 0, &m), STATUS_OK);
	assert_int_equal(secret_new(&sk2, 0, &m), STATUS_OK);
	assert_int_equal(crypto_user_keypair(pk, &sk, &m), STATUS_OK);
	assert_int_equal(crypto_user_keypair(pk2, &sk2, &m), STATUS_OK);
	randombytes_buf(key, sizeof key);
	assert_int_equal(crypto_seal(pk, key, sealed, &m), STATUS_OK);
	assert_int_equal(crypto_unseal(pk, sk.bytes, sealed, sizeof sealed, back, &m), STATUS_OK);
	assert_memory_equal(back, key, sizeof key);
	/* Someone else's key pair cannot open it. */
	assert_int_not_equal(crypto_unseal(pk2, sk2.bytes, sealed, sizeof sealed, back, &m),
			     STATUS_OK);
	sealed[10] ^= 1;
	assert_int_not_equal(crypto_unseal(pk, sk.bytes, sealed, sizeof sealed, back, &m), STATUS_OK);
	secret_free(&sk);
	secret_free(&sk2);
}

static void test_kek_derive(void **state)
{
	secret_t a = {0}, b = {0}, c = {0};
	unsigned char salt[CRYPTO_SALT_LEN], salt2[CRYPTO_SALT_LEN];
	config_t cfg;
	msg_t m;
	(void)state;
	tu_config(&cfg);
	crypto_salt(salt);
	crypto_salt(salt2);
	assert_memory_not_equal(salt, salt2, sizeof salt);
	assert_int_equal(secret_new(&a, 0, &m), STATUS_OK);
	assert_int_equal(secret_new(&b, 0, &m), STATUS_OK);
	assert_int_equal(secret_new(&c, 0, &m), STATUS_OK);
	assert_int_equal(crypto_kek_derive(&a, "a long test password", salt, config_argon_ops(&cfg),
					   config_argon_mem(&cfg), &m),
			 STATUS_OK);
	assert_int_equal(crypto_kek_derive(&b, "a long test password", salt, config_argon_ops(&cfg),
					   config_argon_mem(&cfg), &m),
			 STATUS_OK);
	assert_memory_equal(a.bytes, b.bytes, CRYPTO_KEY_LEN);
	assert_false(sodium_is_zero(a.bytes, CRYPTO_KEY_LEN));
	assert_int_equal(crypto_kek_derive(&c, "a long test password", salt2, config_argon_ops(&cfg),
					   config_argon_mem(&cfg), &m),
			 STATUS_OK);
	assert_memory_not_equal(a.bytes, c.bytes, CRYPTO_KEY_LEN);
	/* Stored costs below libsodium's minimum are refused, not used. */
	assert_int_not_equal(crypto_kek_derive(&c, "x", salt, 0, config_argon_mem(&cfg), &m),
			     STATUS_OK);
	secret_free(&a);
	secret_free(&b);
	secret_free(&c);
}

/* ---- field encryption ---- */

static void test_field_round_trip(void **state)
{
	fixture_t *f = *state;
	static const char *const texts[] = {
		"Smith",
		"",
		"Zoë Ångström-Øberg, 日本語の名前 🩺",
		"O'Brien; DROP TABLE patients; --",
	};
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		for (int pad = 0; pad <= 1; pad++) {
			size_t len = strlen(texts[i]), blob_len = 0;
			unsigned char *blob = enc(f->kr, DOMAIN_DEMO, "patients", "last_name",
						  "0123456789abcdef0123456789abcdef", texts[i], len,
						  pad, &blob_len);
			if (len)
				assert_false(tu_contains(blob, blob_len, texts[i], len));
			expect_plain(f->kr, DOMAIN_DEMO, "patients", "last_name",
				     "0123456789abcdef0123456789abcdef", blob, blob_len, texts[i],
				     len);
			free(blob);
		}
}

static void test_field_round_trip_10k(void **state)
{
	fixture_t *f = *state;
	size_t len = 10 * 1024;
	char *text = malloc(len + 1);
	assert_non_null(text);
	for (size_t i = 0; i < len; i++)
		text[i] = (char)('a' + i % 26);
	text[len] = '\0';
	for (int pad = 0; pad <= 1; pad++) {
		size_t blob_len = 0;
		unsigned char *blob =
			enc(f->kr, DOMAIN_CLIN, "notes", "body", "row-10k", text, len, pad, &blob_len);
		assert_true(blob_len > len);
		expect_plain(f->kr, DOMAIN_CLIN, "notes", "body", "row-10k", blob, blob_len, text, len);
		free(blob);
	}
	free(text);
}

static void test_field_two_encryptions_differ(void **state)
{
	fixture_t *f = *state;
	size_t l1, l2;
	unsigned char *a = enc(f->kr, DOMAIN_DEMO, "patients", "mrn", "r1", "CR00001", 7, 0, &l1);
	unsigned char *b = enc(f->kr, DOMAIN_DEMO, "patients", "mrn", "r1", "CR00001", 7, 0, &l2);
	/* A random nonce per value: equal values do not give equal blobs. */
	assert_int_equal(l1, l2);
	assert_memory_not_equal(a, b, l1);
	free(a);
	free(b);
}

static void test_field_moved_blob_fails(void **state)
{
	fixture_t *f = *state;
	const char *secret = "Penicillin allergy";
	size_t len = 0;
	unsigned char *blob = enc(f->kr, DOMAIN_CLIN, "allergies", "substance", "rowA", secret,
				  strlen(secret), 1, &len);
	expect_plain(f->kr, DOMAIN_CLIN, "allergies", "substance", "rowA", blob, len, secret,
		     strlen(secret));
	expect_integrity(f->kr, DOMAIN_CLIN, "allergies", "substance", "rowB", blob, len, secret,
			 "another row");
	expect_integrity(f->kr, DOMAIN_CLIN, "allergies", "reaction", "rowA", blob, len, secret,
			 "another column");
	expect_integrity(f->kr, DOMAIN_CLIN, "medications", "substance", "rowA", blob, len, secret,
			 "another table");
	/* Under another keyring (another clinic's keys) it does not open. */
	expect_integrity(f->other, DOMAIN_CLIN, "allergies", "substance", "rowA", blob, len, secret,
			 "another key");
	/* And the message names the record so staff can report it. */
	{
		char *out = NULL;
		msg_t m;
		assert_int_equal(crypto_field_decrypt(f->kr, DOMAIN_CLIN, "allergies", "substance",
						      "rowB", blob, len, &out, NULL, &m),
				 STATUS_INTEGRITY);
		assert_true(tu_has(m.text, "rowB"));
		assert_true(tu_has(m.text, "allergies.substance"));
	}
	free(blob);
}

static void test_field_flipped_byte_fails_everywhere(void **state)
{
	fixture_t *f = *state;
	const char *secret = "HIVpositive";
	static const unsigned char flips[] = {0x01, 0x80, 0xFF};
	for (int pad = 0; pad <= 1; pad++) {
		size_t len = 0;
		unsigned char *blob = enc(f->kr, DOMAIN_CLIN, "problems", "text", "row1", secret,
					  strlen(secret), pad, &len);
		for (size_t i = 0; i < len; i++)
			for (size_t k = 0; k < sizeof flips; k++) {
				char what[64];
				snprintf(what, sizeof what, "pad=%d byte %zu ^ 0x%02x", pad, i,
					 flips[k]);
				blob[i] ^= flips[k];
				expect_integrity(f->kr, DOMAIN_CLIN, "problems", "text", "row1", blob,
						 len, secret, what);
				blob[i] ^= flips[k];
			}
		/* Cut short anywhere: still an integrity failure, never a crash. */
		for (size_t cut = 0; cut < len; cut++)
			expect_integrity(f->kr, DOMAIN_CLIN, "problems", "text", "row1", blob, cut,
					 secret, "truncated");
		expect_plain(f->kr, DOMAIN_CLIN, "problems", "text", "row1", blob, len, secret,
			     strlen(secret));
		free(blob);
	}
}

/* The first byte says whether the value is padded. Switching it must not
 * yield a "successful" decryption of something else (the pad bytes shown
 * as text, or a value cut short by a bogus unpad). */
static void test_field_format_byte_switch_fails(void **state)
{
	fixture_t *f = *state;
	const char *secret = "Depression, recurrent";
	size_t len = 0;
	unsigned char *blob;

	blob = enc(f->kr, DOMAIN_CLIN, "notes", "body", "row9", secret, strlen(secret), 1, &len);
	assert_int_equal(blob[0] ^ 0x03, 1); /* padded (2) -> plain (1) */
	blob[0] = 1;
	expect_integrity(f->kr, DOMAIN_CLIN, "notes", "body", "row9", blob, len, secret,
			 "padded blob relabelled plain");
	free(blob);

	blob = enc(f->kr, DOMAIN_CLIN, "notes", "body", "row9", secret, strlen(secret), 0, &len);
	blob[0] = 2; /* plain -> padded */
	expect_integrity(f->kr, DOMAIN_CLIN, "notes", "body", "row9", blob, len, secret,
			 "plain blob relabelled padded");
	free(blob);
}

static void test_field_without_domain_key_denied(void **state)
{
	fixture_t *f = *state;
	size_t len = 0;
	unsigned char *blob =
		enc(f->kr, DOMAIN_CLIN, "notes", "body", "r1", "clinical text", 13, 1, &len);
	unsigned char *out_blob = (unsigned char *)"x";
	size_t out_len = 5;
	char *out = (char *)"x";
	unsigned char token[8];
	msg_t m;

	assert_int_equal(crypto_field_decrypt(f->demo_only, DOMAIN_CLIN, "notes", "body", "r1", blob,
					      len, &out, NULL, &m),
			 STATUS_DENIED);
	assert_null(out);
	assert_true(tu_has(m.text, "clin"));
	assert_int_equal(crypto_field_encrypt(f->demo_only, DOMAIN_CLIN, "notes", "body", "r1", "x",
					      1, 0, &out_blob, &out_len, &m),
			 STATUS_DENIED);
	assert_null(out_blob);
	assert_int_equal(out_len, 0);
	assert_int_equal(crypto_blind_token(f->demo_only, DOMAIN_CLIN, "notes", "body", "x",
					    sizeof token, token, &m),
			 STATUS_DENIED);
	assert_int_equal(crypto_blind_token(f->demo_only, DOMAIN_AUDIT, "audit", "x", "x",
					    sizeof token, token, &m),
			 STATUS_DENIED);
	free(blob);
}


/* ---- format 2: bound to the chart too ------------------------------------ */

static status_t open2(const keyring_t *kr, domain_t d, const crypto_bind_t *b, unsigned flags,
		      const unsigned char *blob, size_t len, char **out)
{
	size_t n = 0;
	msg_t m;
	status_t st;
	*out = NULL;
	st = crypto_field_open(kr, d, b, flags, blob, len, out, &n, &m);
	if (st != STATUS_OK)
		assert_null(*out);
	return st;
}

/* A value is bound to its table, column, row, patient, encounter and the
 * clear state given: change any one and it does not open. */
static void test_field_v2_binding(void **state)
{
	fixture_t *f = *state;
	const char *secret = "Panic attacks";
	const char *pid = "0123456789abcdef0123456789abcdef";
	const char *other = "fedcba9876543210fedcba9876543210";
	crypto_bind_t b = {"notes", "body", "n1", pid, "e1", "c1v2"}, x;
	unsigned char *blob = NULL;
	size_t len = 0;
	char *out = NULL;
	msg_t m;
	assert_int_equal(crypto_field_seal(f->kr, DOMAIN_CLIN, &b, secret, strlen(secret), 1, &blob,
					   &len, &m),
			 STATUS_OK);
	assert_int_equal(blob[0], 5); /* format 2, padded */
	assert_false(crypto_blob_is_legacy(blob, len));
	assert_int_equal(open2(f->kr, DOMAIN_CLIN, &b, 0, blob, len, &out), STATUS_OK);
	assert_string_equal(out, secret);
	crypto_free_plain(out, 0);
#define REFUSED(change)                                                                  \
	do {                                                                             \
		x = b;                                                                   \
		change;                                                                  \
		if (open2(f->kr, DOMAIN_CLIN, &x, CRYPTO_OPEN_LEGACY, blob, len, &out) != \
		    STATUS_INTEGRITY)                                                    \
			fail_msg("opened although %s", #change);                          \
	} while (0)
	REFUSED(x.table = "problems");
	REFUSED(x.column = "title");
	REFUSED(x.row_id = "n2");
	REFUSED(x.patient_id = other);
	REFUSED(x.encounter_id = "e2");
	REFUSED(x.encounter_id = NULL);
	REFUSED(x.state = "c0v2");
	REFUSED(x.state = "c1v3");
	REFUSED(x.state = NULL);
#undef REFUSED
	/* Nor through the format-1 door, nor relabelled format 1. */
	assert_int_equal(crypto_field_decrypt(f->kr, DOMAIN_CLIN, "notes", "body", "n1", blob, len,
					      &out, NULL, &m),
			 STATUS_INTEGRITY);
	blob[0] = 2;
	assert_int_equal(open2(f->kr, DOMAIN_CLIN, &b, CRYPTO_OPEN_LEGACY, blob, len, &out),
			 STATUS_INTEGRITY);
	blob[0] = 4; /* relabelled unpadded */
	assert_int_equal(open2(f->kr, DOMAIN_CLIN, &b, 0, blob, len, &out), STATUS_INTEGRITY);
	free(blob);
	/* No part may hold the separator (each part reads one way only). */
	x = b;
	x.row_id = "n1|x";
	assert_int_equal(crypto_field_seal(f->kr, DOMAIN_CLIN, &x, "t", 1, 0, &blob, &len, &m),
			 STATUS_CRYPTO);
	assert_null(blob);
	/* Nor be bound to no patient. */
	x = b;
	x.patient_id = NULL;
	assert_int_equal(crypto_field_seal(f->kr, DOMAIN_CLIN, &x, "t", 1, 0, &blob, &len, &m),
			 STATUS_CRYPTO);
	/* Without the domain key: denied, not "tampered". */
	assert_int_equal(crypto_field_seal(f->demo_only, DOMAIN_CLIN, &b, "t", 1, 0, &blob, &len, &m),
			 STATUS_DENIED);
}

/* A format-1 value (from before the binding to charts) opens only when the
 * caller allows the older form, and then only bound to its own row. */
static void test_field_v1_only_as_legacy(void **state)
{
	fixture_t *f = *state;
	const char *secret = "Old allergy text";
	crypto_bind_t b = {"allergies", "a", "r7", "0123456789abcdef0123456789abcdef", NULL, NULL};
	size_t len = 0;
	char *out = NULL;
	unsigned char *blob = enc(f->kr, DOMAIN_CLIN, "allergies", "a", "r7", secret,
				  strlen(secret), 1, &len);
	assert_true(crypto_blob_is_legacy(blob, len));
	assert_int_equal(open2(f->kr, DOMAIN_CLIN, &b, 0, blob, len, &out), STATUS_INTEGRITY);
	assert_int_equal(open2(f->kr, DOMAIN_CLIN, &b, CRYPTO_OPEN_LEGACY, blob, len, &out),
			 STATUS_OK);
	assert_string_equal(out, secret);
	crypto_free_plain(out, 0);
	b.row_id = "r8";
	assert_int_equal(open2(f->kr, DOMAIN_CLIN, &b, CRYPTO_OPEN_LEGACY, blob, len, &out),
			 STATUS_INTEGRITY);
	free(blob);
}

/* Sealed boxes (the front desk's reasons for visit) carry the row, patient
 * and encounter ids inside; the older box (row id only) opens only as
 * legacy. */
static void test_seal_text_v2_binding(void **state)
{
	fixture_t *f = *state;
	unsigned char pk[32], *blob = NULL, buf[128], box[256];
	size_t len = 0, plen = 0, n, padded;
	char *out = NULL;
	const char *pid = "0123456789abcdef0123456789abcdef";
	crypto_bind_t b = {"encounters", "reason", "e5", pid, "e5", NULL}, x;
	msg_t m;
	assert_int_equal(crypto_seal_public(f->kr, DOMAIN_CLIN, pk, &m), STATUS_OK);
	assert_int_equal(crypto_seal_text(pk, &b, "Suicidal thoughts", &blob, &len, &m), STATUS_OK);
	assert_int_equal(blob[0], 6);
	assert_int_equal(crypto_unseal_text(f->kr, DOMAIN_CLIN, &b, 0, blob, len, &out, &plen, &m),
			 STATUS_OK);
	assert_string_equal(out, "Suicidal thoughts");
	crypto_free_plain(out, plen);
	x = b;
	x.patient_id = "fedcba9876543210fedcba9876543210";
	assert_int_equal(crypto_unseal_text(f->kr, DOMAIN_CLIN, &x, CRYPTO_OPEN_LEGACY, blob, len,
					    &out, &plen, &m),
			 STATUS_INTEGRITY);
	x = b;
	x.row_id = "e6";
	assert_int_equal(crypto_unseal_text(f->kr, DOMAIN_CLIN, &x, 0, blob, len, &out, &plen, &m),
			 STATUS_INTEGRITY);
	assert_int_equal(crypto_unseal_text(f->demo_only, DOMAIN_CLIN, &b, 0, blob, len, &out,
					    &plen, &m),
			 STATUS_DENIED);
	free(blob);
	/* The older form, as the previous release sealed it. */
	n = (size_t)snprintf((char *)buf, sizeof buf, "e5|Old reason");
	assert_int_equal(sodium_pad(&padded, buf, n, 64, sizeof buf), 0);
	box[0] = 3;
	assert_int_equal(crypto_box_seal(box + 1, buf, padded, pk), 0);
	len = 1 + padded + crypto_box_SEALBYTES;
	assert_int_equal(crypto_unseal_text(f->kr, DOMAIN_CLIN, &b, 0, box, len, &out, &plen, &m),
			 STATUS_INTEGRITY);
	assert_int_equal(crypto_unseal_text(f->kr, DOMAIN_CLIN, &b, CRYPTO_OPEN_LEGACY, box, len,
					    &out, &plen, &m),
			 STATUS_OK);
	assert_string_equal(out, "Old reason");
	crypto_free_plain(out, plen);
}

static void test_integrity_mac(void **state)
{
	fixture_t *f = *state;
	unsigned char a[CRYPTO_IMAC_LEN], b[CRYPTO_IMAC_LEN];
	int version = 0;
	msg_t m;
	keyring_t *audit_only = ring_with(DOMAIN_BIT(DOMAIN_AUDIT));
	assert_int_equal(crypto_integrity_mac(f->kr, CRYPTO_CURRENT, "row", 3, a, &version, &m), STATUS_OK);
	assert_int_equal(version, 1);
	assert_int_equal(crypto_integrity_mac(f->demo_only, CRYPTO_CURRENT, "row", 3, b, NULL, &m), STATUS_OK);
	assert_memory_not_equal(a, b, sizeof a); /* another clinic's demo key */
	assert_int_equal(crypto_integrity_mac(f->kr, CRYPTO_CURRENT, "row", 3, b, NULL, &m), STATUS_OK);
	assert_memory_equal(a, b, sizeof a);
	assert_int_equal(crypto_integrity_mac(f->kr, CRYPTO_CURRENT, "rox", 3, b, NULL, &m), STATUS_OK);
	assert_memory_not_equal(a, b, sizeof a);
	/* Not the audit chain's key, nor any column's. */
	assert_int_equal(crypto_audit_mac(f->kr, CRYPTO_CURRENT, (const unsigned char *)"row", 3, b, &m), STATUS_OK);
	assert_memory_not_equal(a, b, sizeof a);
	assert_int_equal(crypto_integrity_mac(audit_only, CRYPTO_CURRENT, "row", 3, b, NULL, &m), STATUS_DENIED);
	keyring_free(audit_only);
}

static void test_padding_hides_length(void **state)
{
	fixture_t *f = *state;
	const char *short_text = "flu";
	const char *long_text = "Patient reports three days of fever/cold";
	size_t l_short, l_long, p_short, p_long;
	unsigned char *a, *b, *c, *d;
	assert_int_equal(strlen(short_text), 3);
	assert_int_equal(strlen(long_text), 40);
	a = enc(f->kr, DOMAIN_CLIN, "notes", "body", "r", short_text, 3, 1, &p_short);
	b = enc(f->kr, DOMAIN_CLIN, "notes", "body", "r", long_text, 40, 1, &p_long);
	assert_int_equal(p_short, p_long);
	/* Without padding the lengths differ by the text's. */
	c = enc(f->kr, DOMAIN_CLIN, "notes", "body", "r", short_text, 3, 0, &l_short);
	d = enc(f->kr, DOMAIN_CLIN, "notes", "body", "r", long_text, 40, 0, &l_long);
	assert_int_equal(l_long - l_short, 37);
	/* A longer text moves to the next block. */
	{
		char big[100];
		size_t p_big;
		unsigned char *e;
		memset(big, 'x', sizeof big);
		e = enc(f->kr, DOMAIN_CLIN, "notes", "body", "r", big, sizeof big, 1, &p_big);
		assert_true(p_big > p_long);
		assert_int_equal((p_big - p_long) % 64, 0);
		free(e);
	}
	free(a);
	free(b);
	free(c);
	free(d);
}

/* ---- blind tokens ---- */

static void tok(const keyring_t *kr, const char *table, const char *col, const char *value,
		unsigned char out[8])
{
	msg_t m;
	status_t st = crypto_blind_token(kr, DOMAIN_DEMO, table, col, value, 8, out, &m);
	if (st != STATUS_OK)
		fail_msg("blind token: %s", m.text);
}

static void test_blind_tokens(void **state)
{
	fixture_t *f = *state;
	unsigned char a[8], b[8], c[8], d[8], e[8], g[8];
	msg_t m;
	tok(f->kr, "patients", "last_name", "smith", a);
	tok(f->kr, "patients", "last_name", "smith", b);
	assert_memory_equal(a, b, 8); /* deterministic: the index works */
	tok(f->kr, "patients", "first_name", "smith", c);
	assert_memory_not_equal(a, c, 8); /* per column */
	tok(f->kr, "contacts", "last_name", "smith", g);
	assert_memory_not_equal(a, g, 8); /* per table */
	tok(f->other, "patients", "last_name", "smith", d);
	assert_memory_not_equal(a, d, 8); /* per clinic key */
	tok(f->kr, "patients", "last_name", "smyth", e);
	assert_memory_not_equal(a, e, 8); /* per value */
	/* The token is not the encryption subkey's output: an index token and
	 * a field blob of the same value share nothing recognisable. */
	{
		size_t len;
		unsigned char *blob = enc(f->kr, DOMAIN_DEMO, "patients", "last_name", "r", "smith",
					  5, 0, &len);
		assert_false(tu_contains(blob, len, a, 8));
		free(blob);
	}
	/* Length limits. */
	{
		unsigned char big[CRYPTO_TOKEN_MAX + 1];
		assert_int_equal(crypto_blind_token(f->kr, DOMAIN_DEMO, "p", "c", "v", 4, big, &m),
				 STATUS_OK);
		assert_int_equal(crypto_blind_token(f->kr, DOMAIN_DEMO, "p", "c", "v",
						    CRYPTO_TOKEN_MAX, big, &m),
				 STATUS_OK);
		assert_int_not_equal(crypto_blind_token(f->kr, DOMAIN_DEMO, "p", "c", "v", 3, big, &m),
				     STATUS_OK);
		assert_int_not_equal(crypto_blind_token(f->kr, DOMAIN_DEMO, "p", "c", "v",
							CRYPTO_TOKEN_MAX + 1, big, &m),
				     STATUS_OK);
	}
}

static void test_audit_mac(void **state)
{
	fixture_t *f = *state;
	unsigned char a[32], b[32], c[32], d[32];
	msg_t m;
	assert_int_equal(crypto_audit_mac(f->kr, CRYPTO_CURRENT, (const unsigned char *)"row", 3, a, &m), STATUS_OK);
	assert_int_equal(crypto_audit_mac(f->kr, CRYPTO_CURRENT, (const unsigned char *)"row", 3, b, &m), STATUS_OK);
	assert_memory_equal(a, b, 32);
	assert_int_equal(crypto_audit_mac(f->kr, CRYPTO_CURRENT, (const unsigned char *)"rox", 3, c, &m), STATUS_OK);
	assert_memory_not_equal(a, c, 32);
	assert_int_equal(crypto_audit_mac(f->other, CRYPTO_CURRENT, (const unsigned char *)"row", 3, d, &m),
			 STATUS_OK);
	assert_memory_not_equal(a, d, 32);
	assert_int_equal(crypto_audit_mac(f->demo_only, CRYPTO_CURRENT, (const unsigned char *)"row", 3, d, &m),
			 STATUS_DENIED);
}

/* ---- keyrings ---- */

static void test_keyring_basics(void **state)
{
	keyring_t *kr = keyring_new();
	unsigned char k1[CRYPTO_KEY_LEN], k2[CRYPTO_KEY_LEN];
	msg_t m;
	(void)state;
	assert_non_null(kr);
	assert_int_equal(keyring_domains(kr), 0);
	assert_null(keyring_key(kr, DOMAIN_DEMO));
	randombytes_buf(k1, sizeof k1);
	randombytes_buf(k2, sizeof k2);
	assert_int_equal(keyring_set(kr, DOMAIN_CLIN, 1, k1, &m), STATUS_OK);
	assert_true(keyring_has(kr, DOMAIN_CLIN));
	assert_false(keyring_has(kr, DOMAIN_DEMO));
	assert_int_equal(keyring_domains(kr), DOMAIN_BIT(DOMAIN_CLIN));
	assert_int_equal(keyring_version(kr, DOMAIN_CLIN), 1);
	assert_memory_equal(keyring_key(kr, DOMAIN_CLIN), k1, sizeof k1);
	/* A newer version replaces the older one. */
	assert_int_equal(keyring_set(kr, DOMAIN_CLIN, 2, k2, &m), STATUS_OK);
	assert_int_equal(keyring_version(kr, DOMAIN_CLIN), 2);
	assert_memory_equal(keyring_key(kr, DOMAIN_CLIN), k2, sizeof k2);
	assert_int_not_equal(keyring_set(kr, DOMAIN_COUNT, 1, k1, &m), STATUS_OK);
	assert_false(keyring_has(NULL, DOMAIN_DEMO));
	assert_int_equal(keyring_domains(NULL), 0);
	keyring_free(kr);
	keyring_free(NULL);
	keyring_wipe(NULL);
}

static void test_keyring_wipe_zeroes(void **state)
{
	keyring_t *kr = ring_with(DOMAIN_ALL);
	unsigned char *base;
	size_t n = DOMAIN_COUNT * CRYPTO_KEY_LEN;
	(void)state;
	/* Use the keys so any derived material exists too. */
	{
		unsigned char t[8];
		msg_t m;
		assert_int_equal(crypto_blind_token(kr, DOMAIN_DEMO, "p", "c", "v", 8, t, &m),
				 STATUS_OK);
	}
	/* The domain keys sit together in one guarded allocation starting at
	 * the first domain's key (crypto.c); remember where before wiping. */
	base = (unsigned char *)(uintptr_t)keyring_key(kr, (domain_t)0);
	assert_non_null(base);
	assert_false(sodium_is_zero(base, n));
	keyring_wipe(kr);
	assert_int_equal(keyring_domains(kr), 0);
	for (int d = 0; d < DOMAIN_COUNT; d++) {
		assert_false(keyring_has(kr, (domain_t)d));
		assert_int_equal(keyring_version(kr, (domain_t)d), 0);
		assert_null(keyring_key(kr, (domain_t)d));
	}
	/* The bytes themselves are zero (the wipe may also have made the page
	 * inaccessible: open it for reading, then leave it writable). */
	assert_int_equal(sodium_mprotect_readonly(base), 0);
	assert_true(sodium_is_zero(base, n));
	assert_int_equal(sodium_mprotect_readwrite(base), 0);
	/* A wiped ring cannot encrypt. */
	{
		unsigned char *blob = NULL;
		size_t len = 0;
		msg_t m;
		assert_int_equal(crypto_field_encrypt(kr, DOMAIN_DEMO, "p", "c", "r", "x", 1, 0, &blob,
						      &len, &m),
				 STATUS_DENIED);
		assert_null(blob);
	}
	keyring_free(kr);
}

/* ---- recovery keys, ids, names ---- */

static void test_recovery_format_parse(void **state)
{
	unsigned char key[CRYPTO_KEY_LEN], back[CRYPTO_KEY_LEN];
	char text[CRYPTO_RECOVERY_TEXT], lower[CRYPTO_RECOVERY_TEXT], spaced[CRYPTO_RECOVERY_TEXT];
	msg_t m;
	size_t groups = 0;
	(void)state;
	randombytes_buf(key, sizeof key);
	crypto_recovery_format(key, text);
	/* 64 hex digits in groups of 8 joined by '-'. */
	assert_int_equal(strlen(text), 64 + 7);
	for (size_t i = 0; text[i]; i++) {
		if (i % 9 == 8) {
			assert_int_equal(text[i], '-');
			groups++;
		} else {
			assert_true(strchr("0123456789ABCDEF", text[i]) != NULL);
		}
	}
	assert_int_equal(groups, 7);
	assert_int_equal(crypto_recovery_parse(text, back, &m), STATUS_OK);
	assert_memory_equal(back, key, sizeof key);
	/* As typed by a person: lower case, spaces instead of dashes. */
	for (size_t i = 0; i <= strlen(text); i++) {
		lower[i] = (char)tolower((unsigned char)text[i]);
		spaced[i] = text[i] == '-' ? ' ' : text[i];
	}
	memset(back, 0, sizeof back);
	assert_int_equal(crypto_recovery_parse(lower, back, &m), STATUS_OK);
	assert_memory_equal(back, key, sizeof key);
	assert_int_equal(crypto_recovery_parse(spaced, back, &m), STATUS_OK);
	assert_memory_equal(back, key, sizeof key);
}

static void test_recovery_parse_rejects_junk(void **state)
{
	unsigned char key[CRYPTO_KEY_LEN], back[CRYPTO_KEY_LEN];
	char text[CRYPTO_RECOVERY_TEXT], bad[CRYPTO_RECOVERY_TEXT + 8];
	msg_t m;
	static const char *const junk[] = {
		"", "hello", "not a recovery key at all", "12345678",
		"ZZZZZZZZ-ZZZZZZZZ-ZZZZZZZZ-ZZZZZZZZ-ZZZZZZZZ-ZZZZZZZZ-ZZZZZZZZ-ZZZZZZZZ",
	};
	(void)state;
	for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
		assert_int_equal(crypto_recovery_parse(junk[i], back, &m), STATUS_INVALID);
		assert_true(tu_has(m.text, "recovery key"));
	}
	randombytes_buf(key, sizeof key);
	crypto_recovery_format(key, text);
	/* One digit short. */
	snprintf(bad, sizeof bad, "%s", text);
	bad[strlen(bad) - 1] = '\0';
	assert_int_equal(crypto_recovery_parse(bad, back, &m), STATUS_INVALID);
	/* One group too many. */
	snprintf(bad, sizeof bad, "%s-AB", text);
	assert_int_equal(crypto_recovery_parse(bad, back, &m), STATUS_INVALID);
	/* A non-hex letter in the middle. */
	snprintf(bad, sizeof bad, "%s", text);
	bad[20] = 'G';
	assert_int_equal(crypto_recovery_parse(bad, back, &m), STATUS_INVALID);
}

static void test_random_ids(void **state)
{
	enum { N = 200 };
	char (*ids)[CRYPTO_ID_HEX + 1] = calloc(N, sizeof *ids);
	(void)state;
	assert_non_null(ids);
	for (int i = 0; i < N; i++) {
		crypto_random_id(ids[i]);
		assert_int_equal(strlen(ids[i]), CRYPTO_ID_HEX);
		assert_int_equal(CRYPTO_ID_HEX, 32);
		for (int k = 0; k < CRYPTO_ID_HEX; k++)
			assert_true(strchr("0123456789abcdef", ids[i][k]) != NULL);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(ids[i], ids[j]);
	}
	free(ids);
}

static int id_order(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The buffer behind ids and nonces is refilled every 4 KiB, each time from
 * a fresh seed: ids drawn across many refills never repeat (a seed used
 * twice would repeat the whole run of ids after it). */
static void test_random_ids_across_refills(void **state)
{
	enum { N = 4096 }; /* 16 refills of the buffer */
	char (*ids)[CRYPTO_ID_HEX + 1] = calloc(N, sizeof *ids);
	(void)state;
	assert_non_null(ids);
	for (int i = 0; i < N; i++)
		crypto_random_id(ids[i]);
	qsort(ids, N, sizeof *ids, id_order);
	for (int i = 0; i < N; i++) {
		assert_int_equal(strspn(ids[i], "0123456789abcdef"), CRYPTO_ID_HEX);
		if (i)
			assert_string_not_equal(ids[i - 1], ids[i]);
	}
	free(ids);
}

/* Sorted ids for bulk loads: ascending, distinct, well formed, and not
 * the same sequence twice. */
static void test_random_ids_sorted(void **state)
{
	enum { N = 5000 };
	char (*a)[CRYPTO_ID_HEX + 1] = calloc(N, sizeof *a), (*b)[CRYPTO_ID_HEX + 1] = calloc(N, sizeof *b);
	msg_t m;
	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(crypto_random_ids_sorted(a, N, &m), STATUS_OK);
	assert_int_equal(crypto_random_ids_sorted(b, N, &m), STATUS_OK);
	assert_int_equal(crypto_random_ids_sorted(b, 0, &m), STATUS_OK);
	for (int i = 0; i < N; i++) {
		assert_int_equal(strlen(a[i]), CRYPTO_ID_HEX);
		assert_int_equal(strspn(a[i], "0123456789abcdef"), CRYPTO_ID_HEX);
		if (i)
			assert_true(strcmp(a[i - 1], a[i]) < 0);
	}
	/* Spread over the whole range, as random ids are. */
	assert_true(a[0][0] == '0');
	assert_true(a[N - 1][0] == 'f');
	assert_string_not_equal(a[N / 2], b[N / 2]);
	free(a);
	free(b);
}

/* Ids and nonces come from a buffer of random bytes: a forked child must
 * not draw what its parent draws next (it would repeat ids and nonces). */
static void test_random_ids_differ_after_fork(void **state)
{
	char first[CRYPTO_ID_HEX + 1], parent[CRYPTO_ID_HEX + 1], child[CRYPTO_ID_HEX + 1] = "";
	int fd[2], status = 0;
	pid_t pid;
	(void)state;
	crypto_random_id(first); /* the buffer now holds bytes for later draws */
	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char id[CRYPTO_ID_HEX + 1];
		crypto_random_id(id);
		_exit(write(fd[1], id, sizeof id) == (ssize_t)sizeof id ? 0 : 1);
	}
	close(fd[1]);
	assert_int_equal(read(fd[0], child, sizeof child), (ssize_t)sizeof child);
	close(fd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	crypto_random_id(parent);
	assert_int_equal(strlen(child), CRYPTO_ID_HEX);
	assert_string_not_equal(child, parent);
	assert_string_not_equal(child, first);
}

/* A copy of a ring holds only the domains asked for, with their versions,
 * and encrypts and decrypts as the original does. */
static void test_keyring_copy(void **state)
{
	keyring_t *kr = keyring_new(), *c = NULL;
	unsigned char k1[CRYPTO_KEY_LEN], k2[CRYPTO_KEY_LEN], *blob = NULL;
	char *plain = NULL;
	size_t len = 0, plen = 0;
	msg_t m;
	(void)state;
	assert_non_null(kr);
	randombytes_buf(k1, sizeof k1);
	randombytes_buf(k2, sizeof k2);
	assert_int_equal(keyring_set(kr, DOMAIN_DEMO, 3, k1, &m), STATUS_OK);
	assert_int_equal(keyring_set(kr, DOMAIN_CLIN, 1, k2, &m), STATUS_OK);
	assert_int_equal(keyring_copy(kr, DOMAIN_BIT(DOMAIN_DEMO), &c, &m), STATUS_OK);
	assert_int_equal(keyring_domains(c), DOMAIN_BIT(DOMAIN_DEMO));
	assert_int_equal(keyring_version(c, DOMAIN_DEMO), 3);
	assert_memory_equal(keyring_key(c, DOMAIN_DEMO), k1, sizeof k1);
	assert_true(keyring_key(c, DOMAIN_DEMO) != keyring_key(kr, DOMAIN_DEMO));
	assert_int_equal(crypto_field_encrypt(c, DOMAIN_DEMO, "patients", "ident", "row1", "Zed", 3,
					      1, &blob, &len, &m),
			 STATUS_OK);
	assert_int_equal(crypto_field_decrypt(kr, DOMAIN_DEMO, "patients", "ident", "row1", blob,
					      len, &plain, &plen, &m),
			 STATUS_OK);
	assert_string_equal(plain, "Zed");
	crypto_free_plain(plain, plen);
	free(blob);
	keyring_free(c);
	/* Asking for a domain the ring does not hold is refused. */
	keyring_wipe(kr);
	assert_int_equal(keyring_set(kr, DOMAIN_DEMO, 1, k1, &m), STATUS_OK);
	c = (keyring_t *)1;
	assert_int_equal(keyring_copy(kr, DOMAIN_BIT(DOMAIN_CLIN), &c, &m), STATUS_DENIED);
	assert_null(c);
	keyring_free(kr);
}

static void test_domain_names(void **state)
{
	(void)state;
	assert_string_equal(crypto_domain_name(DOMAIN_DEMO), "demo");
	assert_string_equal(crypto_domain_name(DOMAIN_CLIN), "clin");
	assert_string_equal(crypto_domain_name(DOMAIN_AUDIT), "audit");
	for (int d = 0; d < DOMAIN_COUNT; d++)
		assert_int_equal(crypto_domain_from_name(crypto_domain_name((domain_t)d)), d);
	assert_int_equal(crypto_domain_from_name("phi"), DOMAIN_COUNT);
	assert_int_equal(crypto_domain_from_name(NULL), DOMAIN_COUNT);
	assert_string_equal(crypto_domain_name(DOMAIN_COUNT), "?");
	assert_int_equal(DOMAIN_ALL, 7);
}

static void test_secure_text_and_memcmp(void **state)
{
	char *p = crypto_secure_text(64);
	(void)state;
	assert_non_null(p);
	assert_true(sodium_is_zero((unsigned char *)p, 64));
	snprintf(p, 64, "typed secret");
	crypto_secure_text_free(p);
	crypto_secure_text_free(NULL);
	assert_int_equal(crypto_memcmp("abcd", "abcd", 4), 0);
	assert_int_not_equal(crypto_memcmp("abcd", "abce", 4), 0);
	crypto_free_plain(NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrap_round_trip),
		cmocka_unit_test(test_unwrap_wrong_kek),
		cmocka_unit_test(test_wrap_aad_binding),
		cmocka_unit_test(test_seal_round_trip),
		cmocka_unit_test(test_kek_derive),
		cmocka_unit_test(test_field_round_trip),
		cmocka_unit_test(test_field_round_trip_10k),
		cmocka_unit_test(test_field_two_encryptions_differ),
		cmocka_unit_test(test_field_moved_blob_fails),
		cmocka_unit_test(test_field_flipped_byte_fails_everywhere),
		cmocka_unit_test(test_field_format_byte_switch_fails),
		cmocka_unit_test(test_field_without_domain_key_denied),
		cmocka_unit_test(test_field_v2_binding),
		cmocka_unit_test(test_field_v1_only_as_legacy),
		cmocka_unit_test(test_seal_text_v2_binding),
		cmocka_unit_test(test_integrity_mac),
		cmocka_unit_test(test_padding_hides_length),
		cmocka_unit_test(test_blind_tokens),
		cmocka_unit_test(test_audit_mac),
		cmocka_unit_test(test_keyring_basics),
		cmocka_unit_test(test_keyring_wipe_zeroes),
		cmocka_unit_test(test_recovery_format_parse),
		cmocka_unit_test(test_recovery_parse_rejects_junk),
		cmocka_unit_test(test_random_ids),
		cmocka_unit_test(test_random_ids_sorted),
		cmocka_unit_test(test_random_ids_differ_after_fork),
		cmocka_unit_test(test_random_ids_across_refills),
		cmocka_unit_test(test_keyring_copy),
		cmocka_unit_test(test_domain_names),
		cmocka_unit_test(test_secure_text_and_memcmp),
	};
	return cmocka_run_group_tests_name("crypto", tests, group_setup, group_teardown);
}
