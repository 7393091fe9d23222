/* crypto.c - libsodium wrappers: keys in guarded memory, KEKs, wraps, field
 * encryption with row binding, blind-index tokens, audit MACs. */
#include "core/crypto.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <sodium.h>

/* First byte of a stored blob. Format 1 (v1) blobs are bound to
 * table|column|row only; format 2 (v2) ones also to the chart (patient,
 * encounter) and to clear state of the row (crypto_bind_t). v1 blobs are
 * still read while an old database is being migrated (CRYPTO_OPEN_LEGACY). */
#define FIELD_FORMAT 1        /* v1: plain value */
#define FIELD_FORMAT_PADDED 2 /* v1: free text padded to FIELD_PAD bytes */
#define FIELD_FORMAT_V2 4        /* v2: plain value */
#define FIELD_FORMAT_V2_PADDED 5 /* v2: padded free text */
#define SEAL_FORMAT 3            /* v1 sealed box: "row_id|text" inside */
#define SEAL_FORMAT_V2 6         /* v2 sealed box: "row|patient|encounter|text" inside */
#define SEAL_FORMAT_V3 7         /* as 6, with the sealing key's version in byte 1 */
#define FIELD_PAD 64
#define WRAP_FORMAT 2
#define NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES
#define KDF_CONTEXT "chrtroom" /* crypto_kdf_CONTEXTBYTES = 8 */
#define AUDIT_SUBKEY_ID 1
#define INTEGRITY_SUBKEY_ID 3 /* under the demo key: row MACs and chart heads */
#define WRAP_SUBKEY_ID 5      /* wraps keys kept under this one (crypto_wrap_under) */
#define TAG_SUBKEY_ID 6       /* crypto_key_tag */
#define RECOVERY_BOX_ID 7     /* under the recovery key: its X25519 pair */
/* Per-column subkeys: an even id for encryption, the odd one next to it for
 * the blind index (column_subkey_id); the audit chain key uses
 * AUDIT_SUBKEY_ID under its own domain. */

static const char *const domain_names[] = {
#define DOMAIN_NAME(id, name, desc) name,
	CRYPTO_DOMAINS(DOMAIN_NAME)
#undef DOMAIN_NAME
};

const char *crypto_domain_name(domain_t d)
{
	if (d == DOMAIN_INDEX)
		return "index";
	return (unsigned)d < DOMAIN_COUNT ? domain_names[d] : "?";
}

domain_t crypto_domain_from_name(const char *name)
{
	for (int d = 0; d < DOMAIN_COUNT; d++)
		if (name && strcmp(name, domain_names[d]) == 0)
			return (domain_t)d;
	return DOMAIN_COUNT;
}

/* Nonces and record ids: public values that must never repeat. They come
 * from a per-thread buffer refilled a few KiB at a time, because every
 * randombytes_buf call is a system call and a bulk import draws three of
 * these per patient. A refill takes a fresh 32-byte seed from the system
 * (randombytes_buf) and expands it with libsodium's ChaCha20 generator
 * (randombytes_buf_deterministic), the seed wiped at once: asking the
 * kernel for the 4 KiB itself cost 13-18 us, which fell on one search in
 * a hundred (each search's audit event draws an id and a nonce), the 1 %
 * that makes a p99; the expansion costs 2 us. Nothing secret is ever taken
 * from it: keys and salts call randombytes_buf directly. A forked child
 * starts with the buffer empty, so parent and child can never draw the
 * same bytes. */
#define POOL_BYTES 4096
static _Thread_local struct {
	unsigned char buf[POOL_BYTES];
	size_t left; /* unused bytes at the end of buf */
} pool;

static void pool_forget(void)
{
	sodium_memzero(pool.buf, sizeof pool.buf);
	pool.left = 0;
}

static void public_random(void *out, size_t n)
{
	unsigned char *o = out;
	if (n > POOL_BYTES / 4) {
		randombytes_buf(out, n);
		return;
	}
	if (pool.left < n) {
		unsigned char seed[randombytes_SEEDBYTES];
		randombytes_buf(seed, sizeof seed);
		randombytes_buf_deterministic(pool.buf, sizeof pool.buf, seed);
		sodium_memzero(seed, sizeof seed);
		pool.left = sizeof pool.buf;
	}
	memcpy(o, pool.buf + sizeof pool.buf - pool.left, n);
	/* Drawn bytes leave the buffer: each is handed out once. */
	sodium_memzero(pool.buf + sizeof pool.buf - pool.left, n);
	pool.left -= n;
}

static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static int atfork_failed;

static void atfork_register(void)
{
	atfork_failed = pthread_atfork(NULL, NULL, pool_forget) != 0;
}

