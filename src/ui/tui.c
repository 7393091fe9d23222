/* tui.c - placeholder until the full-screen app lands. */
#include "ui/tui.h"

#include <stdio.h>

int tui_run(const config_t *cfg, const char *db_path)
{
	(void)cfg;
	(void)db_path;
	fprintf(stderr, "chartroom: the full-screen app is not built yet\n");
	return 1;
}
