/* main.c - parse global options, load the configuration, and hand over to
 * the full-screen app (no subcommand) or the command line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/privsep.h"
#include "base/text.h"
#include "core/config.h"
#include "core/crypto.h"
#include "ui/cli.h"
#include "ui/keymap.h"
#include "ui/tui.h"

#ifndef CHARTROOM_VERSION
#define CHARTROOM_VERSION "0.1.0"
#endif

int main(int argc, char **argv)
{
	cli_args_t a;
	config_t *cfg = NULL;
	msg_t m;
	status_t st;
	int rc;

	/* First of all: in a shared install (setgid), clean the environment
	 * and put the group down until the database layer needs it. */
	if ((st = privsep_start(&m)) != STATUS_OK) {
		fprintf(stderr, "chartroom: %s\n", m.text);
		return status_exit_code(st);
	}
	/* The whole command line first (ui/cli_args.h): a mistyped option
	 * costs nothing, not even reading the configuration. */
	if ((rc = cli_parse(argc, argv, &a)) >= 0)
		goto done;
	rc = 0;
	if (a.want == 'V') {
		printf("chartroom %s\n", CHARTROOM_VERSION);
		goto done;
	}
	if (a.want == 'h') {
		cli_usage(stdout);
		goto done;
	}
	rc = 1;
	if (crypto_init(&m) != STATUS_OK) {
		fprintf(stderr, "chartroom: %s\n", m.text);
		goto done;
	}
	if (!(cfg = calloc(1, sizeof *cfg))) {
		fprintf(stderr, "chartroom: out of memory\n");
		goto done;
	}
	/* Key bindings are the UI's to check, but a bad one is a
	 * configuration error for every command. */
	config_set_key_check(keymap_check_binding);
	st = config_load(a.g.config_path, cfg, &m);
	if (st != STATUS_OK) {
		/* It may quote the file: shown escaped (base/text.h). */
		text_fprintf(stderr, TEXT_LINE, "chartroom: %s\n", m.text);
		rc = status_exit_code(st);
		goto done;
	}
	/* Policy sections of the user's own file: ignored, and said so once. */
	for (const char *w = cfg->warnings; *w;) {
		size_t n = strcspn(w, "\n");
		fprintf(stderr, "chartroom: %.*s\n", (int)n, w);
		w += n + (w[n] == '\n');
	}
	/* Shared mode: every database lives in the data directory from the
	 * trusted configuration (checked when the database is opened). */
	if (privsep_shared() && (st = privsep_set_data_dir(cfg->data_dir, &m)) != STATUS_OK) {
		fprintf(stderr, "chartroom: %s\n", m.text);
		rc = status_exit_code(st);
		goto done;
	}
	if (!a.g.db_path)
		a.g.db_path = cfg->db_path;
	if (!a.cmd)
		rc = tui_run(cfg, a.g.db_path);
	else
		rc = cli_run(&a, cfg);
done:
	free(cfg);
	cli_args_free(&a);
	return rc;
}
