/* cli_policy.c - the command line for who may do what: `roles` (the
 * matrix in force and where each role's rules came from, and an
 * administrator's changes to it), `policy` (the policy settings, their
 * sources and changes; a repair with the recovery key), `keys` (keys
 * waiting to be granted) and `config check`. */
#include "ui/cli_internal.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/tz.h"
#include "core/keys.h"
#include "core/policy.h"
#include "core/users.h"
#include "ui/keymap.h"

#define RK_MAX 256

/* "default", "system file PATH", "database (set by NAME at TIME)". */
static void origin_text(const config_t *cfg, const config_origin_t *o, char *buf, size_t size)
{
	switch (o->from) {
	case CONFIG_FROM_SYSTEM:
		snprintf(buf, size, "system file %s", cfg->system_file);
		break;
	case CONFIG_FROM_USER:
		snprintf(buf, size, "your file %s", cfg->user_file);
		break;
	case CONFIG_FROM_DB: {
		char when[TZ_TEXT_MAX];
		snprintf(buf, size, "database (set by %s at %s)", o->by,
		         cli_time(cfg, o->at, CLI_TIME_TEXT, "?", when, sizeof when));
		break;
	}
	default:
		snprintf(buf, size, "default");
		break;
	}
}

static void print_matrix(const config_t *cfg)
{
	char from[PATH_MAX + 64];
	printf("%-20s", "action");
	for (int r = 0; r < ROLE_COUNT; r++)
		printf(" %-9s", perm_role_name((role_t)r));
	printf(" description\n");
	for (int a = 0; a < ACT_COUNT; a++) {
		printf("%-20s", perm_action_name((action_t)a));
		for (int r = 0; r < ROLE_COUNT; r++)
			printf(" %-9s", perm_allowed(&cfg->perms, (role_t)r, (action_t)a) ? "yes" : "-");
		printf(" %s\n", perm_action_desc((action_t)a));
	}
	printf("\nwhere each role's actions come from:\n");
	for (int r = 0; r < ROLE_COUNT; r++) {
		origin_text(cfg, &cfg->role_origin[r], from, sizeof from);
		cli_printf("%-10s %s\n", perm_role_name((role_t)r), from);
	}
}

/* The words from argv[from] on, one space between them. */
static int join_args(int argc, char **argv, int from, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = from; i < argc; i++) {
		int n = snprintf(buf + used, size - used, "%s%s", used ? " " : "", argv[i]);
		if (n < 0 || (size_t)n >= size - used)
			return -1;
		used += (size_t)n;
	}
	return (int)used;
}

/* Each word of list with a sign in front ("+a +b" for grant). */
static int signed_list(int argc, char **argv, int from, char sign, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = from; i < argc; i++) {
		const char *w = argv[i];
		int n;
		if (*w == '+' || *w == '-')
			return -1;
		n = snprintf(buf + used, size - used, "%s%c%s", used ? " " : "", sign, w);
		if (n < 0 || (size_t)n >= size - used)
			return -1;
		used += (size_t)n;
	}
	return (int)used;
}

static const char roles_usage[] =
    "[--user ACTOR] roles | roles set ROLE [--] LIST | roles grant ROLE ACTION... |\n"
    "       roles revoke ROLE ACTION... | roles reset ROLE";