status_t crypto_init(msg_t *m)
{
	struct rlimit rl = {0, 0};
	if (sodium_init() < 0)
		return msg_fail(m, STATUS_CRYPTO, "The cryptography library failed to start.");
	if (pthread_once(&atfork_once, atfork_register) != 0 || atfork_failed)
		return msg_fail(m, STATUS_CRYPTO, "Could not prepare the random number buffer.");
	/* Keys must never reach a core file. */
	if (setrlimit(RLIMIT_CORE, &rl) != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return msg_fail(m, STATUS_CRYPTO, "Could not disable core dumps; refusing to run.");
	return STATUS_OK;
}

status_t secret_new(secret_t *s, int random, msg_t *m)
{
	s->bytes = sodium_malloc(CRYPTO_KEY_LEN);
	if (!s->bytes)
		return msg_fail(m, STATUS_NOMEM, "Out of protected memory for keys.");
	if (random)
		randombytes_buf(s->bytes, CRYPTO_KEY_LEN);
	else
		sodium_memzero(s->bytes, CRYPTO_KEY_LEN);
	return STATUS_OK;
}

void secret_free(secret_t *s)
{
	if (s && s->bytes) {
		sodium_free(s->bytes); /* sodium_free wipes before unmapping */
		s->bytes = NULL;
	}
}

/* Derived subkeys are cached per session: deriving one costs a BLAKE2b
 * run, and a search or an import needs the same few column keys thousands
 * of times. The cache lives in the same guarded memory as the keys and is
 * wiped with them.
 *
 * A ring holds several versions of a domain's key while that key is being
 * rotated (core/rotate.h): the newest is the one new values are written
 * with, the older ones open what is not re-encrypted yet. The blind-index
 * key (DOMAIN_INDEX) is held the same way, beside the three domains. */
#define SUBKEY_SLOTS 64
#define KR_DOMS (DOMAIN_COUNT + 1) /* the domains, then the blind-index key */
/* Key versions a ring can hold in all: every audit version (255 at most:
 * the retired ones verify older entries) and a rotation's two of each
 * other key. */
#define KR_KEYS 272

struct key_slot {
	int dom;     /* kr_dom() of the domain; -1: free */
	int version; /* the index key's version 0 is the demo key of a database
		      * from before it had an index key of its own */
};

struct subkey_slot {
	uint64_t id;
	int key; /* index into keys[]; -1: empty */
};

#define HASH_SLOTS 4 /* keyed BLAKE2b states, ready to hash a token */

struct keyring {
	unsigned char *mem; /* sodium_malloc'd: KR_KEYS keys, then SUBKEY_SLOTS subkeys */
	struct key_slot keys[KR_KEYS];
	int current[KR_DOMS]; /* index into keys[] of each domain's newest version; -1 */
	struct subkey_slot slots[SUBKEY_SLOTS];
	/* Blind-index hashing starts from a state that has already absorbed
	 * the key block: half the work per token. Guarded memory too. */
	crypto_generichash_state *states; /* sodium_malloc'd HASH_SLOTS */
	struct subkey_slot state_of[HASH_SLOTS];
};

#define KEYRING_BYTES ((KR_KEYS + SUBKEY_SLOTS) * CRYPTO_KEY_LEN)
#define KEY_AT(kr, k) ((kr)->mem + (size_t)(k) * CRYPTO_KEY_LEN)
#define SUBKEY_AT(kr, i) ((kr)->mem + (size_t)(KR_KEYS + (i)) * CRYPTO_KEY_LEN)

static int kr_dom(domain_t d)
{
	if ((unsigned)d < DOMAIN_COUNT)
		return (int)d;
	return d == DOMAIN_INDEX ? DOMAIN_COUNT : -1;
}

static void slots_clear(keyring_t *kr)
{
	for (int i = 0; i < SUBKEY_SLOTS; i++)
		kr->slots[i].key = -1;
	for (int i = 0; i < HASH_SLOTS; i++)
		kr->state_of[i].key = -1;
	if (kr->states)
		sodium_memzero(kr->states, HASH_SLOTS * sizeof *kr->states);
}

static void keys_clear(keyring_t *kr)
{
	for (int i = 0; i < KR_KEYS; i++)
		kr->keys[i].dom = -1;
	for (int i = 0; i < KR_DOMS; i++)
		kr->current[i] = -1;
}

keyring_t *keyring_new(void)
{
	keyring_t *kr = calloc(1, sizeof *kr);
	if (!kr)
		return NULL;
	kr->mem = sodium_malloc(KEYRING_BYTES);
	kr->states = sodium_malloc(HASH_SLOTS * sizeof *kr->states);
	if (!kr->mem || !kr->states) {
		if (kr->mem)
			sodium_free(kr->mem);
		if (kr->states)
			sodium_free(kr->states);
		free(kr);
		return NULL;
	}
	sodium_memzero(kr->mem, KEYRING_BYTES);
	keys_clear(kr);
	slots_clear(kr);
	return kr;
}

void keyring_wipe(keyring_t *kr)
{
	if (!kr)
		return;
	sodium_memzero(kr->mem, KEYRING_BYTES);
	slots_clear(kr);
	keys_clear(kr);
}

void keyring_free(keyring_t *kr)
{
	if (!kr)
		return;
	sodium_free(kr->mem); /* wipes before unmapping */
	sodium_free(kr->states);
	free(kr);
}

/* The slot of (d, version), or of d's newest version when version is
 * CRYPTO_CURRENT; -1 if not held. */
static int key_slot(const keyring_t *kr, domain_t d, int version)
{
	int dom = kr ? kr_dom(d) : -1;
	if (dom < 0)
		return -1;
	if (version == CRYPTO_CURRENT)
		return kr->current[dom];
	for (int i = 0; i < KR_KEYS; i++)
		if (kr->keys[i].dom == dom && kr->keys[i].version == version)
			return i;
	return -1;
}

int keyring_has(const keyring_t *kr, domain_t d)
{
	return key_slot(kr, d, CRYPTO_CURRENT) >= 0;
}

int keyring_has_version(const keyring_t *kr, domain_t d, int version)
{
	return version != CRYPTO_CURRENT && key_slot(kr, d, version) >= 0;
}

int keyring_version(const keyring_t *kr, domain_t d)
{
	int k = key_slot(kr, d, CRYPTO_CURRENT);
	return k >= 0 ? kr->keys[k].version : 0;
}

int keyring_versions(const keyring_t *kr, domain_t d, int *out, int max)
{
	int dom = kr ? kr_dom(d) : -1, n = 0;
	if (dom < 0)
		return 0;
	for (int i = 0; i < KR_KEYS; i++) {
		int v, j;
		if (kr->keys[i].dom != dom)
			continue;
		v = kr->keys[i].version;
		/* Newest first: insert in order. */
		for (j = n; j > 0 && out[j - 1] < v; j--)
			if (j < max)
				out[j] = out[j - 1];
		if (j < max)
			out[j] = v;
		if (n < max)
			n++;
	}
	return n;
}

unsigned keyring_domains(const keyring_t *kr)
{
	unsigned held = 0;
	for (int d = 0; kr && d < DOMAIN_COUNT; d++)
		if (kr->current[d] >= 0)
			held |= DOMAIN_BIT(d);
	return held;
}

/* Forget the cached subkeys and hash states of key slot k. */
static void forget_derived(keyring_t *kr, int k)
{
	for (int i = 0; i < SUBKEY_SLOTS; i++)
		if (kr->slots[i].key == k) {
			sodium_memzero(SUBKEY_AT(kr, i), CRYPTO_KEY_LEN);
			kr->slots[i].key = -1;
		}
	for (int i = 0; i < HASH_SLOTS; i++)
		if (kr->state_of[i].key == k) {
			sodium_memzero(&kr->states[i], sizeof kr->states[i]);
			kr->state_of[i].key = -1;
		}
}

static void find_current(keyring_t *kr, int dom)
{
	kr->current[dom] = -1;
	for (int i = 0; i < KR_KEYS; i++)
		if (kr->keys[i].dom == dom &&
		    (kr->current[dom] < 0 || kr->keys[i].version > kr->keys[kr->current[dom]].version))
			kr->current[dom] = i;
}

status_t keyring_set(keyring_t *kr, domain_t d, int version, const unsigned char *key,
		     msg_t *m)
{
	int dom = kr_dom(d), k;
	if (dom < 0 || version < 0 || version > 255)
		return msg_fail(m, STATUS_CRYPTO, "Unknown key domain or version.");
	k = key_slot(kr, d, version);
	if (k >= 0) {
		if (sodium_memcmp(KEY_AT(kr, k), key, CRYPTO_KEY_LEN) == 0)
			return STATUS_OK;
		forget_derived(kr, k); /* another key under the same version */
	} else {
		for (int i = 0; i < KR_KEYS && k < 0; i++)
			if (kr->keys[i].dom == -1)
				k = i;
		if (k < 0)
			return msg_fail(m, STATUS_NOMEM, "Too many key versions held at once.");
	}
	memcpy(KEY_AT(kr, k), key, CRYPTO_KEY_LEN);
	kr->keys[k].dom = dom;
	kr->keys[k].version = version;
	find_current(kr, dom);
	return STATUS_OK;
}

void keyring_drop(keyring_t *kr, domain_t d, int version)
{
	int k = key_slot(kr, d, version);
	if (k < 0)
		return;
	forget_derived(kr, k);
	sodium_memzero(KEY_AT(kr, k), CRYPTO_KEY_LEN);
	kr->keys[k].dom = -1;
	find_current(kr, kr_dom(d));
}

status_t keyring_copy(const keyring_t *kr, unsigned domains, keyring_t **out, msg_t *m)
{
	keyring_t *c = keyring_new();
	status_t ret = STATUS_OK;
	*out = NULL;
	if (!c)
		return msg_fail(m, STATUS_NOMEM, "Out of protected memory for keys.");
	for (int d = 0; d < DOMAIN_COUNT && ret == STATUS_OK; d++)
		if ((domains & DOMAIN_BIT(d)) && !keyring_has(kr, (domain_t)d))
			ret = msg_fail(m, STATUS_DENIED,
				       "Your account does not hold the %s key needed for this.",
				       crypto_domain_name((domain_t)d));
	/* Every version held; the index key goes with the demo key, which it
	 * is wrapped under. */
	for (int i = 0; i < KR_KEYS && ret == STATUS_OK; i++) {
		int dom = kr->keys[i].dom;
		if (dom < 0 ||
		    !(dom < DOMAIN_COUNT ? (domains & DOMAIN_BIT(dom)) != 0
					 : (domains & DOMAIN_BIT(DOMAIN_DEMO)) != 0))
			continue;
		ret = keyring_set(c, dom < DOMAIN_COUNT ? (domain_t)dom : DOMAIN_INDEX,
				  kr->keys[i].version, KEY_AT(kr, i), m);
	}
	if (ret != STATUS_OK) {
		keyring_free(c);
		return ret;
	}
	*out = c;
	return STATUS_OK;
}

const unsigned char *keyring_key(const keyring_t *kr, domain_t d)
{
	int k = key_slot(kr, d, CRYPTO_CURRENT);
	return k >= 0 ? KEY_AT(kr, k) : NULL;
}

const unsigned char *keyring_key_at(const keyring_t *kr, domain_t d, int version)
{
	int k = key_slot(kr, d, version);
	return k >= 0 ? KEY_AT(kr, k) : NULL;
}

void crypto_salt(unsigned char salt[CRYPTO_SALT_LEN])
{
	randombytes_buf(salt, CRYPTO_SALT_LEN);
}

status_t crypto_kek_derive(secret_t *kek, const char *password, const unsigned char *salt,
			   uint64_t ops, uint64_t mem, msg_t *m)
{
	if (ops < crypto_pwhash_OPSLIMIT_MIN || mem < crypto_pwhash_MEMLIMIT_MIN)
		return msg_fail(m, STATUS_CRYPTO, "Stored password cost is invalid.");
	if (crypto_pwhash(kek->bytes, CRYPTO_KEY_LEN, password, strlen(password), salt,
			  (unsigned long long)ops, (size_t)mem, crypto_pwhash_ALG_ARGON2ID13) != 0)
		return msg_fail(m, STATUS_NOMEM,
				"Not enough memory to check the password (Argon2id needs %llu MiB).",
				(unsigned long long)(mem >> 20));
	return STATUS_OK;
}

/* "chartroom:1|wrap|holder|what|version" */
static int wrap_aad(char *buf, size_t size, const char *holder, const char *what, int version)
{
	int n = snprintf(buf, size, "chartroom:1|wrap|%s|%s|%d", holder, what, version);
	return (n < 0 || (size_t)n >= size) ? -1 : n;
}

status_t crypto_wrap(const unsigned char *kek, const char *holder, const char *what,
		     int version, const unsigned char *key, unsigned char *out, msg_t *m)
{
	char aad[160];
	int aad_len = wrap_aad(aad, sizeof aad, holder, what, version);
	unsigned long long clen = 0;
	if (aad_len < 0)
		return msg_fail(m, STATUS_CRYPTO, "Key holder name too long.");
	out[0] = WRAP_FORMAT;
	out[1] = (unsigned char)version;
	randombytes_buf(out + 2, NONCE_LEN);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(out + 2 + NONCE_LEN, &clen, key,
						       CRYPTO_KEY_LEN, (unsigned char *)aad,
						       (unsigned long long)aad_len, NULL, out + 2,
						       kek) != 0)
		return msg_fail(m, STATUS_CRYPTO, "Could not wrap a key.");
	return STATUS_OK;
}

