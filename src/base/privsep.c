/* privsep.c - shared mode: the setgid group held only while the database
 * is opened, the cleaned environment, the data directory check. The
 * reasoning is in privsep.h. */
#include "base/privsep.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/text.h"

static struct {
	int shared;              /* started setgid */
	gid_t group;             /* the setgid group (the saved set-group-id) */
	int depth;               /* privsep_raise nesting */
	char data_dir[PATH_MAX]; /* as configured; "" until set */
} ps;

int privsep_shared(void)
{
	return ps.shared;
}

gid_t privsep_group(void)
{
	return ps.group;
}

int privsep_raised(void)
{
	return ps.depth > 0;
}

/* ---- the environment -------------------------------------------------- */

static int all_of(const char *v, const char *allowed, size_t max)
{
	size_t n = strlen(v);
	if (n == 0 || n > max)
		return 0;
	return strspn(v, allowed) == n;
}

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

static int ok_term(const char *v)
{
	return all_of(v, ALNUM "._+-", 64);
}

/* A locale name ("C", "en_US.UTF-8", "de_DE@euro"): never a path. */
static int ok_locale(const char *v)
{
	return v[0] != '.' && all_of(v, ALNUM "._@-", 64);
}

/* Printable ASCII without control characters. */
static int ok_print(const char *v)
{
	size_t n = strlen(v);
	if (n == 0 || n > 128)
		return 0;
	for (; *v; v++)
		if (*v < 0x20 || *v > 0x7e)
			return 0;
	return 1;
}

static int ok_home(const char *v)
{
	return v[0] == '/' && !strstr(v, "/..") && ok_print(v) && strlen(v) < 256;
}

static int ok_digits(const char *v)
{
	return all_of(v, "0123456789", 4);
}

/* A zone name ("Europe/Paris", ":America/New_York") or a POSIX rule
 * ("EST5EDT,M3.2.0,M11.1.0"); never an absolute path or "..". */
static int ok_tz(const char *v)
{
	const char *p = v[0] == ':' ? v + 1 : v;
	return p[0] != '/' && !strstr(p, "..") && all_of(v, ALNUM ":/_+-,.<>", 64);
}

typedef struct {
	const char *name;
	int (*ok)(const char *);
	const char *fallback; /* used when the value is bad; NULL drops it */
} env_rule_t;

static const env_rule_t keep[] = {
	{"TERM", ok_term, NULL},
	{"LANG", ok_locale, "C.UTF-8"},
	{"LC_ALL", ok_locale, "C.UTF-8"},
	{"LC_CTYPE", ok_locale, "C.UTF-8"},
	{"LC_COLLATE", ok_locale, "C.UTF-8"},
	{"LC_MESSAGES", ok_locale, "C.UTF-8"},
	{"LC_NUMERIC", ok_locale, "C.UTF-8"},
	{"LC_TIME", ok_locale, "C.UTF-8"},
	{"LC_MONETARY", ok_locale, "C.UTF-8"},
	{"LC_PAPER", ok_locale, "C.UTF-8"},
	{"LC_NAME", ok_locale, "C.UTF-8"},
	{"LC_ADDRESS", ok_locale, "C.UTF-8"},
	{"LC_TELEPHONE", ok_locale, "C.UTF-8"},
	{"LC_MEASUREMENT", ok_locale, "C.UTF-8"},
	{"LC_IDENTIFICATION", ok_locale, "C.UTF-8"},
	{"HOME", ok_home, NULL},
	{"USER", ok_print, NULL},
	{"LOGNAME", ok_print, NULL},
	{"SSH_CONNECTION", ok_print, NULL},
	{"SSH_CLIENT", ok_print, NULL},
	{"SSH_TTY", ok_home, NULL},
	{"TZ", ok_tz, NULL},
	{"NO_COLOR", ok_print, NULL},
	{"COLUMNS", ok_digits, NULL},
	{"LINES", ok_digits, NULL},
	{"CHARTROOM_USER", ok_print, NULL},
};
#define NKEEP (sizeof keep / sizeof keep[0])

status_t privsep_clean_env(msg_t *m)
{
	/* Copies first: clearenv() takes the strings getenv() points into. */
	static char vals[NKEEP][260];
	const char *use[NKEEP];

	for (size_t i = 0; i < NKEEP; i++) {
		const char *v = getenv(keep[i].name);
		use[i] = NULL;
		if (!v || !*v)
			continue;
		if (strlen(v) < sizeof vals[i] && keep[i].ok(v)) {
			memcpy(vals[i], v, strlen(v) + 1);
			use[i] = vals[i];
		} else {
			use[i] = keep[i].fallback;
		}
	}
	if (clearenv() != 0)
		return msg_fail(m, STATUS_ERR, "Cannot clear the environment; refusing to run.");
	if (setenv("PATH", "/usr/bin:/bin", 1) != 0)
		return msg_fail(m, STATUS_NOMEM, "Out of memory setting up the environment.");
	for (size_t i = 0; i < NKEEP; i++)
		if (use[i] && setenv(keep[i].name, use[i], 1) != 0)
			return msg_fail(m, STATUS_NOMEM,
					"Out of memory setting up the environment.");
	return STATUS_OK;
}

