/* db_journal.c - the audit journal file beside a database (db_journal.h).
 *
 * Layout: header slot A at offset 0, slot B at 512 (different sectors),
 * records from J_DATA on. A slot holds a magic, a counter, where the
 * waiting records start and end (relative to J_DATA), the capacity, and a
 * checksum; the valid slot with the higher counter is the header. Each
 * header write goes to the other slot, after the records it covers are
 * synced, so a crash or a torn write leaves the previous state. A record
 * is a 32-bit payload length, a 32-bit FNV-1a checksum of the payload,
 * and the payload (the event's fields, length-prefixed). Writers hold an
 * exclusive flock(2) for one append or one trim; readers a shared one; a
 * retirement of an audit key version holds the exclusive one from its
 * chaining to its commit (db_journal_hold), during which this process's
 * own journal calls take no lock of their own. */
#include "db/db_journal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "base/privsep.h"
#include "db/db_internal.h"

#define J_MAGIC "CRAJRNL1"
#define J_SLOT_B 512
#define J_DATA 4096
#define J_SLOT_LEN 48 /* the bytes a slot's checksum covers */
#define J_MAX (64 * 1024 * 1024) /* it grows no further */
#define J_ROOM 8192 /* free space db_journal_ready asks for */
#define J_PAYLOAD_MAX (16 + 10 * 256 + 8 + DB_JOURNAL_DETAIL_MAX + 64 + 2 + 8 * DB_JOURNAL_LISTED_MAX)

typedef struct jheader {
	uint64_t counter;
	uint64_t start;    /* first waiting record, from J_DATA */
	uint64_t used;     /* end of the last record, from J_DATA */
	uint64_t capacity; /* bytes for records (the file is J_DATA + capacity) */
	/* The retirement generation: moved on by every retirement of an audit
	 * key version before it commits (db_journal_hold), so an appender that
	 * found its version in use at this generation knows it still is
	 * (names_retired). In bytes 40-47 of the slot, which the checksum has
	 * always covered and earlier versions left zero. */
	uint64_t kgen;
} jheader_t;

static uint32_t fnv1a(const unsigned char *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return h;
}

void db_journal_path(const char *db_path, char *buf, size_t size)
{
	snprintf(buf, size, "%s.audit-journal", db_path);
}

const char *db_journal_why(const db_t *db)
{
	return db->jfd >= 0 ? "" : db->jwhy;
}

static int write_all(int fd, const void *p, size_t n, off_t at)
{
	const unsigned char *b = p;
	while (n) {
		ssize_t w = pwrite(fd, b, n, at);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
		at += w;
	}
	return 0;
}

static int read_all(int fd, void *p, size_t n, off_t at)
{
	unsigned char *b = p;
	while (n) {
		ssize_t r = pread(fd, b, n, at);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		b += r;
		n -= (size_t)r;
		at += r;
	}
	return 0;
}

/* ---- the header ----------------------------------------------------------- */

static void slot_encode(const jheader_t *h, unsigned char out[J_SLOT_LEN + 4])
{
	uint32_t sum;
	memset(out, 0, J_SLOT_LEN + 4);
	memcpy(out, J_MAGIC, 8);
	memcpy(out + 8, &h->counter, 8);
	memcpy(out + 16, &h->start, 8);
	memcpy(out + 24, &h->used, 8);
	memcpy(out + 32, &h->capacity, 8);
	memcpy(out + 40, &h->kgen, 8);
	sum = fnv1a(out, J_SLOT_LEN);
	memcpy(out + J_SLOT_LEN, &sum, 4);
}

static int slot_decode(const unsigned char in[J_SLOT_LEN + 4], jheader_t *h)
{
	uint32_t sum;
	memcpy(&sum, in + J_SLOT_LEN, 4);
	if (memcmp(in, J_MAGIC, 8) != 0 || fnv1a(in, J_SLOT_LEN) != sum)
		return -1;
	memcpy(&h->counter, in + 8, 8);
	memcpy(&h->start, in + 16, 8);
	memcpy(&h->used, in + 24, 8);
	memcpy(&h->capacity, in + 32, 8);
	memcpy(&h->kgen, in + 40, 8);
	return h->start <= h->used && h->used <= h->capacity && h->capacity <= J_MAX ? 0 : -1;
}

