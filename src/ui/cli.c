/* cli.c - the command-line face: subcommands, password prompts, output.
 *
 * Each subcommand is a row of the `commands` table: name, what it does,
 * its usage line and its handler. Output for scripts is tab-separated;
 * messages for people go to stderr. Passwords come from the terminal
 * without echo, or with --password-stdin from standard input (the acting
 * user's password first, then a new password where one is needed). */
#include "ui/cli.h"
#include "ui/cli_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/clinic.h"
#include "core/crypto.h"
#include "core/session.h"
#include "core/import.h"
#include "core/patient.h"
#include "core/patient_search.h"
#include "core/synth.h"
#include "core/users.h"
#include "base/privsep.h"
#include "base/text.h"

#define PW_MAX 1100 /* more than any accepted password, to detect over-long */



/* ---- small helpers ---------------------------------------------------- */

int cli_fail(status_t st, const char *text)
{
	fprintf(stderr, "chartroom: %s\n", text);
	return status_exit_code(st);
}

int cli_usage_error(const char *usage, const char *why)
{
	if (why)
		fprintf(stderr, "chartroom: %s\n", why);
	fprintf(stderr, "usage: chartroom %s\n", usage);
	return 2;
}

int cli_wants_help(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	return 0;
}

/* Find "--name VALUE" among argv; sets *err on a missing value. */
const char *cli_opt(int argc, char **argv, const char *name, int *err)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], name) == 0) {
			if (i + 1 >= argc) {
				*err = 1;
				return NULL;
			}
			return argv[i + 1];
		}
	return NULL;
}

/* Positional arguments: those that are neither options nor their values.
 * `valued` lists the options that take a value. */
static int positionals(int argc, char **argv, const char *const *valued, char **out, int max)
{
	int n = 0;
	for (int i = 0; i < argc; i++) {
		int takes = 0;
		if (argv[i][0] == '-' && argv[i][1]) {
			for (int k = 0; valued && valued[k]; k++)
				if (strcmp(argv[i], valued[k]) == 0)
					takes = 1;
			if (takes)
				i++;
			else
				return -1 - i; /* unknown option at i */
			continue;
		}
		if (n < max)
			out[n] = argv[i];
		n++;
	}
	return n;
}

/* Strip control characters before text from the database reaches a
 * terminal (ARCHITECTURE.md "Terminal UI"). Tabs become spaces so the
 * tab-separated output stays parseable. */
void cli_print_clean(const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '\t' || ch == '\n' || ch == '\r')
			putchar(' ');
		else if (ch >= 0x20 && ch != 0x7f)
			putchar(ch);
	}
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
		fprintf(f, "%s", prompt);
		fflush(f);
		if (tcgetattr(tty, &old) == 0) {
			quiet = old;
			quiet.c_lflag &= (tcflag_t)~ECHO;
			quiet.c_lflag |= ECHONL;
			restore = tcsetattr(tty, TCSAFLUSH, &quiet) == 0;
		}
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

