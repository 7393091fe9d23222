/* cli_internal.h - shared by the files of the command line (cli.c and
 * cli_clinical.c): the command context and small helpers for options,
 * messages, sign-on and safe printing. */
#ifndef CHARTROOM_CLI_INTERNAL_H
#define CHARTROOM_CLI_INTERNAL_H

#include <stdio.h>

#include "core/clinic.h"
#include "core/config.h"
#include "core/session.h"
#include "ui/cli.h"

typedef struct cli {
	const cli_globals_t *g;
	config_t *cfg;
	int argc;
	char **argv; /* argv[0] is the command word */
	FILE *in;    /* standard input when --password-stdin */
} cli_t;

/* Print "chartroom: text" to stderr; return st's exit code. */
int cli_fail(status_t st, const char *text);
/* Print why (if any) and the usage line; return 2. */
int cli_usage_error(const char *usage, const char *why);
/* -h or --help among argv? */
int cli_wants_help(int argc, char **argv);
/* The value after "--name", or NULL; *err set when the value is missing. */
const char *cli_opt(int argc, char **argv, const char *name, int *err);
/* Output that may carry data: printf to stdout with every %s argument
 * escaped by base/text.h (one line: newline and tab shown as \n, \t). */
void cli_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same for tab-separated output: a value's tab, newline, carriage
 * return and backslash are "\t", "\n", "\r", "\\". */
void cli_tsv(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same to stderr. */
void cli_eprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A message for people on stderr, escaped, with a newline. */
void cli_say(const char *text);
/* Open the database and sign on as the acting user (password from the
 * terminal or --password-stdin). */
status_t cli_sign_on(cli_t *c, clinic_t **clinic, session_t **s, msg_t *m);
void cli_sign_off(clinic_t *clinic, session_t *s);
/* The same with a copy (a backup) at path, opened read-only
 * (clinic_open_copy). */
status_t cli_sign_on_copy(cli_t *c, const char *path, clinic_t **clinic, session_t **s,
			  msg_t *m);
/* Who is acting (--user, $CHARTROOM_USER, the Unix user), and their
 * password read as sign-on reads it (*pw freed with
 * crypto_secure_text_free). */
const char *cli_acting_user(const cli_t *c);
status_t cli_password(cli_t *c, const char *user, char **pw, msg_t *m);

/* Backups (cli_backup.c). */
int cli_cmd_backup(cli_t *c);
int cli_cmd_restore(cli_t *c);
/* Read one secret line (a recovery key): the next line of standard input
 * with --password-stdin, else asked at the terminal without echo. */
status_t cli_read_secret(cli_t *c, const char *prompt, char *buf, size_t size, msg_t *m);

/* The clinical commands (cli_clinical.c). */
int cli_cmd_encounter(cli_t *c);
int cli_cmd_vitals(cli_t *c);
int cli_cmd_allergy(cli_t *c);
int cli_cmd_med(cli_t *c);
int cli_cmd_problem(cli_t *c);
int cli_cmd_note(cli_t *c);
int cli_cmd_chart(cli_t *c);

/* Roles, policy, keys, config check (cli_policy.c). */
int cli_cmd_roles(cli_t *c);
int cli_cmd_policy(cli_t *c);
int cli_cmd_keys(cli_t *c);
int cli_cmd_config(cli_t *c);

/* keys rotate, keys status (cli_keys.c). */
int cli_keys_rotate(cli_t *c);
int cli_keys_status(cli_t *c);
/* keys reindex (cli_keys.c; core/reindex.h). */
int cli_keys_reindex(cli_t *c);

/* Code sets and coding (cli_coding.c). */
int cli_cmd_codes(cli_t *c);
int cli_cmd_coding(cli_t *c);

#endif
