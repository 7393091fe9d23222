/* db_testhook.h - test builds only (CHARTROOM_TEST_HOOKS, the binary
 * build/chartroom-test): a kill -9 at a precise write, for the end-to-end
 * crash tests of the command line (tests/e2e/test_crash_cli.sh).
 *
 * With CHARTROOM_TEST_CRASH_AT=N in the environment the process kills
 * itself with SIGKILL on entering its N-th write, truncate or sync of a
 * database file (the database, its WAL): whatever it wrote before stays,
 * as the page cache would keep it. With CHARTROOM_TEST_CRASH_COUNT=FILE it
 * writes the number of such operations to FILE when it exits, so a test
 * can choose N. Either one also makes standard output line-buffered, as on
 * a terminal, so a line printed before the kill is seen. With
 * CHARTROOM_TEST_PAUSE_ON=SUFFIX and CHARTROOM_TEST_PAUSE_FILE=F it stops
 * on its first write to a file named ...SUFFIX, creates F.paused and
 * waits until F exists (a change held half done while a test acts). The
 * release binary has none of this. */
#ifndef CHARTROOM_DB_TESTHOOK_H
#define CHARTROOM_DB_TESTHOOK_H

#include "base/status.h"

#ifdef CHARTROOM_TEST_HOOKS
/* Install the counting VFS as SQLite's default if the environment asks
 * for it (once per process; later calls do nothing). */
status_t db_testhook_install(msg_t *m);
#endif

#endif