/* Open the database and sign on as the acting user. */
status_t cli_sign_on(cli_t *c, clinic_t **clinic, session_t **s, msg_t *m)
{
	status_t ret;
	char *pw = NULL, prompt[128];
	login_info_t info;
	const char *user = acting_user(c);

	*clinic = NULL;
	*s = NULL;
	if ((ret = clinic_open(c->g->db_path, c->cfg, clinic, m)) != STATUS_OK)
		return ret;
	if (!(pw = crypto_secure_text(PW_MAX))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	snprintf(prompt, sizeof prompt, "Password for %s: ", user);
	if ((ret = read_secret(c, prompt, pw, PW_MAX, m)) != STATUS_OK)
		goto cleanup;
	ret = session_login(*clinic, user, pw, s, &info, m);
cleanup:
	crypto_secure_text_free(pw);
	if (ret != STATUS_OK) {
		clinic_close(*clinic);
		*clinic = NULL;
	}
	return ret;
}

void cli_sign_off(clinic_t *clinic, session_t *s)
{
	session_logout(s);
	clinic_close(clinic);
}

/* ---- init, recover, roles --------------------------------------------- */

static int cmd_init(cli_t *c)
{
	static const char usage[] =
		"init --db PATH --admin NAME [--clinic \"CLINIC NAME\"] [--password-stdin]";
	static const char *const valued[] = {"--admin", "--clinic", NULL};
	char *pos[1];
	int err = 0;
	const char *admin = cli_opt(c->argc, c->argv, "--admin", &err);
	const char *name = cli_opt(c->argc, c->argv, "--clinic", &err);
	char *pw = NULL;
	char recovery[CRYPTO_RECOVERY_TEXT];
	msg_t m;
	status_t st;

	if (cli_wants_help(c->argc, c->argv)) {
		printf("usage: chartroom %s\n\nCreate a new database with its keys, its first "
		       "administrator and a recovery key.\nNever overwrites an existing file.\n",
		       usage);
		return 0;
	}
	if (err || !admin || positionals(c->argc - 1, c->argv + 1, valued, pos, 1) != 0)
		return cli_usage_error(usage, err ? "an option needs a value" : NULL);
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
	fprintf(stderr, "%s\n", m.text);
	printf("\nRECOVERY KEY (shown once; print it and keep it in the clinic's safe):\n\n"
	       "    %s\n\n"
	       "It unlocks every key in this database for emergency access\n"
	       "('chartroom recover'). Anyone holding it can read all records.\n",
	       recovery);
	memset(recovery, 0, sizeof recovery);
	return 0;
}

static int cmd_recover(cli_t *c)
{
	static const char usage[] = "recover --db PATH --admin NAME [--password-stdin]";
	static const char *const valued[] = {"--admin", NULL};
	char *pos[1];
	int err = 0;
	const char *admin = cli_opt(c->argc, c->argv, "--admin", &err);
	char *rk = NULL, *pw = NULL;
	clinic_t *clinic = NULL;
	msg_t m;
	status_t st;

	if (cli_wants_help(c->argc, c->argv)) {
		printf("usage: chartroom %s\n\nEmergency access: with the recovery key printed at "
		       "init, set a new password\nfor an administrator (created if missing). "
		       "Standard input: the recovery key,\nthen the new password.\n",
		       usage);
		return 0;
	}
	if (err || !admin || positionals(c->argc - 1, c->argv + 1, valued, pos, 1) != 0)
		return cli_usage_error(usage, NULL);
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
	fprintf(stderr, "%s\n", m.text);
	return 0;
}

static int cmd_roles(cli_t *c)
{
	if (cli_wants_help(c->argc, c->argv)) {
		printf("usage: chartroom roles\n\nPrint the permission matrix in force (defaults "
		       "changed by [roles] in the configuration).\n");
		return 0;
	}
	printf("%-20s", "action");
	for (int r = 0; r < ROLE_COUNT; r++)
		printf(" %-9s", perm_role_name((role_t)r));
	printf(" description\n");
	for (int a = 0; a < ACT_COUNT; a++) {
		printf("%-20s", perm_action_name((action_t)a));
		for (int r = 0; r < ROLE_COUNT; r++)
			printf(" %-9s", perm_allowed(&c->cfg->perms, (role_t)r, (action_t)a) ? "yes" : "-");
		printf(" %s\n", perm_action_desc((action_t)a));
	}
	return 0;
}

static int cmd_config(cli_t *c)
{
	if (cli_wants_help(c->argc, c->argv) || c->argc < 2 || strcmp(c->argv[1], "check") != 0) {
		printf("usage: chartroom config check [--config FILE]\n\nRead the configuration "
		       "and report the first problem, or where it came from.\n");
		return cli_wants_help(c->argc, c->argv) ? 0 : 2;
	}
	/* main() already loaded and validated it. */
	printf("configuration OK: %s\n", c->cfg->source);
	return 0;
}

/* ---- user ------------------------------------------------------------- */

static int print_user(const user_info_t *u, void *arg)
{
	(void)arg;
	printf("%s\t%s\t%s\t%s\t%d\t", u->name, u->role,
	       u->disabled ? "disabled" : u->locked ? "locked" : "active",
	       u->last_login[0] ? u->last_login : "never", u->failed_count);
	for (int d = 0, first = 1; d < DOMAIN_COUNT; d++)
		if (u->domains & DOMAIN_BIT(d)) {
			printf("%s%s", first ? "" : ",", crypto_domain_name((domain_t)d));
			first = 0;
		}
	printf("\n");
	return 0;
}

static int cmd_user(cli_t *c)
{
	static const char usage[] =
		"[--user ACTOR] user add NAME --role ROLE | list | disable NAME | enable NAME |\n"
		"       unlock NAME | passwd NAME | role NAME ROLE";
	static const char *const valued[] = {"--role", NULL};
	char *pos[4];
	int err = 0, n;
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	const char *role = cli_opt(c->argc, c->argv, "--role", &err);
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	char *pw = NULL;
	msg_t m;
	status_t st;

	if (cli_wants_help(c->argc, c->argv)) {
		printf("usage: chartroom %s\n\n"
		       "Manage staff accounts (administrators; anyone may change their own "
		       "password).\n"
		       "  add NAME --role ROLE   new user; asks for their first password\n"
		       "  list                   name, role, status, last sign-on, failures, keys\n"
		       "  disable NAME           sign-on refused and the user's keys removed\n"
		       "  enable NAME            re-enable with a new password\n"
		       "  unlock NAME            clear a lockout after failed sign-ons\n"
		       "  passwd NAME            set a new password\n"
		       "  role NAME ROLE         change role; keys follow the role\n"
		       "Roles: frontdesk nurse provider him privacy admin\n",
		       usage);
		return 0;
	}
	n = positionals(c->argc - 1, c->argv + 1, valued, pos, 4);
	if (err || n < 1)
		return cli_usage_error(usage, n < -0 ? "unknown option" : NULL);
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
		printf("name\trole\tstatus\tlast_login\tfailures\tkeys\n");
		st = users_list(s, print_user, NULL, &m);
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
		fprintf(stderr, "%s\n", m.text);
	return 0;
}

/* ---- audit ------------------------------------------------------------ */

static int print_entry(const audit_entry_t *e, void *arg)
{
	(void)arg;
	printf("%" PRId64 "\t", e->seq);
	cli_print_clean(e->ts);
	putchar('\t');
	cli_print_clean(e->user_name);
	putchar('\t');
	cli_print_clean(e->source);
	putchar('\t');
	cli_print_clean(e->action);
	putchar('\t');
	cli_print_clean(e->target);
	putchar('\t');
	cli_print_clean(e->outcome);
	putchar('\t');
	cli_print_clean(e->detail);
	putchar('\n');
	return 0;
}

static int valid_date(const char *s)
{
	int y, mo, d;
	char tail;
	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &mo, &d, &tail) != 3)
		return 0;
	return y >= 1900 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31;
}

