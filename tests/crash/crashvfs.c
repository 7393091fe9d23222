/* crashvfs.c - the crash and power-loss VFS shim (see crashvfs.h). */
#include "crashvfs.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#define SECTOR 512
#define MAX_FILES 64

typedef struct cfile {
	sqlite3_file base; /* pMethods: &cio, or NULL if the open failed */
	sqlite3_file *real; /* the unix VFS's file, allocated right after this */
	int id;            /* in files[], or -1 for an unnamed (temporary) file */
} cfile_t;

/* A named file as the shim knows it, across opens and closes. */
static struct {
	char path[PATH_MAX];
	sqlite3_int64 synced; /* size at its last successful xSync (or creation) */
} files[MAX_FILES];
static int nfiles;

/* One write or truncate not yet made durable by an xSync of its file. */
typedef struct rec {
	int file;
	int trunc;            /* 0: write of len bytes at off; 1: truncate to off */
	sqlite3_int64 off, len;
	unsigned char *old;   /* the bytes it replaced (oldlen of them) */
	sqlite3_int64 oldlen;
	unsigned char *neu;   /* a write's bytes (len of them) */
} rec_t;

static rec_t *recs;
static size_t nrecs, caprecs;

static sqlite3_vfs *real_vfs;
static sqlite3_vfs shim;
static crashvfs_mode_t mode = CRASHVFS_COUNT;
static crashvfs_fate_t fate = CRASHVFS_LOSE_ALL;
static long ops, at;
static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
	/* xorshift64: enough for choosing pieces, and reproducible by seed */
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void tick(void)
{
	ops++;
	if (ops != at)
		return;
	if (mode == CRASHVFS_KILL) {
		raise(SIGKILL);
		for (;;)
			pause();
	}
	if (mode == CRASHVFS_POWER)
		crashvfs_power_cut();
}

static void forget_file(int id)
{
	size_t k = 0;
	for (size_t i = 0; i < nrecs; i++) {
		if (recs[i].file == id) {
			free(recs[i].old);
			free(recs[i].neu);
			continue;
		}
		recs[k++] = recs[i];
	}
	nrecs = k;
}

static int add_rec(const rec_t *r)
{
	if (nrecs == caprecs) {
		size_t cap = caprecs ? caprecs * 2 : 256;
		rec_t *n = realloc(recs, cap * sizeof *n);
		if (!n)
			return -1;
		recs = n;
		caprecs = cap;
	}
	recs[nrecs++] = *r;
	return 0;
}

/* The bytes [off, off+n) that exist now (n may be cut by the file's end). */
static int read_old(cfile_t *f, sqlite3_int64 off, sqlite3_int64 n, unsigned char **out,
		    sqlite3_int64 *got)
{
	sqlite3_int64 size = 0;
	*out = NULL;
	*got = 0;
	if (f->real->pMethods->xFileSize(f->real, &size) != SQLITE_OK)
		return -1;
	if (off >= size)
		return 0;
	if (off + n > size)
		n = size - off;
	if (!(*out = malloc((size_t)n)))
		return -1;
	if (f->real->pMethods->xRead(f->real, *out, (int)n, off) != SQLITE_OK) {
		free(*out);
		*out = NULL;
		return -1;
	}
	*got = n;
	return 0;
}

/* ---- io methods ---- */

static int c_close(sqlite3_file *pf)
{
	cfile_t *f = (cfile_t *)pf;
	return f->real->pMethods->xClose(f->real);
}

static int c_read(sqlite3_file *pf, void *buf, int n, sqlite3_int64 off)
{
	cfile_t *f = (cfile_t *)pf;
	return f->real->pMethods->xRead(f->real, buf, n, off);
}

static int c_write(sqlite3_file *pf, const void *buf, int n, sqlite3_int64 off)
{
	cfile_t *f = (cfile_t *)pf;
	rec_t r;
	int rc;
	if (f->id < 0)
		return f->real->pMethods->xWrite(f->real, buf, n, off);
	tick();
	memset(&r, 0, sizeof r);
	r.file = f->id;
	r.off = off;
	r.len = n;
	if (read_old(f, off, n, &r.old, &r.oldlen) != 0 || !(r.neu = malloc((size_t)n ? (size_t)n : 1)))
		abort(); /* a test harness out of memory cannot go on honestly */
	memcpy(r.neu, buf, (size_t)n);
	rc = f->real->pMethods->xWrite(f->real, buf, n, off);
	if (add_rec(&r) != 0)
		abort();
	return rc;
}