status_t crypto_unwrap(const unsigned char *kek, const char *holder, const char *what,
		       int version, const unsigned char *blob, size_t blob_len, unsigned char *key,
		       msg_t *m)
{
	char aad[160];
	int aad_len = wrap_aad(aad, sizeof aad, holder, what, version);
	unsigned long long plen = 0;
	if (aad_len < 0 || blob_len != CRYPTO_WRAP_LEN || blob[0] != WRAP_FORMAT)
		return msg_fail(m, STATUS_AUTH, "Key could not be unlocked.");
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		    key, &plen, NULL, blob + 2 + NONCE_LEN, blob_len - 2 - NONCE_LEN,
		    (unsigned char *)aad, (unsigned long long)aad_len, blob + 2, kek) != 0 ||
	    plen != CRYPTO_KEY_LEN) {
		sodium_memzero(key, CRYPTO_KEY_LEN);
		return msg_fail(m, STATUS_AUTH, "Key could not be unlocked.");
	}
	return STATUS_OK;
}

status_t crypto_user_keypair(unsigned char pk[CRYPTO_PK_LEN], secret_t *sk, msg_t *m)
{
	if (crypto_box_keypair(pk, sk->bytes) != 0)
		return msg_fail(m, STATUS_CRYPTO, "Could not make a key pair.");
	return STATUS_OK;
}

status_t crypto_seal(const unsigned char pk[CRYPTO_PK_LEN], const unsigned char *key,
		     unsigned char out[CRYPTO_SEALED_LEN], msg_t *m)
{
	if (crypto_box_seal(out, key, CRYPTO_KEY_LEN, pk) != 0)
		return msg_fail(m, STATUS_CRYPTO, "Could not seal a key.");
	return STATUS_OK;
}

status_t crypto_unseal(const unsigned char pk[CRYPTO_PK_LEN], const unsigned char *sk,
		       const unsigned char *sealed, size_t len, unsigned char *key, msg_t *m)
{
	if (len != CRYPTO_SEALED_LEN || crypto_box_seal_open(key, sealed, len, pk, sk) != 0)
		return msg_fail(m, STATUS_INTEGRITY, "A granted key could not be opened.");
	return STATUS_OK;
}