/* ---- the group privilege ---------------------------------------------- */

/* Set the effective gid to the real one; nothing may run on if this fails. */
static void drop_or_die(void)
{
	gid_t r = getgid();
	if (setegid(r) != 0 || getegid() != r) {
		static const char text[] = "chartroom: cannot drop the chartroom group; stopping.\n";
		ssize_t ignored = write(STDERR_FILENO, text, sizeof text - 1);
		(void)ignored;
		abort();
	}
}

status_t privsep_start(msg_t *m)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	status_t ret;

	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
		return msg_fail(m, STATUS_ERR, "Cannot read the process ids: %s.", strerror(errno));
	if (ru != eu || ru != su)
		return msg_fail(m, STATUS_ERR,
				"chartroom is installed set-user-ID; refused. A shared install "
				"is set-group-ID only (see README, Two modes).");
	if (rg == eg)
		return STATUS_OK; /* personal mode */
	ps.shared = 1;
	ps.group = eg;
	if ((ret = privsep_clean_env(m)) != STATUS_OK)
		return ret;
	/* Files the program creates (the database, its -wal and -shm) get
	 * the group's bits and nothing for others. */
	umask(007);
	drop_or_die();
	return STATUS_OK;
}

status_t privsep_raise(msg_t *m)
{
	if (!ps.shared)
		return STATUS_OK;
	if (ps.depth == 0 && (setegid(ps.group) != 0 || getegid() != ps.group))
		return msg_fail(m, STATUS_ERR, "Cannot take the chartroom group: %s.",
				strerror(errno));
	ps.depth++;
	return STATUS_OK;
}

void privsep_lower(void)
{
	if (!ps.shared)
		return;
	if (ps.depth <= 0) {
		/* A lower without its raise: a programming error; make sure the
		 * group is down and go on. */
		drop_or_die();
		return;
	}
	if (--ps.depth == 0)
		drop_or_die();
}

int privsep_user_begin(void)
{
	if (!ps.shared || ps.depth == 0)
		return 0;
	drop_or_die();
	return 1;
}

void privsep_user_end(int state)
{
	/* If taking the group back fails, staying dropped is safe: the
	 * database layer sees the failure on its next file operation. */
	if (state && setegid(ps.group) != 0)
		return;
}

/* ---- the data directory ----------------------------------------------- */

status_t privsep_set_data_dir(const char *dir, msg_t *m)
{
	if (!dir || !*dir)
		return msg_fail(m, STATUS_CONFIG, "No data directory is configured.");
	if (strlen(dir) >= sizeof ps.data_dir)
		return msg_fail(m, STATUS_CONFIG, "The data directory's name is too long.");
	memcpy(ps.data_dir, dir, strlen(dir) + 1);
	return STATUS_OK;
}

/* Check the configured data directory; its canonical path into out.
 * Walks up from the directory to /: only root may be able to rename or
 * replace any of them, so the canonical path cannot be redirected after
 * it was checked. */
