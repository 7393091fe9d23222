/* crypto.h - all of Chartroom's cryptography, on libsodium: domain keys held
 * in a keyring of guarded memory, password-derived KEKs, key wrapping, field
 * encryption bound to table/column/row, blind-index tokens, random ids.
 *
 * Key material only ever lives in sodium_malloc'd memory and is wiped when
 * freed. Nothing here logs or prints. */
#ifndef CHARTROOM_CRYPTO_H
#define CHARTROOM_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"

#define CRYPTO_KEY_LEN 32
#define CRYPTO_SALT_LEN 16
#define CRYPTO_ID_HEX 32     /* random 128-bit ids as lowercase hex */
#define CRYPTO_PK_LEN 32
#define CRYPTO_WRAP_LEN (2 + 24 + CRYPTO_KEY_LEN + 16) /* fmt, ver, nonce, ct+tag */
#define CRYPTO_SEALED_LEN (CRYPTO_KEY_LEN + 48)        /* crypto_box_SEALBYTES */
#define CRYPTO_TOKEN_MAX 16

/* The data classes that have keys of their own (SECURITY.md "Keys"). */
#define CRYPTO_DOMAINS(X)                                  \
	X(DEMO, "demo", "identifiers and demographics")   \
	X(CLIN, "clin", "clinical free text")             \
	X(AUDIT, "audit", "audit chain")

typedef enum {
#define DOMAIN_ENUM(id, name, desc) DOMAIN_##id,
	CRYPTO_DOMAINS(DOMAIN_ENUM)
#undef DOMAIN_ENUM
	DOMAIN_COUNT
} domain_t;

#define DOMAIN_BIT(d) (1u << (d))
#define DOMAIN_ALL ((1u << DOMAIN_COUNT) - 1)

/* The blind-index key: not a domain of its own (no account holds a wrap
 * of it, no role needs it by name) but a random key kept wrapped under the
 * demo key (crypto_wrap_under), so that whoever holds the demo key holds
 * it, and it can be rotated without re-encrypting anything. A keyring
 * holds it beside the domains; crypto_domain_name() calls it "index".
 * Version 0 is the demo key itself: a database from before the index key
 * derived its tokens from the demo key (core/keys.h). */
#define DOMAIN_INDEX ((domain_t)(DOMAIN_COUNT + 1))

/* "The newest version held", where a function takes a key version. */
#define CRYPTO_CURRENT (-1)

const char *crypto_domain_name(domain_t d);
/* Returns DOMAIN_COUNT for an unknown name. */
domain_t crypto_domain_from_name(const char *name);

/* Initialise libsodium and harden the process (no core dumps, not
 * dumpable). Call once at start-up; safe to call again. */
status_t crypto_init(msg_t *m);

/* A 32-byte secret in guarded memory. */
typedef struct secret {
	unsigned char *bytes; /* sodium_malloc'd, CRYPTO_KEY_LEN */
} secret_t;

/* Allocate (random when `random` is set, else zero) / wipe and free. */
status_t secret_new(secret_t *s, int random, msg_t *m);
void secret_free(secret_t *s);

/* The domain keys a session holds: the newest version of each (what new
 * values are written with) and, while a key is being rotated or kept to
 * verify, older ones (what older values are read with). Opaque. */
typedef struct keyring keyring_t;

keyring_t *keyring_new(void);
/* Wipe every key and free. NULL allowed. */
void keyring_free(keyring_t *kr);
/* Wipe every key but keep the ring (idle lock). */
void keyring_wipe(keyring_t *kr);
/* Any version of d held? The newest version held (0 if none). */
int keyring_has(const keyring_t *kr, domain_t d);
int keyring_version(const keyring_t *kr, domain_t d);
int keyring_has_version(const keyring_t *kr, domain_t d, int version);
/* The versions of d held, newest first, at most max; returns how many. */
int keyring_versions(const keyring_t *kr, domain_t d, int *out, int max);
/* Bitmask of DOMAIN_BIT()s held (the index key is not among them). */
unsigned keyring_domains(const keyring_t *kr);
/* Put a copy of key into the ring as version `version` of d (replacing
 * that version if held); the newest version held is the current one. */
status_t keyring_set(keyring_t *kr, domain_t d, int version, const unsigned char *key,
		     msg_t *m);
