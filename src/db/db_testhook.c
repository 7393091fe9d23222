/* db_testhook.c - test builds only: SIGKILL at the N-th database write
 * (see db_testhook.h). A VFS that wraps "unix", counts xWrite, xTruncate
 * and xSync on named files and passes everything else through. */
#include "db/db_testhook.h"

/* The release build compiles this file empty. */
typedef int db_testhook_unused_t;

#ifdef CHARTROOM_TEST_HOOKS
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

typedef struct hfile {
	sqlite3_file base;
	sqlite3_file *real; /* allocated right after this struct */
	int counted;        /* a named file: its writes count */
	int pause_on;       /* its first write pauses (CHARTROOM_TEST_PAUSE_ON) */
} hfile_t;

static sqlite3_vfs *real_vfs;
static sqlite3_vfs hook_vfs;
static long crash_at, ops;
static const char *count_file, *pause_file, *pause_on;
static int paused;

/* CHARTROOM_TEST_PAUSE_ON=SUFFIX with CHARTROOM_TEST_PAUSE_FILE=F: on the
 * first write to a file whose name ends in SUFFIX (a rollback journal:
 * "-journal"), create F.paused and wait (up to a minute) until F exists,
 * holding whatever locks the process holds, so that a test can act while
 * a change is half done. */
static void pause_here(void)
{
	char marker[4096];
	FILE *f;
	snprintf(marker, sizeof marker, "%s.paused", pause_file);
	if ((f = fopen(marker, "w")))
		fclose(f);
	for (int i = 0; i < 600 && access(pause_file, F_OK) != 0; i++)
		usleep(100000);
}

static void tick(const hfile_t *f)
{
	if (!f->counted)
		return;
	if (f->pause_on && !paused) {
		paused = 1;
		pause_here();
	}
	if (++ops == crash_at) {
		raise(SIGKILL);
		for (;;)
			pause();
	}
}

#define REAL(pf) (((hfile_t *)(pf))->real)

static int h_close(sqlite3_file *pf)
{
	return REAL(pf)->pMethods->xClose(REAL(pf));
}

static int h_read(sqlite3_file *pf, void *buf, int n, sqlite3_int64 off)
{
	return REAL(pf)->pMethods->xRead(REAL(pf), buf, n, off);
}

static int h_write(sqlite3_file *pf, const void *buf, int n, sqlite3_int64 off)
{
	tick((hfile_t *)pf);
	return REAL(pf)->pMethods->xWrite(REAL(pf), buf, n, off);
}

static int h_truncate(sqlite3_file *pf, sqlite3_int64 size)
{
	tick((hfile_t *)pf);
	return REAL(pf)->pMethods->xTruncate(REAL(pf), size);
}

static int h_sync(sqlite3_file *pf, int flags)
{
	tick((hfile_t *)pf);
	return REAL(pf)->pMethods->xSync(REAL(pf), flags);
}

static int h_size(sqlite3_file *pf, sqlite3_int64 *size)
{
	return REAL(pf)->pMethods->xFileSize(REAL(pf), size);
}

static int h_lock(sqlite3_file *pf, int l)
{
	return REAL(pf)->pMethods->xLock(REAL(pf), l);
}

static int h_unlock(sqlite3_file *pf, int l)
{
	return REAL(pf)->pMethods->xUnlock(REAL(pf), l);
}

static int h_check(sqlite3_file *pf, int *out)
{
	return REAL(pf)->pMethods->xCheckReservedLock(REAL(pf), out);
}

static int h_fcntl(sqlite3_file *pf, int op, void *arg)
{
	return REAL(pf)->pMethods->xFileControl(REAL(pf), op, arg);
}

static int h_sector(sqlite3_file *pf)
{
	return REAL(pf)->pMethods->xSectorSize(REAL(pf));
}

static int h_devchar(sqlite3_file *pf)
{
	return REAL(pf)->pMethods->xDeviceCharacteristics(REAL(pf));
}

