/* db_journal.c - the audit journal beside a database (db_journal.h).
 *
 * The file: a 64-byte header (magic, generation, bytes used, capacity),
 * then records, each a 32-bit length, a 32-bit FNV-1a sum of the payload
 * and the payload (the entry's fields, length-prefixed). The header's
 * "used" is written, and synced, only after the records it covers, so a
 * crash mid-write leaves the journal as it was. Writers take flock(2) on
 * it; a drain holds the lock from its reading to the commit that records
 * it, so nothing is appended between the two and then lost when the
 * journal is emptied. The meta row audit_journal = "GENERATION:USED"
 * (written in the drain's transaction) makes the drain exactly-once: after
 * a crash between the commit and the emptying, the next drain skips what
 * the last one chained. */
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

#include "base/privsep.h"
#include "db/db_internal.h"

#define J_MAGIC "CRAUDJ01"
#define J_HEADER 64
#define J_SIZE (1024 * 1024) /* reserved at creation: room for ~2,000 entries */
#define J_META "audit_journal"

typedef struct jheader {
	char magic[8];
	uint64_t generation;
	uint64_t used;     /* bytes of records after the header */
	uint64_t capacity; /* bytes available for records */
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

static int header_read(int fd, jheader_t *h)
{
	unsigned char buf[J_HEADER];
	if (read_all(fd, buf, sizeof buf, 0) != 0)
		return -1;
	memcpy(h, buf, sizeof *h);
	return memcmp(h->magic, J_MAGIC, 8) == 0 && h->used <= h->capacity ? 0 : -1;
}

static int header_write(int fd, const jheader_t *h)
{
	unsigned char buf[J_HEADER] = {0};
	memcpy(buf, h, sizeof *h);
	return write_all(fd, buf, sizeof buf, 0);
}

static void new_generation(jheader_t *h)
{
	uint64_t g = 0;
	while (g == 0)
		sqlite3_randomness(sizeof g, &g);
	h->generation = g;
}

/* A new journal: its space reserved now, while there is some. */
static int journal_create(const char *path)
{
	jheader_t h = {J_MAGIC, 0, 0, J_SIZE - J_HEADER};
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0660);
	if (fd < 0)
		return -1;
	if ((privsep_shared() &&
	     (fchown(fd, (uid_t)-1, privsep_group()) != 0 || fchmod(fd, 0660) != 0)) ||
	    posix_fallocate(fd, 0, J_SIZE) != 0) {
		close(fd);
		unlink(path);
		return -1;
	}
	new_generation(&h);
	if (header_write(fd, &h) != 0 || fdatasync(fd) != 0) {
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
	int fd;

	db_journal_path(db->path, path, sizeof path);
	fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT && db->ro != DB_RO_FILESYSTEM)
		fd = journal_create(path);
	if (fd < 0)
		return; /* none: entries cannot be journaled (db_journal_ready) */
	if (flock(fd, LOCK_EX) == 0) {
		if (header_read(fd, &h) != 0) {
			/* A journal whose creation was cut short (all zero) is made
			 * anew; anything else is left for a person to look at. */
			unsigned char z[J_HEADER], zero[J_HEADER] = {0};
			struct stat sb;
			if (read_all(fd, z, sizeof z, 0) == 0 && memcmp(z, zero, sizeof z) == 0 &&
			    fstat(fd, &sb) == 0 && sb.st_size >= J_SIZE) {
				jheader_t fresh = {J_MAGIC, 0, 0, J_SIZE - J_HEADER};
				new_generation(&fresh);
				if (header_write(fd, &fresh) != 0 || fdatasync(fd) != 0) {
					close(fd);
					fd = -1;
				}
			} else {
				close(fd);
				fd = -1;
			}
		}
		if (fd >= 0)
			flock(fd, LOCK_UN);
	} else {
		close(fd);
		fd = -1;
	}
	db->jfd = fd;
}

void db_journal_close(db_t *db)
{
	db_journal_rollback(db);
	if (db->jfd >= 0)
		close(db->jfd);
	db->jfd = -1;
	free(db->jbuf);
	db->jbuf = NULL;
	db->jcap = 0;
}

int db_journal_ready(db_t *db)
{
	jheader_t h;
	int ok = 0;
	if (db->jfd < 0)
		return 0;
	if (db->jlocked)
		return header_read(db->jfd, &h) == 0 && h.used + 8192 <= h.capacity;
	if (flock(db->jfd, LOCK_SH) != 0)
		return 0;
	/* Room for a sign-on and some reading after it. */
	ok = header_read(db->jfd, &h) == 0 && h.used + 8192 <= h.capacity;
	flock(db->jfd, LOCK_UN);
	return ok;
}