/* Wipe one version out of the ring (nothing if not held). */
void keyring_drop(keyring_t *kr, domain_t d, int version);
/* A new ring holding copies of kr's keys of the given DOMAIN_BIT()s,
 * every version (the index key with the demo key; STATUS_DENIED if kr
 * lacks one), for another thread: a ring caches derived keys as it is
 * used, so two threads must not share one. The caller frees it with
 * keyring_free. */
status_t keyring_copy(const keyring_t *kr, unsigned domains, keyring_t **out, msg_t *m);

/* Borrow a held key, the newest or a given version (NULL if not held).
 * Never copy it out of guarded memory. */
const unsigned char *keyring_key(const keyring_t *kr, domain_t d);
const unsigned char *keyring_key_at(const keyring_t *kr, domain_t d, int version);

/* Argon2id KEK from a password. kek must come from secret_new. */
status_t crypto_kek_derive(secret_t *kek, const char *password, const unsigned char *salt,
			   uint64_t ops, uint64_t mem, msg_t *m);
/* Fresh random salt. */
void crypto_salt(unsigned char salt[CRYPTO_SALT_LEN]);

/* Wrap / unwrap a 32-byte key under a KEK. AAD names holder, what is wrapped
 * (a domain name or "user-secret") and version. out must have
 * CRYPTO_WRAP_LEN bytes. Unwrap fails with STATUS_AUTH when the KEK is wrong
 * or anything was changed. */
status_t crypto_wrap(const unsigned char *kek, const char *holder, const char *what,
		     int version, const unsigned char *key, unsigned char *out, msg_t *m);
status_t crypto_unwrap(const unsigned char *kek, const char *holder, const char *what,
		       int version, const unsigned char *blob, size_t blob_len, unsigned char *key,
		       msg_t *m);

/* A user's X25519 key pair: lets someone who does not know the user's
 * password grant them a key (sealed box). sk is guarded memory. */
status_t crypto_user_keypair(unsigned char pk[CRYPTO_PK_LEN], secret_t *sk, msg_t *m);
status_t crypto_seal(const unsigned char pk[CRYPTO_PK_LEN], const unsigned char *key,
		     unsigned char out[CRYPTO_SEALED_LEN], msg_t *m);
status_t crypto_unseal(const unsigned char pk[CRYPTO_PK_LEN], const unsigned char *sk,
		       const unsigned char *sealed, size_t len, unsigned char *key, msg_t *m);

/* Where a stored value lives. Its ciphertext is bound to all of it
 * (SECURITY.md "Encrypted fields"): a blob copied into another row,
 * column, chart or encounter, or left in place while the bound state
 * changed, fails to decrypt. */
typedef struct crypto_bind {
	const char *table, *column;
	const char *row_id;       /* the row's random id (hex) */
	const char *patient_id;   /* patients.id of the chart the row belongs to */
	const char *encounter_id; /* encounters.id for rows under an encounter; NULL or "" if none */
	const char *state;        /* clear state of the row bound in (a patients row:
				   * "c<confidential>v<version>"); NULL or "" if none */
} crypto_bind_t;

/* Format 2 (the current one): encrypt a field value bound to b, which
 * must name table, column, row and patient; no part may contain '|'. `pad`
 * non-zero pads free text to a 64-byte block so the length reveals little.
 * *out is malloc'd (caller frees). The subkey is derived per column from
 * the domain key. STATUS_DENIED if the session lacks the domain key. */
status_t crypto_field_seal(const keyring_t *kr, domain_t d, const crypto_bind_t *b,
			   const void *plain, size_t plain_len, int pad, unsigned char **out,
			   size_t *out_len, msg_t *m);

/* Also accept a format-1 blob (bound to table|column|row only): for
 * databases whose rows have not all been migrated yet. */
#define CRYPTO_OPEN_LEGACY 1u

/* Decrypt a format-2 blob bound to b (and a format-1 one with
 * CRYPTO_OPEN_LEGACY); *out is malloc'd, NUL-terminated (for text), and
 * should be wiped with crypto_free_plain. A moved, altered or downgraded
 * blob gives STATUS_INTEGRITY with a message naming the record, not the
 * value; a missing domain key STATUS_DENIED. */
