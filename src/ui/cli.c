/* cli.c - the command-line face: subcommands, password prompts, output.
 *
 * Each subcommand is a row of the `commands` table: name, what it does,
 * its usage line and its handler. Output for scripts is tab-separated;
 * messages for people go to stderr. Passwords come from the terminal
 * without echo, or with --password-stdin from standard input (the acting
 * user's password first, then a new password where one is needed). */
#include "ui/cli.h"
#include "ui/cli_input.h"
#include "ui/cli_internal.h"
#include "ui/cli_privacy.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "core/merge.h"
#include "core/access.h"
#include "core/audit.h"
#include "core/clinic.h"
#include "core/crypto.h"
#include "core/session.h"
#include "core/import.h"
#include "core/patient.h"
#include "core/patient_search.h"
#include "core/synth.h"
#include "core/users.h"
#include "base/date.h"
#include "base/privsep.h"
#include "base/text.h"
#include "base/tz.h"

#define PW_MAX 1100 /* more than any accepted password, to detect over-long */



/* ---- small helpers ---------------------------------------------------- */

int cli_fail(status_t st, const char *text)
{
	cli_eprintf("chartroom: %s\n", text);
	return status_exit_code(st);
}

int cli_usage_error(const char *usage, const char *why)
{
	if (why)
		cli_eprintf("chartroom: %s\n", why);
	fprintf(stderr, "usage: chartroom %s\n", usage); /* the program's own text */
	return 2;
}

/* Every line that can carry data (from the database, a file, an argument,
 * the environment, or a message quoting any of them) is written through
 * base/text.h, which shows control characters, C1 controls, bidi
 * controls and broken UTF-8 escaped. */
void cli_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	text_vfprintf(stdout, TEXT_LINE, fmt, ap);
	va_end(ap);
}

void cli_tsv(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	text_vfprintf(stdout, TEXT_TSV, fmt, ap);
	va_end(ap);
}

void cli_csv_put(const char *v, int last)
{
	int quote = strpbrk(v, ",\"\r\n") != NULL;
	if (quote)
		putchar('"');
	if (v[0] && strchr("=+-@", v[0]))
		putchar('\'');
	for (const char *p = v; *p; p++) {
		char one[2] = {*p, 0};
		if (*p == '"')
			putchar('"');
		cli_printf("%s", one);
	}
	if (quote)
		putchar('"');
	putchar(last ? '\n' : ',');
}

void cli_eprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	text_vfprintf(stderr, TEXT_LINE, fmt, ap);
	va_end(ap);
}

void cli_say(const char *text)
{
	cli_eprintf("%s\n", text);
}

const char *cli_time(const config_t *cfg, const char *utc, int how, const char *none, char *buf,
                     size_t size)
{
	if (!utc || !*utc)
		snprintf(buf, size, "%s", none ? none : "");
	else
		tz_format(cfg->clinic_tz, utc, how == CLI_TIME_TSV ? TZ_ISO : TZ_SECONDS, buf,
		          size);
	return buf;
}

const char *cli_val(const cli_t *c, const char *name)
{
	return cli_args_value(c->opts, c->val, name);
}

/* Read one line into buf (guarded memory). From stdin with
 * --password-stdin; otherwise from the terminal with echo off. */
static status_t read_secret(cli_t *c, const char *prompt, char *buf, size_t size, msg_t *m)
{
	FILE *f = c->in;
	struct termios old, quiet;
	int tty = -1, restore = 0;
	size_t n;

	if (!f) {
		tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
		if (tty < 0)
			return msg_fail(m, STATUS_USAGE,
					"No terminal to ask for a password; use --password-stdin.");
		f = fdopen(tty, "r+");
		if (!f) {
			close(tty);
			return msg_fail(m, STATUS_ERR, "Cannot read from the terminal.");
		}
		/* Echo off before the prompt shows: a password typed as soon as
		 * the prompt appears is neither echoed nor flushed away. */
		if (tcgetattr(tty, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= (tcflag_t)~ECHO;
			quiet.c_lflag |= ECHONL;
			restore = tcsetattr(tty, TCSAFLUSH, &quiet) == 0;
		}
		text_fprintf(f, TEXT_LINE, "%s", prompt); /* it names the user */
		fflush(f);
	}
	if (!fgets(buf, (int)size, f)) {
		buf[0] = '\0';
		if (restore)
			tcsetattr(tty, TCSAFLUSH, &old);
		if (tty >= 0)
			fclose(f);
		return msg_fail(m, STATUS_AUTH,
				c->in ? "Standard input ended before the password." : "No password.");
	}
	if (restore)
		tcsetattr(tty, TCSAFLUSH, &old);
	if (tty >= 0)
		fclose(f);
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == size - 1)
		return msg_fail(m, STATUS_INVALID, "The password is too long.");
	buf[n] = '\0';
	return STATUS_OK;
}