/* ---- records ------------------------------------------------------------ */

static int put(db_t *db, const void *p, size_t n)
{
	if (db->jlen + n > db->jcap) {
		size_t cap = (db->jcap + n) * 2 + 1024;
		unsigned char *nb = realloc(db->jbuf, cap);
		if (!nb)
			return -1;
		db->jbuf = nb;
		db->jcap = cap;
	}
	memcpy(db->jbuf + db->jlen, p, n);
	db->jlen += n;
	return 0;
}

static int put_str(db_t *db, const char *s)
{
	size_t n = strlen(s);
	uint16_t len = (uint16_t)(n > 0xffff ? 0xffff : n);
	return put(db, &len, sizeof len) || put(db, s, len);
}

status_t db_journal_add(db_t *db, const db_audit_row_t *r, int pending, msg_t *m)
{
	size_t start = db->jlen;
	uint32_t len = 0, sum = 0, dlen = (uint32_t)r->detail_len;
	int32_t kv = r->key_version;
	int64_t id = r->seq;
	unsigned char flag = (unsigned char)(pending != 0), has = (unsigned char)(r->has_detail != 0);
	int bad = 0;

	if (db->jfd < 0)
		return msg_fail(m, STATUS_READONLY,
				"This access cannot be recorded: the database is read-only (%s) and "
				"there is no audit journal beside it that can be written.",
				db_readonly_text(db->ro));
	bad |= put(db, &len, sizeof len);
	bad |= put(db, &sum, sizeof sum);
	bad |= put(db, &flag, 1);
	bad |= put(db, &id, sizeof id);
	bad |= put(db, &kv, sizeof kv);
	bad |= put_str(db, r->ts);
	bad |= put_str(db, r->user_id);
	bad |= put_str(db, r->user_name);
	bad |= put_str(db, r->os_user);
	bad |= put_str(db, r->source);
	bad |= put_str(db, r->action);
	bad |= put_str(db, r->target);
	bad |= put_str(db, r->outcome);
	bad |= put(db, &has, 1);
	bad |= put(db, &dlen, sizeof dlen);
	bad |= put(db, r->detail, r->detail_len);
	if (bad) {
		db->jlen = start;
		return msg_fail(m, STATUS_NOMEM, "Out of memory writing the audit journal.");
	}
	len = (uint32_t)(db->jlen - start - 8);
	sum = fnv1a(db->jbuf + start + 8, len);
	memcpy(db->jbuf + start, &len, sizeof len);
	memcpy(db->jbuf + start + 4, &sum, sizeof sum);
	return STATUS_OK;
}

/* Parse one payload into r; -1 if it does not parse. */
static int parse(const unsigned char *p, size_t n, db_audit_row_t *r, int *pending)
{
	size_t o = 0;
	char *fields[] = {r->ts, r->user_id, r->user_name, r->os_user,
			  r->source, r->action, r->target, r->outcome};
	size_t sizes[] = {sizeof r->ts, sizeof r->user_id, sizeof r->user_name, sizeof r->os_user,
			  sizeof r->source, sizeof r->action, sizeof r->target, sizeof r->outcome};
	uint32_t dlen;
	int32_t kv;
	memset(r, 0, sizeof *r);
	if (n < 1 + 8 + 4)
		return -1;
	*pending = p[o++];
	memcpy(&r->seq, p + o, 8);
	o += 8;
	memcpy(&kv, p + o, 4);
	o += 4;
	r->key_version = kv;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		uint16_t len;
		if (o + 2 > n)
			return -1;
		memcpy(&len, p + o, 2);
		o += 2;
		if (o + len > n || len >= sizes[i])
			return -1;
		memcpy(fields[i], p + o, len);
		fields[i][len] = '\0';
		o += len;
	}
	if (o + 5 > n)
		return -1;
	r->has_detail = p[o++];
	memcpy(&dlen, p + o, 4);
	o += 4;
	if (dlen > sizeof r->detail || o + dlen != n)
		return -1;
	memcpy(r->detail, p + o, dlen);
	r->detail_len = dlen;
	return 0;
}