static int cmd_audit(cli_t *c)
{
	static const char usage[] =
		"[--user ACTOR] audit verify [--anchor SEQ:MAC] | anchor |\n"
		"       list [--user NAME] [--since YYYY-MM-DD] [--limit N]";
	static const char *const valued[] = {"--anchor", "--by", "--user", "--since", "--limit", NULL};
	char *pos[2];
	int err = 0, n;
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	const char *anchor = cli_opt(c->argc, c->argv, "--anchor", &err);
	const char *by = cli_opt(c->argc, c->argv, "--by", &err);
	const char *user_filter = cli_opt(c->argc, c->argv, "--user", &err);
	const char *since = cli_opt(c->argc, c->argv, "--since", &err);
	const char *limit = cli_opt(c->argc, c->argv, "--limit", &err);
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	msg_t m;
	status_t st;
	int64_t count = 0, bad = 0;
	char buf[128];

	if (cli_wants_help(c->argc, c->argv)) {
		printf("usage: chartroom %s\n\n"
		       "  verify   recompute the chain: 'audit chain OK: N entries', or exit 5\n"
		       "           naming the first bad sequence. --anchor checks a saved anchor\n"
		       "           is still in the chain (detects truncation, old copies).\n"
		       "  anchor   print the latest SEQ:MAC to keep outside the database\n"
		       "  list     entries, tab-separated: seq time user source action target\n"
		       "           outcome detail. --user NAME (or --by NAME): only that user's\n"
		       "           entries; --since YYYY-MM-DD; --limit N.\n"
		       "The acting user is --user before the command: chartroom --user ME audit ...\n",
		       usage);
		return 0;
	}
	n = positionals(c->argc - 1, c->argv + 1, valued, pos, 2);
	if (err || n != 1 ||
	    (strcmp(verb, "verify") != 0 && strcmp(verb, "anchor") != 0 && strcmp(verb, "list") != 0))
		return cli_usage_error(usage, err ? "an option needs a value" : NULL);
	if (!by)
		by = user_filter; /* "audit list --user NAME", as documented */
	if (since && !valid_date(since))
		return cli_usage_error(usage, "--since takes a date as YYYY-MM-DD");
	if (limit && (atoll(limit) <= 0 || strspn(limit, "0123456789") != strlen(limit)))
		return cli_usage_error(usage, "--limit takes a positive number");
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	if (strcmp(verb, "verify") == 0) {
		st = audit_verify(s, anchor, &count, &bad, &m);
		if (st == STATUS_OK)
			printf("%s\n", m.text);
	} else if (strcmp(verb, "anchor") == 0) {
		st = audit_anchor(s, buf, sizeof buf, &m);
		if (st == STATUS_OK)
			printf("%s\n", buf);
	} else {
		audit_query_t q = {by, since, NULL, limit ? atoll(limit) : 0, 0};
		printf("seq\ttime\tuser\tsource\taction\ttarget\toutcome\tdetail\n");
		st = audit_list(s, &q, print_entry, NULL, &m);
	}
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	return 0;
}


