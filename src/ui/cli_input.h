/* cli_input.h - PHI and clinical free text for the command line. Never
 * from arguments (any local user can read a process's arguments in
 * /proc), but from a file (--from FILE), standard input (--from -) or, at
 * a terminal, a prompt per field.
 *
 * The input is CSV: a header row naming the fields given, then one data
 * row. For patients the columns are those of 'import patients'; each
 * command's help lists its own. With --password-stdin, standard input
 * holds the password line(s) first, then the CSV. */
#ifndef CHARTROOM_CLI_INPUT_H
#define CHARTROOM_CLI_INPUT_H

#include <stddef.h>

#include "ui/cli_internal.h"

/* What to say when PHI is offered on the command line. */
#define CLI_PHI_REFUSED                                                                            \
	"PHI is not taken on the command line (others can read it in /proc): use --from FILE, "    \
	"--from -, or answer the prompts."

#define CLI_REASON_MAX 512 /* a reason for access, a reason to reopen coding */

typedef struct cli_field {
	const char *name;    /* column name: "last_name", "substance", "reason" */
	const char *label;   /* what the prompt shows: "Last name" */
	char *value;         /* the caller's buffer, filled when given */
	size_t cap;          /* its size, NUL included */
	const char *current; /* editing: the value now, shown at the prompt */
	int ask;             /* asked at the prompt (0: only from --from input) */
	int given;           /* out: the input set it (possibly to "") */
} cli_field_t;

/* Is any of argv[1..argc) one of these options ("--visit-reason", also
 * with "=VALUE" or with '_' for '-'), or with patient_fields, a patient
 * field option ("--last-name", "--ssn", ...)? If so print which,
 * CLI_PHI_REFUSED and the usage line, and return 2 (the exit code); else
 * 0. The parser (cli_args.c) calls it for the commands that name such
 * options, before any other check, so a refusal changes nothing. */
int cli_refuse_phi(int argc, char **argv, const char *usage, const char *const *options,
                   int patient_fields);

/* The value of "--from" (NULL if absent). */
const char *cli_from(const cli_t *c);

/* Will cli_fields_read ask at the terminal (no --from, stdin a terminal)? */
int cli_will_prompt(const char *from);
/* Does --from name a file (read it before signing on), not "-"? */
int cli_from_file(const char *from);

/* Fill fields from --from FILE, --from - (standard input), or, with no
 * --from and a terminal on standard input, by asking each field whose
 * `ask` is set: "Label: " (or "Label [current]: "); Enter leaves a field
 * blank (adding) or unchanged (editing, where "-" clears it). With no
 * --from and no terminal nothing is given. STATUS_OK, or STATUS_INVALID /
 * STATUS_NOTFOUND with the reason (unknown or repeated column, no data
 * row, more than one, a value too long). */
status_t cli_fields_read(cli_t *c, const char *from, cli_field_t *f, int n, msg_t *m);

/* One line from standard input: at a terminal after printing the prompt
 * on stderr; otherwise the next line (after any password lines). */
status_t cli_read_line(const char *prompt, char *buf, size_t cap, msg_t *m);

/* The reason for opening chart `mrn` when it is confidential and the
 * session's role needs one: unless `reason` was given, asked at a
 * terminal (with no terminal, core refuses the opening and says why). */
status_t cli_btg_reason(session_t *s, const char *mrn, cli_field_t *reason, msg_t *m);

/* Wipe every field's buffer. */
void cli_fields_wipe(cli_field_t *f, int n);

#endif
