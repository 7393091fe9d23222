/* test_privsep.c - base/privsep.h and base/userfile.h: the environment a
 * setgid start keeps, personal mode left as it was, and (as root) a real
 * shared-mode process made with setresgid/setresuid: it reaches the
 * database only through the db layer, keeps writing through many
 * transactions and after another process truncated the WAL, and opens user
 * files with its own ids even while it holds the group. Children report a
 * step number as their exit status; 0 is success. */
#include "testutil.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/wait.h>

#include "base/privsep.h"
#include "base/userfile.h"
#include "db/db.h"

/* Any ids will do: nothing needs a name in /etc/passwd or /etc/group. */
#define GROUP_GID 54321 /* the "chartroom" group the binary is setgid to */
#define STAFF_ID 54322  /* a staff account (uid and its own gid) */

static int child_status(pid_t pid)
{
	int ws = 0;
	if (waitpid(pid, &ws, 0) != pid)
		fail_msg("waitpid: %s", strerror(errno));
	if (!WIFEXITED(ws))
		fail_msg("child died with signal %d", WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
	return WEXITSTATUS(ws);
}

static int is(const char *name, const char *want)
{
	const char *v = getenv(name);
	if (!want)
		return v == NULL;
	return v && strcmp(v, want) == 0;
}

/* In a child: set a hostile environment, clean it, check what is left. */
static int env_child(void)
{
	msg_t m;
	clearenv();
	setenv("TMPDIR", "/home/x/tmp", 1);
	setenv("SQLITE_TMPDIR", "/home/x/tmp", 1);
	setenv("LD_PRELOAD", "/home/x/evil.so", 1);
	setenv("LD_LIBRARY_PATH", "/home/x", 1);
	setenv("MALLOC_CHECK_", "3", 1);
	setenv("CHARTROOM_CONFIG", "/home/x/evil.ini", 1);
	setenv("CHARTROOM_SCREEN_DUMP", "/home/x/dump", 1);
	setenv("TERMINFO", "/home/x/.terminfo", 1);
	setenv("LOCPATH", "/home/x/locale", 1);
	setenv("PATH", "/home/x/bin:/usr/bin", 1);
	setenv("LANG", "../../home/x/locale", 1);
	setenv("LC_ALL", "/etc/passwd", 1);
	setenv("LC_CTYPE", "en_US.UTF-8", 1);
	setenv("TZ", ":../../etc/shadow", 1);
	setenv("TERM", "xterm-256color", 1);
	setenv("HOME", "/home/x", 1);
	setenv("SSH_CONNECTION", "192.0.2.7 50022 192.0.2.1 22", 1);
	setenv("COLUMNS", "80", 1);
	setenv("LINES", "abc", 1);
	setenv("CHARTROOM_USER", "nurse", 1);
	setenv("USER", "nurse\033]0;x\a", 1);
	setenv("NO_COLOR", "1", 1);
	if (privsep_clean_env(&m) != STATUS_OK)
		return 1;
	if (!is("TMPDIR", NULL) || !is("SQLITE_TMPDIR", NULL) || !is("LD_PRELOAD", NULL) ||
	    !is("LD_LIBRARY_PATH", NULL) || !is("MALLOC_CHECK_", NULL))
		return 2;
	if (!is("CHARTROOM_CONFIG", NULL) || !is("CHARTROOM_SCREEN_DUMP", NULL) ||
	    !is("TERMINFO", NULL) || !is("LOCPATH", NULL))
		return 3;
	if (!is("PATH", "/usr/bin:/bin"))
		return 4;
	if (!is("LANG", "C.UTF-8") || !is("LC_ALL", "C.UTF-8") || !is("LC_CTYPE", "en_US.UTF-8") ||
	    !is("LC_TIME", NULL))
		return 5;
	if (!is("TZ", NULL))
		return 6;
	if (!is("TERM", "xterm-256color") || !is("HOME", "/home/x") ||
	    !is("SSH_CONNECTION", "192.0.2.7 50022 192.0.2.1 22") || !is("COLUMNS", "80") ||
	    !is("CHARTROOM_USER", "nurse") || !is("NO_COLOR", "1"))
		return 7;
	if (!is("LINES", NULL) || !is("USER", NULL))
		return 8;
	/* Good values of the checked kinds are kept. */
	setenv("TZ", "Europe/Paris", 1);
	setenv("TERM", "../../home/x/term", 1);
	if (privsep_clean_env(&m) != STATUS_OK || !is("TZ", "Europe/Paris") || !is("TERM", NULL))
		return 9;
	return 0;
}

static void test_environment_is_cleaned(void **state)
{
	(void)state;
	pid_t pid = fork();
	if (pid == 0)
		_exit(env_child());
	assert_true(pid > 0);
	int step = child_status(pid);
	if (step)
		fail_msg("environment check failed at step %d", step);
}

static void test_personal_mode_is_unchanged(void **state)
{
	char dir[PATH_MAX], path[PATH_MAX], out[PATH_MAX];
	FILE *f = NULL;
	msg_t m;
	(void)state;

	assert_int_equal(privsep_shared(), 0);
	assert_int_equal(privsep_db_path("relative.db", 0, out, sizeof out, &m), STATUS_OK);
	assert_string_equal(out, "relative.db");
	assert_int_equal(privsep_db_path("/anywhere/x.db", 1, out, sizeof out, &m), STATUS_OK);
	assert_string_equal(out, "/anywhere/x.db");
	assert_int_equal(privsep_raise(&m), STATUS_OK);
	assert_int_equal(privsep_raised(), 0);
	privsep_lower();

	tu_tmpdir(dir);
	tu_path(path, dir, "missing.csv");
	assert_int_equal(userfile_fopen(path, "rb", &f, &m), STATUS_NOTFOUND);
	assert_null(f);
	assert_non_null(strstr(m.text, "Cannot open"));
	assert_int_equal(userfile_fopen(dir, "rb", &f, &m), STATUS_ERR);
	assert_non_null(strstr(m.text, "Is a directory"));
	assert_int_equal(userfile_fopen(path, "w", &f, &m), STATUS_OK);
	assert_true(fputs("x\n", f) >= 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(userfile_fopen(path, "rb", &f, &m), STATUS_OK);
	assert_int_equal(fgetc(f), 'x');
	fclose(f);
	tu_rmtree(dir);
}

typedef struct {
	char dir[PATH_MAX];
	char data[PATH_MAX];
	char db[PATH_MAX];
	char secret[PATH_MAX];
	int to_child[2], to_parent[2];
} shared_t;

static int writes(db_t *db, const char *prefix, int n)
{
	char key[32];
	msg_t m;
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof key, "%s%d", prefix, i);
		if (db_begin(db, &m) != STATUS_OK)
			return 0;
		if (db_meta_set(db, key, "value", &m) != STATUS_OK || db_commit(db, &m) != STATUS_OK) {
			db_rollback(db);
			return 0;
		}
	}
	return 1;
}

