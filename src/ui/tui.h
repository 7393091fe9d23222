/* tui.h - the full-screen face of Chartroom (ncurses). */
#ifndef CHARTROOM_TUI_H
#define CHARTROOM_TUI_H

#include "core/config.h"

/* Run the full-screen app on the database at db_path until the user quits.
 * Restores the terminal on every path. Returns a process exit code. */
int tui_run(const config_t *cfg, const char *db_path);

#endif
