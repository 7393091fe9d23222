/* backup.c - take, check and restore backups (backup.h). */
#include "core/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "base/text.h"
#include "base/tz.h"
#include "base/userfile.h"
#include "core/audit.h"
#include "core/internal.h"
#include "db/db_audit.h"
#include "db/db_backup.h"
#include "db/db_journal.h"

#define MANIFEST_SUFFIX ".manifest"

/* BLAKE2b-256 of the whole file behind fd, as hex. */
static status_t file_hash(int fd, const char *name, char hex[65], int64_t *bytes, msg_t *m)
{
	crypto_generichash_state st;
	unsigned char buf[1 << 16], h[32];
	off_t at = 0;
	ssize_t n;
	crypto_generichash_init(&st, NULL, 0, sizeof h);
	while ((n = pread(fd, buf, sizeof buf, at)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return msg_fail(m, STATUS_ERR, "Cannot read %s: %s.", name, strerror(errno));
		crypto_generichash_update(&st, buf, (unsigned long long)n);
		at += n;
	}
	crypto_generichash_final(&st, h, sizeof h);
	sodium_bin2hex(hex, 65, h, sizeof h);
	*bytes = (int64_t)at;
	return STATUS_OK;
}

/* The manifest written beside a backup (as pg_basebackup's): what the
 * file must be byte for byte, so any damage to it is found, and its
 * anchor. */
static status_t manifest_write(const char *path, const char *file, const char *hash,
			       int64_t bytes, const backup_report_t *rep, msg_t *m)
{
	FILE *f = NULL;
	char when[24];
	status_t ret;
	const char *base = strrchr(file, '/');
	int fd;
	if ((ret = userfile_open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600, &fd, m)) !=
	    STATUS_OK)
		return ret;
	if (!(f = fdopen(fd, "w"))) {
		close(fd);
		return msg_fail(m, STATUS_ERR, "Cannot write %s: %s.", path, strerror(errno));
	}
	core_now(when);
	fprintf(f,
		"chartroom-backup 1\nfile %s\nbytes %" PRId64 "\nblake2b-256 %s\nanchor %s\n"
		"entries %" PRId64 "\ncreated %s\n",
		base ? base + 1 : file, bytes, hash, rep->anchor, rep->entries, when);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fclose(f);
		return msg_fail(m, STATUS_ERR, "Cannot write %s: %s.", path, strerror(errno));
	}
	if (fclose(f) != 0)
		return msg_fail(m, STATUS_ERR, "Cannot write %s: %s.", path, strerror(errno));
	return STATUS_OK;
}

/* Check file against the manifest beside it, if there is one (*had 1). */
static status_t manifest_check(const char *file, int *had, msg_t *m)
{
	char path[PATH_MAX + 16], line[256], want[65] = "", hex[65];
	long long want_bytes = -1;
	int64_t bytes = 0;
	FILE *f = NULL;
	status_t ret;
	msg_t ignore;
	int fd;

	*had = 0;
	snprintf(path, sizeof path, "%s%s", file, MANIFEST_SUFFIX);
	if (userfile_fopen(path, "r", &f, &ignore) != STATUS_OK)
		return STATUS_OK; /* none: integrity and chain only */
	*had = 1;
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "bytes %lld", &want_bytes) == 1)
			continue;
		sscanf(line, "blake2b-256 %64s", want);
	}
	fclose(f);
	if (want_bytes < 0 || strlen(want) != 64)
		return msg_fail(m, STATUS_INTEGRITY, "%s is not a backup manifest Chartroom wrote.",
				path);
	if ((ret = userfile_open(file, O_RDONLY, 0, &fd, m)) != STATUS_OK)
		return ret;
	ret = file_hash(fd, file, hex, &bytes, m);
	close(fd);
	if (ret != STATUS_OK)
		return ret;
	if (bytes != want_bytes || sodium_memcmp(hex, want, 64) != 0)
		return msg_fail(m, STATUS_INTEGRITY,
				"%s does not match its manifest %s (%" PRId64 " bytes, %lld expected): "
				"it was damaged or changed after the backup was made.",
				file, path, bytes, want_bytes);
	return STATUS_OK;
}

/* One audit entry in a transaction of its own. A disk found full by this
 * very write: once more, to the journal. */
static status_t record(session_t *s, const char *action, const char *outcome,
		       const char *detail, msg_t *m)
{
	status_t ret = STATUS_OK;
	for (int tries = 0; tries < 2; tries++) {
		int ro = db_readonly(s->c->db) != DB_RW;
		ret = db_begin(s->c->db, m);
		if (ret == STATUS_OK)
			ret = audit_append(s, action, "", outcome, detail, m);
		if (ret == STATUS_OK)
			ret = db_commit(s->c->db, m);
		if (ret == STATUS_OK)
			return STATUS_OK;
		db_rollback(s->c->db);
		if (ro || db_readonly(s->c->db) == DB_RW)
			break;
	}
	return ret;
}