/* The staff member's process: real ids the staff's, the group saved as a
 * setgid exec leaves it. Returns the failed step, 0 when all held. */
static int shared_child(shared_t *s)
{
	char out[PATH_MAX], byte = 0;
	db_t *db = NULL;
	msg_t m;
	int fd, st;

	if (setgroups(0, NULL) != 0 || setresgid(STAFF_ID, GROUP_GID, GROUP_GID) != 0 ||
	    setresuid(STAFF_ID, STAFF_ID, STAFF_ID) != 0)
		return 1;
	if (privsep_start(&m) != STATUS_OK || !privsep_shared() || getegid() != STAFF_ID)
		return 2;
	if (privsep_set_data_dir(s->data, &m) != STATUS_OK)
		return 3;
	/* Without the db layer the database is out of reach. */
	fd = open(s->db, O_RDONLY);
	if (fd >= 0 || errno != EACCES)
		return 4;
	if (privsep_db_path("/tmp/other.db", 0, out, sizeof out, &m) != STATUS_USAGE ||
	    privsep_db_path("../x.db", 0, out, sizeof out, &m) != STATUS_USAGE)
		return 5;
	if (privsep_db_path("new.db", 1, out, sizeof out, &m) != STATUS_DENIED)
		return 6;
	if (db_open("t.db", DB_OPEN_EXISTING, 2000, &db, &m) != STATUS_OK)
		return 7;
	if (getegid() != STAFF_ID || privsep_raised())
		return 8; /* the group is down again once the database is open */
	if (strcmp(db_path(db), s->db) != 0)
		return 9; /* opened by its canonical path */
	if (!writes(db, "a", 300))
		return 10;
	/* Another process checkpoints and truncates the WAL under us. */
	if (write(s->to_parent[1], "1", 1) != 1 || read(s->to_child[0], &byte, 1) != 1 ||
	    byte != 'k')
		return 11;
	if (!writes(db, "b", 300))
		return 12;
	if (db_checkpoint(db, &m) != STATUS_OK)
		return 13;
	if (!writes(db, "c", 50))
		return 14;
	/* A user file opens with the user's ids even inside a raised window. */
	if (privsep_raise(&m) != STATUS_OK || getegid() != GROUP_GID)
		return 15;
	st = userfile_open(s->secret, O_RDONLY, 0, &fd, &m);
	if (st == STATUS_OK || !strstr(m.text, "Permission denied") || getegid() != GROUP_GID)
		return 16;
	fd = open(s->secret, O_RDONLY); /* control: the group itself could */
	if (fd < 0)
		return 17;
	close(fd);
	privsep_lower();
	if (getegid() != STAFF_ID)
		return 18;
	db_close(db);
	return 0;
}