status_t crypto_field_open(const keyring_t *kr, domain_t d, const crypto_bind_t *b,
			   unsigned flags, const unsigned char *blob, size_t blob_len, char **out,
			   size_t *out_len, msg_t *m);

/* Non-zero if blob is of the format-1 kind (field or sealed box). */
int crypto_blob_is_legacy(const unsigned char *blob, size_t len);
/* The key version a field blob was written with (its second byte; 0 if
 * too short), and the one a sealed box names (0: format 6 names none). */
int crypto_blob_version(const unsigned char *blob, size_t len);
int crypto_sealed_version(const unsigned char *blob, size_t len);

/* Format 1, bound to table|column|row only: the audit trail's details
 * (bound to their sequence number) and the migration of old databases. */
status_t crypto_field_encrypt(const keyring_t *kr, domain_t d, const char *table,
			      const char *column, const char *row_id, const void *plain,
			      size_t plain_len, int pad, unsigned char **out, size_t *out_len,
			      msg_t *m);
status_t crypto_field_decrypt(const keyring_t *kr, domain_t d, const char *table,
			      const char *column, const char *row_id, const unsigned char *blob,
			      size_t blob_len, char **out, size_t *out_len, msg_t *m);
/* Wipe and free a decrypted value. NULL allowed. */
void crypto_free_plain(char *p, size_t len);

/* Write-only encryption for a domain: anyone can seal text to the
 * domain's public key (derived from the domain key), only holders of the
 * domain key can open it. The front desk writes reasons for visit this
 * way without holding the clinical key. The row, patient and encounter ids
 * of b are sealed inside with the text and checked on opening, binding
 * the value to its row and chart (format 2; a format-1 box holds the row
 * id only and is opened only with CRYPTO_OPEN_LEGACY). Anyone holding the
 * public half can also forge a box: the row's MAC (crypto_integrity_mac)
 * is what says a key holder wrote it. */
#define CRYPTO_SEAL_PK_LEN 32
status_t crypto_seal_public(const keyring_t *kr, domain_t d, unsigned char pk[32], msg_t *m);
/* The public half of a given version (CRYPTO_CURRENT: the newest held;
 * *key_version, may be NULL, gets which). */
status_t crypto_seal_public_at(const keyring_t *kr, domain_t d, int version, unsigned char pk[32],
			       int *key_version, msg_t *m);
/* Seal to pk, which is the public half of key version `version` (format
 * 7, the version in the box's header); version 0 when it is not known
 * (format 6: opening tries every version held). crypto_seal_text is
 * version 0. */
status_t crypto_seal_text_version(const unsigned char pk[32], int version, const crypto_bind_t *b,
				  const char *text, unsigned char **out, size_t *out_len, msg_t *m);
status_t crypto_seal_text(const unsigned char pk[32], const crypto_bind_t *b, const char *text,
			  unsigned char **out, size_t *out_len, msg_t *m);
status_t crypto_unseal_text(const keyring_t *kr, domain_t d, const crypto_bind_t *b,
			    unsigned flags, const unsigned char *blob, size_t blob_len, char **out,
			    size_t *out_len, msg_t *m);

/* Keyed BLAKE2b-256 of data under the integrity subkey of the demo key
 * (every role that reads or writes charts holds demo; the front desk
 * writes encounters without the clin key), version `version`
 * (CRYPTO_CURRENT: the newest held). Used for row MACs and chart heads
 * (core/integrity.h); callers put a distinct label first in data.
 * *key_version (may be NULL) gets the demo key version used.
 * STATUS_DENIED without the demo key, STATUS_CRYPTO without that version. */
#define CRYPTO_IMAC_LEN 32
status_t crypto_integrity_mac(const keyring_t *kr, int version, const void *data, size_t len,
			      unsigned char mac[CRYPTO_IMAC_LEN], int *key_version, msg_t *m);

/* Keyed-hash token of an already normalised value for table.column (blind
 * index), with the column's own index subkey. token_len in
 * 4..CRYPTO_TOKEN_MAX bytes. */
status_t crypto_blind_token(const keyring_t *kr, domain_t d, const char *table,
			    const char *column, const char *value, size_t token_len,
			    unsigned char *token, msg_t *m);
