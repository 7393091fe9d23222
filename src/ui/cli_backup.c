/* cli_backup.c - the backup and restore commands (core/backup.h; README
 * "Backups"). The anchor of a backup goes to standard output, alone on its
 * line, for a script to keep; what happened goes to standard error. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "core/backup.h"
#include "core/crypto.h"
#include "ui/cli_internal.h"

static int cmd_usage(const char *usage, const char *why)
{
	return cli_usage_error(usage, why);
}

int cli_cmd_backup(cli_t *c)
{
	static const char usage[] =
		"[--user ACTOR] backup --out FILE [--force]\n"
		"       backup --verify FILE [--anchor SEQ:MAC]";
	static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
					     {"verify", required_argument, NULL, 'v'},
					     {"anchor", required_argument, NULL, 'a'},
					     {"force", no_argument, NULL, 'f'},
					     {NULL, 0, NULL, 0}};
	const char *out = NULL, *verify = NULL, *anchor = NULL;
	int force = 0, opt;
	clinic_t *clinic = NULL;
	session_t *s = NULL;
	backup_report_t rep;
	msg_t m;
	status_t st;

	if (cli_wants_help(c->argc, c->argv)) {
		printf("usage: chartroom %s\n\n"
		       "  --out FILE     back up the database while others keep working (SQLite's\n"
		       "                 online backup: the database as it was at one moment).\n"
		       "                 The copy is checked (integrity, audit chain) before it is\n"
		       "                 kept as FILE, mode 0600; an existing FILE is replaced only\n"
		       "                 with --force. Prints the copy's anchor (SEQ:MAC): keep it\n"
		       "                 with the backup's record, away from the server. Needs the\n"
		       "                 backup permission (administrators); audited.\n"
		       "  --verify FILE  check a backup: integrity, audit chain, and with --anchor\n"
		       "                 that it holds that anchor. Signs on to the backup itself\n"
		       "                 (its own users; audit_verify needed), changes nothing in\n"
		       "                 it, and prints its anchor. Exit 5 if it fails.\n"
		       "Restore with 'chartroom restore FILE --db PATH'.\n",
		       usage);
		return 0;
	}
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(c->argc, c->argv, "+", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case 'v':
			verify = optarg;
			break;
		case 'a':
			anchor = optarg;
			break;
		case 'f':
			force = 1;
			break;
		default:
			return cmd_usage(usage, "unknown option, or an option without its value");
		}
	}
	if (optind < c->argc)
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

int cli_cmd_restore(cli_t *c)
{
	static const char usage[] =
		"[--user ACTOR] restore FILE --db PATH [--anchor SEQ:MAC] [--force]";
	static const struct option opts[] = {{"anchor", required_argument, NULL, 'a'},
					     {"force", no_argument, NULL, 'f'},
					     {NULL, 0, NULL, 0}};
	const char *file = NULL, *anchor = NULL, *user = cli_acting_user(c);
	int force = 0, opt;
	char *pw = NULL;
	backup_report_t rep;
	msg_t m;
	status_t st;

	if (cli_wants_help(c->argc, c->argv)) {
		printf("usage: chartroom %s\n\n"
		       "Restore a backup as the database at PATH (--db, or [database] path). The\n"
		       "backup is checked first (integrity, audit chain); with --anchor (an anchor\n"
		       "kept from 'audit anchor' or an earlier backup) a backup that does not hold\n"
		       "it, an older copy, is refused unless --force. A database at PATH is\n"
		       "replaced only with --force, never while someone uses it, and is kept as\n"
		       "PATH.replaced-TIME. You sign on with your password as it was in the backup\n"
		       "(the backup permission); the restore is recorded in the restored database's\n"
		       "audit trail, whose new anchor is printed.\n",
		       usage);
		return 0;
	}
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(c->argc, c->argv, "+", opts, NULL)) != -1 ||
	       optind < c->argc) {
		if (opt == -1) {
			if (file)
				return cmd_usage(usage, "one backup file only");
			file = c->argv[optind++];
			continue;
		}
		switch (opt) {
		case 'a':
			anchor = optarg;
			break;
		case 'f':
			force = 1;
			break;
		default:
			return cmd_usage(usage, "unknown option, or an option without its value");
		}
	}
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