status_t db_journal_drain(db_t *db, int (*fn)(const db_audit_row_t *row, int pending, void *arg),
			  void *arg, msg_t *m)
{
	status_t ret = STATUS_OK;
	jheader_t h;
	char mark[64];
	uint64_t start = 0, mgen = 0, mused = 0;
	unsigned char *buf = NULL;
	db_audit_row_t *r = NULL;
	msg_t ignore;

	if (db->jfd < 0 || db->ro != DB_RW)
		return STATUS_OK;
	if (flock(db->jfd, LOCK_EX) != 0)
		return STATUS_OK; /* cannot lock: left for the next sign-on */
	db->jlocked = 1;
	if (header_read(db->jfd, &h) != 0 || h.used == 0)
		return STATUS_OK; /* nothing waits (or a journal not ours) */
	db->jdrained = 1; /* emptied at the commit */
	if (db_meta_get(db, J_META, mark, sizeof mark, &ignore) == STATUS_OK &&
	    sscanf(mark, "%" SCNu64 ":%" SCNu64, &mgen, &mused) == 2 && mgen == h.generation &&
	    mused <= h.used)
		start = mused; /* chained by a drain whose emptying was cut short */
	if (start == h.used)
		return STATUS_OK;
	if (!(buf = malloc(h.used - start)) || !(r = malloc(sizeof *r))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory reading the audit journal.");
		goto cleanup;
	}
	if (read_all(db->jfd, buf, h.used - start, (off_t)(J_HEADER + start)) != 0) {
		ret = msg_fail(m, STATUS_DB, "The audit journal could not be read: %s.",
			       strerror(errno));
		goto cleanup;
	}
	for (uint64_t o = 0; o < h.used - start;) {
		uint32_t len, sum;
		int pending = 0;
		if (o + 8 > h.used - start)
			goto damaged;
		memcpy(&len, buf + o, 4);
		memcpy(&sum, buf + o + 4, 4);
		if (o + 8 + len > h.used - start || fnv1a(buf + o + 8, len) != sum ||
		    parse(buf + o + 8, len, r, &pending) != 0)
			goto damaged;
		if (fn(r, pending, arg) != 0) {
			ret = STATUS_ERR; /* fn's own message and status stand */
			goto cleanup;
		}
		o += 8 + len;
		continue;
damaged:
		memset(r, 0, sizeof *r);
		snprintf(r->action, sizeof r->action, "audit_journal_damaged");
		snprintf(r->outcome, sizeof r->outcome, "error");
		if (fn(r, 1, arg) != 0)
			ret = STATUS_ERR;
		break;
	}
	if (ret == STATUS_OK) {
		snprintf(mark, sizeof mark, "%" PRIu64 ":%" PRIu64, h.generation, h.used);
		ret = db_meta_set(db, J_META, mark, m);
	}
cleanup:
	free(r);
	free(buf);
	return ret;
}

/* After COMMIT: write what the transaction held (a read-only database),
 * or empty the journal a drain chained. */
status_t db_journal_commit(db_t *db, msg_t *m)
{
	status_t ret = STATUS_OK;
	jheader_t h;

	if (db->jlen > 0) {
		int locked = db->jlocked || flock(db->jfd, LOCK_EX) == 0;
		if (!locked || header_read(db->jfd, &h) != 0)
			ret = msg_fail(m, STATUS_READONLY,
				       "This access could not be recorded: the audit journal beside "
				       "the database cannot be read.");
		else if (h.used + db->jlen > h.capacity)
			ret = msg_fail(m, STATUS_READONLY,
				       "This access could not be recorded: the audit journal is full "
				       "(the database has been read-only for a long time).");
		else if (write_all(db->jfd, db->jbuf, db->jlen, (off_t)(J_HEADER + h.used)) != 0 ||
			 fdatasync(db->jfd) != 0 || (h.used += db->jlen, header_write(db->jfd, &h)) != 0 ||
			 fdatasync(db->jfd) != 0)
			ret = msg_fail(m, STATUS_READONLY,
				       "This access could not be recorded: the audit journal could "
				       "not be written (%s).",
				       strerror(errno));
		if (locked && !db->jlocked)
			flock(db->jfd, LOCK_UN);
		db->jlen = 0;
	}
	if (db->jdrained && header_read(db->jfd, &h) == 0) {
		/* Chained and committed: empty it (zeros over the old entries,
		 * a new generation so the meta mark no longer applies). */
		static const unsigned char zero[4096];
		for (uint64_t o = 0; o < h.used; o += sizeof zero) {
			size_t n = h.used - o < sizeof zero ? (size_t)(h.used - o) : sizeof zero;
			if (write_all(db->jfd, zero, n, (off_t)(J_HEADER + o)) != 0)
				break;
		}
		h.used = 0;
		new_generation(&h);
		if (header_write(db->jfd, &h) == 0)
			fdatasync(db->jfd);
	}
	db->jdrained = 0;
	if (db->jlocked) {
		flock(db->jfd, LOCK_UN);
		db->jlocked = 0;
	}
	return ret;
}

void db_journal_rollback(db_t *db)
{
	db->jlen = 0;
	db->jdrained = 0;
	if (db->jlocked && db->jfd >= 0)
		flock(db->jfd, LOCK_UN);
	db->jlocked = 0;
}