static int cmd_roles(cli_t *c)
{
	static const char *const usage = roles_usage;
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	char list[1024];
	msg_t m;
	status_t st;

	if (c->help) {
		printf(
		    "usage: chartroom %s\n\n"
		    "Print the permission matrix in force and where each role's actions come\n"
		    "from: the defaults, the system file (%s) or the\n"
		    "database's policy (who changed it, and when). With a database, this\n"
		    "signs on to check the database's policy; without one it shows the\n"
		    "defaults and the system file. A configuration file of your own never\n"
		    "changes the matrix.\n\n"
		    "Administrators (policy_manage) change it in the database, audited:\n"
		    "  set ROLE LIST          LIST: action names (replaces), +name / -name\n"
		    "                         (relative to now), or none; a LIST whose first\n"
		    "                         word starts with '-' goes after --:\n"
		    "                         roles set nurse -- -patient_import "
		    "+encounter_checkin\n"
		    "  grant ROLE ACTION...   add actions to a role\n"
		    "  revoke ROLE ACTION...  take actions from a role\n"
		    "  reset ROLE             remove the database's setting for the role\n"
		    "The keys a role's users hold follow: a key a role now needs is granted at\n"
		    "the next sign-on of a user who holds it; one it no longer needs is removed\n"
		    "at its users' next sign-on.\n",
		    usage, config_system_path());
		return 0;
	}
	if (c->argc == 1) {
		if (access(c->g->db_path ? c->g->db_path : "", F_OK) != 0) {
			print_matrix(c->cfg);
			fprintf(stderr, "(no database at %s: the database's policy is not shown)\n",
				c->g->db_path ? c->g->db_path : "?");
			return 0;
		}
		if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
			return cli_fail(st, m.text);
		print_matrix(clinic_config(clinic));
		cli_sign_off(clinic, s);
		return 0;
	}
	if (strcmp(verb, "reset") == 0 && c->argc == 3) {
		list[0] = '\0';
	} else if (strcmp(verb, "set") == 0 && c->argc >= 4) {
		if (join_args(c->argc, c->argv, 3, list, sizeof list) < 0)
			return cli_usage_error(usage, "the list is too long");
	} else if ((strcmp(verb, "grant") == 0 || strcmp(verb, "revoke") == 0) && c->argc >= 4) {
		if (signed_list(c->argc, c->argv, 3, verb[0] == 'g' ? '+' : '-', list, sizeof list) <
		    0)
			return cli_usage_error(usage, "name the actions without + or -");
	} else {
		return cli_usage_error(usage, NULL);
	}
	if (perm_role_from_name(c->argv[2]) == ROLE_COUNT)
		return cli_usage_error(usage, "roles: frontdesk nurse provider him privacy admin");
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	st = policy_role_set(s, c->argv[2], strcmp(verb, "reset") == 0 ? NULL : list, &m);
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	fprintf(stderr, "%s\n", m.text);
	return 0;
}

/* Read the recovery key: from standard input with --password-stdin, else
 * from the terminal without echo (the same way as a password). */
static status_t read_recovery(cli_t *c, char *buf, size_t size, msg_t *m)
{
	FILE *f = c->in;
	size_t n;
	if (!f)
		return msg_fail(m, STATUS_USAGE, "Give the recovery key on standard input with "
						 "--password-stdin.");
	if (!fgets(buf, (int)size, f))
		return msg_fail(m, STATUS_AUTH, "Standard input ended before the recovery key.");
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return STATUS_OK;
}

static const char policy_usage[] =
    "[--user ACTOR] policy show | policy set KEY VALUE | policy unset KEY |\n"
    "       policy reset --admin NAME --password-stdin   (recovery key on stdin)";

