/* cli_privacy.h - the privacy officer's command line (cli_privacy.c):
 * `audit patient|user` reports for cli.c's audit command, and `btg`. */
#ifndef CHARTROOM_CLI_PRIVACY_H
#define CHARTROOM_CLI_PRIVACY_H

#include "ui/cli_internal.h"

/* `audit patient MRN` / `audit user NAME` with --since, --until,
 * --format, --limit (c->argv[1] is the verb). Returns the exit code. */
int cli_audit_report(cli_t *c, const char *usage);

extern const cli_command_t cli_btg_command;

#endif