/* Integrity, the audit chain (with s's key: a copy of s's database), its
 * anchor and size. */
static int last_entry(const db_audit_row_t *row, void *arg)
{
	text_copy(arg, 24, row->ts);
	return 1;
}

static status_t check_copy(session_t *s, db_t *copy, backup_report_t *rep, msg_t *m)
{
	static const db_audit_filter_t newest = {.limit = 1, .newest_first = 1};
	status_t ret;
	int64_t bad = 0;
	if ((ret = db_integrity_check(copy, m)) != STATUS_OK)
		return ret;
	if ((ret = audit_verify_db(s, copy, NULL, &rep->entries, &bad, m)) != STATUS_OK)
		return ret;
	if ((ret = audit_last_anchor(copy, rep->anchor, sizeof rep->anchor, m)) != STATUS_OK)
		return ret;
	if ((ret = db_audit_each(copy, &newest, last_entry, rep->last_at, m)) != STATUS_OK)
		return ret;
	return db_size(copy, &rep->bytes, m);
}

status_t backup_take(session_t *s, const char *out, int force, backup_report_t *rep, msg_t *m)
{
	status_t ret;
	char tmp[PATH_MAX + 32], tmpman[PATH_MAX + 48], man[PATH_MAX + 16], hex[65];
	char *detail = NULL;
	db_t *copy = NULL;
	struct stat sb;
	uint32_t r;
	int64_t hashed = 0;
	int fd = -1, fd2 = -1, made = 0, made_man = 0, recorded = 0;
	size_t dsize = PATH_MAX + 256;

	memset(rep, 0, sizeof *rep);
	if ((ret = session_require(s, ACT_BACKUP, m)) != STATUS_OK)
		return ret;
	/* What waits in the audit journal goes into the trail first, so the
	 * copy holds it (not while the database cannot be written: then the
	 * report says how much stays behind in the journal). */
	if (db_readonly(s->c->db) == DB_RW) {
		msg_t ignore;
		audit_flush(s, &ignore);
	}
	if (!out || !*out)
		return msg_fail(m, STATUS_USAGE, "Name the backup file with --out FILE.");
	if (strlen(out) >= PATH_MAX)
		return msg_fail(m, STATUS_USAGE, "The backup file's name is too long.");
	snprintf(man, sizeof man, "%s%s", out, MANIFEST_SUFFIX);
	/* Early and friendly; the rename at the end refuses it for good. */
	if (!force && (lstat(out, &sb) == 0 || lstat(man, &sb) == 0))
		return msg_fail(m, STATUS_EXISTS,
				"%s (or its manifest) already exists; nothing was written. Choose "
				"another name, or add --force to replace it (only once the new backup "
				"has been checked).",
				out);
	if (!(detail = malloc(dsize)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	/* The copy is made under a new name beside out, created here with the
	 * user's own ids (O_EXCL: never an existing file or a planted link),
	 * and SQLite writes it through this very descriptor (db_copy_open),
	 * so no one can swap the file under it between the checks. */
	randombytes_buf(&r, sizeof r);
	snprintf(tmp, sizeof tmp, "%s.partial-%08" PRIx32, out, r);
	snprintf(tmpman, sizeof tmpman, "%s%s", tmp, MANIFEST_SUFFIX);
	if ((ret = userfile_open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0600, &fd, m)) !=
	    STATUS_OK)
		goto cleanup;
	made = 1;
	if (fchmod(fd, 0600) != 0 || (fd2 = dup(fd)) < 0) {
		ret = msg_fail(m, STATUS_ERR, "Cannot prepare %s: %s.", tmp, strerror(errno));
		close(fd);
		goto cleanup;
	}
	ret = db_copy_open(tmp, fd, DB_COPY_INTO, &copy, m);
	fd = -1; /* taken */
	if (ret == STATUS_OK)
		ret = db_backup(s->c->db, copy, m);
	db_close(copy);
	copy = NULL;
	if (ret != STATUS_OK)
		goto cleanup;
	/* The copy as written, read back from the file: its bytes for the
	 * manifest, then its checks. */
	if ((ret = file_hash(fd2, tmp, hex, &hashed, m)) != STATUS_OK)
		goto cleanup;
	ret = db_copy_open(tmp, fd2, DB_COPY_CHECK, &copy, m);
	fd2 = -1;
	if (ret == STATUS_OK)
		ret = check_copy(s, copy, rep, m);
	db_close(copy);
	copy = NULL;
	if (ret != STATUS_OK)
		goto cleanup;
	if ((ret = manifest_write(tmpman, out, hex, hashed, rep, m)) != STATUS_OK)
		goto cleanup;
	made_man = 1;
	/* Audited before it is kept: no backup exists that the trail does
	 * not know of. */
	snprintf(detail, dsize, "file=%s anchor=%s entries=%" PRId64 " bytes=%" PRId64, out,
		 rep->anchor, rep->entries, rep->bytes);
	recorded = 1;
	if ((ret = record(s, "backup", "ok", detail, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = userfile_rename(tmp, out, force, m)) != STATUS_OK) {
		msg_t ignore;
		if (ret == STATUS_EXISTS)
			msg_set(m, "%s appeared while the backup was made; nothing was replaced.", out);
		snprintf(detail, dsize, "file=%s could not be put in place", out);
		record(s, "backup", "failed", detail, &ignore);
		goto cleanup;
	}
	made = 0;
	if ((ret = userfile_rename(tmpman, man, 1, m)) != STATUS_OK)
		goto cleanup;
	made_man = 0;
	{
		int64_t waiting = 0;
		msg_t ignore;
		char behind[160] = "";
		if (db_journal_count(s->c->db, &waiting, &ignore) == STATUS_OK && waiting > 0 &&
		    db_readonly(s->c->db) != DB_RW)
			snprintf(behind, sizeof behind,
				 " %" PRId64 " audit event%s recorded while the database is read-only "
				 "wait%s in its audit journal and %s not in this copy.",
				 waiting, waiting == 1 ? "" : "s", waiting == 1 ? "s" : "",
				 waiting == 1 ? "is" : "are");
		char last[TZ_TEXT_MAX];
		tz_format(s->c->cfg->clinic_tz, rep->last_at, TZ_SECONDS, last, sizeof last);
		msg_set(
		    m,
		    "Backup written to %s: %" PRId64 " bytes, integrity check ok, audit chain OK "
		    "(%" PRId64 " entries, the last at %s), chart heads OK; its manifest is %s. "
		    "Keep its anchor with the backup's record: %s.%s",
		    out, rep->bytes, rep->entries, last, man, rep->anchor, behind);
	}
cleanup:
	if (fd2 >= 0)
		close(fd2);
	if (made)
		userfile_unlink(tmp);
	if (made_man)
		userfile_unlink(tmpman);
	if (ret != STATUS_OK && made && !recorded) {
		msg_t ignore;
		snprintf(detail, dsize, "file=%s: %s", out, m ? m->text : "");
		record(s, "backup", "failed", detail, &ignore);
	}
	free(detail);
	return ret;
}

status_t backup_check(session_t *s, const char *anchor, backup_report_t *rep, msg_t *m)
{
	char last[TZ_TEXT_MAX];
	status_t ret;
	int64_t bad = 0, count = 0;
	int had = 0;
	memset(rep, 0, sizeof *rep);
	if ((ret = session_require(s, ACT_AUDIT_VERIFY, m)) != STATUS_OK)
		return ret;
	if ((ret = manifest_check(clinic_path(s->c), &had, m)) != STATUS_OK)
		return ret;
	if ((ret = check_copy(s, s->c->db, rep, m)) != STATUS_OK)
		return ret;
	if (anchor && *anchor &&
	    (ret = audit_verify_db(s, s->c->db, anchor, &count, &bad, m)) != STATUS_OK)
		return ret;
	tz_format(s->c->cfg->clinic_tz, rep->last_at, TZ_SECONDS, last, sizeof last);
	msg_set(m,
	        "%s: %s, integrity check ok, audit chain OK (%" PRId64
	        " entries, the last at %s, %" PRId64 " bytes)%s. Its anchor: %s",
	        clinic_path(s->c),
	        had ? "matches its manifest" : "no manifest beside it (not compared byte for byte)",
	        rep->entries, last, rep->bytes, anchor && *anchor ? ", holds the anchor given" : "",
	        rep->anchor);
	return STATUS_OK;
}

/* The audit checks of a restore, signed on to the restored copy (s, in
 * its place beside the target): the chain, and the anchor given. */
static status_t check_restored(session_t *s, const char *anchor, int force, backup_report_t *rep,
			       msg_t *m)
{
	status_t ret;
	int64_t bad = 0, count = 0;
	msg_t why;
	if ((ret = session_require(s, ACT_BACKUP, m)) != STATUS_OK)
		return ret;
	if ((ret = audit_verify_db(s, s->c->db, NULL, &count, &bad, m)) != STATUS_OK)
		return ret;
	if (!anchor || !*anchor)
		return STATUS_OK;
	ret = audit_verify_db(s, s->c->db, anchor, &count, &bad, &why);
	if (ret == STATUS_USAGE)
		return msg_fail(m, ret, "%s", why.text);
	if (ret == STATUS_OK)
		return STATUS_OK;
	if (!force)
		return msg_fail(m, STATUS_INTEGRITY,
				"This backup does not hold the anchor given (%s): it is older than "
				"that anchor or from another database, and restoring it would lose "
				"what was recorded after it. Nothing was changed; add --force to "
				"restore it anyway.",
				why.text);
	rep->forced = 1;
	return STATUS_OK;
}

status_t backup_restore(const config_t *cfg, const char *file, const char *target,
			const char *user, const char *password, const char *anchor, int force,
			backup_report_t *rep, msg_t *m)
{
	status_t ret;
	clinic_t *dst = NULL;
	session_t *s = NULL;
	login_info_t info;
	db_t *from = NULL, *into = NULL;
	char real[PATH_MAX], tmp[PATH_MAX + 32], *detail = NULL;
	int fd = -1, sfd = -1, made = 0, had = 0;
	size_t dsize = 2 * PATH_MAX + 512;

	memset(rep, 0, sizeof *rep);
	if (!(detail = malloc(dsize)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	/* First what costs nothing: where it goes, and whether that is free. */
	if ((ret = db_restore_file(target, force, real, sizeof real, tmp, sizeof tmp, &fd, m)) !=
	    STATUS_OK)
		goto cleanup;
	made = 1;
	/* The backup, byte for byte as its manifest says, copied beside the
	 * target and checked there: a backup made by an older Chartroom is
	 * checked once upgraded, as it will be used. */
	if ((ret = manifest_check(file, &had, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = userfile_open(file, O_RDONLY, 0, &sfd, m)) != STATUS_OK)
		goto cleanup;
	ret = db_copy_open(file, sfd, DB_COPY_ANY, &from, m);
	sfd = -1; /* taken */
	if (ret == STATUS_OK) {
		ret = db_copy_open(tmp, fd, DB_COPY_INTO, &into, m);
		fd = -1;
	}
	if (ret == STATUS_OK)
		ret = db_backup(from, into, m);
	if (ret == STATUS_OK)
		ret = db_integrity_check(into, m);
	if (ret == STATUS_INTEGRITY)
		msg_set(m, "%s is damaged (integrity check: see 'backup --verify'); nothing was "
			   "changed.", file);
	db_close(into);
	db_close(from);
	if (ret != STATUS_OK)
		goto cleanup;
	/* The copy as the clinic's database: upgraded if it is older, its
	 * anchor as backed up, signed on to, its chain checked, the restore
	 * recorded in its own trail. */
	if ((ret = clinic_open(tmp, cfg, &dst, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = audit_last_anchor(dst->db, rep->anchor, sizeof rep->anchor, m)) != STATUS_OK)
		goto cleanup;
	rep->entries = atoll(rep->anchor);
	if ((ret = session_login(dst, user, password, &s, &info, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = check_restored(s, anchor, force, rep, m)) != STATUS_OK)
		goto cleanup;
	snprintf(detail, dsize, "from=%s copy_anchor=%s entries=%" PRId64 " into=%s%s%s%s%s", file,
		 rep->anchor, rep->entries, real, had ? "" : " (no manifest)",
		 anchor && *anchor ? " anchor_given=" : "", anchor && *anchor ? anchor : "",
		 rep->forced ? " forced (older than the anchor)" : "");
	if ((ret = record(s, "restore", "ok", detail, m)) != STATUS_OK)
		goto cleanup;
	session_logout(s);
	s = NULL;
	if ((ret = audit_last_anchor(dst->db, rep->restored_anchor, sizeof rep->restored_anchor,
				     m)) != STATUS_OK)
		goto cleanup;
	clinic_close(dst); /* its log folded into the file */
	dst = NULL;
	if ((ret = db_restore_install(tmp, real, rep->aside, sizeof rep->aside, m)) != STATUS_OK)
		goto cleanup;
	made = 0;
	msg_set(m, "Restored %s as %s (%" PRId64 " audit entries in the backup%s%s).%s%s", file,
		real, rep->entries, had ? "" : "; it had no manifest to compare it with",
		rep->forced ? "; older than the anchor given, restored by --force" : "",
		rep->aside[0] ? " The database it replaced is kept as " : "",
		rep->aside[0] ? rep->aside : "");
cleanup:
	session_logout(s);
	clinic_close(dst);
	if (fd >= 0)
		close(fd);
	if (made)
		db_remove_files(tmp);
	free(detail);
	return ret;
}