static int cmd_policy(cli_t *c)
{
	static const char *const usage = policy_usage;
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	msg_t m;
	status_t st;

	if (c->help) {
		printf("usage: chartroom %s\n\n"
		       "The clinic's policy settings ([security], [mrn], [matching], [clinical],\n"
		       "[codes]): from the defaults, the system file (%s),\n"
		       "or the database (an administrator's choice here wins). A configuration\n"
		       "file of your own never sets them.\n"
		       "  show             every policy setting, its value and where it came from\n"
		       "  set KEY VALUE    (policy_manage) e.g. security.idle_lock_seconds 300;\n"
		       "                   checked like the file (ranges, security floors), audited\n"
		       "  unset KEY        remove the database's setting (the file's or the\n"
		       "                   default applies)\n"
		       "  reset            if the database's policy fails its integrity check,\n"
		       "                   nobody can sign on: remove every database setting with\n"
		       "                   the recovery key (audited as the administrator NAME)\n",
		       usage, config_system_path());
		return 0;
	}
	if (strcmp(verb, "reset") == 0) {
		const char *admin = cli_val(c, "admin");
		char *rk = NULL;
		if (!admin || c->argc != 2)
			return cli_usage_error(usage, admin ? "too many arguments"
			                                    : "--admin NAME is required");
		if (!(rk = crypto_secure_text(RK_MAX)))
			return cli_fail(STATUS_NOMEM, "out of memory");
		if ((st = clinic_open(c->g->db_path, c->cfg, &clinic, &m)) == STATUS_OK &&
		    (st = read_recovery(c, rk, RK_MAX, &m)) == STATUS_OK)
			st = policy_reset_recovery(clinic, rk, admin, &m);
		crypto_secure_text_free(rk);
		clinic_close(clinic);
		if (st != STATUS_OK)
			return cli_fail(st, m.text);
		fprintf(stderr, "%s\n", m.text);
		return 0;
	}
	if (!((strcmp(verb, "show") == 0 && c->argc == 2) ||
	      (strcmp(verb, "set") == 0 && c->argc == 4) ||
	      (strcmp(verb, "unset") == 0 && c->argc == 3)))
		return cli_usage_error(usage, NULL);
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	if (strcmp(verb, "show") == 0) {
		const config_t *cfg = clinic_config(clinic);
		printf("setting\tvalue\tfrom\n");
		for (int i = 0; i < config_setting_count(); i++) {
			char key[64], value[600], from[PATH_MAX + 64];
			if (!config_setting_is_policy(i))
				continue;
			snprintf(key, sizeof key, "%s", config_setting_key(i));
			key[strcspn(key, ":")] = '.';
			config_setting_value(cfg, i, value, sizeof value);
			origin_text(cfg, &cfg->setting_origin[i], from, sizeof from);
			cli_tsv("%s\t%s\t%s\n", key, value, from);
		}
		msg_clear(&m);
	} else {
		st = policy_set(s, c->argv[2], strcmp(verb, "set") == 0 ? c->argv[3] : NULL, &m);
	}
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	if (m.text[0])
		fprintf(stderr, "%s\n", m.text);
	return 0;
}

static void domains_text(unsigned mask, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int d = 0; d < DOMAIN_COUNT; d++) {
		int n;
		if (!(mask & DOMAIN_BIT(d)))
			continue;
		n = snprintf(buf + used, size - used, "%s%s", used ? "," : "",
			     crypto_domain_name((domain_t)d));
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
}

/* The header with the first row (or after an empty list): a refusal
 * prints nothing on standard output. */
static void print_need_header(int *printed)
{
	if (!*printed)
		printf("user\trole\twaiting_for\n");
	*printed = 1;
}

static int print_need(const keys_need_t *n, void *arg)
{
	char keys[64];
	print_need_header(arg);
	domains_text(n->missing, keys, sizeof keys);
	cli_tsv("%s\t%s\t%s\n", n->user, n->role, keys);
	return 0;
}

static const char keys_usage[] = "[--user ACTOR] keys waiting | keys grant | keys status | "
                                 "keys rotate demo|clin|audit|index|recovery | keys reindex";

