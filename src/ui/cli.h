/* cli.h - the command-line face of Chartroom: argument parsing, password
 * prompts, output formats. Calls the same core as the full-screen app. */
#ifndef CHARTROOM_CLI_H
#define CHARTROOM_CLI_H

#include <stdio.h>

#include "core/config.h"

/* Global options, found anywhere on the command line. */
typedef struct cli_globals {
	const char *db_path;     /* --db, else the config's [database] path */
	const char *config_path; /* --config */
	const char *user;        /* --user, else $CHARTROOM_USER, else the Unix user */
	int password_stdin;      /* --password-stdin */
} cli_globals_t;

#define CLI_OPTS_MAX 16 /* the most options one command has */

/* The command line, parsed (cli_parse). */
typedef struct cli_args {
	cli_globals_t g;
	int want;                      /* 'h': print the usage, 'V': the version, 0: run */
	const void *cmd;               /* the command; NULL: none (the full-screen app) */
	int argc;                      /* the command word and its arguments, */
	char **argv;                   /* options taken out, in their order */
	const char *val[CLI_OPTS_MAX]; /* the command's options' values ("" for a flag) */
	int help;                      /* -h or --help after the command */
} cli_args_t;

/* Parse the whole command line (see ui/cli_args.h). Returns -1 when it is
 * parsed; otherwise the exit code, its reason printed on standard error
 * (2: an unknown or misused option, an unknown command). Free with
 * cli_args_free, whatever it returned. */
int cli_parse(int argc, char **argv, cli_args_t *a);
void cli_args_free(cli_args_t *a);

/* Run the parsed command (a->cmd not NULL). Returns the exit code (see
 * README "Exit codes"). */
int cli_run(const cli_args_t *a, config_t *cfg);

/* Print the top-level usage to f: its two lines only, or in full (the
 * options, the commands, the exit codes). */
void cli_usage_lines(FILE *f);
void cli_usage(FILE *f);

#endif