/* The subkey `id` of version `version` of domain d (CRYPTO_CURRENT: the
 * newest held), from the cache or derived into it. The pointer is valid
 * until the keyring is wiped or freed. keyring_t is logically const here:
 * the cache is an implementation detail. */
static status_t subkey(const keyring_t *ckr, domain_t d, int version, uint64_t id,
		       const unsigned char **out, msg_t *m)
{
	keyring_t *kr = (keyring_t *)(uintptr_t)ckr;
	int k = key_slot(kr, d, version);
	unsigned start = (unsigned)((id ^ (id >> 29) ^ (uint64_t)k) % SUBKEY_SLOTS), slot;
	if (k < 0) {
		if (version != CRYPTO_CURRENT && keyring_has(kr, d))
			return msg_fail(m, STATUS_CRYPTO,
					"This session does not hold version %d of the %s key.",
					version, crypto_domain_name(d));
		return msg_fail(m, STATUS_DENIED,
				"Your account does not hold the %s key needed for this.",
				crypto_domain_name(d));
	}
	for (unsigned i = 0; i < SUBKEY_SLOTS; i++) {
		slot = (start + i) % SUBKEY_SLOTS;
		if (kr->slots[slot].key == k && kr->slots[slot].id == id) {
			*out = SUBKEY_AT(kr, slot);
			return STATUS_OK;
		}
		if (kr->slots[slot].key == -1)
			break;
	}
	/* Not cached: take the first free slot from start, or evict start. */
	slot = start;
	for (unsigned i = 0; i < SUBKEY_SLOTS; i++)
		if (kr->slots[(start + i) % SUBKEY_SLOTS].key == -1) {
			slot = (start + i) % SUBKEY_SLOTS;
			break;
		}
	if (crypto_kdf_derive_from_key(SUBKEY_AT(kr, slot), CRYPTO_KEY_LEN, id, KDF_CONTEXT,
				       KEY_AT(kr, k)) != 0)
		return msg_fail(m, STATUS_CRYPTO, "Could not derive a key.");
	kr->slots[slot].key = k;
	kr->slots[slot].id = id;
	*out = SUBKEY_AT(kr, slot);
	return STATUS_OK;
}

/* The additional data of a field (SECURITY.md "Encrypted fields"):
 *   v1  "chartroom:FORMAT|table|column|row_id|key_version"
 *   v2  "chartroom:FORMAT|table|column|row_id|patient_id|encounter_id|state|key_version"
 * with "-" for an absent encounter or state. FORMAT is the blob's first
 * byte, so the header is authenticated too: a padded blob relabelled plain
 * would otherwise decrypt "successfully" with its pad bytes shown as text,
 * and a v2 blob relabelled v1 is bound to something else. No part may hold
 * a '|' (they are ids, names and digits), so the string reads one way only. */