/* ---- patients --------------------------------------------------------- */

/* "--last-name" and "--last_name" both name PF_LAST. */
static pfield_t option_field(const char *opt)
{
	char name[64];
	size_t i;
	if (strncmp(opt, "--", 2) != 0 || strlen(opt) >= sizeof name + 2)
		return PF_COUNT;
	for (i = 0; opt[i + 2]; i++)
		name[i] = opt[i + 2] == '-' ? '_' : opt[i + 2];
	name[i] = '\0';
	return patient_field_from_name(name);
}

static void print_masked_ssn(const char *ssn)
{
	size_t n = strlen(ssn);
	printf("%s", n >= 4 ? "***-**-" : "");
	cli_print_clean(n >= 4 ? ssn + n - 4 : ssn);
}

static void print_patient(const config_t *cfg, const patient_t *p)
{
	char date[32];
	printf("%-20s %s\n", "id:", p->id);
	for (int f = 0; f < PF_COUNT; f++) {
		char label[64];
		if (!*p->f[f])
			continue;
		snprintf(label, sizeof label, "%s:", patient_field_label((pfield_t)f));
		printf("%-20s ", label);
		if (f == PF_SSN)
			print_masked_ssn(p->f[f]);
		else if (f == PF_DOB || f == PF_DEATH) {
			patient_date_display(cfg, p->f[f], date, sizeof date);
			printf("%s", date);
			if (f == PF_DOB && !*p->f[PF_DEATH])
				printf(" (age %d)", patient_age(p->f[f], NULL));
		} else
			cli_print_clean(p->f[f]);
		putchar('\n');
	}
	printf("%-20s %s\n", "Confidential:", p->confidential ? "yes" : "no");
	printf("%-20s %d (saved %s by ", "Version:", p->version, p->updated);
	cli_print_clean(p->updated_by);
	printf(")\n");
}