/* A new password: once from stdin, or twice (to confirm) at a terminal. */
static status_t read_new_password(cli_t *c, const char *who, char *buf, size_t size, msg_t *m)
{
	status_t ret;
	char prompt[128];
	char *again;
	snprintf(prompt, sizeof prompt, "New password for %s: ", who);
	if ((ret = read_secret(c, prompt, buf, size, m)) != STATUS_OK || c->in)
		return ret;
	if (!(again = crypto_secure_text(size)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	snprintf(prompt, sizeof prompt, "Repeat the new password for %s: ", who);
	ret = read_secret(c, prompt, again, size, m);
	if (ret == STATUS_OK && strcmp(buf, again) != 0)
		ret = msg_fail(m, STATUS_INVALID, "The two passwords differ; nothing was changed.");
	crypto_secure_text_free(again);
	return ret;
}

static const char *acting_user(const cli_t *c)
{
	const char *u = c->g->user;
	struct passwd *pw;
	if (u && *u)
		return u;
	u = getenv("CHARTROOM_USER");
	if (u && *u)
		return u;
	pw = getpwuid(getuid());
	return pw ? pw->pw_name : "";
}

/* A change waiting in line for another user's: said on a terminal after
 * a few seconds (never an error), and cleared when it goes through. */
static void cli_wait_notice(void *arg, int seconds)
{
	(void)arg;
	if (!isatty(STDERR_FILENO))
		return;
	if (seconds)
		fprintf(stderr, "\rWaiting for another user's change to finish (%d s)...", seconds);
	else
		fprintf(stderr, "\r%60s\r", "");
	fflush(stderr);
}

const char *cli_acting_user(const cli_t *c)
{
	return acting_user(c);
}

status_t cli_password(cli_t *c, const char *user, char **pw, msg_t *m)
{
	char prompt[128];
	status_t ret;
	if (!(*pw = crypto_secure_text(PW_MAX)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	snprintf(prompt, sizeof prompt, "Password for %s: ", user);
	if ((ret = read_secret(c, prompt, *pw, PW_MAX, m)) != STATUS_OK) {
		crypto_secure_text_free(*pw);
		*pw = NULL;
	}
	return ret;
}

/* One secret line (a recovery key), read as passwords are. */
status_t cli_read_secret(cli_t *c, const char *prompt, char *buf, size_t size, msg_t *m)
{
	return read_secret(c, prompt, buf, size, m);
}

/* Sign on to an open clinic as the acting user; closes it on failure. */
static status_t sign_on_to(cli_t *c, clinic_t **clinic, session_t **s, msg_t *m)
{
	status_t ret;
	char *pw = NULL;
	login_info_t info;
	const char *user = acting_user(c);

	if ((ret = cli_password(c, user, &pw, m)) == STATUS_OK)
		ret = session_login(*clinic, user, pw, s, &info, m);
	/* A database that cannot be written still reads (README "When the
	 * disk is full or the database is read-only"): say so once. */
	if (ret == STATUS_OK && session_readonly(*s))
		fprintf(stderr, "chartroom: READ-ONLY: %s: nothing can be saved%s\n",
			session_readonly(*s),
			session_unaudited(*s) ? ", and this access is NOT audited"
					      : "; this access is recorded in the audit journal");
	crypto_secure_text_free(pw);
	if (ret != STATUS_OK) {
		clinic_close(*clinic);
		*clinic = NULL;
	}
	return ret;
}

/* Open the database and sign on as the acting user. */
status_t cli_sign_on(cli_t *c, clinic_t **clinic, session_t **s, msg_t *m)
{
	status_t ret;
	*clinic = NULL;
	*s = NULL;
	if ((ret = clinic_open(c->g->db_path, c->cfg, clinic, m)) != STATUS_OK)
		return ret;
	clinic_set_wait_notice(*clinic, cli_wait_notice, NULL);
	return sign_on_to(c, clinic, s, m);
}

status_t cli_sign_on_copy(cli_t *c, const char *path, clinic_t **clinic, session_t **s,
			  msg_t *m)
{
	status_t ret;
	*clinic = NULL;
	*s = NULL;
	if ((ret = clinic_open_copy(path, c->cfg, clinic, m)) != STATUS_OK)
		return ret;
	return sign_on_to(c, clinic, s, m);
}

void cli_sign_off(clinic_t *clinic, session_t *s)
{
	msg_t m;
	session_logout(s);
	/* A sign-off the disk refused is written now if it can be; if not,
	 * the user is told (it is the only copy). */
	if (clinic && clinic_flush_audit(clinic, &m) != STATUS_OK)
		cli_eprintf("chartroom: %s\n", m.text);
	clinic_close(clinic);
}

/* ---- init, recover, roles --------------------------------------------- */

static const char init_usage[] =
    "init --db PATH --admin NAME [--clinic \"CLINIC NAME\"] [--password-stdin]";
static const cli_optspec_t init_opts[] = {
    {"admin", 0, 1, NULL}, {"clinic", 0, 1, NULL}, {NULL, 0, 0, NULL}};

static int cmd_init(cli_t *c)
{
	static const char *const usage = init_usage;
	const char *admin = cli_val(c, "admin");
	const char *name = cli_val(c, "clinic");
	char *pw = NULL;
	char recovery[CRYPTO_RECOVERY_TEXT];
	msg_t m;
	status_t st;

	if (c->help) {
		printf("usage: chartroom %s\n\nCreate a new database with its keys, its first "
		       "administrator and a recovery key.\nNever overwrites an existing file.\n",
		       usage);
		return 0;
	}
	if (!admin)
		return cli_usage_error(usage, "--admin NAME is required");
	if (c->argc > 1)
		return cli_usage_error(usage, "init takes options only");
	if (!c->g->db_path || !*c->g->db_path)
		return cli_usage_error(usage, "--db PATH is required");
	if (privsep_shared()) {
		/* Before asking for a password: only root creates, and only in
		 * the data directory (db_open checks again). */
		char real[PATH_MAX];
		if ((st = privsep_db_path(c->g->db_path, 1, real, sizeof real, &m)) != STATUS_OK)
			return cli_fail(st, m.text);
	} else if (access(c->g->db_path, F_OK) == 0) {
		return cli_fail(STATUS_EXISTS, "the database file already exists; Chartroom will not "
					   "overwrite it. Choose another path.");
	}
	if (!(pw = crypto_secure_text(PW_MAX)))
		return cli_fail(STATUS_NOMEM, "out of memory");
	st = read_new_password(c, admin, pw, PW_MAX, &m);
	if (st == STATUS_OK)
		st = clinic_init(c->g->db_path, c->cfg, admin, pw, name ? name : "Chartroom Clinic",
				 recovery, &m);
	crypto_secure_text_free(pw);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	cli_say(m.text);
	printf("\nRECOVERY KEY (shown once; print it and keep it in the clinic's safe):\n\n"
	       "    %s\n\n"
	       "It unlocks every key in this database for emergency access\n"
	       "('chartroom recover'). Anyone holding it can read all records.\n",
	       recovery);
	memset(recovery, 0, sizeof recovery);
	return 0;
}

static const char recover_usage[] = "recover --db PATH --admin NAME [--password-stdin]";
static const cli_optspec_t recover_opts[] = {{"admin", 0, 1, NULL}, {NULL, 0, 0, NULL}};

static int cmd_recover(cli_t *c)
{
	static const char *const usage = recover_usage;
	const char *admin = cli_val(c, "admin");
	char *rk = NULL, *pw = NULL;
	clinic_t *clinic = NULL;
	msg_t m;
	status_t st;

	if (c->help) {
		printf("usage: chartroom %s\n\nEmergency access: with the recovery key printed at "
		       "init, set a new password\nfor an administrator (created if missing). "
		       "Standard input: the recovery key,\nthen the new password.\n",
		       usage);
		return 0;
	}
	if (!admin)
		return cli_usage_error(usage, "--admin NAME is required");
	if (c->argc > 1)
		return cli_usage_error(usage, "recover takes options only");
	rk = crypto_secure_text(PW_MAX);
	pw = crypto_secure_text(PW_MAX);
	if (!rk || !pw) {
		st = msg_fail(&m, STATUS_NOMEM, "out of memory");
		goto cleanup;
	}
	if ((st = clinic_open(c->g->db_path, c->cfg, &clinic, &m)) != STATUS_OK)
		goto cleanup;
	if ((st = read_secret(c, "Recovery key: ", rk, PW_MAX, &m)) != STATUS_OK)
		goto cleanup;
	if ((st = read_new_password(c, admin, pw, PW_MAX, &m)) != STATUS_OK)
		goto cleanup;
	st = clinic_recover(clinic, rk, admin, pw, &m);
cleanup:
	crypto_secure_text_free(rk);
	crypto_secure_text_free(pw);
	clinic_close(clinic);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	cli_say(m.text);
	return 0;
}

/* ---- user ------------------------------------------------------------- */

static int print_user(const user_info_t *u, void *arg)
{
	char when[TZ_TEXT_MAX];
	cli_tsv("%s\t%s\t%s\t%s\t%d\t", u->name, u->role,
	        u->damaged    ? "damaged"
	        : u->disabled ? "disabled"
	        : u->locked   ? "locked"
	                      : "active",
	        cli_time(arg, u->last_login, CLI_TIME_TSV, "never", when, sizeof when),
	        u->failed_count);
	for (int d = 0, first = 1; d < DOMAIN_COUNT; d++)
		if (u->domains & DOMAIN_BIT(d)) {
			cli_tsv("%s%s", first ? "" : ",", crypto_domain_name((domain_t)d));
			first = 0;
		}
	/* Keys the role needs that a holder has yet to grant. */
	putchar('\t');
	for (int d = 0, first = 1; d < DOMAIN_COUNT; d++)
		if (u->missing & DOMAIN_BIT(d)) {
			printf("%s%s", first ? "" : ",", crypto_domain_name((domain_t)d));
			first = 0;
		}
	printf("\n");
	return 0;
}

static const char user_usage[] =
    "[--user ACTOR] user add NAME --role ROLE | list | disable NAME | enable NAME |\n"
    "       unlock NAME | passwd NAME | role NAME ROLE";
static const cli_optspec_t user_opts[] = {{"role", 'r', 1, "add"}, {NULL, 0, 0, NULL}};

static int cmd_user(cli_t *c)
{
	static const char *const usage = user_usage;
	char *const *pos = c->argv + 1;
	int n = c->argc - 1;
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	const char *role = cli_val(c, "role");
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	char *pw = NULL;
	msg_t m;
	status_t st;

	if (c->help) {
		printf(
		    "usage: chartroom %s\n\n"
		    "Manage staff accounts (administrators; anyone may change their own "
		    "password).\n"
		    "  add NAME -r, --role ROLE\n"
		    "                         new user; asks for their first password\n"
		    "  list                   name, role, status, last sign-on, failures, keys,\n"
		    "                         keys waiting to be granted by a holder\n"
		    "  disable NAME           sign-on refused and the user's keys removed\n"
		    "  enable NAME            re-enable with a new password\n"
		    "  unlock NAME            clear a lockout after failed sign-ons\n"
		    "  passwd NAME            set a new password\n"
		    "  role NAME ROLE         change role; keys follow the role\n"
		    "Roles: frontdesk nurse provider him privacy admin\n",
		    usage);
		return 0;
	}
	if (n < 1)
		return cli_usage_error(usage, NULL);
	if (!((strcmp(verb, "add") == 0 && n == 2 && role) || (strcmp(verb, "list") == 0 && n == 1) ||
	      ((strcmp(verb, "disable") == 0 || strcmp(verb, "enable") == 0 ||
		strcmp(verb, "unlock") == 0 || strcmp(verb, "passwd") == 0) &&
	       n == 2) ||
	      (strcmp(verb, "role") == 0 && n == 3)))
		return cli_usage_error(usage, NULL);
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	if (!(pw = crypto_secure_text(PW_MAX))) {
		st = msg_fail(&m, STATUS_NOMEM, "out of memory");
		goto cleanup;
	}
	if (strcmp(verb, "list") == 0) {
		printf("name\trole\tstatus\tlast_login\tfailures\tkeys\twaiting_for\n");
		st = users_list(s, print_user, (void *)clinic_config(clinic), &m);
		if (st == STATUS_OK)
			msg_clear(&m);
	} else if (strcmp(verb, "add") == 0) {
		/* Check the permission before asking for a password nobody can use. */
		if ((st = session_require(s, ACT_USER_MANAGE, &m)) == STATUS_OK &&
		    (st = read_new_password(c, pos[1], pw, PW_MAX, &m)) == STATUS_OK)
			st = users_add(s, pos[1], role, pw, &m);
	} else if (strcmp(verb, "disable") == 0) {
		st = users_disable(s, pos[1], &m);
	} else if (strcmp(verb, "unlock") == 0) {
		st = users_unlock(s, pos[1], &m);
	} else if (strcmp(verb, "enable") == 0) {
		if ((st = session_require(s, ACT_USER_MANAGE, &m)) == STATUS_OK &&
		    (st = read_new_password(c, pos[1], pw, PW_MAX, &m)) == STATUS_OK)
			st = users_enable(s, pos[1], pw, &m);
	} else if (strcmp(verb, "passwd") == 0) {
		if ((strcmp(pos[1], session_user_name(s)) == 0 ||
		     (st = session_require(s, ACT_USER_MANAGE, &m)) == STATUS_OK) &&
		    (st = read_new_password(c, pos[1], pw, PW_MAX, &m)) == STATUS_OK)
			st = users_passwd(s, pos[1], pw, &m);
	} else {
		st = users_set_role(s, pos[1], pos[2], &m);
	}
cleanup:
	crypto_secure_text_free(pw);
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	if (m.text[0])
		cli_say(m.text);
	return 0;
}

/* ---- audit ------------------------------------------------------------ */

struct list_out {
	const config_t *cfg;
	session_t *s;
	char last[72], label[200]; /* the last target and its words (runs are common) */
};

static int print_entry(const audit_entry_t *e, void *arg)
{
	struct list_out *o = arg;
	char when[TZ_TEXT_MAX];
	/* A patient's id as MRN and name, for roles allowed to see them. */
	if (strcmp(o->last, e->target) != 0) {
		snprintf(o->last, sizeof o->last, "%s", e->target);
		access_target_label(o->s, e->target, o->label, sizeof o->label);
	}
	cli_tsv("%" PRId64 "\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e->seq,
	        cli_time(o->cfg, e->ts, CLI_TIME_TSV, "", when, sizeof when), e->user_name,
	        e->source, e->action, o->label, e->outcome, e->detail);
	return 0;
}

static const char audit_usage[] =
    "[--user ACTOR] audit verify [--anchor SEQ:MAC] | anchor |\n"
    "       list [--user NAME] [--since YYYY-MM-DD] [--limit N] [--newest] |\n"
    "       patient MRN | user NAME [--since YYYY-MM-DD] [--until YYYY-MM-DD] "
    "[--format table|csv] [--limit N]";
/* After "audit list", --user (-u) is the filter: it shadows the global
 * option that names who acts (cli_args.h). */
static const cli_optspec_t audit_opts[] = {{"anchor", 0, 1, "verify"},
                                           {"by", 0, 1, "list"},
                                           {"user", 'u', 1, "list"},
                                           {"since", 0, 1, "list patient user"},
                                           {"limit", 'n', 1, "list patient user"},
                                           {"newest", 0, 0, "list"},
                                           {"until", 0, 1, "patient user"},
                                           {"format", 0, 1, "patient user"},
                                           {NULL, 0, 0, NULL}};

static int cmd_audit(cli_t *c)
{
	static const char *const usage = audit_usage;
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	const char *anchor = cli_val(c, "anchor");
	const char *by = cli_val(c, "by");
	const char *user_filter = cli_val(c, "user");
	const char *since = cli_val(c, "since");
	const char *limit = cli_val(c, "limit");
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	msg_t m;
	status_t st;
	int64_t count = 0, bad = 0;
	char buf[128], since_iso[DATE_ISO_SIZE];

	if (c->help) {
		printf(
		    "usage: chartroom %s\n\n"
		    "  verify   recompute the chain: 'audit chain OK: N entries', then check\n"
		    "           every chart against the heads the trail recorded ('chart heads\n"
		    "           OK: N charts match the trail'); or exit 5 naming the first bad\n"
		    "           sequence or chart. --anchor checks a saved anchor\n"
		    "           is still in the chain (detects truncation, old copies).\n"
		    "  anchor   print the latest SEQ:MAC to keep outside the database\n"
		    "  list     entries, tab-separated: seq time user source action target\n"
		    "           outcome detail. -u, --user NAME (or --by NAME): only that\n"
		    "           user's entries; --since YYYY-MM-DD; -n, --limit N; --newest:\n"
		    "           newest first. A patient's id shows as MRN and name to roles\n"
		    "           that may see patients.\n"
		    "  patient MRN  who opened this chart, newest first: time (clinic zone),\n"
		    "           user, role, what, break-the-glass reason, origin (terminal or\n"
		    "           SSH client). --since/--until YYYY-MM-DD (days included),\n"
		    "           --format table|csv. Needs audit_review; audited.\n"
		    "  user NAME    every chart NAME touched, with the patients' MRNs and\n"
		    "           names; the same options.\n"
		    "The acting user is --user before the command (chartroom --user ME audit\n"
		    "list), or after it with verify and anchor; after 'audit list' it filters.\n",
		    usage);
		return 0;
	}
	if (c->argc >= 2 && (strcmp(verb, "patient") == 0 || strcmp(verb, "user") == 0))
		return cli_audit_report(c, usage);
	if (c->argc != 2 || (strcmp(verb, "verify") != 0 && strcmp(verb, "anchor") != 0 &&
	                     strcmp(verb, "list") != 0))
		return cli_usage_error(usage, c->argc > 2 ? "too many arguments" : NULL);
	if (!by)
		by = user_filter; /* "audit list --user NAME", as documented */
	if (since && date_parse_msg("--since", since, NULL, NULL, since_iso, &m) != STATUS_OK)
		return cli_usage_error(usage, m.text);
	if (limit && (atoll(limit) <= 0 || strspn(limit, "0123456789") != strlen(limit)))
		return cli_usage_error(usage, "--limit takes a positive number");
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	if (strcmp(verb, "verify") == 0) {
		/* The report is one line per check (the chain, the chart heads):
		 * its own newlines are kept, every other control still escaped. */
		st = audit_verify(s, anchor, &count, &bad, &m);
		if (st == STATUS_INTEGRITY) {
			fputs("chartroom: ", stderr);
			text_fputs(m.text, TEXT_MULTILINE, stderr);
			fputc('\n', stderr);
			cli_sign_off(clinic, s);
			return status_exit_code(st);
		}
		if (st == STATUS_OK) {
			text_fputs(m.text, TEXT_MULTILINE, stdout);
			putchar('\n');
		}
	} else if (strcmp(verb, "anchor") == 0) {
		st = audit_anchor(s, buf, sizeof buf, &m);
		if (st == STATUS_OK)
			cli_printf("%s\n", buf);
	} else {
		audit_query_t q = {by, since ? since_iso : NULL, NULL, limit ? atoll(limit) : 0,
		                   cli_val(c, "newest") != NULL};
		struct list_out o = {clinic_config(clinic), s, "", ""};
		printf("seq\ttime\tuser\tsource\taction\ttarget\toutcome\tdetail\n");
		st = audit_list(s, &q, print_entry, &o, &m);
		explicit_bzero(o.label, sizeof o.label);
	}
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	return 0;
}


/* ---- patients --------------------------------------------------------- */

static void print_masked_ssn(const char *ssn)
{
	size_t n = strlen(ssn);
	cli_printf("%s%s", n >= 4 ? "***-**-" : "", n >= 4 ? ssn + n - 4 : ssn);
}

static void print_patient(const config_t *cfg, const patient_t *p)
{
	char date[32], when[TZ_TEXT_MAX];
	cli_printf("%-20s %s\n", "id:", p->id);
	for (int f = 0; f < PF_COUNT; f++) {
		char label[64];
		if (!*p->f[f])
			continue;
		snprintf(label, sizeof label, "%s:", patient_field_label((pfield_t)f));
		cli_printf("%-20s ", label);
		if (f == PF_SSN)
			print_masked_ssn(p->f[f]);
		else if (f == PF_DOB || f == PF_DEATH) {
			patient_date_display(cfg, p->f[f], date, sizeof date);
			cli_printf("%s", date);
			if (f == PF_DOB && !*p->f[PF_DEATH])
				printf(" (age %d)", patient_age(p->f[f], NULL));
		} else
			cli_printf("%s", p->f[f]);
		putchar('\n');
	}
	cli_printf("%-20s %s\n", "Confidential:", p->confidential ? "yes" : "no");
	cli_printf("%-20s %d (saved %s by %s)\n", "Version:", p->version,
	           cli_time(cfg, p->updated, CLI_TIME_TEXT, "?", when, sizeof when), p->updated_by);
}

/* A patient's fields as input (cli_input.h): every demographic field,
 * asked at the prompt; "confidential" and "reason" (for opening a
 * confidential chart) only from --from input. */
typedef struct patient_input {
	patient_t *p; /* the values given */
	char confidential[8];
	char reason[CLI_REASON_MAX];
	char ssn_shown[16];
	cli_field_t f[PF_COUNT + 1];
	int n;
} patient_input_t;

static status_t patient_input_new(patient_input_t *in, msg_t *m)
{
	memset(in, 0, sizeof *in);
	if (!(in->p = calloc(1, sizeof *in->p)))
		return msg_fail(m, STATUS_NOMEM, "out of memory");
	for (int f = 1; f < PF_COUNT; f++)
		in->f[in->n++] = (cli_field_t){patient_field_name((pfield_t)f),
					       patient_field_label((pfield_t)f), in->p->f[f],
					       sizeof in->p->f[f], NULL, 1, 0};
	in->f[in->n++] = (cli_field_t){"confidential", "Confidential (yes/no)", in->confidential,
				       sizeof in->confidential, NULL, 0, 0};
	in->f[in->n++] = (cli_field_t){"reason", "Reason for access", in->reason,
				       sizeof in->reason, NULL, 0, 0};
	return STATUS_OK;
}

static void patient_input_free(patient_input_t *in)
{
	cli_fields_wipe(in->f, in->n);
	if (in->p) {
		sodium_memzero(in->p, sizeof *in->p);
		free(in->p);
	}
	sodium_memzero(in, sizeof *in);
}

/* The "confidential" column: -1 absent, 0 or 1; -2 not yes/no. */
static int input_confidential(const patient_input_t *in)
{
	const char *v = in->confidential;
	if (!in->f[in->n - 2].given)
		return -1;
	if (!*v || !strcasecmp(v, "no") || !strcmp(v, "0") || !strcasecmp(v, "false"))
		return 0;
	if (!strcasecmp(v, "yes") || !strcmp(v, "1") || !strcasecmp(v, "true"))
		return 1;
	return -2;
}

/* An MRN or the start of one (the [mrn] prefix and digits): the only
 * query 'patient find' takes as an argument. */
static int mrn_like(const config_t *cfg, const char *q)
{
	size_t pl = strlen(cfg->mrn_prefix), n = strlen(q);
	if (!pl)
		return patient_mrn_valid(cfg, q);
	if (n <= pl || n > pl + (size_t)cfg->mrn_digits + 1 || strncasecmp(q, cfg->mrn_prefix, pl))
		return 0;
	return strspn(q + pl, "0123456789") == n - pl;
}

static void print_found(const patient_list_t *list)
{
	for (int i = 0; i < patient_list_count(list); i++) {
		const patient_row_t *r = patient_list_row(list, i);
		cli_tsv("%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", r->mrn, r->last, r->first,
			r->middle, r->dob, r->age, r->sex, r->confidential ? "confidential" : "",
			r->last_visit, r->death);
	}
}

/* After a refused registration: who it may be. */
static void print_duplicates(session_t *s, const patient_t *p)
{
	patient_match_t dups[PATIENT_MATCH_MAX];
	int n = 0;
	msg_t ignore;
	if (patient_find_duplicates(s, p, dups, PATIENT_MATCH_MAX, &n, &ignore) == STATUS_OK)
		for (int i = 0; i < n; i++)
			cli_eprintf("  %-12s score %2d  %s  %s  %s  (%s)\n", dups[i].mrn,
				    dups[i].score, dups[i].name, dups[i].dob, dups[i].sex, dups[i].why);
	fprintf(stderr, "Use --register-anyway if this is a different person.\n");
}

static const char patient_usage[] =
    "[--user ACTOR] patient add [--from FILE|-] [--confidential] [--register-anyway]\n"
    "       patient find MRN | patient find - [--page N | --after MRN] |\n"
    "       patient show MRN [--from FILE|-] |\n"
    "       patient edit MRN [--from FILE|-] [--confidential yes|no] [--version N]";
static const char *const patient_phi[] = {"reason", NULL};
/* --confidential is a flag when adding and takes yes or no when editing;
 * --version (edit) shadows the global option. */
static const cli_optspec_t patient_opts[] = {
    {"from", 0, 1, NULL},           {"confidential", 0, 0, "add"},
    {"confidential", 0, 1, "edit"}, {"register-anyway", 0, 0, "add"},
    {"version", 0, 1, "edit"},      {"page", 0, 1, "find"},
    {"after", 0, 1, "find"},        {NULL, 0, 0, NULL}};

static int cmd_patient(cli_t *c)
{
	static const char *const usage = patient_usage;
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	int add = strcmp(verb, "add") == 0, edit = strcmp(verb, "edit") == 0;
	int find = strcmp(verb, "find") == 0, show = strcmp(verb, "show") == 0;
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	patient_t *p = NULL;
	patient_list_t *list = NULL;
	patient_input_t in;
	msg_t m;
	status_t st = STATUS_OK;
	pfield_t bad = PF_COUNT;
	int anyway = cli_val(c, "register-anyway") != NULL, confidential = -1, version = 0;
	const char *key = c->argc > 2 ? c->argv[2] : NULL, *from = cli_from(c);
	const char *conf = cli_val(c, "confidential"), *ver = cli_val(c, "version");
	const char *pagev = cli_val(c, "page"), *after = cli_val(c, "after");
	int page = 1;
	char query[256];

	if (c->help) {
		printf("usage: chartroom %s\n\n"
		       "Names, dates of birth, phones and every other field are never taken as\n"
		       "arguments (others can read them in /proc). They come from a CSV file\n"
		       "(--from FILE) or standard input (--from -): a header row naming the\n"
		       "fields given, then one row of values, the columns of 'import patients':\n",
		       usage);
		for (int f = 1; f < PF_COUNT; f++)
			printf("           %s%s\n", patient_field_name((pfield_t)f),
			       patient_field_required((pfield_t)f) ? "  (required to add)" : "");
		printf("           confidential (yes/no), reason (to open a confidential chart)\n"
		       "Without --from, at a terminal, each field is asked in turn. With\n"
		       "--password-stdin, standard input holds the password first, then the CSV.\n"
		       "  add    register a patient; prints the new MRN. Dates as YYYY-MM-DD or\n"
		       "         MM/DD/YYYY. A likely duplicate stops the registration (exit 1)\n"
		       "         unless --register-anyway (audited).\n"
		       "  find   the lookup box's search. The query (a name prefix, \"last, first\",\n"
		       "         an MRN, a date of birth, a phone number or its last 4 digits) is\n"
		       "         read from standard input or the prompt with 'find -'; only an MRN\n"
		       "         may be an argument. Tab-separated: mrn last first middle dob age\n"
		       "         (at death, for a deceased patient) sex confidential last-visit\n"
		       "         date-of-death. In name order (last, first, middle, date of\n"
		       "         birth), 200 a page: --page N gives page N, --after MRN the\n"
		       "         matches after that patient (the last MRN of a page)\n"
		       "  show   one chart's demographics (audited); a confidential chart opened by\n"
		       "         a role without view_confidential needs a reason (the 'reason'\n"
		       "         column, or asked at a terminal)\n"
		       "  edit   change the fields given (an empty value clears one; at the prompt\n"
		       "         Enter keeps a value and - clears it); --version N refuses the save\n"
		       "         if the record is no longer at version N (someone else saved it)\n");
		return 0;
	}
	if (!add && !find && !show && !edit)
		return cli_usage_error(usage, NULL);
	/* Checked before signing on, so a typo costs no password prompt, and
	 * a refusal changes nothing (PHI options are refused earlier still,
	 * by the parser). */
	if (c->argc > 3)
		return cli_usage_error(usage, "too many arguments");
	if (conf && add) {
		confidential = 1;
	} else if (conf) {
		if (strcmp(conf, "yes") != 0 && strcmp(conf, "no") != 0)
			return cli_usage_error(usage, "--confidential takes yes or no");
		confidential = strcmp(conf, "yes") == 0;
	}
	if (ver && (version = atoi(ver)) <= 0)
		return cli_usage_error(usage, "--version takes the record's version number");
	if (add != (key == NULL))
		return cli_usage_error(usage, key ? "add takes options only" : "missing MRN or query");
	if (find) {
		if (from)
			return cli_usage_error(usage, "find reads its query with 'find -'");
		if (pagev && after)
			return cli_usage_error(usage, "give --page or --after, not both");
		if (pagev && ((page = atoi(pagev)) < 1 || strspn(pagev, "0123456789") != strlen(pagev)))
			return cli_usage_error(usage, "--page takes a page number (1 is the first)");
		if (after && !mrn_like(c->cfg, after))
			return cli_usage_error(usage, "--after takes an MRN (the last one of a page)");
		if (strcmp(key, "-") != 0 && !mrn_like(c->cfg, key))
			return cli_usage_error(
				usage, "a search by name, date of birth, phone or SSN is PHI, which is "
				       "not taken on the command line (others can read it in /proc): use "
				       "'patient find -' and give the query on standard input or at the "
				       "prompt. Only an MRN may be an argument.");
	}
	if ((add || edit) && !from && !isatty(STDIN_FILENO))
		return cli_usage_error(usage, "give the patient's fields with --from FILE or --from - "
					      "(a CSV header row and one row), or run it at a "
					      "terminal to be asked");
	if ((st = patient_input_new(&in, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	/* show asks only for the reason, and only when the chart needs one */
	if (show)
		in.f[in.n - 1].ask = 0;
	if (cli_from_file(from) && (st = cli_fields_read(c, from, in.f, in.n, &m)) != STATUS_OK)
		goto done;
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		goto done;
	if (from && !cli_from_file(from))
		st = cli_fields_read(c, from, in.f, in.n, &m);
	else if (!from && add)
		st = cli_fields_read(c, NULL, in.f, in.n, &m);
	if (st == STATUS_OK && (confidential == -1 ? input_confidential(&in) : 0) == -2)
		st = msg_fail(&m, STATUS_INVALID, "confidential must be yes or no");
	if (st != STATUS_OK)
		goto done;
	if (confidential == -1)
		confidential = input_confidential(&in);
	if (add) {
		in.p->confidential = confidential == 1;
		st = patient_register(s, in.p, anyway, &bad, &m);
		if (st == STATUS_CONFLICT) {
			cli_eprintf("chartroom: %s\n", m.text);
			print_duplicates(s, in.p);
			msg_clear(&m);
		} else if (st == STATUS_OK) {
			cli_printf("%s\n", in.p->f[PF_MRN]);
		}
		goto done;
	}
	if (find) {
		if (strcmp(key, "-") == 0) {
			st = cli_read_line("Find (name, \"last, first\", MRN, date of birth, phone): ",
					   query, sizeof query, &m);
			key = query;
		}
		if (st == STATUS_OK)
			st = pagev || after ? patient_search_page(s, key, 200, page, after, &list, &m)
					    : patient_search(s, key, 200, &list, &m);
		if (st == STATUS_OK) {
			print_found(list);
			cli_say(m.text);
			msg_clear(&m);
		}
		sodium_memzero(query, sizeof query);
		goto done;
	}
	/* show and edit open the chart (a confidential one needs a reason:
	 * from the input, or asked at a terminal) */
	if (!(p = calloc(1, sizeof *p))) {
		st = msg_fail(&m, STATUS_NOMEM, "out of memory");
		goto done;
	}
	if ((st = cli_btg_reason(s, key, &in.f[in.n - 1], &m)) != STATUS_OK)
		goto done;
	st = patient_open(s, key, in.f[in.n - 1].given ? in.reason : NULL, p, &m);
	if (st == STATUS_OK && show) {
		char merged[200];
		msg_t mm;
		print_patient(clinic_config(clinic), p);
		if (merge_notice(s, key, merged, sizeof merged, &mm) == STATUS_OK && merged[0])
			cli_printf("%s\n", merged);
	} else if (st == STATUS_OK) {
		/* edit: the fields given, over the opened record */
		if (!from) {
			for (int i = 0; i < in.n - 2; i++) {
				pfield_t f = (pfield_t)(i + 1);
				in.f[i].current = p->f[f];
				if (f == PF_SSN && strlen(p->f[f]) >= 4) {
					snprintf(in.ssn_shown, sizeof in.ssn_shown, "***-**-%s",
						 p->f[f] + strlen(p->f[f]) - 4);
					in.f[i].current = in.ssn_shown;
				}
			}
			st = cli_fields_read(c, NULL, in.f, in.n, &m);
		}
		if (st == STATUS_OK) {
			if (version)
				p->version = version;
			if (confidential >= 0)
				p->confidential = confidential;
			for (int i = 0; i < in.n - 2; i++)
				if (in.f[i].given)
					text_copy(p->f[i + 1], sizeof p->f[i + 1], in.p->f[i + 1]);
			st = patient_update(s, p, &bad, &m);
			if (st == STATUS_OK)
				cli_printf("%s version %d\n", p->f[PF_MRN], p->version);
		}
	}
done:
	patient_list_free(list);
	patient_input_free(&in);
	if (p) {
		sodium_memzero(p, sizeof *p);
		free(p);
	}
	cli_sign_off(clinic, s);
	if (st != STATUS_OK) {
		if (m.text[0])
			cli_eprintf("chartroom: %s\n", m.text);
		if (st == STATUS_BTG_REQUIRED)
			fprintf(stderr, "Give it in a 'reason' column with --from FILE or --from -, "
					"or run the command at a terminal to be asked.\n");
		return status_exit_code(st);
	}
	if (m.text[0])
		cli_say(m.text);
	return 0;
}

static void report_bad_row(long line, const char *reason, void *arg)
{
	(void)arg;
	cli_eprintf("line %ld: %s\n", line, reason);
}

static void report_dup_row(const import_dup_t *d, void *arg)
{
	(void)arg;
	if (d->match)
		cli_eprintf("line %ld: likely duplicate of %s %s, born %s (score %d: %s); %s\n",
			    d->line, d->match->mrn, d->match->name, d->match->dob, d->score, d->why,
			    d->imported ? "imported anyway" : "not imported");
	else
		cli_eprintf("line %ld: likely duplicate of line %ld (score %d: %s); %s\n", d->line,
			    d->other_line, d->score, d->why,
			    d->imported ? "imported anyway" : "not imported");
}

static void report_import_start(const import_report_t *rep, void *arg)
{
	(void)arg;
	/* First, before any patient is saved, and flushed at once (standard
	 * output may be a pipe): the id to quote, and the way to resume. */
	printf("Import ID: %lld (%lld patients", (long long)rep->import_id, (long long)rep->total);
	if (rep->already)
		printf("; finished earlier");
	else if (rep->resumed_from)
		printf("; resuming after %lld done by an earlier run", (long long)rep->resumed_from);
	if (rep->held)
		printf("; %ld likely duplicate%s not imported", rep->held, rep->held == 1 ? "" : "s");
	printf(")\n");
	fflush(stdout);
}

static const char import_usage[] =
	"[--user ACTOR] import patients FILE.csv [--skip-bad] [--register-anyway]\n"
	"       import fhir FILE... [--skip-bad]\n"
	"       import synthea DIR [--skip-bad] [--provider USER]";
static const cli_optspec_t import_opts[] = {{"skip-bad", 0, 0, NULL},
					    {"register-anyway", 0, 0, NULL},
					    {"provider", 0, 1, NULL},
					    {NULL, 0, 0, NULL}};

static int cmd_import(cli_t *c)
{
	static const char *const usage = import_usage;
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	import_report_t rep;
	import_opts_t opts;
	msg_t m;
	status_t st;

	if (c->help) {
		printf("usage: chartroom %s\n\n"
		       "Import patients from a CSV file with a header row: either Chartroom's\n"
		       "columns (the field names of 'patient add -h', plus confidential=yes|no)\n"
		       "or Synthea's patients.csv. Every row is checked first and each bad row is\n"
		       "reported with its line number; without --skip-bad nothing is imported when\n"
		       "any row is bad. MRNs are assigned by Chartroom.\n\n"
		       "The import's ID is printed first. Patients are saved in batches of %d,\n"
		       "others' work going on between them; if the import stops (a crash, kill),\n"
		       "run the same command again: it resumes after the last saved batch. A file\n"
		       "imported completely before is not imported twice.\n\n"
		       "Each good row runs the duplicate check a registration runs, against the\n"
		       "registered patients and the rows before it. A likely duplicate is reported\n"
		       "with its line and the patient's MRN (or the earlier line) and is not\n"
		       "imported; --register-anyway imports it too, each one audited.\n\n"
		       "import fhir: FHIR R4 resources from a Bundle or NDJSON files (every file\n"
		       "of an 'export fhir --all' at once). Every resource is checked first and\n"
		       "each bad one reported as FILE:LINE or FILE entry[N] with the reason;\n"
		       "without --skip-bad nothing is imported when any is bad. A Patient whose\n"
		       "MRN is a chart here (same birth date and sex) updates it; others are\n"
		       "registered. Needs patient_import and the actions recording each kind\n"
		       "needs (encounter_checkin, vitals_record, note_sign, ...); audited.\n\n"
		       "import synthea: a Synthea CSV export's directory (patients, providers,\n"
		       "encounters, conditions, allergies, medications, observations,\n"
		       "procedures .csv). Every row is checked first, each bad one reported as\n"
		       "FILE:LINE: reason; without --skip-bad nothing is imported when any is\n"
		       "bad (with it, the bad rows and what depends on them are left out).\n"
		       "Encounters are recorded with --provider USER (needed when the clinic\n"
		       "has more than one provider). A patient whose name, birth date and sex\n"
		       "are a chart's goes into that chart, and what it holds already is not\n"
		       "added again: running it twice imports nothing new. Prints each file's\n"
		       "rows, bad, skipped and imported; audited as synthea_import.\n",
		       usage, IMPORT_BATCH_ROWS);
		return 0;
	}
	if (c->argc >= 2 && strcmp(c->argv[1], "synthea") == 0)
		return cli_import_synthea(c);
	if (cli_val(c, "provider"))
		return cli_usage_error(usage, "--provider is for import synthea");
	if (c->argc >= 2 && strcmp(c->argv[1], "fhir") == 0)
		return cli_import_fhir(c);
	if (c->argc != 3 || strcmp(c->argv[1], "patients") != 0)
		return cli_usage_error(usage, NULL);
	memset(&opts, 0, sizeof opts);
	opts.skip_bad = cli_val(c, "skip-bad") != NULL;
	opts.register_anyway = cli_val(c, "register-anyway") != NULL;
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	opts.on_bad = report_bad_row;
	opts.on_dup = report_dup_row;
	opts.on_start = report_import_start;
	st = import_patients_with(s, c->argv[2], &opts, &rep, &m);
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	printf("%ld\n", rep.imported);
	cli_say(m.text);
	return 0;
}

static const char demo_usage[] = "[--user ACTOR] demo --patients N [--seed S]";
static const cli_optspec_t demo_opts[] = {
    {"patients", 0, 1, NULL}, {"seed", 0, 1, NULL}, {NULL, 0, 0, NULL}};

static int cmd_demo(cli_t *c)
{
	static const char *const usage = demo_usage;
	const char *np = cli_val(c, "patients");
	const char *sp = cli_val(c, "seed");
	char *end = NULL;
	long long n;
	unsigned long long seed = 1;
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	int64_t made = 0;
	msg_t m;
	status_t st;

	if (c->help) {
		printf("usage: chartroom %s\n\nAdd N synthetic patients (the same people for the "
		       "same seed) for demos and\nbenchmarks. Needs the patient_import "
		       "permission (the him role).\n",
		       usage);
		return 0;
	}
	if (!np || c->argc > 1)
		return cli_usage_error(usage,
		                       np ? "demo takes options only" : "--patients N is required");
	n = strtoll(np, &end, 10);
	if (*end || n <= 0 || n > 100000000)
		return cli_usage_error(usage, "--patients takes a number from 1 to 100000000");
	if (sp) {
		seed = strtoull(sp, &end, 10);
		if (*end)
			return cli_usage_error(usage, "--seed takes a number");
	}
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	st = synth_patients(s, n, seed, &made, &m);
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	cli_say(m.text);
	return 0;
}

/* ---- dispatch --------------------------------------------------------- */

static int cmd_help(cli_t *c);
#ifdef CHARTROOM_TEST_HOOKS
static int cmd_test_journal(cli_t *c);
#endif

static const char help_usage[] = "help [COMMAND]";

static const cli_command_t init_command = {
    "init",     cmd_init,  "create a new database, its keys and first administrator",
    init_usage, init_opts, NULL,
    0,          NULL};
static const cli_command_t user_command = {
    "user",     cmd_user,  "add, list, disable, enable, unlock users; passwords; roles",
    user_usage, user_opts, NULL,
    0,          NULL};
static const cli_command_t audit_command = {
    "audit", cmd_audit, "verify, anchor and list the audit chain", audit_usage, audit_opts, NULL,
    0,       NULL};
static const cli_command_t patient_command = {"patient",
                                              cmd_patient,
                                              "register, find, show and edit patients",
                                              patient_usage,
                                              patient_opts,
                                              patient_phi,
                                              1,
                                              NULL};
static const cli_command_t import_command = {
    "import",
    cmd_import,
    "import patients from a CSV file (own format or Synthea)",
    import_usage,
    import_opts,
    NULL,
    0,
    NULL};
static const cli_command_t demo_command = {
    "demo",     cmd_demo,  "add synthetic patients for demos and benchmarks",
    demo_usage, demo_opts, NULL,
    0,          NULL};
static const cli_command_t recover_command = {"recover",
                                              cmd_recover,
                                              "emergency access with the recovery key",
                                              recover_usage,
                                              recover_opts,
                                              NULL,
                                              0,
                                              NULL};
static const cli_command_t help_command = {
    "help", cmd_help, "a command's usage: help COMMAND", help_usage, NULL, NULL, 0, NULL};
#ifdef CHARTROOM_TEST_HOOKS
/* Test builds only, and not listed. */
static const cli_command_t test_journal_command = {
    "test-journal", cmd_test_journal, NULL, "--db PATH test-journal", NULL, NULL, 0, NULL};
#endif

/* In the order 'chartroom --help' lists them. */
static const cli_command_t *const commands[] = {
    &init_command,         &user_command,       &audit_command,         &patient_command,
    &import_command,       &demo_command,       &cli_encounter_command, &cli_vitals_command,
    &cli_allergy_command,  &cli_med_command,    &cli_problem_command,   &cli_note_command,
    &cli_chart_command,    &cli_codes_command,  &cli_coding_command,    &cli_backup_command,
    &cli_restore_command,  &cli_roles_command,  &cli_policy_command,    &cli_keys_command,
    &cli_btg_command,
    &recover_command,      &cli_config_command, &help_command,
    &cli_report_command,
    &cli_export_command,
    &cli_roi_command,      &cli_disclosure_command, &cli_disclosures_command, &cli_amendment_command,
    &cli_deficiency_command, &cli_chart_out_command, &cli_chart_in_command,
    &cli_chart_home_command, &cli_charts_out_command, &cli_chart_history_command,
    &cli_duplicates_command,
    &cli_queue_command,
    &cli_retention_command, &cli_hold_command,
    &cli_merge_command, &cli_unmerge_command,
    &cli_providers_command,
#ifdef CHARTROOM_TEST_HOOKS
    &test_journal_command,
#endif
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

/* Edit distance between two short words (a transposition counts one), for
 * "did you mean". */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[24][24];
	if (la > 23 || lb > 23)
		return 99;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

/* An unknown command: name the nearest one (a prefix of it, or at most two
 * edits away), else point to the list. Exit 2. */
static int unknown_command(const char *name)
{
	const char *near = NULL;
	size_t best = 3, n = strlen(name);
	for (size_t i = 0; i < N_COMMANDS; i++) {
		size_t dist;
		if (!commands[i]->summary)
			continue;
		dist = n >= 2 && strncmp(commands[i]->name, name, n) == 0
		           ? 1
		           : distance(name, commands[i]->name);
		if (dist < best) {
			best = dist;
			near = commands[i]->name;
		}
	}
	char shown[41];
	/* At most 40 bytes of what was typed, then shown escaped. */
	text_copy(shown, sizeof shown, name);
	if (near)
		cli_eprintf("chartroom: unknown command '%s'; did you mean '%s'? ('chartroom help "
			    "%s')\n",
			    shown, near, near);
	else
		cli_eprintf("chartroom: unknown command '%s'; 'chartroom --help' lists the "
			    "commands\n",
			    shown);
	return 2;
}

/* help [COMMAND]: the list, or that command's own -h. */
static int cmd_help(cli_t *c)
{
	static const char *const none[CLI_OPTS_MAX];
	if (c->argc < 2) {
		cli_usage(stdout);
		return 0;
	}
	if (c->argc > 2)
		return cli_usage_error(help_usage, "help takes one command");
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(c->argv[1], commands[i]->name) == 0 && commands[i]->summary &&
		    commands[i] != &help_command) {
			cli_t h = *c;
			h.argc = 1;
			h.argv = c->argv + 1;
			h.opts = commands[i]->opts;
			h.val = none;
			h.help = 1;
			return commands[i]->run(&h);
		}
	return unknown_command(c->argv[1]);
}

void cli_usage_lines(FILE *f)
{
	fprintf(f, "usage: chartroom [--db PATH] [--config FILE]              full-screen app\n"
	           "       chartroom [--db PATH] [--user NAME] [--password-stdin] COMMAND ...\n");
}

void cli_usage(FILE *f)
{
	cli_usage_lines(f);
	fprintf(f, "\nOptions (before or after the command; --NAME=VALUE works too, and --\n"
	           "ends the options):\n"
	           "  -d, --db PATH        the database (default: [database] path)\n"
	           "  -c, --config FILE    your own configuration file (preferences)\n"
	           "  -u, --user NAME      who acts (default: $CHARTROOM_USER, your Unix user)\n"
	           "      --password-stdin passwords from standard input, not the terminal\n"
	           "  -h, --help           this list, or with a command its usage\n"
	           "  -V, --version        the version\n\n"
	           "Commands (COMMAND -h for more):\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (commands[i]->summary)
			fprintf(f, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
	fprintf(f, "\nExit codes: 0 ok, 1 error, 2 usage, 3 authentication failed,\n"
		   "4 permission denied, 5 integrity failure.\n");
}

#ifdef CHARTROOM_TEST_HOOKS
static int print_journal_event(const char *event_id, const char *action, const char *user_name,
			       int flags, void *arg)
{
	(void)arg;
	printf("%s\t%s\t%s\t%d\n", event_id, action, user_name, flags);
	return 0;
}

/* Test builds only: the events waiting in the audit journal of --db, one
 * per line (id, action, user, flags), without opening the database, so
 * end-to-end tests can count what is recorded but not chained yet. */
static int cmd_test_journal(cli_t *c)
{
	msg_t m;
	status_t st = audit_journal_scan(c->g->db_path, print_journal_event, NULL, &m);
	if (st == STATUS_NOTFOUND)
		return 0;
	return st == STATUS_OK ? 0 : cli_fail(st, m.text);
}
#endif

int cli_parse(int argc, char **argv, cli_args_t *a)
{
	return cli_args_parse(commands, N_COMMANDS, unknown_command, argc, argv, a);
}

void cli_args_free(cli_args_t *a)
{
	free(a->argv);
	a->argv = NULL;
}

int cli_run(const cli_args_t *a, config_t *cfg)
{
	const cli_command_t *cmd = a->cmd;
	cli_t c = {&a->g,     cfg,    a->argc, a->argv, a->g.password_stdin ? stdin : NULL,
	           cmd->opts, a->val, a->help};
	return cmd->run(&c);
}