static int put_uint(char *buf, size_t size, size_t *o, unsigned v)
{
	char num[12];
	int nl = 0;
	do {
		num[nl++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (*o + (size_t)nl >= size)
		return -1;
	while (nl)
		buf[(*o)++] = num[--nl];
	return 0;
}

static int put_str(char *buf, size_t size, size_t *o, const char *s)
{
	size_t l;
	if (!s || !*s)
		s = "-";
	l = strlen(s);
	if (*o + l + 1 >= size || memchr(s, '|', l))
		return -1;
	memcpy(buf + *o, s, l);
	*o += l;
	buf[(*o)++] = '|';
	return 0;
}

static int is_v2(int format)
{
	return format == FIELD_FORMAT_V2 || format == FIELD_FORMAT_V2_PADDED;
}

static int is_padded(int format)
{
	return format == FIELD_FORMAT_PADDED || format == FIELD_FORMAT_V2_PADDED;
}

/* Built without printf: it runs for every value encrypted or decrypted. */
static int field_aad(char *buf, size_t size, int format, const crypto_bind_t *b, int version)
{
	size_t o = 0;
	memcpy(buf, "chartroom:", 10);
	o = 10;
	if (size < 16 || format < 0 || version < 0 || put_uint(buf, size, &o, (unsigned)format) ||
	    o + 1 >= size)
		return -1;
	buf[o++] = '|';
	if (!b->table || !*b->table || !b->column || !*b->column || !b->row_id || !*b->row_id ||
	    put_str(buf, size, &o, b->table) || put_str(buf, size, &o, b->column) ||
	    put_str(buf, size, &o, b->row_id))
		return -1;
	if (is_v2(format) && (!b->patient_id || !*b->patient_id ||
			      put_str(buf, size, &o, b->patient_id) ||
			      put_str(buf, size, &o, b->encounter_id) || put_str(buf, size, &o, b->state)))
		return -1;
	if (put_uint(buf, size, &o, (unsigned)version))
		return -1;
	buf[o] = '\0';
	return (int)o;
}

/* Column subkey id: a stable number from the column's name, so the schema
 * does not need a hand-kept id table to stay consistent. */
static uint64_t column_subkey_id(const char *table, const char *column, int index)
{
	/* Callers pass string literals, so an earlier answer for the same two
	 * pointers is the same answer: skip the hash on hot paths (a search
	 * alternates between a few columns). */
	enum { REMEMBERED = 4 };
	static _Thread_local struct {
		const char *table, *column;
		uint64_t id;
	} seen[REMEMBERED];
	static _Thread_local unsigned next;
	unsigned char h[8];
	uint64_t id = 0;
	crypto_generichash_state s;
	for (int i = 0; i < REMEMBERED; i++)
		if (seen[i].table == table && seen[i].column == column)
			return (seen[i].id & ~(uint64_t)1) | (uint64_t)(index ? 1 : 0);
	crypto_generichash_init(&s, NULL, 0, sizeof h);
	crypto_generichash_update(&s, (const unsigned char *)table, strlen(table));
	crypto_generichash_update(&s, (const unsigned char *)"|", 1);
	crypto_generichash_update(&s, (const unsigned char *)column, strlen(column));
	crypto_generichash_final(&s, h, sizeof h);
	for (int i = 0; i < 8; i++)
		id = (id << 8) | h[i];
	seen[next].table = table;
	seen[next].column = column;
	seen[next].id = id;
	next = (next + 1) % REMEMBERED;
	return (id & ~(uint64_t)1) | (uint64_t)(index ? 1 : 0);
}

static status_t field_encrypt(const keyring_t *kr, domain_t d, const crypto_bind_t *b, int v2,
				const void *plain, size_t plain_len, int pad, unsigned char **out,
				size_t *out_len, msg_t *m)
{
	status_t ret = STATUS_OK;
	const unsigned char *key = NULL;
	unsigned char *buf = NULL, *blob = NULL;
	char aad[384];
	int version = keyring_version(kr, d);
	int format = v2 ? (pad ? FIELD_FORMAT_V2_PADDED : FIELD_FORMAT_V2)
			: (pad ? FIELD_FORMAT_PADDED : FIELD_FORMAT);
	int aad_len = field_aad(aad, sizeof aad, format, b, version);
	size_t padded = plain_len, blob_len, cap = 0;
	unsigned long long clen = 0;

	*out = NULL;
	*out_len = 0;
	if (aad_len < 0)
		return msg_fail(m, STATUS_CRYPTO, "A value's binding is malformed; not encrypted.");
	if ((ret = subkey(kr, d, CRYPTO_CURRENT, column_subkey_id(b->table, b->column, 0), &key,
			  m)) != STATUS_OK)
		return ret;
	if (pad) {
		cap = plain_len + FIELD_PAD + 1;
		if (!(buf = malloc(cap)))
			return msg_fail(m, STATUS_NOMEM, "Out of memory encrypting.");
		memcpy(buf, plain, plain_len);
		if (sodium_pad(&padded, buf, plain_len, FIELD_PAD, cap) != 0) {
			ret = msg_fail(m, STATUS_CRYPTO, "Could not pad a value.");
			goto cleanup;
		}
	}
	blob_len = 2 + NONCE_LEN + padded + TAG_LEN;
	if (!(blob = malloc(blob_len))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory encrypting.");
		goto cleanup;
	}
	blob[0] = (unsigned char)format;
	blob[1] = (unsigned char)version;
	public_random(blob + 2, NONCE_LEN);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(
		    blob + 2 + NONCE_LEN, &clen, pad ? buf : plain, padded, (unsigned char *)aad,
		    (unsigned long long)aad_len, NULL, blob + 2, key) != 0) {
		ret = msg_fail(m, STATUS_CRYPTO, "Could not encrypt a value.");
		goto cleanup;
	}
	*out = blob;
	*out_len = blob_len;
	blob = NULL;
cleanup:
	free(blob);
	if (buf) {
		sodium_memzero(buf, cap); /* a plaintext copy */
		free(buf);
	}
	return ret;
}

/* Which formats field_decrypt accepts. */
#define ACCEPT_V1 1u
#define ACCEPT_V2 2u

static status_t field_decrypt(const keyring_t *kr, domain_t d, const crypto_bind_t *b,
			      unsigned accept, const unsigned char *blob, size_t blob_len, char **out,
			      size_t *out_len, msg_t *m)
{
	status_t ret = STATUS_OK;
	const unsigned char *key = NULL;
	char *plain = NULL;
	char aad[384];
	int aad_len, version, format;
	unsigned long long plen = 0;
	size_t unpadded;
	const char *row = b->row_id ? b->row_id : "";

	*out = NULL;
	if (out_len)
		*out_len = 0;
	format = blob_len ? blob[0] : 0;
	if (blob_len < 2 + NONCE_LEN + TAG_LEN ||
	    !(((accept & ACCEPT_V1) && (format == FIELD_FORMAT || format == FIELD_FORMAT_PADDED)) ||
	      ((accept & ACCEPT_V2) && is_v2(format))))
		return msg_fail(m, STATUS_INTEGRITY,
				"The stored %s.%s of record %.8s is damaged or of an older form.",
				b->table, b->column, row);
	version = blob[1];
	/* The ring holds the newest version (and, while a key is rotated, the
	 * one before): a blob claiming version 0 or a newer one was altered.
	 * An older version not held is a real, rotated key. */
	if (keyring_has(kr, d) && (version == 0 || version > keyring_version(kr, d)))
		return msg_fail(m, STATUS_INTEGRITY, "The stored %s.%s of record %.8s is damaged.",
				b->table, b->column, row);
	if (keyring_has(kr, d) && !keyring_has_version(kr, d, version))
		return msg_fail(m, STATUS_CRYPTO,
				"Record %.8s was encrypted with %s key version %d, which this "
				"session does not hold.",
				row, crypto_domain_name(d), version);
	aad_len = field_aad(aad, sizeof aad, format, b, version);
	if (aad_len < 0)
		return msg_fail(m, STATUS_CRYPTO, "A value's binding is malformed; not decrypted.");
	if ((ret = subkey(kr, d, version, column_subkey_id(b->table, b->column, 0), &key, m)) !=
	    STATUS_OK)
		return ret;
	if (!(plain = malloc(blob_len + 1)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory decrypting.");
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		    (unsigned char *)plain, &plen, NULL, blob + 2 + NONCE_LEN,
		    blob_len - 2 - NONCE_LEN, (unsigned char *)aad, (unsigned long long)aad_len,
		    blob + 2, key) != 0) {
		ret = msg_fail(m, STATUS_INTEGRITY,
			       "The stored %s.%s of record %.8s failed its integrity check "
			       "(altered or moved).",
			       b->table, b->column, row);
		goto cleanup;
	}
	unpadded = (size_t)plen;
	if (is_padded(format) &&
	    sodium_unpad(&unpadded, (unsigned char *)plain, (size_t)plen, FIELD_PAD) != 0) {
		ret = msg_fail(m, STATUS_INTEGRITY, "The stored %s.%s of record %.8s is damaged.",
			       b->table, b->column, row);
		goto cleanup;
	}
	plain[unpadded] = '\0';
	*out = plain;
	if (out_len)
		*out_len = unpadded;
	plain = NULL;
cleanup:
	if (plain) {
		sodium_memzero(plain, blob_len + 1);
		free(plain);
	}
	return ret;
}

status_t crypto_field_encrypt(const keyring_t *kr, domain_t d, const char *table,
			      const char *column, const char *row_id, const void *plain,
			      size_t plain_len, int pad, unsigned char **out, size_t *out_len,
			      msg_t *m)
{
	crypto_bind_t b = {table, column, row_id, NULL, NULL, NULL};
	return field_encrypt(kr, d, &b, 0, plain, plain_len, pad, out, out_len, m);
}

status_t crypto_field_decrypt(const keyring_t *kr, domain_t d, const char *table,
			      const char *column, const char *row_id, const unsigned char *blob,
			      size_t blob_len, char **out, size_t *out_len, msg_t *m)
{
	crypto_bind_t b = {table, column, row_id, NULL, NULL, NULL};
	return field_decrypt(kr, d, &b, ACCEPT_V1, blob, blob_len, out, out_len, m);
}

status_t crypto_field_seal(const keyring_t *kr, domain_t d, const crypto_bind_t *b,
			   const void *plain, size_t plain_len, int pad, unsigned char **out,
			   size_t *out_len, msg_t *m)
{
	return field_encrypt(kr, d, b, 1, plain, plain_len, pad, out, out_len, m);
}

status_t crypto_field_open(const keyring_t *kr, domain_t d, const crypto_bind_t *b,
			   unsigned flags, const unsigned char *blob, size_t blob_len, char **out,
			   size_t *out_len, msg_t *m)
{
	return field_decrypt(kr, d, b, ACCEPT_V2 | ((flags & CRYPTO_OPEN_LEGACY) ? ACCEPT_V1 : 0),
			     blob, blob_len, out, out_len, m);
}

int crypto_blob_is_legacy(const unsigned char *blob, size_t len)
{
	return len > 0 && (blob[0] == FIELD_FORMAT || blob[0] == FIELD_FORMAT_PADDED ||
			   blob[0] == SEAL_FORMAT);
}

void crypto_free_plain(char *p, size_t len)
{
	if (!p)
		return;
	sodium_memzero(p, len ? len : strlen(p));
	free(p);
}

status_t crypto_blind_token_at(const keyring_t *kr, domain_t d, int version, const char *table,
			       const char *column, const char *value, size_t token_len,
			       unsigned char *token, msg_t *m)
{
	status_t ret;
	const unsigned char *key = NULL;
	unsigned char full[16];
	keyring_t *wkr = (keyring_t *)(uintptr_t)kr; /* the state cache is not observable */
	uint64_t id = column_subkey_id(table, column, 1);
	crypto_generichash_state st;
	int slot = -1, k = key_slot(kr, d, version);
	if (token_len < 4 || token_len > CRYPTO_TOKEN_MAX)
		return msg_fail(m, STATUS_CRYPTO, "Blind index length out of range.");
	for (int i = 0; k >= 0 && i < HASH_SLOTS; i++)
		if (kr->state_of[i].key == k && kr->state_of[i].id == id)
			slot = i;
	if (slot < 0) {
		if ((ret = subkey(kr, d, version, id, &key, m)) != STATUS_OK)
			return ret;
		slot = (int)((id ^ (uint64_t)k) % HASH_SLOTS);
		/* BLAKE2b keyed, 16-byte output (its minimum), cut to token_len. */
		if (crypto_generichash_init(&wkr->states[slot], key, CRYPTO_KEY_LEN, sizeof full) != 0)
			return msg_fail(m, STATUS_CRYPTO, "Could not compute an index token.");
		wkr->state_of[slot].key = k;
		wkr->state_of[slot].id = id;
	}
	memcpy(&st, &kr->states[slot], sizeof st);
	if (crypto_generichash_update(&st, (const unsigned char *)value, strlen(value)) != 0 ||
	    crypto_generichash_final(&st, full, sizeof full) != 0) {
		sodium_memzero(&st, sizeof st);
		return msg_fail(m, STATUS_CRYPTO, "Could not compute an index token.");
	}
	sodium_memzero(&st, sizeof st);
	memcpy(token, full, token_len);
	sodium_memzero(full, sizeof full);
	return STATUS_OK;
}

status_t crypto_blind_token(const keyring_t *kr, domain_t d, const char *table,
			    const char *column, const char *value, size_t token_len,
			    unsigned char *token, msg_t *m)
{
	return crypto_blind_token_at(kr, d, CRYPTO_CURRENT, table, column, value, token_len, token,
				     m);
}

status_t crypto_audit_mac(const keyring_t *kr, int version, const unsigned char *data,
			  size_t len, unsigned char mac[32], msg_t *m)
{
	const unsigned char *key = NULL;
	status_t ret = subkey(kr, DOMAIN_AUDIT, version, AUDIT_SUBKEY_ID, &key, m);
	if (ret != STATUS_OK)
		return ret;
	if (crypto_generichash(mac, 32, data, len, key, CRYPTO_KEY_LEN) != 0)
		return msg_fail(m, STATUS_CRYPTO, "Could not compute the audit MAC.");
	return STATUS_OK;
}

status_t crypto_audit_keyed_mac(const keyring_t *kr, crypto_mac_purpose_t purpose,
				const unsigned char *data, size_t len, unsigned char mac[32],
				msg_t *m)
{
	const unsigned char *key = NULL;
	status_t ret;
	if (purpose != CRYPTO_MAC_POLICY && purpose != CRYPTO_MAC_USERS &&
	    purpose != CRYPTO_MAC_REFERENCE)
		return msg_fail(m, STATUS_CRYPTO, "Unknown MAC purpose.");
	if ((ret = subkey(kr, DOMAIN_AUDIT, CRYPTO_CURRENT, (uint64_t)purpose, &key, m)) !=
	    STATUS_OK)
		return ret;
	if (crypto_generichash(mac, 32, data, len, key, CRYPTO_KEY_LEN) != 0)
		return msg_fail(m, STATUS_CRYPTO, "Could not compute a MAC.");
	return STATUS_OK;
}

/* ---- keys kept under other keys ------------------------------------------ */

status_t crypto_wrap_under(const keyring_t *kr, domain_t d, int version, const char *holder,
			   const char *what, int wversion, const unsigned char *key,
			   unsigned char *out, msg_t *m)
{
	const unsigned char *kek = NULL;
	status_t ret = subkey(kr, d, version, WRAP_SUBKEY_ID, &kek, m);
	if (ret != STATUS_OK)
		return ret;
	return crypto_wrap(kek, holder, what, wversion, key, out, m);
}

status_t crypto_unwrap_under(const keyring_t *kr, domain_t d, int version, const char *holder,
			     const char *what, int wversion, const unsigned char *blob,
			     size_t blob_len, unsigned char *key, msg_t *m)
{
	const unsigned char *kek = NULL;
	status_t ret = subkey(kr, d, version, WRAP_SUBKEY_ID, &kek, m);
	if (ret != STATUS_OK)
		return ret;
	return crypto_unwrap(kek, holder, what, wversion, blob, blob_len, key, m);
}

status_t crypto_key_tag(const keyring_t *kr, domain_t d, int version, const unsigned char *data,
			size_t len, unsigned char mac[32], msg_t *m)
{
	const unsigned char *key = NULL;
	status_t ret = subkey(kr, d, version, TAG_SUBKEY_ID, &key, m);
	if (ret != STATUS_OK)
		return ret;
	if (crypto_generichash(mac, 32, data, len, key, CRYPTO_KEY_LEN) != 0)
		return msg_fail(m, STATUS_CRYPTO, "Could not compute a MAC.");
	return STATUS_OK;
}

/* The recovery key's X25519 pair, derived from it: anyone may seal a key
 * to the public half; only the recovery key opens it. */
static status_t recovery_pair(const unsigned char *rk, unsigned char pk[32], unsigned char *sk,
			      msg_t *m)
{
	unsigned char *seed = sodium_malloc(CRYPTO_KEY_LEN);
	status_t ret = STATUS_OK;
	if (!seed)
		return msg_fail(m, STATUS_NOMEM, "Out of protected memory for keys.");
	if (crypto_kdf_derive_from_key(seed, CRYPTO_KEY_LEN, RECOVERY_BOX_ID, KDF_CONTEXT, rk) !=
		    0 ||
	    crypto_box_seed_keypair(pk, sk, seed) != 0)
		ret = msg_fail(m, STATUS_CRYPTO, "Could not derive the recovery key pair.");
	sodium_free(seed);
	return ret;
}

status_t crypto_recovery_public(const unsigned char *rk, unsigned char pk[32], msg_t *m)
{
	unsigned char *sk = sodium_malloc(crypto_box_SECRETKEYBYTES);
	status_t ret;
	if (!sk)
		return msg_fail(m, STATUS_NOMEM, "Out of protected memory for keys.");
	ret = recovery_pair(rk, pk, sk, m);
	sodium_free(sk);
	return ret;
}

status_t crypto_recovery_unseal(const unsigned char *rk, const unsigned char *sealed, size_t len,
				unsigned char *key, msg_t *m)
{
	unsigned char pk[32], *sk = sodium_malloc(crypto_box_SECRETKEYBYTES);
	status_t ret;
	if (!sk)
		return msg_fail(m, STATUS_NOMEM, "Out of protected memory for keys.");
	if ((ret = recovery_pair(rk, pk, sk, m)) == STATUS_OK &&
	    (len != CRYPTO_SEALED_LEN || crypto_box_seal_open(key, sealed, len, pk, sk) != 0))
		ret = msg_fail(m, STATUS_AUTH, "A key sealed to the recovery key could not be opened.");
	sodium_free(sk);
	return ret;
}

void crypto_random_id(char out[CRYPTO_ID_HEX + 1])
{
	unsigned char raw[CRYPTO_ID_HEX / 2];
	public_random(raw, sizeof raw);
	sodium_bin2hex(out, CRYPTO_ID_HEX + 1, raw, sizeof raw);
}

static int id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, CRYPTO_ID_HEX / 2);
}

