/* crashvfs.h - a SQLite VFS shim for crash and power-loss tests (test code
 * only; never linked into the program).
 *
 * It wraps the default "unix" VFS and becomes the process's default, so
 * the library's own sqlite3_open_v2 goes through it unchanged. It counts
 * every write, truncate and sync ("operations") on named files and can:
 *
 *  - kill the process with SIGKILL on entering the N-th operation (a
 *    kill -9 at a precise point: what was written stays, as in the OS page
 *    cache);
 *  - cut the power on entering the N-th operation, or when called: every
 *    write and truncate made since the file's last successful xSync is
 *    undone, then some of them are put back according to a fate (none,
 *    an in-order prefix with the next one torn at a 512-byte boundary, or
 *    each 512-byte piece independently kept, dropped or overwritten with
 *    garbage, i.e. reordered and torn), and the process ends with
 *    _exit(CRASHVFS_CUT_EXIT) without SQLite doing anything more.
 *
 * How: a write-through undo log. Before each write or truncate on a
 * tracked file the bytes it replaces are read and kept with the new bytes;
 * a successful xSync of the file forgets that file's entries (they are
 * durable). At the cut the log is applied backwards (the files return to
 * their last synced state, and to their synced size), then forwards for
 * the pieces the fate keeps. Garbage only ever lands on bytes that were
 * being written (SQLite's unix VFS declares POWERSAFE_OVERWRITE: a write
 * never damages the bytes around it).
 *
 * Not simulated: loss of a directory entry (a file created or deleted and
 * the directory not synced; SQLite syncs the directory when it creates a
 * WAL), and the -shm file, which SQLite rebuilds from the WAL whenever the
 * first connection opens after a crash. Compare SQLite's own crash VFS
 * (src/test6.c), which buffers writes until xSync instead; this shim was
 * written separately and keeps the files real so a killed process can
 * leave them as the page cache would. */
#ifndef CHARTROOM_CRASHVFS_H
#define CHARTROOM_CRASHVFS_H

#include <stdint.h>

#define CRASHVFS_CUT_EXIT 77 /* exit status of a process whose power was cut */

typedef enum {
	CRASHVFS_COUNT, /* only count operations */
	CRASHVFS_KILL,  /* SIGKILL on entering operation `at` */
	CRASHVFS_POWER, /* power cut on entering operation `at` */
} crashvfs_mode_t;

typedef enum {
	CRASHVFS_LOSE_ALL, /* nothing unsynced survives */
	CRASHVFS_PREFIX,   /* a random prefix, in order, the next write torn */
	CRASHVFS_SCATTER,  /* each piece kept, lost or garbage, independently */
} crashvfs_fate_t;

/* Register the shim as the default VFS (once per process). 0 on success. */
int crashvfs_install(void);

/* Start counting from zero; in KILL and POWER mode act on entering
 * operation number `at` (1-based; 0 or beyond the last: never). seed
 * drives the fate's random choices. */
void crashvfs_arm(crashvfs_mode_t mode, long at, crashvfs_fate_t fate, uint64_t seed);

/* Operations counted since crashvfs_arm. */
long crashvfs_ops(void);

/* Cut the power now with the armed fate: never returns. */
void crashvfs_power_cut(void);

#endif
