/* cli_args.h - the command line's option parsing, with getopt_long: the
 * global options (--db, --config, --user, --password-stdin, --help,
 * --version) anywhere on the line, before or after the command; each
 * command's own options after it, in any order among its arguments;
 * --NAME VALUE and --NAME=VALUE; -x VALUE, -xVALUE and short flags
 * combined (-fo FILE); a long option's unique prefix; "--" ends the
 * options (what follows is an argument even if it starts with '-').
 *
 * A command's option may go with some of its verbs only (`user add
 * --role`); one that shares a global option's name shadows it for those
 * verbs (`audit list --user NAME` filters, where `--user` elsewhere names
 * who acts). Errors name the option ("unknown option '--bogus'", "option
 * '--out' needs a value", "option '--role' does not go with 'user
 * list'") and are followed by the command's usage; the caller exits 2. */
#ifndef CHARTROOM_CLI_ARGS_H
#define CHARTROOM_CLI_ARGS_H

#include "ui/cli.h"

/* One option of a command. */
typedef struct cli_optspec {
	const char *name;  /* the long name without "--": "from" */
	char letter;       /* its short form ('o' for -o), 0 if none */
	char value;        /* 1: takes a value; 0: a flag */
	const char *verbs; /* the verbs it goes with, space-separated ("add edit"); NULL: all */
} cli_optspec_t;

struct cli;

/* A command: its word, handler, one-line summary (NULL: not listed), usage
 * (after "usage: chartroom "), options (ending with {NULL}; NULL: none),
 * and the options refused as PHI before anything else (cli_input.h). */
typedef struct cli_command {
	const char *name;
	int (*run)(struct cli *c);
	const char *summary;
	const char *usage;
	const cli_optspec_t *opts;
	const char *const *phi;
	int patient_fields; /* every patient field is refused as an option too */
	/* The usage of one verb when it has its own (keys rotate); NULL. */
	const char *(*verb_usage)(const char *verb);
} cli_command_t;

/* Parse argv (argv[0] the program) into a: the global options before the
 * command, the command (looked up in cmds[0..n), NULL-terminated names
 * not needed), then the command's options and arguments. Returns -1 when
 * parsed (a->want, a->cmd say what to do), or the exit code after
 * printing why to standard error: 2 for a usage error or an unknown
 * command (`unknown(name)` prints its answer). a->argv is allocated:
 * cli_args_free. */
int cli_args_parse(const cli_command_t *const *cmds, size_t n, int (*unknown)(const char *name),
                   int argc, char **argv, cli_args_t *a);

/* The value of the command's option `name` ("" for a flag), or NULL if it
 * was not given. */
const char *cli_args_value(const cli_optspec_t *opts, const char *const *val, const char *name);

#endif