static int cmd_keys(cli_t *c)
{
	static const char *const usage = keys_usage;
	const char *verb = c->argc > 1 ? c->argv[1] : "";
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	msg_t m;
	status_t st;
	int granted = 0, printed = 0;

	if (strcmp(verb, "rotate") == 0)
		return cli_keys_rotate(c);
	if (strcmp(verb, "status") == 0)
		return cli_keys_status(c);
	if (strcmp(verb, "reindex") == 0)
		return cli_keys_reindex(c);
	if (c->help) {
		printf("usage: chartroom %s\n\n"
		       "A user can only hand on a key they hold: an administrator gives a new\n"
		       "account the keys the administrator holds (not the clinical key), and the\n"
		       "rest are granted at the next sign-on of a user who holds them (audited).\n"
		       "  waiting   (user_manage) accounts still waiting for keys: user, role, keys\n"
		       "  grant     grant the keys you hold to every account waiting for them now\n"
		       "  status    (key_manage) every key version and a rotation in progress\n"
		       "  rotate    (key_manage) a new version of a key, everything re-encrypted\n"
		       "            under it, the old one destroyed; 'keys rotate -h' says more\n"
		       "  reindex   (key_manage) re-make the search tokens of patients from before\n"
		       "            schema 010, and the report flags of those saved before the\n"
		       "            reports migration (sign-ons do it a few seconds at a time)\n",
		       usage);
		return 0;
	}
	if (c->argc != 2 || (strcmp(verb, "waiting") != 0 && strcmp(verb, "grant") != 0))
		return cli_usage_error(usage, NULL);
	if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	if (strcmp(verb, "waiting") == 0) {
		/* A refusal keeps its message (exit 4 says why). */
		if ((st = keys_needs(s, print_need, &printed, &m)) == STATUS_OK) {
			print_need_header(&printed);
			msg_clear(&m);
		}
	} else {
		st = keys_grant_now(s, &granted, &m);
	}
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	if (m.text[0])
		cli_say(m.text);
	return 0;
}

static const char config_usage[] = "config check [--config FILE]";

static int cmd_config(cli_t *c)
{
	const config_t *cfg = c->cfg;
	msg_t m;
	status_t st;
	if (c->help) {
		printf(
		    "usage: chartroom %s\n\nRead the configuration and report the first problem "
		    "(a bad value, a key\nbound to two actions), or where each part came from.\n",
		    config_usage);
		return 0;
	}
	if (c->argc != 2 || strcmp(c->argv[1], "check") != 0)
		return cli_usage_error(config_usage, NULL);
	/* main() already loaded it and checked each setting on its own. What
	 * else would stop the full-screen app at start: the key bindings
	 * taken together (one key bound to two actions). */
	if ((st = keymap_check(cfg, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	printf("configuration OK: %s\n", cfg->source);
	if (cfg->system_file[0])
		printf("system file (policy and preferences): %s\n", cfg->system_file);
	else
		printf("system file (policy and preferences): none (%s is absent)\n",
		       config_system_path());
	printf("your file (preferences: [ui], [database]): %s\n",
	       cfg->user_file[0] ? cfg->user_file : "none");
	for (const char *w = cfg->warnings; *w;) {
		size_t n = strcspn(w, "\n");
		printf("ignored: %.*s\n", (int)n, w);
		w += n + (w[n] == '\n');
	}
	printf("database policy: checked at each sign-on; 'chartroom policy show' and "
	       "'chartroom roles' list it\n");
	return 0;
}

/* ---- the commands' table entries (cli.c lists them) --------------------- */

static const cli_optspec_t policy_opts[] = {{"admin", 0, 1, "reset"}, {NULL, 0, 0, NULL}};
/* keys rotate's and keys reindex's options (cli_keys.c). */
static const cli_optspec_t keys_opts[] = {{"batch", 0, 1, "rotate reindex"},
                                          {"max-batches", 0, 1, "rotate reindex"},
                                          {"recovery", 0, 0, "rotate"},
                                          {NULL, 0, 0, NULL}};

const cli_command_t cli_roles_command = {
    "roles",     cmd_roles, "the permission matrix in force, its sources; changes",
    roles_usage, NULL,      NULL,
    0,           NULL};
const cli_command_t cli_policy_command = {"policy",
                                          cmd_policy,
                                          "policy settings, their sources; changes",
                                          policy_usage,
                                          policy_opts,
                                          NULL,
                                          0,
                                          NULL};
const cli_command_t cli_keys_command = {
    "keys",     cmd_keys,           "keys waiting to be granted, granting, rotation, status",
    keys_usage, keys_opts,          NULL,
    0,          cli_keys_verb_usage};
const cli_command_t cli_config_command = {
    "config", cmd_config, "check the configuration files", config_usage, NULL, NULL, 0, NULL};
