/* testvfs.h - a pass-through SQLite VFS for unit tests that make the disk
 * fail (test_avail: I/O errors, test_degrade: a full disk). tv_install
 * registers it as the default in front of the real one; it hands every
 * call on, except that a write, truncation or sync first asks the test's
 * hook, which returns 0 to let it through or the SQLite error to return
 * instead. `named` is 1 for the files SQLite opens by name (the database,
 * its WAL and rollback journal), 0 for temporary files. */
#ifndef CHARTROOM_TESTVFS_H
#define CHARTROOM_TESTVFS_H

#include <sqlite3.h>
#include <string.h>

enum { TV_WRITE, TV_TRUNCATE, TV_SYNC };
typedef int (*tv_hook_fn)(int op, int named);

static tv_hook_fn tv_hook;
static sqlite3_vfs *tv_real;
static sqlite3_vfs tv_vfs;

typedef struct tv_file {
	sqlite3_file base;
	int named;
	sqlite3_file *real; /* follows this struct in the same allocation */
} tv_file_t;

#define TV_REAL(f) (((tv_file_t *)(f))->real)
#define TV_NAMED(f) (((tv_file_t *)(f))->named)

static inline int tv_close(sqlite3_file *f)
{
	return TV_REAL(f)->pMethods ? TV_REAL(f)->pMethods->xClose(TV_REAL(f)) : SQLITE_OK;
}
static inline int tv_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{
	return TV_REAL(f)->pMethods->xRead(TV_REAL(f), b, n, o);
}
static inline int tv_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{
	int rc = tv_hook ? tv_hook(TV_WRITE, TV_NAMED(f)) : 0;
	return rc ? rc : TV_REAL(f)->pMethods->xWrite(TV_REAL(f), b, n, o);
}
static inline int tv_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	int rc = tv_hook ? tv_hook(TV_TRUNCATE, TV_NAMED(f)) : 0;
	return rc ? rc : TV_REAL(f)->pMethods->xTruncate(TV_REAL(f), size);
}
static inline int tv_sync(sqlite3_file *f, int flags)
{
	int rc = tv_hook ? tv_hook(TV_SYNC, TV_NAMED(f)) : 0;
	return rc ? rc : TV_REAL(f)->pMethods->xSync(TV_REAL(f), flags);
}
static inline int tv_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return TV_REAL(f)->pMethods->xFileSize(TV_REAL(f), size);
}
static inline int tv_lock(sqlite3_file *f, int l)
{
	return TV_REAL(f)->pMethods->xLock(TV_REAL(f), l);
}
static inline int tv_unlock(sqlite3_file *f, int l)
{
	return TV_REAL(f)->pMethods->xUnlock(TV_REAL(f), l);
}
static inline int tv_check(sqlite3_file *f, int *out)
{
	return TV_REAL(f)->pMethods->xCheckReservedLock(TV_REAL(f), out);
}
static inline int tv_fcntl(sqlite3_file *f, int op, void *arg)
{
	return TV_REAL(f)->pMethods->xFileControl(TV_REAL(f), op, arg);
}
static inline int tv_sector(sqlite3_file *f)
{
	return TV_REAL(f)->pMethods->xSectorSize(TV_REAL(f));
}
static inline int tv_devchar(sqlite3_file *f)
{
	return TV_REAL(f)->pMethods->xDeviceCharacteristics(TV_REAL(f));
}
static inline int tv_shmmap(sqlite3_file *f, int pg, int sz, int extend, void volatile **pp)
{
	return TV_REAL(f)->pMethods->xShmMap(TV_REAL(f), pg, sz, extend, pp);
}
static inline int tv_shmlock(sqlite3_file *f, int offset, int n, int flags)
{
	return TV_REAL(f)->pMethods->xShmLock(TV_REAL(f), offset, n, flags);
}
static inline void tv_shmbarrier(sqlite3_file *f)
{
	TV_REAL(f)->pMethods->xShmBarrier(TV_REAL(f));
}
static inline int tv_shmunmap(sqlite3_file *f, int del)
{
	return TV_REAL(f)->pMethods->xShmUnmap(TV_REAL(f), del);
}
static inline int tv_fetch(sqlite3_file *f, sqlite3_int64 o, int n, void **pp)
{
	return TV_REAL(f)->pMethods->xFetch(TV_REAL(f), o, n, pp);
}
static inline int tv_unfetch(sqlite3_file *f, sqlite3_int64 o, void *p)
{
	return TV_REAL(f)->pMethods->xUnfetch(TV_REAL(f), o, p);
}

static const sqlite3_io_methods tv_io = {
	3,	    tv_close,	  tv_read,	tv_write,    tv_truncate, tv_sync,
	tv_size,    tv_lock,	  tv_unlock,	tv_check,    tv_fcntl,	  tv_sector,
	tv_devchar, tv_shmmap,	  tv_shmlock,	tv_shmbarrier, tv_shmunmap, tv_fetch,
	tv_unfetch,
};

static inline int tv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
			  int *out)
{
	tv_file_t *f = (tv_file_t *)file;
	int rc;
	(void)vfs;
	f->real = (sqlite3_file *)(f + 1);
	memset(f->real, 0, (size_t)tv_real->szOsFile);
	f->named = name != NULL;
	rc = tv_real->xOpen(tv_real, name, f->real, flags, out);
	f->base.pMethods = f->real->pMethods ? &tv_io : NULL;
	return rc;
}

/* Once per process: the shim becomes the default VFS, asking `hook`. */
static inline void tv_install(const char *name, tv_hook_fn hook)
{
	tv_hook = hook;
	if (tv_real)
		return;
	tv_real = sqlite3_vfs_find(NULL);
	assert_non_null(tv_real);
	tv_vfs = *tv_real;
	tv_vfs.zName = name;
	tv_vfs.szOsFile = (int)sizeof(tv_file_t) + tv_real->szOsFile;
	tv_vfs.xOpen = tv_open;
	tv_vfs.pNext = NULL;
	assert_int_equal(sqlite3_vfs_register(&tv_vfs, 1), SQLITE_OK);
}

#endif