/* The current header: 0, 1 if neither slot is valid and the header area
 * is all zero (a creation cut short), -1 otherwise. */
static int header_read(int fd, jheader_t *h)
{
	/* Both slots in one read (every append reads the header). */
	unsigned char both[J_SLOT_B + J_SLOT_LEN + 4];
	const unsigned char *a = both, *b = both + J_SLOT_B;
	jheader_t ha, hb;
	int oka = 0, okb = 0;
	struct stat sb;
	ssize_t got;
	do
		got = pread(fd, both, sizeof both, 0);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return -1;
	if ((size_t)got == sizeof both) {
		oka = slot_decode(a, &ha) == 0;
		okb = slot_decode(b, &hb) == 0;
	}
	/* Shorter than its header: just made (or its making cut short). Asked
	 * only when no slot is valid: the header is written after the file
	 * has its full size (header_init), so a valid slot means it has. */
	if (!oka && !okb) {
		if (fstat(fd, &sb) != 0)
			return -1;
		if (sb.st_size < J_DATA)
			return 1;
		if ((size_t)got != sizeof both)
			return -1;
	}
	if (oka && (!okb || ha.counter >= hb.counter)) {
		*h = ha;
		return 0;
	}
	if (okb) {
		*h = hb;
		return 0;
	}
	for (size_t i = 0; i < J_SLOT_LEN + 4; i++)
		if (a[i] || b[i])
			return -1;
	return 1;
}

/* Write h (its counter moved on) to the other slot, synced unless `nosync`
 * (an append under journal_sync = normal). */
static int header_put(int fd, jheader_t *h, int nosync)
{
	unsigned char buf[J_SLOT_LEN + 4];
	h->counter++;
	slot_encode(h, buf);
	if (write_all(fd, buf, sizeof buf, (h->counter & 1) ? J_SLOT_B : 0) != 0)
		return -1;
	return nosync ? 0 : fdatasync(fd);
}

static int header_write(int fd, jheader_t *h)
{
	return header_put(fd, h, 0);
}

/* A fresh header in a file of J_DATA + DB_JOURNAL_RESERVE bytes. */
static int header_init(int fd)
{
	jheader_t h = {0, 0, 0, DB_JOURNAL_RESERVE, 0};
	if (posix_fallocate(fd, 0, J_DATA + DB_JOURNAL_RESERVE) != 0)
		return -1;
	if (header_write(fd, &h) != 0)
		return -1;
	/* Both slots valid: a torn write of either leaves the other. */
	return header_write(fd, &h);
}

/* ---- opening ------------------------------------------------------------- */

/* A new, empty journal file: in shared mode the program's group's, mode
 * 0660, like the database. Its header and reserve are made by the caller
 * under the lock (another process may open it first and do it). */
