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

/* Take global options out of argv wherever they stand; what remains is the
 * subcommand and its own arguments, in order. */
static int take_globals(int argc, char **argv, cli_globals_t *g, int *rest_argc, int *want)
{
	int o = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		/* "audit list --user NAME" filters by user: after "audit list",
		 * --user belongs to the subcommand, not to who is acting. */
		if (strcmp(a, "--user") == 0 && o >= 2 && strcmp(argv[0], "audit") == 0 &&
		    strcmp(argv[1], "list") == 0) {
			argv[o++] = argv[i];
			continue;
		}
		if ((strcmp(a, "--db") == 0 || strcmp(a, "--config") == 0 || strcmp(a, "--user") == 0)) {
			if (i + 1 >= argc || !argv[i + 1][0]) {
				fprintf(stderr, "chartroom: %s needs a value\n", a);
				return 2;
			}
			if (a[2] == 'd')
				g->db_path = argv[++i];
			else if (a[2] == 'c')
				g->config_path = argv[++i];
			else
				g->user = argv[++i];
		} else if (strcmp(a, "--password-stdin") == 0) {
			g->password_stdin = 1;
		} else if (o == 0 && (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0)) {
			*want = 'V';
		} else if (o == 0 && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
			*want = 'h';
		} else {
			argv[o++] = argv[i];
		}
	}
	*rest_argc = o;
	return 0;
}

int main(int argc, char **argv)
{
	cli_globals_t g = {0};
	config_t *cfg = NULL;
	msg_t m;
	status_t st;
	int rest = 0, want = 0, rc;

	/* First of all: in a shared install (setgid), clean the environment
	 * and put the group down until the database layer needs it. */
	if ((st = privsep_start(&m)) != STATUS_OK) {
		fprintf(stderr, "chartroom: %s\n", m.text);
		return status_exit_code(st);
	}
	if ((rc = take_globals(argc, argv, &g, &rest, &want)) != 0) {
		cli_usage(stderr);
		return rc;
	}
	if (want == 'V') {
		printf("chartroom %s\n", CHARTROOM_VERSION);
		return 0;
	}
	if (want == 'h') {
		cli_usage(stdout);
		return 0;
	}
	if (crypto_init(&m) != STATUS_OK) {
		fprintf(stderr, "chartroom: %s\n", m.text);
		return 1;
	}
	if (!(cfg = calloc(1, sizeof *cfg))) {
		fprintf(stderr, "chartroom: out of memory\n");
		return 1;
	}
	/* Key bindings are the UI's to check, but a bad one is a
	 * configuration error for every command. */
	config_set_key_check(keymap_check_binding);
	st = config_load(g.config_path, cfg, &m);
	if (st != STATUS_OK) {
		/* It may quote the file: shown escaped (base/text.h). */
		text_fprintf(stderr, TEXT_LINE, "chartroom: %s\n", m.text);
		free(cfg);
		return status_exit_code(st);
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
		free(cfg);
		return status_exit_code(st);
	}
	if (!g.db_path)
		g.db_path = cfg->db_path;
	if (rest == 0)
		rc = tui_run(cfg, g.db_path);
	else
		rc = cli_run(&g, cfg, rest, argv);
	free(cfg);
	return rc;
}