static int c_truncate(sqlite3_file *pf, sqlite3_int64 size)
{
	cfile_t *f = (cfile_t *)pf;
	sqlite3_int64 cur = 0;
	rec_t r;
	if (f->id < 0)
		return f->real->pMethods->xTruncate(f->real, size);
	tick();
	memset(&r, 0, sizeof r);
	r.file = f->id;
	r.trunc = 1;
	r.off = size;
	if (f->real->pMethods->xFileSize(f->real, &cur) != SQLITE_OK)
		abort();
	if (cur > size && read_old(f, size, cur - size, &r.old, &r.oldlen) != 0)
		abort();
	r.len = r.oldlen;
	if (add_rec(&r) != 0)
		abort();
	return f->real->pMethods->xTruncate(f->real, size);
}

static int c_sync(sqlite3_file *pf, int flags)
{
	cfile_t *f = (cfile_t *)pf;
	int rc;
	sqlite3_int64 size = 0;
	if (f->id < 0)
		return f->real->pMethods->xSync(f->real, flags);
	tick();
	rc = f->real->pMethods->xSync(f->real, flags);
	if (rc == SQLITE_OK && f->real->pMethods->xFileSize(f->real, &size) == SQLITE_OK) {
		forget_file(f->id);
		files[f->id].synced = size;
	}
	return rc;
}

static int c_size(sqlite3_file *pf, sqlite3_int64 *size)
{
	cfile_t *f = (cfile_t *)pf;
	return f->real->pMethods->xFileSize(f->real, size);
}

static int c_lock(sqlite3_file *pf, int l)
{
	cfile_t *f = (cfile_t *)pf;
	return f->real->pMethods->xLock(f->real, l);
}

static int c_unlock(sqlite3_file *pf, int l)
{
	cfile_t *f = (cfile_t *)pf;
	return f->real->pMethods->xUnlock(f->real, l);
}