static int journal_create(const char *path, char *why, size_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0660);
	if (fd < 0) {
		if (errno == EEXIST) /* another process made it meanwhile */
			return open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		snprintf(why, size, "the audit journal cannot be made: %s", strerror(errno));
		return -1;
	}
	if (privsep_shared() &&
	    (fchown(fd, (uid_t)-1, privsep_group()) != 0 || fchmod(fd, 0660) != 0)) {
		snprintf(why, size, "the audit journal cannot be given to the group: %s",
			 strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

void db_journal_open(db_t *db)
{
	char path[PATH_MAX + 16];
	jheader_t h;
	int fd, r, made = 0;

	db->jfd = -1;
	db_journal_path(db->path, path, sizeof path);
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		if (db->ro == DB_RO_FILESYSTEM || db->ro == DB_RO_COPY) {
			snprintf(db->jwhy, sizeof db->jwhy, "there is no audit journal beside it");
			return;
		}
		if ((fd = journal_create(path, db->jwhy, sizeof db->jwhy)) < 0)
			return;
		made = 1;
	} else if (fd < 0) {
		snprintf(db->jwhy, sizeof db->jwhy, "the audit journal cannot be written: %s",
			 strerror(errno));
		return;
	}
	if (flock(fd, LOCK_EX) != 0) {
		snprintf(db->jwhy, sizeof db->jwhy, "the audit journal cannot be locked");
		close(fd);
		return;
	}
	r = header_read(fd, &h);
	/* New, or a creation cut short: the header and the reserve now. */
	if (r == 1 && header_init(fd) != 0) {
		snprintf(db->jwhy, sizeof db->jwhy,
			 "the audit journal cannot be made: no room for its reserve");
		if (made)
			unlink(path);
		flock(fd, LOCK_UN);
		close(fd);
		return;
	}
	flock(fd, LOCK_UN);
	if (r < 0) {
		/* Anything else is left for a person to look at. */
		snprintf(db->jwhy, sizeof db->jwhy,
			 "the audit journal beside it is not one Chartroom wrote (left as it is)");
		close(fd);
		return;
	}
	db->jfd = fd;
}

void db_journal_set_sync(db_t *db, int full)
{
	db->jnosync = !full;
}

/* The journal's lock for one operation (how: LOCK_EX or LOCK_SH), unless
 * db_journal_hold holds it already. 0 when locked. */
static int jlock(db_t *db, int how)
{
	return db->jhold ? 0 : flock(db->jfd, how);
}

static void junlock(db_t *db)
{
	if (!db->jhold)
		flock(db->jfd, LOCK_UN);
}

status_t db_journal_hold(db_t *db, msg_t *m)
{
	if (db->jfd < 0)
		return STATUS_OK;
	if (db->jhold) {
		db->jhold++;
		return STATUS_OK;
	}
	if (flock(db->jfd, LOCK_EX) != 0)
		return msg_fail(m, STATUS_DB, "The audit journal cannot be locked: %s.",
				strerror(errno));
	/* A retirement is coming: the retirement generation moves on, synced,
	 * before it can commit, so no appender trusts what it found about its
	 * key version before (names_retired). Should the retirement roll back,
	 * appenders only look once more. */
	{
		jheader_t h;
		if (header_read(db->jfd, &h) != 0 || (h.kgen++, header_write(db->jfd, &h)) != 0) {
			flock(db->jfd, LOCK_UN);
			return msg_fail(m, STATUS_DB,
					"The audit journal's header cannot be written: %s.",
					strerror(errno));
		}
	}
	db->jhold = 1;
	return STATUS_OK;
}

void db_journal_release(db_t *db)
{
	if (db->jfd < 0 || db->jhold == 0)
		return;
	if (--db->jhold == 0)
		flock(db->jfd, LOCK_UN);
}

void db_journal_close(db_t *db)
{
	if (db->jhold) {
		db->jhold = 1;
		db_journal_release(db);
	}
	db_journal_rollback(db);
	if (db->jfd >= 0)
		close(db->jfd);
	db->jfd = -1;
	free(db->jbuf);
	db->jbuf = NULL;
	db->jcap = 0;
}

/* Room for len more bytes in h: growing the file (by doubling, up to
 * J_MAX) while the disk has room. 0 when there is room. Under the lock. */
static int make_room(int fd, jheader_t *h, uint64_t len)
{
	uint64_t want = h->capacity * 2;
	if (h->used + len <= h->capacity)
		return 0;
	while (want < h->used + len)
		want *= 2;
	if (want > J_MAX)
		want = J_MAX;
	if (want < h->used + len ||
	    posix_fallocate(fd, J_DATA + (off_t)h->capacity, (off_t)(want - h->capacity)) != 0)
		return -1;
	h->capacity = want;
	return 0;
}

int db_journal_ready(db_t *db)
{
	jheader_t h;
	int ok;
	if (db->jfd < 0 || jlock(db, LOCK_EX) != 0)
		return 0;
	/* Room for a sign-on and some reading after it; a grown file keeps
	 * its new size in the header only with the next append. */
	ok = header_read(db->jfd, &h) == 0 && make_room(db->jfd, &h, J_ROOM) == 0;
	junlock(db);
	return ok;
}

/* ---- records ------------------------------------------------------------- */

typedef struct enc {
	unsigned char *p;
	size_t len, cap;
	int bad;
} enc_t;

static void put(enc_t *b, const void *p, size_t n)
{
	if (b->bad)
		return;
	if (b->len + n > b->cap) {
		size_t cap = (b->cap + n) * 2 + 1024;
		unsigned char *nb = realloc(b->p, cap);
		if (!nb) {
			b->bad = 1;
			return;
		}
		b->p = nb;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void put_str(enc_t *b, const char *s)
{
	size_t n = strnlen(s, 255);
	unsigned char len = (unsigned char)n;
	put(b, &len, 1);
	put(b, s, n);
}

/* Append e's record (length, checksum, payload) to b. */
static void encode(enc_t *b, const db_jevent_t *e)
{
	size_t start = b->len;
	uint32_t len = 0, sum = 0, dlen = (uint32_t)e->detail_len;
	int32_t kv = e->key_version;
	/* Format 1, or 2 when the event lists patients (after the MAC: a
	 * 16-bit count, then each row number). */
	unsigned char version = e->nlisted > 0 ? 2 : 1, flags = (unsigned char)e->flags, has = (unsigned char)!!e->has_detail;
	unsigned char mlen = (unsigned char)(e->mac_len > DB_AUDIT_MAC_LEN ? DB_AUDIT_MAC_LEN
									  : e->mac_len);
	put(b, &len, 4);
	put(b, &sum, 4);
	put(b, &version, 1);
	put(b, &flags, 1);
	put_str(b, e->event_id);
	put_str(b, e->session_id);
	put_str(b, e->ts);
	put_str(b, e->user_id);
	put_str(b, e->user_name);
	put_str(b, e->os_user);
	put_str(b, e->source);
	put_str(b, e->action);
	put_str(b, e->target);
	put_str(b, e->outcome);
	put(b, &has, 1);
	put(b, &dlen, 4);
	put(b, e->detail, e->detail_len);
	put(b, &kv, 4);
	put(b, &mlen, 1);
	put(b, e->mac, mlen);
	if (version == 2) {
		uint16_t nl = (uint16_t)(e->nlisted > DB_JOURNAL_LISTED_MAX ? DB_JOURNAL_LISTED_MAX
									    : e->nlisted);
		put(b, &nl, 2);
		put(b, e->listed, (size_t)nl * sizeof e->listed[0]);
	}
	if (b->bad)
		return;
	len = (uint32_t)(b->len - start - 8);
	sum = fnv1a(b->p + start + 8, len);
	memcpy(b->p + start, &len, 4);
	memcpy(b->p + start + 4, &sum, 4);
}

/* Parse one payload into e; -1 if it does not parse. */
static int decode(const unsigned char *p, size_t n, db_jevent_t *e)
{
	size_t o = 0;
	char *fields[] = {e->event_id, e->session_id, e->ts,	  e->user_id, e->user_name,
			  e->os_user,  e->source,     e->action, e->target,  e->outcome};
	size_t sizes[] = {sizeof e->event_id,  sizeof e->session_id, sizeof e->ts,
			  sizeof e->user_id,   sizeof e->user_name,  sizeof e->os_user,
			  sizeof e->source,    sizeof e->action,     sizeof e->target,
			  sizeof e->outcome};
	uint32_t dlen;
	int32_t kv;
	memset(e, 0, offsetof(db_jevent_t, detail));
	e->detail_len = 0;
	e->has_detail = 0;
	e->mac_len = 0;
	e->nlisted = 0;
	if (n < 2 || (p[0] != 1 && p[0] != 2))
		return -1;
	e->flags = p[1];
	o = 2;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		size_t len;
		if (o + 1 > n)
			return -1;
		len = p[o++];
		if (o + len > n || len >= sizes[i])
			return -1;
		memcpy(fields[i], p + o, len);
		fields[i][len] = '\0';
		o += len;
	}
	if (o + 5 > n)
		return -1;
	e->has_detail = p[o++];
	memcpy(&dlen, p + o, 4);
	o += 4;
	if (dlen > sizeof e->detail || o + dlen + 5 > n)
		return -1;
	memcpy(e->detail, p + o, dlen);
	e->detail_len = dlen;
	o += dlen;
	memcpy(&kv, p + o, 4);
	o += 4;
	e->key_version = kv;
	e->mac_len = p[o++];
	if (e->mac_len > DB_AUDIT_MAC_LEN || o + e->mac_len > n)
		return -1;
	memset(e->mac, 0, sizeof e->mac);
	memcpy(e->mac, p + o, e->mac_len);
	o += e->mac_len;
	if (p[0] == 2) {
		uint16_t nl;
		if (o + 2 > n)
			return -1;
		memcpy(&nl, p + o, 2);
		o += 2;
		if (nl == 0 || nl > DB_JOURNAL_LISTED_MAX || o + (size_t)nl * 8 != n)
			return -1;
		memcpy(e->listed, p + o, (size_t)nl * 8);
		e->nlisted = nl;
		o += (size_t)nl * 8;
	}
	return o == n ? 0 : -1;
}

/* The stand-in for a damaged record at absolute offset `at`. */
static void damaged(db_jevent_t *e, uint64_t at, const unsigned char *head, size_t n)
{
	memset(e, 0, sizeof *e);
	snprintf(e->event_id, sizeof e->event_id, "dmg%013" PRIx64 "%08" PRIx32 "0000",
		 (uint64_t)(at & 0xfffffffffffffULL), fnv1a(head, n));
	snprintf(e->action, sizeof e->action, "audit_journal_damaged");
	snprintf(e->outcome, sizeof e->outcome, "integrity");
	e->flags = DB_JEV_PENDING;
}

/* ---- appending ------------------------------------------------------------ */

static int record_at(const unsigned char *buf, size_t n, size_t o, uint64_t base, db_jevent_t *e,
		     size_t *next);

/* Does buf (whole records) hold an event MAC'd with an audit key version
 * the database has retired (domain_keys: 'audit', active = 0)? Read under
 * the journal's lock, outside any transaction (so the newest commit), and
 * that lock is held by a retirement from its chaining to its commit
 * (db_journal_hold): an event that passes here is either chained by that
 * retirement or appended after it under a version still in use. A failed
 * read lets the event through (the chain step then judges it).
 *
 * The answer is remembered: a version found in use at the header's
 * retirement generation h->kgen is still in use while the generation is
 * the same, since every retirement moves it on (under this lock, synced,
 * before its commit: db_journal_hold). So the database is read only when
 * the generation has moved or another version appears; every search's
 * event skips that read transaction. `version`: the key version of the
 * one event in buf (not pending), or -1 when buf must be read for them. */
static int names_retired(db_t *db, const jheader_t *h, const unsigned char *buf, size_t len,
			 int version)
{
	static const char sql[] = "SELECT count(*) FROM domain_keys WHERE domain = 'audit' AND "
				  "version = ?1 AND active = 0";
	db_jevent_t *e = NULL;
	int found = 0, seen = -1, many = 0;
	if (!db->conn || !sqlite3_get_autocommit(db->conn))
		return 0;
	if (version >= 0 && db->jk_valid && db->jk_gen == h->kgen && db->jk_version == version)
		return 0;
	if (version < 0 && !(e = malloc(sizeof *e)))
		return 0;
	for (size_t o = 0, next; o < len && !found; o = next) {
		sqlite3_stmt *st = NULL;
		msg_t ignore;
		int v = version;
		if (e) {
			if (record_at(buf, len, o, 0, e, &next) != 0 || (e->flags & DB_JEV_PENDING))
				continue;
			v = e->key_version;
		} else {
			next = len;
		}
		if (seen >= 0 && v != seen)
			many = 1;
		seen = v;
		if (db->jk_valid && db->jk_gen == h->kgen && db->jk_version == v)
			continue;
		if (db_cached(db, sql, &st, &ignore) != STATUS_OK) {
			many = 1; /* not looked at: nothing remembered */
			continue;
		}
		sqlite3_bind_int(st, 1, v);
		found = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0;
		sqlite3_reset(st);
	}
	if (!found && !many && seen >= 0) {
		db->jk_valid = 1;
		db->jk_gen = h->kgen;
		db->jk_version = seen;
	}
	if (e) {
		sodium_memzero(e, sizeof *e);
		free(e);
	}
	return found;
}

/* Append buf (whole records) under the lock, growing the file if there is
 * room on the disk; synced before the header that covers it. */
static status_t append(db_t *db, const unsigned char *buf, size_t len, int version, msg_t *m)
{
	status_t ret = STATUS_OK;
	jheader_t h;
	if (db->jfd < 0)
		return msg_fail(m, STATUS_READONLY,
				"This access cannot be recorded: %s.", db->jwhy);
	if (jlock(db, LOCK_EX) != 0)
		return msg_fail(m, STATUS_READONLY,
				"This access could not be recorded: the audit journal cannot be "
				"locked (%s).",
				strerror(errno));
	if (header_read(db->jfd, &h) != 0) {
		ret = msg_fail(m, STATUS_READONLY,
			       "This access could not be recorded: the audit journal beside the "
			       "database cannot be read.");
		goto cleanup;
	}
	if (names_retired(db, &h, buf, len, version)) {
		ret = msg_fail(m, STATUS_CONFLICT,
			       "The audit key was rotated while this was being recorded.");
		goto cleanup;
	}
	if (make_room(db->jfd, &h, len) != 0) {
		ret = msg_fail(m, STATUS_READONLY,
			       "This access could not be recorded: the audit journal is full (the "
			       "database has not been written for a long time, or the disk is full).");
		goto cleanup;
	}
	if (write_all(db->jfd, buf, len, (off_t)(J_DATA + h.used)) != 0 ||
	    (!db->jnosync && fdatasync(db->jfd) != 0)) {
		ret = msg_fail(m, STATUS_READONLY,
			       "This access could not be recorded: the audit journal could not be "
			       "written (%s).",
			       strerror(errno));
		goto cleanup;
	}
	h.used += len;
	if (header_put(db->jfd, &h, db->jnosync) != 0)
		ret = msg_fail(m, STATUS_READONLY,
			       "This access could not be recorded: the audit journal could not be "
			       "written (%s).",
			       strerror(errno));
cleanup:
	junlock(db);
	return ret;
}

status_t db_journal_add(db_t *db, const db_jevent_t *e, msg_t *m)
{
	enc_t b = {0};
	status_t ret;
	if (db->jfd < 0)
		return msg_fail(m, STATUS_READONLY, "This access cannot be recorded: %s.", db->jwhy);
	/* Inside a transaction: held until its commit. */
	if (db->conn && !sqlite3_get_autocommit(db->conn)) {
		size_t before = db->jlen;
		enc_t held = {db->jbuf, db->jlen, db->jcap, 0};
		encode(&held, e);
		db->jbuf = held.p;
		db->jcap = held.cap;
		if (held.bad) {
			db->jlen = before;
			return msg_fail(m, STATUS_NOMEM, "Out of memory writing the audit journal.");
		}
		db->jlen = held.len;
		return STATUS_OK;
	}
	encode(&b, e);
	if (b.bad)
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory writing the audit journal.");
	else
		ret = append(db, b.p, b.len, (e->flags & DB_JEV_PENDING) ? -1 : e->key_version, m);
	free(b.p);
	return ret;
}

status_t db_journal_commit(db_t *db, msg_t *m)
{
	status_t ret = STATUS_OK;
	if (db->jlen > 0)
		ret = append(db, db->jbuf, db->jlen, -1, m);
	db->jlen = 0;
	return ret;
}

void db_journal_rollback(db_t *db)
{
	db->jlen = 0;
}

/* ---- reading ------------------------------------------------------------- */

/* The waiting region [start, used) of the journal at fd, read under a lock
 * the caller holds: *buf (malloc'd, NULL when empty) of *len bytes. */
static status_t region_read(int fd, jheader_t *h, unsigned char **buf, size_t *len, msg_t *m)
{
	*buf = NULL;
	*len = 0;
	if (header_read(fd, h) != 0)
		return msg_fail(m, STATUS_INTEGRITY, "The audit journal's header is damaged.");
	if (h->used == h->start)
		return STATUS_OK;
	*len = (size_t)(h->used - h->start);
	if (!(*buf = malloc(*len)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory reading the audit journal.");
	if (read_all(fd, *buf, *len, (off_t)(J_DATA + h->start)) != 0) {
		free(*buf);
		*buf = NULL;
		return msg_fail(m, STATUS_DB, "The audit journal could not be read: %s.",
				strerror(errno));
	}
	return STATUS_OK;
}

/* The record at buf+o (region of n bytes): 0 and its event, or 1 and the
 * stand-in for a damaged one; *next is where the next record starts (n
 * when nothing after a damaged record can be trusted). */
static int record_at(const unsigned char *buf, size_t n, size_t o, uint64_t base, db_jevent_t *e,
		     size_t *next)
{
	uint32_t len, sum;
	if (o + 8 > n) {
		damaged(e, base + o, buf + o, n - o);
		*next = n;
		return 1;
	}
	memcpy(&len, buf + o, 4);
	memcpy(&sum, buf + o + 4, 4);
	if (len == 0 || len > J_PAYLOAD_MAX || o + 8 + len > n) {
		damaged(e, base + o, buf + o, 8);
		*next = n;
		return 1;
	}
	*next = o + 8 + len;
	if (fnv1a(buf + o + 8, len) != sum || decode(buf + o + 8, len, e) != 0) {
		damaged(e, base + o, buf + o, 8 + len);
		return 1;
	}
	return 0;
}

status_t db_journal_take(db_t *db, int limit, int (*fn)(const db_jevent_t *e, void *arg),
			 void *arg, int *more, int *trimmed, msg_t *m)
{
	status_t ret;
	jheader_t h;
	unsigned char *buf = NULL;
	size_t n = 0, o = 0, trim_to = 0;
	db_jevent_t *e = NULL;
	int seen = 0, leading = 1;

	*more = 0;
	*trimmed = 0;
	if (db->jfd < 0)
		return STATUS_OK;
	if (jlock(db, LOCK_EX) != 0)
		return msg_fail(m, STATUS_DB, "The audit journal cannot be locked: %s.",
				strerror(errno));
	if ((ret = region_read(db->jfd, &h, &buf, &n, m)) != STATUS_OK || n == 0)
		goto cleanup;
	if (!(e = malloc(sizeof *e))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory reading the audit journal.");
		goto cleanup;
	}
	while (o < n) {
		size_t next;
		int r;
		if (seen == limit) {
			*more = 1;
			break;
		}
		record_at(buf, n, o, J_DATA + h.start, e, &next);
		seen++;
		r = fn(e, arg);
		if (r < 0) {
			ret = STATUS_ERR;
			goto cleanup;
		}
		if (r > 0 && leading) {
			trim_to = next;
			(*trimmed)++;
		} else {
			leading = 0;
		}
		o = next;
	}
	/* What the trail holds is removed: all of it (the journal is empty
	 * again, and back to its reserve), or the leading part. */
	if (trim_to > 0) {
		if (h.start + trim_to == h.used) {
			h.start = h.used = 0;
			if (h.capacity > DB_JOURNAL_RESERVE) {
				h.capacity = DB_JOURNAL_RESERVE;
				/* If the file cannot be cut back it stays larger than
				 * its header says, which is harmless. */
				if (header_write(db->jfd, &h) == 0 &&
				    ftruncate(db->jfd, J_DATA + DB_JOURNAL_RESERVE) != 0)
					h.capacity = DB_JOURNAL_RESERVE;
				goto cleanup;
			}
		} else {
			h.start += trim_to;
		}
		if (header_write(db->jfd, &h) != 0)
			*trimmed = 0; /* stays; a later step finds it chained again */
	}
cleanup:
	junlock(db);
	free(buf);
	if (e) {
		sodium_memzero(e, sizeof *e);
		free(e);
	}
	return ret;
}

/* Each event of the journal at fd (shared lock), filtered. */
static status_t each_fd(int fd, int held, const char *user_id, const char *action,
			int newest_first, int (*fn)(const db_jevent_t *e, void *arg), void *arg,
			msg_t *m)
{
	status_t ret;
	jheader_t h;
	unsigned char *buf = NULL;
	size_t n = 0, *offs = NULL, noffs = 0, cap = 0;
	db_jevent_t *e = NULL;

	if (!held && flock(fd, LOCK_SH) != 0)
		return msg_fail(m, STATUS_DB, "The audit journal cannot be locked: %s.",
				strerror(errno));
	ret = region_read(fd, &h, &buf, &n, m);
	if (!held)
		flock(fd, LOCK_UN);
	if (ret != STATUS_OK || n == 0)
		return ret;
	if (!(e = malloc(sizeof *e))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory reading the audit journal.");
		goto cleanup;
	}
	for (size_t o = 0, next; o < n; o = next) {
		if (noffs == cap) {
			size_t nc = cap ? cap * 2 : 64;
			size_t *no = realloc(offs, nc * sizeof *no);
			if (!no) {
				ret = msg_fail(m, STATUS_NOMEM, "Out of memory reading the audit journal.");
				goto cleanup;
			}
			offs = no;
			cap = nc;
		}
		offs[noffs++] = o;
		record_at(buf, n, o, J_DATA + h.start, e, &next);
	}
	for (size_t i = 0; i < noffs; i++) {
		size_t next;
		record_at(buf, n, offs[newest_first ? noffs - 1 - i : i], J_DATA + h.start, e, &next);
		if ((user_id && strcmp(e->user_id, user_id) != 0) ||
		    (action && strcmp(e->action, action) != 0))
			continue;
		if (fn(e, arg))
			break;
	}
cleanup:
	free(offs);
	free(buf);
	if (e) {
		sodium_memzero(e, sizeof *e);
		free(e);
	}
	return ret;
}

status_t db_journal_each(db_t *db, const char *user_id, const char *action, int newest_first,
			 int (*fn)(const db_jevent_t *e, void *arg), void *arg, msg_t *m)
{
	if (db->jfd < 0)
		return STATUS_OK;
	return each_fd(db->jfd, db->jhold > 0, user_id, action, newest_first, fn, arg, m);
}

status_t db_journal_scan(const char *db_path, int (*fn)(const db_jevent_t *e, void *arg),
			 void *arg, msg_t *m)
{
	char path[PATH_MAX + 16];
	status_t ret;
	int fd;
	db_journal_path(db_path, path, sizeof path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return msg_fail(m, errno == ENOENT ? STATUS_NOTFOUND : STATUS_ERR,
				"Cannot open %s: %s.", path, strerror(errno));
	ret = each_fd(fd, 0, NULL, NULL, 0, fn, arg, m);
	close(fd);
	return ret;
}

static int count_one(const db_jevent_t *e, void *arg)
{
	(void)e;
	(*(int64_t *)arg)++;
	return 0;
}

status_t db_journal_count(db_t *db, int64_t *out, msg_t *m)
{
	*out = 0;
	return db_journal_each(db, NULL, NULL, 0, count_one, out, m);
}
