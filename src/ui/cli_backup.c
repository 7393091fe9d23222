/* cli_backup.c - the backup and restore commands (core/backup.h; README
 * "Backups"). The anchor of a backup goes to standard output, alone on its
 * line, for a script to keep; what happened goes to standard error. */
#include <stdio.h>
#include <string.h>

#include "core/backup.h"
#include "core/crypto.h"
#include "ui/cli_internal.h"

static int cmd_usage(const char *usage, const char *why)
{
	return cli_usage_error(usage, why);
}

static const char backup_usage[] = "[--user ACTOR] backup --out FILE [--force]\n"
                                   "       backup --verify FILE [--anchor SEQ:MAC]";
static const cli_optspec_t backup_opts[] = {{"out", 'o', 1, NULL},
                                            {"verify", 0, 1, NULL},
                                            {"anchor", 0, 1, NULL},
                                            {"force", 'f', 0, NULL},
                                            {NULL, 0, 0, NULL}};

static int cmd_backup(cli_t *c)
{
	static const char *const usage = backup_usage;
	const char *out = cli_val(c, "out"), *verify = cli_val(c, "verify");
	const char *anchor = cli_val(c, "anchor");
	int force = cli_val(c, "force") != NULL;
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	backup_report_t rep;
	msg_t m;
	status_t st;

	if (c->help) {
		printf("usage: chartroom %s\n\n"
		       "  -o, --out FILE     back up the database while others keep working\n"
		       "                     (SQLite's online backup: the database as it was at\n"
		       "                     one moment). The copy is checked (integrity, audit\n"
		       "                     chain) before it is kept as FILE, mode 0600; an\n"
		       "                     existing FILE is replaced only with -f, --force.\n"
		       "                     Prints the copy's anchor (SEQ:MAC): keep it with the\n"
		       "                     backup's record, away from the server. Needs the\n"
		       "                     backup permission (administrators); audited.\n"
		       "  --verify FILE      check a backup: integrity, audit chain, and with\n"
		       "                     --anchor that it holds that anchor. Signs on to the\n"
		       "                     backup itself (its own users; audit_verify needed),\n"
		       "                     changes nothing in it, and prints its anchor. Exit 5\n"
		       "                     if it fails.\n"
		       "Short options combine: backup -fo FILE.\n"
		       "Restore with 'chartroom restore FILE --db PATH'.\n",
		       usage);
		return 0;
	}
	if (c->argc > 1)
		return cmd_usage(usage, "unexpected argument");
	if (!out == !verify)
		return cmd_usage(usage, "give --out FILE (take a backup) or --verify FILE (check one)");
	if (out && anchor)
		return cmd_usage(usage, "--anchor goes with --verify (or with restore)");
	if (verify && force)
		return cmd_usage(usage, "--force goes with --out");

	if (out) {
		if ((st = cli_sign_on(c, &clinic, &s, &m)) != STATUS_OK)
			return cli_fail(st, m.text);
		st = backup_take(s, out, force, &rep, &m);
	} else {
		if ((st = cli_sign_on_copy(c, verify, &clinic, &s, &m)) != STATUS_OK)
			return cli_fail(st, m.text);
		st = backup_check(s, anchor, &rep, &m);
	}
	cli_sign_off(clinic, s);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	printf("%s\n", rep.anchor);
	fprintf(stderr, "%s\n", m.text);
	return 0;
}

static const char restore_usage[] =
    "[--user ACTOR] restore FILE --db PATH [--anchor SEQ:MAC] [--force]";
static const cli_optspec_t restore_opts[] = {
    {"anchor", 0, 1, NULL}, {"force", 'f', 0, NULL}, {NULL, 0, 0, NULL}};

static int cmd_restore(cli_t *c)
{
	static const char *const usage = restore_usage;
	const char *file = c->argc > 1 ? c->argv[1] : NULL, *anchor = cli_val(c, "anchor");
	const char *user = cli_acting_user(c);
	int force = cli_val(c, "force") != NULL;
	char *pw = NULL;
	backup_report_t rep;
	msg_t m;
	status_t st;

	if (c->help) {
		printf(
		    "usage: chartroom %s\n\n"
		    "Restore a backup as the database at PATH (--db, or [database] path). The\n"
		    "backup is checked first (integrity, audit chain); with --anchor (an anchor\n"
		    "kept from 'audit anchor' or an earlier backup) a backup that does not hold\n"
		    "it, an older copy, is refused unless -f, --force. A database at PATH is\n"
		    "replaced only with --force, never while someone uses it, and is kept as\n"
		    "PATH.replaced-TIME. You sign on with your password as it was in the backup\n"
		    "(the backup permission); the restore is recorded in the restored database's\n"
		    "audit trail, whose new anchor is printed.\n",
		    usage);
		return 0;
	}
	if (c->argc > 2)
		return cmd_usage(usage, "one backup file only");
	if (!file)
		return cmd_usage(usage, "name the backup file to restore");
	if (!c->g->db_path || !*c->g->db_path)
		return cmd_usage(usage, "--db PATH is required");
	if ((st = cli_password(c, user, &pw, &m)) != STATUS_OK)
		return cli_fail(st, m.text);
	st = backup_restore(c->cfg, file, c->g->db_path, user, pw, anchor, force, &rep, &m);
	crypto_secure_text_free(pw);
	if (st != STATUS_OK)
		return cli_fail(st, m.text);
	printf("%s\n", rep.restored_anchor);
	fprintf(stderr, "%s\n", m.text);
	return 0;
}

const cli_command_t cli_backup_command = {"backup",
                                          cmd_backup,
                                          "back up the database while others work; check a backup",
                                          backup_usage,
                                          backup_opts,
                                          NULL,
                                          0,
                                          NULL};
const cli_command_t cli_restore_command = {"restore",
                                           cmd_restore,
                                           "restore a checked backup, keeping the replaced file",
                                           restore_usage,
                                           restore_opts,
                                           NULL,
                                           0,
                                           NULL};