static int h_shm_map(sqlite3_file *pf, int pg, int sz, int ext, void volatile **pp)
{
	return REAL(pf)->pMethods->xShmMap(REAL(pf), pg, sz, ext, pp);
}

static int h_shm_lock(sqlite3_file *pf, int off, int n, int flags)
{
	return REAL(pf)->pMethods->xShmLock(REAL(pf), off, n, flags);
}

static void h_shm_barrier(sqlite3_file *pf)
{
	REAL(pf)->pMethods->xShmBarrier(REAL(pf));
}

static int h_shm_unmap(sqlite3_file *pf, int del)
{
	return REAL(pf)->pMethods->xShmUnmap(REAL(pf), del);
}

static int h_fetch(sqlite3_file *pf, sqlite3_int64 off, int n, void **pp)
{
	return REAL(pf)->pMethods->xFetch(REAL(pf), off, n, pp);
}

static int h_unfetch(sqlite3_file *pf, sqlite3_int64 off, void *p)
{
	return REAL(pf)->pMethods->xUnfetch(REAL(pf), off, p);
}

static const sqlite3_io_methods hio = {
	3,	   h_close,    h_read,	   h_write,	  h_truncate,  h_sync,
	h_size,	   h_lock,     h_unlock,   h_check,	  h_fcntl,     h_sector,
	h_devchar, h_shm_map,  h_shm_lock, h_shm_barrier, h_shm_unmap, h_fetch,
	h_unfetch,
};

static int h_open(sqlite3_vfs *v, const char *name, sqlite3_file *pf, int flags, int *out)
{
	hfile_t *f = (hfile_t *)pf;
	int rc;
	(void)v;
	memset(f, 0, sizeof *f);
	f->real = (sqlite3_file *)(f + 1);
	f->counted = name != NULL;
	if (name && pause_on && *pause_on) {
		size_t nl = strlen(name), sl = strlen(pause_on);
		f->pause_on = nl >= sl && strcmp(name + nl - sl, pause_on) == 0;
	}
	rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out);
	f->base.pMethods = rc == SQLITE_OK && f->real->pMethods ? &hio : NULL;
	return rc;
}

static void write_count(void)
{
	FILE *f = fopen(count_file, "w");
	if (f) {
		fprintf(f, "%ld\n", ops);
		fclose(f);
	}
}

status_t db_testhook_install(msg_t *m)
{
	const char *at = getenv("CHARTROOM_TEST_CRASH_AT");
	count_file = getenv("CHARTROOM_TEST_CRASH_COUNT");
	pause_file = getenv("CHARTROOM_TEST_PAUSE_FILE");
	pause_on = getenv("CHARTROOM_TEST_PAUSE_ON");
	if (!pause_file || !*pause_file)
		pause_on = NULL;
	if (real_vfs || ((!at || !*at) && (!count_file || !*count_file) && (!pause_on || !*pause_on)))
		return STATUS_OK;
	if (!(real_vfs = sqlite3_vfs_find("unix")))
		return msg_fail(m, STATUS_DB, "Test hook: no unix VFS.");
	crash_at = at ? atol(at) : 0;
	/* unix's VFS with counting files: only xOpen and the file size
	 * change; unix's other methods read nothing from the struct they are
	 * called through but the copied fields. */
	hook_vfs = *real_vfs;
	hook_vfs.pNext = NULL;
	hook_vfs.zName = "chartroom-testhook";
	hook_vfs.szOsFile = (int)sizeof(hfile_t) + real_vfs->szOsFile;
	hook_vfs.xOpen = h_open;
	if (sqlite3_vfs_register(&hook_vfs, 1) != SQLITE_OK)
		return msg_fail(m, STATUS_DB, "Test hook: cannot register the VFS.");
	if (count_file && *count_file)
		atexit(write_count);
	setvbuf(stdout, NULL, _IOLBF, 0);
	return STATUS_OK;
}
#endif