status_t crypto_random_ids_sorted(char (*out)[CRYPTO_ID_HEX + 1], size_t n, msg_t *m)
{
	unsigned char *raw;
	if (!n)
		return STATUS_OK;
	if (!(raw = malloc(n * (CRYPTO_ID_HEX / 2))))
		return msg_fail(m, STATUS_NOMEM, "Out of memory making record ids.");
	public_random(raw, n * (CRYPTO_ID_HEX / 2));
	qsort(raw, n, CRYPTO_ID_HEX / 2, id_cmp);
	/* Lowercase hex sorts as the bytes do. */
	for (size_t i = 0; i < n; i++)
		sodium_bin2hex(out[i], CRYPTO_ID_HEX + 1, raw + i * (CRYPTO_ID_HEX / 2),
			       CRYPTO_ID_HEX / 2);
	free(raw);
	return STATUS_OK;
}

void crypto_recovery_format(const unsigned char *key, char out[CRYPTO_RECOVERY_TEXT])
{
	char hex[CRYPTO_KEY_LEN * 2 + 1];
	size_t o = 0;
	sodium_bin2hex(hex, sizeof hex, key, CRYPTO_KEY_LEN);
	for (size_t i = 0; i < CRYPTO_KEY_LEN * 2; i++) {
		if (i && i % 8 == 0)
			out[o++] = '-';
		out[o++] = (char)toupper((unsigned char)hex[i]);
	}
	out[o] = '\0';
	sodium_memzero(hex, sizeof hex);
}

