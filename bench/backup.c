/* bench/backup.c - how long backup, check and restore take, and so how
 * long recovery takes, for a clinic of N synthetic patients (default
 * 1,000,000; BENCH_PATIENTS=N to change it):
 *
 *   backup   'backup --out': the online copy, its BLAKE2b manifest, the
 *            integrity check and audit chain check of the copy, the audit
 *            entry, the rename; with the copy alone timed too
 *   verify   'backup --verify': manifest, integrity check, audit chain
 *   restore  'restore': the checks again, the copy beside the target,
 *            opening and signing on to it, the restore entry, the swap
 *
 * Recovery from a backup is verify + restore (plus reading the backup
 * from wherever it is kept). The database is built first with the bulk
 * writer (bench/lookup's load); its time is printed for reference.
 *
 *   build/bench/backup                       1,000,000 patients
 *   BENCH_PATIENTS=100000 build/bench/backup */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/backup.h"
#include "core/clinic.h"
#include "core/config.h"
#include "core/session.h"
#include "core/synth.h"
#include "db/db.h"
#include "db/db_backup.h"

#include "benchutil.h"

#define SEED 20261207ull

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench/backup: %s: %s\n", what, why);
	exit(1);
}

static void rm_db(const char *path)
{
	static const char *const sides[] = {"", "-wal", "-shm", ".audit-journal", ".manifest"};
	char p[PATH_MAX + 32];
	for (size_t i = 0; i < sizeof sides / sizeof sides[0]; i++) {
		snprintf(p, sizeof p, "%s%s", path, sides[i]);
		unlink(p);
	}
}

int main(void)
{
	const char *env = getenv("BENCH_PATIENTS");
	const char *tmpdir = getenv("TMPDIR");
	int64_t n = env && *env ? atoll(env) : 1000000, made = 0;
	char dir[PATH_MAX], db[PATH_MAX + 16], out[PATH_MAX + 16], raw[PATH_MAX + 16],
		restored[PATH_MAX + 16];
	config_t *cfg = calloc(1, sizeof *cfg);
	clinic_t *c = NULL, *copy = NULL;
	session_t *s = NULL;
	login_info_t info;
	backup_report_t rep, check, rrep;
	msg_t m;
	double t0, t_load, t_raw, t_backup, t_verify, t_restore, t_integrity;

	if (!cfg || n <= 0)
		die("set-up", "BENCH_PATIENTS must be a positive number");
	if (crypto_init(&m) != STATUS_OK || config_defaults(cfg, &m) != STATUS_OK)
		die("set-up", m.text);
	snprintf(dir, sizeof dir, "%s/chartroom-bench-backup.XXXXXX",
		 tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(dir))
		die("mkdtemp", strerror(errno));
	snprintf(db, sizeof db, "%s/clinic.db", dir);
	snprintf(out, sizeof out, "%s/backup.db", dir);
	snprintf(raw, sizeof raw, "%s/raw-copy.db", dir);
	snprintf(restored, sizeof restored, "%s/restored.db", dir);

	printf("backup, check and restore of %" PRId64 " patients (%s)\n", n, dir);
	bench_clinic("bench/backup", db, cfg, &c, &s);
	t0 = now_s();
	if (synth_patients(s, n, SEED, &made, &m) != STATUS_OK)
		die("load", m.text);
	t_load = now_s() - t0;
	session_logout(s);
	if (session_login(c, "admin", BENCH_ADMIN_PW, &s, &info, &m) != STATUS_OK)
		die("sign-on", m.text);

	/* The copy alone: SQLite's online backup into a new file. */
	{
		int fd = open(raw, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		db_t *src = NULL, *dst = NULL;
		if (fd < 0)
			die("raw copy", strerror(errno));
		if (db_open(db, DB_OPEN_EXISTING, cfg->busy_timeout_ms, &src, &m) != STATUS_OK ||
		    db_copy_open(raw, fd, DB_COPY_INTO, &dst, &m) != STATUS_OK)
			die("raw copy", m.text);
		t0 = now_s();
		if (db_backup(src, dst, &m) != STATUS_OK)
			die("raw copy", m.text);
		t_raw = now_s() - t0;
		db_close(dst);
		db_close(src);
		rm_db(raw);
	}

	t0 = now_s();
	if (backup_take(s, out, 0, &rep, &m) != STATUS_OK)
		die("backup", m.text);
	t_backup = now_s() - t0;
	session_logout(s);
	s = NULL;
	clinic_close(c);
	c = NULL;

	/* SQLite's integrity check alone, on the backup. */
	{
		int fd = open(out, O_RDONLY | O_CLOEXEC);
		db_t *b = NULL;
		if (fd < 0 || db_copy_open(out, fd, DB_COPY_CHECK, &b, &m) != STATUS_OK)
			die("integrity check", fd < 0 ? strerror(errno) : m.text);
		t0 = now_s();
		if (db_integrity_check(b, &m) != STATUS_OK)
			die("integrity check", m.text);
		t_integrity = now_s() - t0;
		db_close(b);
	}

	/* verify: sign-on to the copy (one Argon2id) included, as the
	 * command does it. */
	t0 = now_s();
	if (clinic_open_copy(out, cfg, &copy, &m) != STATUS_OK ||
	    session_login(copy, "admin", BENCH_ADMIN_PW, &s, &info, &m) != STATUS_OK ||
	    backup_check(s, rep.anchor, &check, &m) != STATUS_OK)
		die("verify", m.text);
	t_verify = now_s() - t0;
	session_logout(s);
	clinic_close(copy);

	t0 = now_s();
	if (backup_restore(cfg, out, restored, "admin", BENCH_ADMIN_PW, rep.anchor, 0, &rrep, &m) !=
	    STATUS_OK)
		die("restore", m.text);
	t_restore = now_s() - t0;

	printf("  database        %8.1f MB, %" PRId64 " audit entries (built in %.1f s)\n",
	       (double)rep.bytes / 1e6, rep.entries, t_load);
	printf("  copy alone      %8.1f s  (%.0f MB/s, SQLite online backup)\n", t_raw,
	       (double)rep.bytes / 1e6 / t_raw);
	printf("  integrity check %8.1f s  (PRAGMA integrity_check of the copy, alone)\n",
	       t_integrity);
	printf("  backup --out    %8.1f s  (copy, manifest, integrity check, audit chain)\n",
	       t_backup);
	printf("  backup --verify %8.1f s  (manifest, integrity check, audit chain)\n", t_verify);
	printf("  restore         %8.1f s  (checks, copy, sign-on, restore entry, swap)\n",
	       t_restore);
	printf("  recovery        %8.1f s  (verify + restore)\n", t_verify + t_restore);

	rm_db(out);
	rm_db(restored);
	rm_db(db);
	rmdir(dir);
	free(cfg);
	return 0;
}