static status_t data_dir_checked(char out[PATH_MAX], msg_t *m)
{
	char walk[PATH_MAX];
	struct stat sb;
	char *slash;

	if (!ps.data_dir[0] || ps.data_dir[0] != '/')
		return msg_fail(m, STATUS_CONFIG,
				"No data directory is configured for shared mode ([database] "
				"data_dir in the system configuration must be an absolute path).");
	if (!realpath(ps.data_dir, out))
		return msg_fail(m, STATUS_CONFIG, "The data directory %s cannot be used: %s.",
				ps.data_dir, strerror(errno));
	if (stat(out, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return msg_fail(m, STATUS_CONFIG, "The data directory %s is not a directory.",
				ps.data_dir);
	if (sb.st_uid != 0 || sb.st_gid != ps.group || (sb.st_mode & 0007))
		return msg_fail(m, STATUS_CONFIG,
				"The data directory %s must be owned by root and the program's "
				"group with no access for others (run packaging/setup-shared.sh, "
				"or: chown root:chartroom %s; chmod 2770 %s).",
				ps.data_dir, ps.data_dir, ps.data_dir);
	memcpy(walk, out, strlen(out) + 1);
	while ((slash = strrchr(walk, '/')) != NULL) {
		if (slash == walk)
			slash[1] = '\0'; /* "/" itself */
		else
			*slash = '\0';
		if (lstat(walk, &sb) != 0 || !S_ISDIR(sb.st_mode) || sb.st_uid != 0 ||
		    ((sb.st_mode & 0022) && !(sb.st_mode & S_ISVTX)))
			return msg_fail(m, STATUS_CONFIG,
					"The data directory %s is inside %s, which someone other "
					"than root may change; refused.",
					ps.data_dir, walk);
		if (slash == walk)
			break;
	}
	return STATUS_OK;
}

static int inside(const char *dir, const char *path)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static status_t outside(const char *path, const char *dir, msg_t *m)
{
	return msg_fail(m, STATUS_USAGE,
			"This is a shared install: Chartroom opens only databases in its data "
			"directory %s, and %s is not there.",
			dir, path);
}

status_t privsep_db_path(const char *path, int create, char *out, size_t size, msg_t *m)
{
	status_t ret = STATUS_OK;
	char dir[PATH_MAX], abs[PATH_MAX], parent[PATH_MAX], canon[PATH_MAX], full[PATH_MAX];
	const char *base;
	char *slash, *ok;
	int raised = 0, n, user;
	struct stat sb;

	if (!path || !*path)
		return msg_fail(m, STATUS_USAGE, "No database given: use --db PATH or set "
						 "[database] path in the configuration.");
	if (!ps.shared) {
		if (strlen(path) >= size)
			return msg_fail(m, STATUS_USAGE, "The database path is too long.");
		memcpy(out, path, strlen(path) + 1);
		return STATUS_OK;
	}
	if (create && getuid() != 0)
		return msg_fail(m, STATUS_DENIED,
				"This is a shared install: only root creates a database (run "
				"'sudo chartroom init ...'; see README, Two modes).");
	if ((ret = data_dir_checked(dir, m)) != STATUS_OK)
		return ret;
	n = path[0] == '/' ? snprintf(abs, sizeof abs, "%s", path)
			   : snprintf(abs, sizeof abs, "%s/%s", dir, path);
	if (n < 0 || (size_t)n >= sizeof abs)
		return msg_fail(m, STATUS_USAGE, "The database path is too long.");
	slash = strrchr(abs, '/');
	base = slash + 1;
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return msg_fail(m, STATUS_USAGE, "%s does not name a database file.", path);
	if (slash == abs)
		snprintf(parent, sizeof parent, "/");
	else
		snprintf(parent, sizeof parent, "%.*s", (int)(slash - abs), abs);
	/* The directory named must resolve into the data directory. It is
	 * resolved with the user's own ids first, so a path elsewhere is
	 * judged only by what the user may see; only a path spelled inside
	 * the data directory is looked up again with the group. */
	user = privsep_user_begin();
	ok = realpath(parent, canon);
	n = errno;
	privsep_user_end(user);
	if (!ok) {
		if (n != EACCES || !inside(dir, parent))
			return outside(path, dir, m);
		if ((ret = privsep_raise(m)) != STATUS_OK)
			return ret;
		raised = 1;
		if (!realpath(parent, canon)) {
			ret = outside(path, dir, m);
			goto cleanup;
		}
	}
	if (!inside(dir, canon)) {
		ret = outside(path, dir, m);
		goto cleanup;
	}
	if (!raised) {
		if ((ret = privsep_raise(m)) != STATUS_OK)
			goto cleanup;
		raised = 1;
	}
	n = snprintf(full, sizeof full, "%s/%s", canon, base);
	if (n < 0 || (size_t)n >= sizeof full) {
		ret = msg_fail(m, STATUS_USAGE, "The database path is too long.");
		goto cleanup;
	}
	if (create) {
		/* The file itself is created with O_EXCL by the caller, which
		 * refuses an existing file and a symlink alike. */
		memcpy(canon, full, strlen(full) + 1);
	} else {
		if (!realpath(full, canon)) {
			ret = msg_fail(m, STATUS_NOTFOUND,
				       "No database at %s. In a shared install root creates it "
				       "with 'chartroom init'.",
				       path);
			goto cleanup;
		}
		/* A symlink in the data directory may not lead out of it. */
		if (!inside(dir, canon) || strcmp(canon, dir) == 0) {
			ret = outside(path, dir, m);
			goto cleanup;
		}
		if (stat(canon, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			ret = msg_fail(m, STATUS_NOTFOUND, "%s is not a database file.", path);
			goto cleanup;
		}
	}
	if (strlen(canon) >= size) {
		ret = msg_fail(m, STATUS_USAGE, "The database path is too long.");
		goto cleanup;
	}
	memcpy(out, canon, strlen(canon) + 1);
cleanup:
	if (raised)
		privsep_lower();
	return ret;
}

status_t privsep_check_db_file(const char *path, msg_t *m)
{
	struct stat sb;
	if (!ps.shared)
		return STATUS_OK;
	if (stat(path, &sb) != 0)
		return msg_fail(m, STATUS_NOTFOUND, "No database at %s.", path);
	if (sb.st_gid != ps.group || (sb.st_mode & 0007))
		return msg_fail(m, STATUS_ERR,
				"%s must belong to the program's group and be closed to others "
				"(run: chgrp chartroom %s; chmod 0660 %s); refused.",
				path, path, path);
	return STATUS_OK;
}