/* The same with a given version of the key (CRYPTO_CURRENT: the newest). */
status_t crypto_blind_token_at(const keyring_t *kr, domain_t d, int version, const char *table,
			       const char *column, const char *value, size_t token_len,
			       unsigned char *token, msg_t *m);

/* Keyed BLAKE2b-256 MAC with the chain subkey of audit key version
 * `version` (CRYPTO_CURRENT: the newest held). */
status_t crypto_audit_mac(const keyring_t *kr, int version, const unsigned char *data,
			  size_t len, unsigned char mac[32], msg_t *m);

/* Keyed BLAKE2b-256 MACs under other subkeys of the audit key, one per
 * purpose: records every signed-on role must be able to check before it
 * trusts them (the database's policy, the role each account holds). */
typedef enum {
	CRYPTO_MAC_POLICY = 16, /* policy rows and their seal */
	CRYPTO_MAC_USERS = 17,  /* users: id, name, role, disabled, public key */
	CRYPTO_MAC_REFERENCE = 18 /* reference rows: provider records (core/provider.h) */
} crypto_mac_purpose_t;
status_t crypto_audit_keyed_mac(const keyring_t *kr, crypto_mac_purpose_t purpose,
				const unsigned char *data, size_t len, unsigned char mac[32],
				msg_t *m);

/* A key kept under another key rather than under a holder's KEK: the
 * blind-index key under the demo key, retired audit keys (kept to verify
 * older entries) under the current audit key. crypto_wrap with a subkey
 * of version `version` of d as the KEK. */
status_t crypto_wrap_under(const keyring_t *kr, domain_t d, int version, const char *holder,
			   const char *what, int wversion, const unsigned char *key,
			   unsigned char *out, msg_t *m);
status_t crypto_unwrap_under(const keyring_t *kr, domain_t d, int version, const char *holder,
			     const char *what, int wversion, const unsigned char *blob,
			     size_t blob_len, unsigned char *key, msg_t *m);

/* Keyed BLAKE2b-256 of data under a subkey of version `version` of d: who
 * holds that key vouches for data (the recovery key's public half). */
status_t crypto_key_tag(const keyring_t *kr, domain_t d, int version, const unsigned char *data,
			size_t len, unsigned char mac[32], msg_t *m);

/* The recovery key's X25519 public half (derived from it): a key
 * rotation seals each new key version to it without knowing the recovery
 * key; crypto_recovery_unseal opens such a box with the recovery key
 * (STATUS_AUTH if it does not). */
status_t crypto_recovery_public(const unsigned char *rk, unsigned char pk[32], msg_t *m);
status_t crypto_recovery_unseal(const unsigned char *rk, const unsigned char *sealed, size_t len,
				unsigned char *key, msg_t *m);

/* Random 128-bit id as 32 lowercase hex characters + NUL. */
void crypto_random_id(char out[CRYPTO_ID_HEX + 1]);

/* n random ids (as crypto_random_id) in ascending order: a bulk load
 * inserts them into the id index in order, which is far cheaper than at
 * random places. The set is as random as n separate draws; sorted, an
 * id's position in the batch says roughly where its value lies (ids are
 * not secret: they are stored in the clear). STATUS_NOMEM if no memory. */
status_t crypto_random_ids_sorted(char (*out)[CRYPTO_ID_HEX + 1], size_t n, msg_t *m);

/* Random recovery key as text (groups of hex), and parsing it back. */
#define CRYPTO_RECOVERY_TEXT 80
void crypto_recovery_format(const unsigned char *key, char out[CRYPTO_RECOVERY_TEXT]);
status_t crypto_recovery_parse(const char *text, unsigned char *key, msg_t *m);

/* A text buffer in guarded memory for passwords and recovery keys typed by
 * the user: `size` bytes, zeroed. Free with crypto_secure_text_free, which
 * wipes it. NULL when out of memory. */
char *crypto_secure_text(size_t size);
void crypto_secure_text_free(char *p);
/* Make such a buffer unreadable (kept while the screen is locked) and
 * readable again. 0 on success. */
int crypto_secure_text_hide(char *p);
int crypto_secure_text_show(char *p);

/* Constant-time comparison (0 when equal). */
int crypto_memcmp(const void *a, const void *b, size_t n);

#endif