static int c_check(sqlite3_file *pf, int *out)
{
	cfile_t *f = (cfile_t *)pf;
	return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int c_fcntl(sqlite3_file *pf, int op, void *arg)
{
	cfile_t *f = (cfile_t *)pf;
	return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int c_sector(sqlite3_file *pf)
{
	cfile_t *f = (cfile_t *)pf;
	return f->real->pMethods->xSectorSize(f->real);
}

static int c_devchar(sqlite3_file *pf)
{
	cfile_t *f = (cfile_t *)pf;
	return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static int c_shm_map(sqlite3_file *pf, int pg, int sz, int ext, void volatile **pp)
{
	cfile_t *f = (cfile_t *)pf;
	return f->real->pMethods->xShmMap(f->real, pg, sz, ext, pp);
}

static int c_shm_lock(sqlite3_file *pf, int off, int n, int flags)
{
	cfile_t *f = (cfile_t *)pf;
	return f->real->pMethods->xShmLock(f->real, off, n, flags);
}

static void c_shm_barrier(sqlite3_file *pf)
{
	cfile_t *f = (cfile_t *)pf;
	f->real->pMethods->xShmBarrier(f->real);
}

static int c_shm_unmap(sqlite3_file *pf, int del)
{
	cfile_t *f = (cfile_t *)pf;
	return f->real->pMethods->xShmUnmap(f->real, del);
}

static int c_fetch(sqlite3_file *pf, sqlite3_int64 off, int n, void **pp)
{
	cfile_t *f = (cfile_t *)pf;
	return f->real->pMethods->xFetch(f->real, off, n, pp);
}

static int c_unfetch(sqlite3_file *pf, sqlite3_int64 off, void *p)
{
	cfile_t *f = (cfile_t *)pf;
	return f->real->pMethods->xUnfetch(f->real, off, p);
}

static const sqlite3_io_methods cio = {
	3,	 c_close,   c_read,	c_write,	c_truncate,	 c_sync,
	c_size,	 c_lock,    c_unlock,	c_check,	c_fcntl,	 c_sector,
	c_devchar, c_shm_map, c_shm_lock, c_shm_barrier, c_shm_unmap, c_fetch,
	c_unfetch,
};

/* ---- the VFS ---- */

static int file_id(const char *path, int created)
{
	for (int i = 0; i < nfiles; i++)
		if (strcmp(files[i].path, path) == 0) {
			if (created)
				files[i].synced = 0;
			return i;
		}
	if (nfiles == MAX_FILES || strlen(path) >= sizeof files[0].path)
		return -1;
	snprintf(files[nfiles].path, sizeof files[0].path, "%s", path);
	files[nfiles].synced = -1; /* set from the size once open */
	return nfiles++;
}

static int v_open(sqlite3_vfs *v, const char *name, sqlite3_file *pf, int flags, int *out)
{
	cfile_t *f = (cfile_t *)pf;
	int rc, existed;
	(void)v;
	memset(f, 0, sizeof *f);
	f->real = (sqlite3_file *)(f + 1);
	f->id = -1;
	existed = name && access(name, F_OK) == 0;
	rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out);
	if (rc != SQLITE_OK || !f->real->pMethods) {
		f->base.pMethods = NULL;
		return rc;
	}
	f->base.pMethods = &cio;
	if (name) {
		sqlite3_int64 size = 0;
		f->id = file_id(name, !existed);
		/* A file first seen already on disk counts as durable as it is. */
		if (f->id >= 0 && files[f->id].synced < 0 &&
		    f->real->pMethods->xFileSize(f->real, &size) == SQLITE_OK)
			files[f->id].synced = size;
	}
	return SQLITE_OK;
}

static int v_delete(sqlite3_vfs *v, const char *name, int sync)
{
	(void)v;
	for (int i = 0; i < nfiles; i++)
		if (strcmp(files[i].path, name) == 0) {
			forget_file(i);
			files[i].synced = 0;
		}
	return real_vfs->xDelete(real_vfs, name, sync);
}

static int v_access(sqlite3_vfs *v, const char *name, int flags, int *out)
{
	(void)v;
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int v_full(sqlite3_vfs *v, const char *name, int n, char *out)
{
	(void)v;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *v_dlopen(sqlite3_vfs *v, const char *name)
{
	(void)v;
	return real_vfs->xDlOpen(real_vfs, name);
}

static void v_dlerror(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	real_vfs->xDlError(real_vfs, n, out);
}

static void (*v_dlsym(sqlite3_vfs *v, void *h, const char *sym))(void)
{
	(void)v;
	return real_vfs->xDlSym(real_vfs, h, sym);
}

static void v_dlclose(sqlite3_vfs *v, void *h)
{
	(void)v;
	real_vfs->xDlClose(real_vfs, h);
}

static int v_random(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int v_sleep(sqlite3_vfs *v, int us)
{
	(void)v;
	return real_vfs->xSleep(real_vfs, us);
}

static int v_time(sqlite3_vfs *v, double *out)
{
	(void)v;
	return real_vfs->xCurrentTime(real_vfs, out);
}

static int v_lasterr(sqlite3_vfs *v, int n, char *out)
{
	(void)v;
	return real_vfs->xGetLastError ? real_vfs->xGetLastError(real_vfs, n, out) : 0;
}

static int v_time64(sqlite3_vfs *v, sqlite3_int64 *out)
{
	(void)v;
	return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

int crashvfs_install(void)
{
	if (real_vfs)
		return 0;
	if (!(real_vfs = sqlite3_vfs_find("unix")))
		return -1;
	memset(&shim, 0, sizeof shim);
	shim.iVersion = 2;
	shim.szOsFile = (int)sizeof(cfile_t) + real_vfs->szOsFile;
	shim.mxPathname = real_vfs->mxPathname;
	shim.zName = "crashvfs";
	shim.xOpen = v_open;
	shim.xDelete = v_delete;
	shim.xAccess = v_access;
	shim.xFullPathname = v_full;
	shim.xDlOpen = v_dlopen;
	shim.xDlError = v_dlerror;
	shim.xDlSym = v_dlsym;
	shim.xDlClose = v_dlclose;
	shim.xRandomness = v_random;
	shim.xSleep = v_sleep;
	shim.xCurrentTime = v_time;
	shim.xGetLastError = v_lasterr;
	shim.xCurrentTimeInt64 = v_time64;
	return sqlite3_vfs_register(&shim, 1) == SQLITE_OK ? 0 : -1;
}

void crashvfs_arm(crashvfs_mode_t m, long n, crashvfs_fate_t f, uint64_t seed)
{
	mode = m;
	at = n;
	fate = f;
	ops = 0;
	rng = seed ? seed * 0x9E3779B97F4A7C15ull | 1 : 88172645463325252ull;
}

long crashvfs_ops(void)
{
	return ops;
}

/* ---- the power cut ---- */

static int fds[MAX_FILES];

static void put(int fd, const unsigned char *p, sqlite3_int64 n, sqlite3_int64 off)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, (size_t)n, (off_t)off);
		if (w <= 0)
			abort();
		p += w;
		n -= w;
		off += w;
	}
}

/* Put back the piece [lo, hi) of write r: its new bytes, or garbage. */
static void put_piece(const rec_t *r, sqlite3_int64 lo, sqlite3_int64 hi, int garbage)
{
	int fd = fds[r->file];
	unsigned char junk[SECTOR];
	if (fd < 0)
		return;
	if (garbage) {
		for (sqlite3_int64 i = 0; i < hi - lo; i++)
			junk[i] = (unsigned char)rnd();
		put(fd, junk, hi - lo, lo);
	} else {
		put(fd, r->neu + (lo - r->off), hi - lo, lo);
	}
}

/* Replay write r, piece by piece (512-byte sectors of the file): keep
 * `keep` leading pieces (all when < 0), or with scatter choose each. */
static void replay_write(const rec_t *r, long keep, int scatter)
{
	sqlite3_int64 pos = r->off, end = r->off + r->len;
	long piece = 0;
	while (pos < end) {
		sqlite3_int64 next = (pos / SECTOR + 1) * SECTOR;
		if (next > end)
			next = end;
		if (scatter) {
			unsigned v = (unsigned)(rnd() % 100);
			if (v < 45)
				put_piece(r, pos, next, 0);
			else if (v >= 90)
				put_piece(r, pos, next, 1);
		} else if (keep < 0 || piece < keep) {
			put_piece(r, pos, next, 0);
		} else {
			break;
		}
		pos = next;
		piece++;
	}
}

static void replay(const rec_t *r, long keep, int scatter)
{
	if (fds[r->file] < 0)
		return;
	if (r->trunc) {
		if ((scatter && rnd() % 2) || (!scatter && keep != 0))
			if (ftruncate(fds[r->file], (off_t)r->off) != 0)
				abort();
		return;
	}
	replay_write(r, keep, scatter);
}

void crashvfs_power_cut(void)
{
	for (int i = 0; i < nfiles; i++)
		fds[i] = -1;
	for (size_t i = 0; i < nrecs; i++)
		if (fds[recs[i].file] < 0)
			fds[recs[i].file] = open(files[recs[i].file].path, O_RDWR | O_CLOEXEC);
	/* Back to the last synced state: undo newest first, then the size. */
	for (size_t i = nrecs; i-- > 0;) {
		const rec_t *r = &recs[i];
		if (fds[r->file] >= 0 && r->oldlen > 0)
			put(fds[r->file], r->old, r->oldlen, r->off);
	}
	for (int i = 0; i < nfiles; i++)
		if (fds[i] >= 0 && files[i].synced >= 0 && ftruncate(fds[i], (off_t)files[i].synced) != 0)
			abort();
	/* What the disk happened to have written before the power went. */
	if (fate == CRASHVFS_PREFIX && nrecs) {
		size_t k = (size_t)(rnd() % (nrecs + 1));
		for (size_t i = 0; i < k; i++)
			replay(&recs[i], -1, 0);
		if (k < nrecs) {
			const rec_t *r = &recs[k];
			long pieces = (long)((r->len + SECTOR - 1) / SECTOR) + 1;
			replay(r, (long)(rnd() % (uint64_t)pieces), 0);
		}
	} else if (fate == CRASHVFS_SCATTER) {
		for (size_t i = 0; i < nrecs; i++)
			replay(&recs[i], -1, 1);
	}
	for (int i = 0; i < nfiles; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	_exit(CRASHVFS_CUT_EXIT);
}
