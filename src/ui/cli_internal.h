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
#include "ui/cli_args.h"

typedef struct cli {
	const cli_globals_t *g;
	config_t *cfg;
	int argc;
	char **argv; /* argv[0] is the command word, then its arguments in order
	                (options taken out by cli_args.c) */
	FILE *in;    /* standard input when --password-stdin */
	const cli_optspec_t *opts; /* the command's options, */
	const char *const *val;    /* and their values (cli_val) */
	int help;                  /* -h or --help was given */
} cli_t;

/* The command's option `name` as given ("" for a flag), or NULL. */
const char *cli_val(const cli_t *c, const char *name);

/* A stored UTC time as the command line shows it, in the clinic's zone
 * (cfg's [clinic] timezone, base/tz.h): for a tab-separated column, ISO
 * 8601 with the offset ("2026-03-08T03:00:00-05:00"); for a line people
 * read, "2026-03-08 03:00:00 CDT". Returns buf; `none` when utc is "". */
enum { CLI_TIME_TSV, CLI_TIME_TEXT };
const char *cli_time(const config_t *cfg, const char *utc, int how, const char *none, char *buf,
                     size_t size);

/* Print "chartroom: text" to stderr; return st's exit code. */
int cli_fail(status_t st, const char *text);
/* Print why (if any) and the usage line; return 2. */
int cli_usage_error(const char *usage, const char *why);
/* Output that may carry data: printf to stdout with every %s argument
 * escaped by base/text.h (one line: newline and tab shown as \n, \t). */
void cli_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same for tab-separated output: a value's tab, newline, carriage
 * return and backslash are "\t", "\n", "\r", "\\". */
void cli_tsv(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One CSV field to stdout, then ',' or (last) a newline: quoted when it
 * holds a comma, quote or line break; a leading = + - @ is prefixed with '
 * so a spreadsheet does not run it; each character written through
 * cli_printf (control characters shown escaped). */
void cli_csv_put(const char *v, int last);
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

/* The commands of the other files, for cli.c's table. */
extern const cli_command_t cli_backup_command, cli_restore_command;
extern const cli_command_t cli_encounter_command, cli_vitals_command, cli_allergy_command,
    cli_med_command, cli_problem_command, cli_note_command, cli_chart_command;
extern const cli_command_t cli_roles_command, cli_policy_command, cli_keys_command,
    cli_config_command;
extern const cli_command_t cli_codes_command, cli_coding_command;
extern const cli_command_t cli_report_command; /* cli_report.c */
/* export fhir and deid (cli_export.c); cli_fhir.c has export fhir
 * (cli_export_fhir) and import fhir (cli_import_fhir, called by cli.c's
 * import command). */
extern const cli_command_t cli_export_command;
int cli_export_fhir(cli_t *c);
int cli_import_fhir(cli_t *c);
/* import synthea (cli_synthea.c), called by cli.c's import. */
int cli_import_synthea(cli_t *c);
/* cli_rights.c: patients' rights (issue 12 items 3-5). */
extern const cli_command_t cli_roi_command, cli_disclosure_command, cli_disclosures_command,
    cli_amendment_command;
extern const cli_command_t cli_deficiency_command;
extern const cli_command_t cli_duplicates_command; /* cli_dups.c */
extern const cli_command_t cli_queue_command; /* cli_queue.c: the HIM work queue */
extern const cli_command_t cli_merge_command, cli_unmerge_command; /* cli_merge.c */
extern const cli_command_t cli_chart_out_command, cli_chart_in_command, cli_chart_home_command,
    cli_charts_out_command, cli_chart_history_command;
extern const cli_command_t cli_retention_command, cli_hold_command; /* cli_retention.c */
extern const cli_command_t cli_providers_command; /* cli_providers.c: provider records */

/* Read one secret line (a recovery key): the next line of standard input
 * with --password-stdin, else asked at the terminal without echo. */
status_t cli_read_secret(cli_t *c, const char *prompt, char *buf, size_t size, msg_t *m);

/* keys rotate, keys status (cli_keys.c, for cli_policy.c's keys). */
int cli_keys_rotate(cli_t *c);
int cli_keys_status(cli_t *c);
/* Their usage lines. */
const char *cli_keys_verb_usage(const char *verb);

/* keys reindex (cli_keys.c; core/reindex.h). */
int cli_keys_reindex(cli_t *c);

#endif