static int cmd_patient(cli_t *c)
{
	static const char usage[] =
		"[--user ACTOR] patient add --last-name L --first-name F --dob DATE --sex F|M|X|U\n"
		"       [--FIELD VALUE ...] [--confidential] [--register-anyway]\n"
		"       patient find QUERY | patient show MRN [--reason \"WHY\"] |\n"
		"       patient edit MRN [--FIELD VALUE ...] [--confidential yes|no] [--version N]";
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	patient_t *p = NULL;
	patient_list_t *list = NULL;
	msg_t m;
	status_t st;
	pfield_t bad = PF_COUNT;
	int anyway = 0, confidential = -1, version = 0;
	const char *key = NULL, *reason = NULL;

	if (cli_wants_help(c->argc, c->argv)) {
		printf("usage: chartroom %s\n\n"
		       "  add    register a patient; prints the new MRN. Fields:\n", usage);
		for (int f = 1; f < PF_COUNT; f++)
			printf("           --%s%s\n", patient_field_name((pfield_t)f),
			       patient_field_required((pfield_t)f) ? "  (required)" : "");
		printf("         Dates as YYYY-MM-DD or MM/DD/YYYY. A likely duplicate stops the\n"
		       "         registration (exit 1) unless --register-anyway (audited).\n"
		       "  find   the lookup box's search: a name prefix, \"last, first\", an MRN,\n"
		       "         a date of birth, a phone number or its last 4 digits;\n"
		       "         tab-separated: mrn last first middle dob age sex confidential\n"
		       "         last-visit\n"
		       "  show   one chart's demographics (audited; --reason for a confidential\n"
		       "         chart opened by a role without view_confidential)\n"
		       "  edit   change fields; --version N refuses the save if the record is no\n"
		       "         longer at version N (someone else saved it)\n");
		return 0;
	}
	if (strcmp(verb, "add") != 0 && strcmp(verb, "find") != 0 && strcmp(verb, "show") != 0 &&
	    strcmp(verb, "edit") != 0)
		return cli_usage_error(usage, NULL);
	if (!(p = calloc(1, sizeof *p)))
		return cli_fail(STATUS_NOMEM, "out of memory");
	/* Parse before signing on, so a typo costs no password prompt. */
	for (int i = 2; i < c->argc; i++) {
		const char *a = c->argv[i];
		pfield_t f;
		if (strcmp(a, "--register-anyway") == 0) {
			anyway = 1;
		} else if (strcmp(a, "--confidential") == 0) {
			if (strcmp(verb, "edit") == 0) {
				if (i + 1 >= c->argc || (strcmp(c->argv[i + 1], "yes") != 0 &&
							 strcmp(c->argv[i + 1], "no") != 0)) {
					free(p);
					return cli_usage_error(usage, "--confidential takes yes or no");
				}
				confidential = strcmp(c->argv[++i], "yes") == 0;
			} else {
				confidential = 1;
			}
		} else if (strcmp(a, "--reason") == 0 && i + 1 < c->argc) {
			reason = c->argv[++i];
		} else if (strcmp(a, "--version") == 0 && i + 1 < c->argc) {
			version = atoi(c->argv[++i]);
		} else if ((f = option_field(a)) != PF_COUNT && f != PF_MRN && i + 1 < c->argc) {
			text_copy(p->f[f], sizeof p->f[f], c->argv[++i]);
		} else if (a[0] == '-' && a[1] == '-') {
			char why[128];
			snprintf(why, sizeof why, "unknown option or missing value: %.60s", a);
			free(p);
			return cli_usage_error(usage, why);
		} else if (!key) {
			key = a;
		} else {
			free(p);
			return cli_usage_error(usage, "too many arguments");
		}
	}
	if ((strcmp(verb, "add") == 0) != (key == NULL)) {
		free(p);
		return cli_usage_error(usage, key ? "add takes options only" : "missing QUERY or MRN");
	}
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK) {
		free(p);
		return cli_fail(st, m.text);
	}
	if (strcmp(verb, "add") == 0) {
		p->confidential = confidential == 1;
		st = patient_register(s, p, anyway, &bad, &m);
		if (st == STATUS_CONFLICT) {
			patient_match_t dups[PATIENT_MATCH_MAX];
			int n = 0;
			msg_t ignore;
			fprintf(stderr, "chartroom: %s\n", m.text);
			if (patient_find_duplicates(s, p, dups, PATIENT_MATCH_MAX, &n, &ignore) ==
			    STATUS_OK)
				for (int i = 0; i < n; i++) {
					fprintf(stderr, "  %-12s score %2d  %s  %s  %s  (%s)\n",
						dups[i].mrn, dups[i].score, dups[i].name, dups[i].dob,
						dups[i].sex, dups[i].why);
				}
			fprintf(stderr, "Use --register-anyway if this is a different person.\n");
			msg_clear(&m);
		} else if (st == STATUS_OK) {
			printf("%s\n", p->f[PF_MRN]);
		}
	} else if (strcmp(verb, "find") == 0) {
		st = patient_search(s, key, 200, &list, &m);
		if (st == STATUS_OK) {
			for (int i = 0; i < patient_list_count(list); i++) {
				const patient_row_t *r = patient_list_row(list, i);
				cli_print_clean(r->mrn);
				putchar('\t');
				cli_print_clean(r->last);
				putchar('\t');
				cli_print_clean(r->first);
				putchar('\t');
				cli_print_clean(r->middle);
				printf("\t%s\t%d\t%s\t%s\t%s\n", r->dob, r->age, r->sex,
				       r->confidential ? "confidential" : "", r->last_visit);
			}
			fprintf(stderr, "%s\n", m.text);
			msg_clear(&m);
		}
	} else {
		patient_t *edit = NULL;
		st = patient_open(s, key, reason, p, &m);
		if (st == STATUS_OK && strcmp(verb, "show") == 0) {
			print_patient(c->cfg, p);
		} else if (st == STATUS_OK) {
			/* edit: apply the given options over the opened record */
			if (!(edit = calloc(1, sizeof *edit))) {
				st = msg_fail(&m, STATUS_NOMEM, "out of memory");
			} else {
				*edit = *p;
				if (version)
					edit->version = version;
				if (confidential >= 0)
					edit->confidential = confidential;
				for (int i = 2; i < c->argc; i++) {
					pfield_t f = option_field(c->argv[i]);
					if (f != PF_COUNT && f != PF_MRN && i + 1 < c->argc)
						text_copy(edit->f[f], sizeof edit->f[f], c->argv[++i]);
				}
				st = patient_update(s, edit, &bad, &m);
				if (st == STATUS_OK)
					printf("%s version %d\n", edit->f[PF_MRN], edit->version);
				memset(edit, 0, sizeof *edit);
				free(edit);
			}
		}
	}
	patient_list_free(list);
	memset(p, 0, sizeof *p);
	free(p);
	cli_sign_off(clinic, s);
	if (st != STATUS_OK) {
		if (m.text[0])
			fprintf(stderr, "chartroom: %s\n", m.text);
		return status_exit_code(st);
	}
	if (m.text[0])
		fprintf(stderr, "%s\n", m.text);
	return 0;
}