status_t crypto_recovery_parse(const char *text, unsigned char *key, msg_t *m)
{
	size_t bin_len = 0;
	if (sodium_hex2bin(key, CRYPTO_KEY_LEN, text, strlen(text), "- \t", &bin_len, NULL) != 0 ||
	    bin_len != CRYPTO_KEY_LEN)
		return msg_fail(m, STATUS_INVALID,
				"That is not a recovery key (64 hexadecimal digits in groups).");
	return STATUS_OK;
}

int crypto_memcmp(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n);
}

char *crypto_secure_text(size_t size)
{
	char *p = sodium_malloc(size);
	if (p)
		sodium_memzero(p, size);
	return p;
}

void crypto_secure_text_free(char *p)
{
	if (p)
		sodium_free(p); /* readable again, wiped, then freed */
}

int crypto_secure_text_hide(char *p)
{
	return p ? sodium_mprotect_noaccess(p) : -1;
}

int crypto_secure_text_show(char *p)
{
	return p ? sodium_mprotect_readwrite(p) : -1;
}

/* ---- write-only sealing ------------------------------------------------ */

#define SEAL_SUBKEY_ID 2

static status_t seal_keypair(const keyring_t *kr, domain_t d, int version, unsigned char pk[32],
			     unsigned char *sk, msg_t *m)
{
	const unsigned char *seed = NULL;
	status_t ret = subkey(kr, d, version, SEAL_SUBKEY_ID, &seed, m);
	if (ret != STATUS_OK)
		return ret;
	if (crypto_box_seed_keypair(pk, sk, seed) != 0)
		return msg_fail(m, STATUS_CRYPTO, "Could not derive the sealing key.");
	return STATUS_OK;
}

status_t crypto_seal_public_at(const keyring_t *kr, domain_t d, int version, unsigned char pk[32],
			       int *key_version, msg_t *m)
{
	unsigned char *sk = sodium_malloc(crypto_box_SECRETKEYBYTES);
	int k = key_slot(kr, d, version);
	status_t ret;
	if (!sk)
		return msg_fail(m, STATUS_NOMEM, "Out of protected memory for keys.");
	ret = seal_keypair(kr, d, version, pk, sk, m);
	if (ret == STATUS_OK && key_version)
		*key_version = kr->keys[k].version;
	sodium_free(sk);
	return ret;
}

status_t crypto_seal_public(const keyring_t *kr, domain_t d, unsigned char pk[32], msg_t *m)
{
	return crypto_seal_public_at(kr, d, CRYPTO_CURRENT, pk, NULL, m);
}

/* What a sealed box holds before the text: v2 "row|patient|encounter|",
 * v1 "row|". Returns its length, or 0 if a part is missing or holds a
 * '|'. */
static size_t seal_prefix(const crypto_bind_t *b, int v2, char *buf, size_t size)
{
	size_t o = 0;
	if (!b->row_id || !*b->row_id || put_str(buf, size, &o, b->row_id))
		return 0;
	if (v2 && (!b->patient_id || !*b->patient_id || put_str(buf, size, &o, b->patient_id) ||
		   put_str(buf, size, &o, b->encounter_id)))
		return 0;
	return o;
}