static void test_shared_mode_process(void **state)
{
	shared_t s;
	db_t *db = NULL;
	sqlite3 *conn = NULL;
	sqlite3_stmt *st = NULL;
	struct stat sb;
	char wal[PATH_MAX + 8], shm[PATH_MAX + 8], byte = 0;
	msg_t m;
	pid_t pid;
	int fd, step;
	(void)state;

	if (geteuid() != 0) {
		/* Needs root to become another user; the e2e test
		 * test_shared_mode.sh says the same. */
		return;
	}
	memset(&s, 0, sizeof s);
	tu_tmpdir(s.dir);
	assert_int_equal(chmod(s.dir, 0755), 0);
	tu_path(s.data, s.dir, "data");
	tu_path(s.db, s.data, "t.db");
	tu_path(s.secret, s.dir, "secret.txt");
	assert_int_equal(mkdir(s.data, 0700), 0);
	assert_int_equal(chown(s.data, 0, GROUP_GID), 0);
	assert_int_equal(chmod(s.data, 02770), 0);
	/* root creates the database (this test process is personal mode). */
	assert_int_equal(db_open(s.db, DB_OPEN_CREATE, 2000, &db, &m), STATUS_OK);
	db_close(db);
	assert_int_equal(chown(s.db, 0, GROUP_GID), 0);
	assert_int_equal(chmod(s.db, 0660), 0);
	fd = open(s.secret, O_WRONLY | O_CREAT | O_EXCL, 0640);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x\n", 2), 2);
	close(fd);
	assert_int_equal(chown(s.secret, 0, GROUP_GID), 0);
	snprintf(wal, sizeof wal, "%s-wal", s.db);
	snprintf(shm, sizeof shm, "%s-shm", s.db);
	assert_int_equal(pipe(s.to_child), 0);
	assert_int_equal(pipe(s.to_parent), 0);

	pid = fork();
	if (pid == 0)
		_exit(shared_child(&s)); /* _exit: the child's checks, not atexit's */
	assert_true(pid > 0);
	if (read(s.to_parent[0], &byte, 1) == 1) {
		/* The WAL holds the child's 300 transactions (it is checkpointed
		 * now and then, never truncated); truncate it under the child. */
		assert_int_equal(stat(wal, &sb), 0);
		assert_int_equal(sb.st_gid, GROUP_GID);
		assert_int_equal(sb.st_mode & 0777, 0660);
		assert_int_equal(stat(shm, &sb), 0);
		assert_int_equal(sb.st_gid, GROUP_GID);
		assert_int_equal(sb.st_mode & 0777, 0660);
		assert_int_equal(sqlite3_open(s.db, &conn), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(conn, "PRAGMA wal_checkpoint(TRUNCATE)", -1, &st,
						    NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(st, 0), 0); /* not busy */
		sqlite3_finalize(st);
		assert_int_equal(sqlite3_close(conn), SQLITE_OK);
		assert_int_equal(stat(wal, &sb), 0);
		assert_int_equal(sb.st_size, 0);
	}
	assert_int_equal(write(s.to_child[1], "k", 1), 1);
	step = child_status(pid);
	if (step)
		fail_msg("the shared-mode process failed at step %d", step);
	/* The child was the last connection: with the group back for the
	 * close it checkpointed and removed the -wal and -shm. */
	assert_int_equal(stat(wal, &sb), -1);
	assert_int_equal(stat(shm, &sb), -1);
	assert_int_equal(sqlite3_open(s.db, &conn), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(conn, "SELECT count(*) FROM meta WHERE value = 'value'",
					    -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 650);
	sqlite3_finalize(st);
	sqlite3_close(conn);
	for (int i = 0; i < 2; i++) {
		close(s.to_child[i]);
		close(s.to_parent[i]);
	}
	tu_rmtree(s.dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_environment_is_cleaned),
		cmocka_unit_test(test_personal_mode_is_unchanged),
		cmocka_unit_test(test_shared_mode_process),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