static void report_bad_row(long line, const char *reason, void *arg)
{
	(void)arg;
	fprintf(stderr, "line %ld: %s\n", line, reason);
}

static int cmd_import(cli_t *c)
{
	static const char usage[] = "[--user ACTOR] import patients FILE.csv [--skip-bad]";
	static const char *const valued[] = {NULL};
	char *pos[3];
	int n, skip = 0;
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	import_report_t rep;
	msg_t m;
	status_t st;

	if (cli_wants_help(c->argc, c->argv)) {
		printf("usage: chartroom %s\n\n"
		       "Import patients from a CSV file with a header row: either Chartroom's\n"
		       "columns (the field names of 'patient add -h', plus confidential=yes|no)\n"
		       "or Synthea's patients.csv. Every row is checked first and each bad row is\n"
		       "reported with its line number; without --skip-bad nothing is imported when\n"
		       "any row is bad. MRNs are assigned by Chartroom.\n",
		       usage);
		return 0;
	}
	for (int i = 1; i < c->argc; i++)
		if (strcmp(c->argv[i], "--skip-bad") == 0) {
			skip = 1;
			memmove(&c->argv[i], &c->argv[i + 1], (size_t)(c->argc - i - 1) * sizeof *c->argv);
			c->argc--;
			i--;
		}
	n = positionals(c->argc - 1, c->argv + 1, valued, pos, 3);
	if (n != 2 || strcmp(pos[0], "patients") != 0)
		return cli_usage_error(usage, NULL);
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	st = import_patients(s, pos[1], skip, &rep, report_bad_row, NULL, &m);
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	printf("%ld\n", rep.imported);
	fprintf(stderr, "%s\n", m.text);
	return 0;
}

static int cmd_demo(cli_t *c)
{
	static const char usage[] = "[--user ACTOR] demo --patients N [--seed S]";
	int err = 0;
	const char *np = cli_opt(c->argc, c->argv, "--patients", &err);
	const char *sp = cli_opt(c->argc, c->argv, "--seed", &err);
	char *end = NULL;
	long long n;
	unsigned long long seed = 1;
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	int64_t made = 0;
	msg_t m;
	status_t st;

	if (cli_wants_help(c->argc, c->argv)) {
		printf("usage: chartroom %s\n\nAdd N synthetic patients (the same people for the "
		       "same seed) for demos and\nbenchmarks. Needs the patient_import "
		       "permission (the him role).\n",
		       usage);
		return 0;
	}
	if (err || !np)
		return cli_usage_error(usage, NULL);
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
	fprintf(stderr, "%s\n", m.text);
	return 0;
}