status_t crypto_seal_text_version(const unsigned char pk[32], int version, const crypto_bind_t *b,
				  const char *text, unsigned char **out, size_t *out_len, msg_t *m)
{
	char pre[160];
	size_t idl = seal_prefix(b, 1, pre, sizeof pre), tl = strlen(text), plen, padded, cap;
	size_t head = version > 0 ? 2 : 1;
	unsigned char *plain, *blob;
	*out = NULL;
	*out_len = 0;
	if (!idl || version < 0 || version > 255)
		return msg_fail(m, STATUS_CRYPTO, "A value's binding is malformed; not sealed.");
	plen = idl + tl;
	cap = plen + FIELD_PAD + 1;
	if (!(plain = malloc(cap)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory encrypting.");
	memcpy(plain, pre, idl);
	memcpy(plain + idl, text, tl);
	if (sodium_pad(&padded, plain, plen, FIELD_PAD, cap) != 0 ||
	    !(blob = malloc(head + padded + crypto_box_SEALBYTES))) {
		sodium_memzero(plain, cap);
		free(plain);
		return msg_fail(m, STATUS_NOMEM, "Out of memory encrypting.");
	}
	/* Format 7 names the version of the key the box was sealed to (so a
	 * rotation can count what is left under an older one); format 6 is
	 * what a database without a published version writes. */
	blob[0] = version > 0 ? SEAL_FORMAT_V3 : SEAL_FORMAT_V2;
	if (version > 0)
		blob[1] = (unsigned char)version;
	if (crypto_box_seal(blob + head, plain, padded, pk) != 0) {
		sodium_memzero(plain, cap);
		free(plain);
		free(blob);
		return msg_fail(m, STATUS_CRYPTO, "Could not seal a value.");
	}
	sodium_memzero(plain, cap);
	free(plain);
	*out = blob;
	*out_len = head + padded + crypto_box_SEALBYTES;
	return STATUS_OK;
}

status_t crypto_seal_text(const unsigned char pk[32], const crypto_bind_t *b, const char *text,
			  unsigned char **out, size_t *out_len, msg_t *m)
{
	return crypto_seal_text_version(pk, 0, b, text, out, out_len, m);
}

int crypto_sealed_version(const unsigned char *blob, size_t len)
{
	return len > 1 && blob[0] == SEAL_FORMAT_V3 ? blob[1] : 0;
}

int crypto_blob_version(const unsigned char *blob, size_t len)
{
	return len > 1 ? blob[1] : 0;
}

/* Open a sealed box with version `version` of d's key; STATUS_INTEGRITY
 * when it does not open or is not bound to b. */
static status_t unseal_with(const keyring_t *kr, domain_t d, int version, const unsigned char *box,
			    size_t box_len, const char *pre, size_t idl, const char *row, char **out,
			    size_t *out_len, msg_t *m)
{
	unsigned char pk[32], *sk = NULL;
	char *plain = NULL;
	size_t plen = 0, unpadded;
	status_t ret;
	if (!(sk = sodium_malloc(crypto_box_SECRETKEYBYTES)))
		return msg_fail(m, STATUS_NOMEM, "Out of protected memory for keys.");
	if ((ret = seal_keypair(kr, d, version, pk, sk, m)) != STATUS_OK)
		goto cleanup;
	plen = box_len - crypto_box_SEALBYTES;
	if (!(plain = malloc(plen + 1))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory decrypting.");
		goto cleanup;
	}
	if (crypto_box_seal_open((unsigned char *)plain, box, box_len, pk, sk) != 0 ||
	    sodium_unpad(&unpadded, (unsigned char *)plain, plen, FIELD_PAD) != 0 ||
	    unpadded < idl || memcmp(plain, pre, idl) != 0) {
		ret = msg_fail(m, STATUS_INTEGRITY,
			       "A sealed value of record %.8s failed its integrity check.", row);
		goto cleanup;
	}
	memmove(plain, plain + idl, unpadded - idl);
	/* Wipe what the move left behind (the tail and the padding): the
	 * caller wipes only the text's length when it frees it. */
	sodium_memzero(plain + (unpadded - idl), plen + 1 - (unpadded - idl));
	*out = plain;
	if (out_len)
		*out_len = unpadded - idl;
	plain = NULL;
cleanup:
	if (plain) {
		sodium_memzero(plain, plen + 1); /* its size, not the blob's */
		free(plain);
	}
	sodium_free(sk);
	return ret;
}

status_t crypto_unseal_text(const keyring_t *kr, domain_t d, const crypto_bind_t *b,
			    unsigned flags, const unsigned char *blob, size_t blob_len, char **out,
			    size_t *out_len, msg_t *m)
{
	char pre[160];
	size_t idl;
	const char *row = b->row_id ? b->row_id : "";
	int v3 = blob_len > 1 && blob[0] == SEAL_FORMAT_V3;
	int v2 = v3 || (blob_len && blob[0] == SEAL_FORMAT_V2);
	size_t head = v3 ? 2 : 1;
	int versions[8], n;
	status_t ret = STATUS_INTEGRITY;
	*out = NULL;
	if (out_len)
		*out_len = 0;
	if (blob_len < head + crypto_box_SEALBYTES ||
	    !(v2 || (blob[0] == SEAL_FORMAT && (flags & CRYPTO_OPEN_LEGACY))))
		return msg_fail(m, STATUS_INTEGRITY,
				"A sealed value of record %.8s is damaged or of an older form.", row);
	if (!(idl = seal_prefix(b, v2, pre, sizeof pre)))
		return msg_fail(m, STATUS_CRYPTO, "A value's binding is malformed; not opened.");
	if (!keyring_has(kr, d))
		return msg_fail(m, STATUS_DENIED,
				"Your account does not hold the %s key needed for this.",
				crypto_domain_name(d));
	if (v3) {
		int version = blob[1];
		if (version == 0 || version > keyring_version(kr, d))
			return msg_fail(m, STATUS_INTEGRITY,
					"A sealed value of record %.8s is damaged.", row);
		if (!keyring_has_version(kr, d, version))
			return msg_fail(m, STATUS_CRYPTO,
					"Record %.8s was sealed to %s key version %d, which this "
					"session does not hold.",
					row, crypto_domain_name(d), version);
		return unseal_with(kr, d, version, blob + head, blob_len - head, pre, idl, row, out,
				   out_len, m);
	}
	/* A box that does not say which version it was sealed to: each key
	 * held, newest first. */
	n = keyring_versions(kr, d, versions, 8);
	for (int i = 0; i < n && ret == STATUS_INTEGRITY; i++)
		ret = unseal_with(kr, d, versions[i], blob + head, blob_len - head, pre, idl, row, out,
				  out_len, m);
	return ret;
}

/* ---- row and chart MACs ------------------------------------------------ */

status_t crypto_integrity_mac(const keyring_t *kr, int version, const void *data, size_t len,
			      unsigned char mac[CRYPTO_IMAC_LEN], int *key_version, msg_t *m)
{
	const unsigned char *key = NULL;
	int k = key_slot(kr, DOMAIN_DEMO, version);
	status_t ret = subkey(kr, DOMAIN_DEMO, version, INTEGRITY_SUBKEY_ID, &key, m);
	if (ret != STATUS_OK)
		return ret;
	if (crypto_generichash(mac, CRYPTO_IMAC_LEN, data, len, key, CRYPTO_KEY_LEN) != 0)
		return msg_fail(m, STATUS_CRYPTO, "Could not compute an integrity check.");
	if (key_version)
		*key_version = kr->keys[k].version;
	return STATUS_OK;
}
