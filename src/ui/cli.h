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

/* Run subcommand argv[0] with its arguments. Returns the exit code (see
 * README "Exit codes"). */
int cli_run(const cli_globals_t *g, config_t *cfg, int argc, char **argv);

/* Print the top-level usage to f. */
void cli_usage(FILE *f);

#endif