/* ---- dispatch --------------------------------------------------------- */

static int cmd_help(cli_t *c);

static const struct command {
	const char *name;
	int (*run)(cli_t *c);
	const char *summary;
} commands[] = {
	{"init", cmd_init, "create a new database, its keys and first administrator"},
	{"user", cmd_user, "add, list, disable, enable, unlock users; passwords; roles"},
	{"audit", cmd_audit, "verify, anchor and list the audit chain"},
	{"patient", cmd_patient, "register, find, show and edit patients"},
	{"import", cmd_import, "import patients from a CSV file (own format or Synthea)"},
	{"demo", cmd_demo, "add synthetic patients for demos and benchmarks"},
	{"encounter", cli_cmd_encounter, "check patients in, close and list encounters"},
	{"vitals", cli_cmd_vitals, "record vitals on an encounter"},
	{"allergy", cli_cmd_allergy, "record allergies or no known allergies"},
	{"med", cli_cmd_med, "record medications"},
	{"problem", cli_cmd_problem, "maintain the problem list"},
	{"note", cli_cmd_note, "write, sign and amend notes"},
	{"chart", cli_cmd_chart, "a plain-text chart summary"},
	{"codes", cli_cmd_codes, "import, list and search code sets"},
	{"coding", cli_cmd_coding, "code encounters; the coding queue"},
	{"roles", cmd_roles, "print the permission matrix in force"},
	{"recover", cmd_recover, "emergency access with the recovery key"},
	{"config", cmd_config, "check the configuration file"},
	{"help", cmd_help, "a command's usage: help COMMAND"},
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
		size_t dist = n >= 2 && strncmp(commands[i].name, name, n) == 0
				      ? 1
				      : distance(name, commands[i].name);
		if (dist < best) {
			best = dist;
			near = commands[i].name;
		}
	}
	fprintf(stderr, "chartroom: unknown command '");
	for (const char *p = name; *p && p - name < 40; p++)
		fputc((unsigned char)*p >= 0x20 && *p != 0x7f ? *p : '?', stderr);
	if (near)
		fprintf(stderr, "'; did you mean '%s'? ('chartroom help %s')\n", near, near);
	else
		fprintf(stderr, "'; 'chartroom --help' lists the commands\n");
	return 2;
}

/* help [COMMAND]: the list, or that command's own -h. */
static int cmd_help(cli_t *c)
{
	char *argv[3], hopt[] = "-h";
	if (c->argc < 2 || strcmp(c->argv[1], "-h") == 0 || strcmp(c->argv[1], "--help") == 0) {
		cli_usage(stdout);
		return 0;
	}
	if (c->argc > 2)
		return cli_usage_error("help [COMMAND]", "help takes one command");
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(c->argv[1], commands[i].name) == 0 && commands[i].run != cmd_help) {
			cli_t h = *c;
			argv[0] = c->argv[1];
			argv[1] = hopt;
			argv[2] = NULL;
			h.argc = 2;
			h.argv = argv;
			return commands[i].run(&h);
		}
	return unknown_command(c->argv[1]);
}

void cli_usage(FILE *f)
{
	fprintf(f, "usage: chartroom [--db PATH] [--config FILE]              full-screen app\n"
		   "       chartroom [--db PATH] [--user NAME] [--password-stdin] COMMAND ...\n\n"
		   "Commands (COMMAND -h for more):\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nExit codes: 0 ok, 1 error, 2 usage, 3 authentication failed,\n"
		   "4 permission denied, 5 integrity failure.\n");
}

int cli_run(const cli_globals_t *g, config_t *cfg, int argc, char **argv)
{
	cli_t c = {g, cfg, argc, argv, g->password_stdin ? stdin : NULL};
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			return commands[i].run(&c);
	return unknown_command(argv[0]);
}
