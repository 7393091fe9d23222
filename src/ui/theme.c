/* theme.c - the attribute table for colour and monochrome terminals. */
#include "ui/theme.h"

#include <stdlib.h>

/* The one piece of UI-wide state outside the loop: set once at start-up,
 * read-only afterwards. */
static attr_t attrs[TH_COUNT];
static int use_color;

static const attr_t mono[TH_COUNT] = {
    [TH_NORMAL] = A_NORMAL,
    [TH_TITLE] = A_REVERSE | A_BOLD,
    [TH_STATUS] = A_REVERSE,
    [TH_SELECTED] = A_REVERSE,
    [TH_HEADING] = A_BOLD,
    [TH_FIELD] = A_UNDERLINE,
    [TH_FIELD_FOCUS] = A_UNDERLINE | A_BOLD,
    [TH_INFO] = A_NORMAL,
    [TH_OK] = A_BOLD,
    [TH_WARN] = A_BOLD,
    [TH_ERROR] = A_BOLD,
    [TH_ALERT] = A_REVERSE | A_BOLD,
    [TH_DIALOG] = A_NORMAL,
    [TH_HINT] = A_NORMAL,
};

/* Colour roles: pair number, foreground, background, extra attributes. */
static const struct {
	theme_role_t role;
	short fg, bg;
	attr_t extra;
} pairs[] = {
    {TH_TITLE, COLOR_WHITE, COLOR_BLUE, A_BOLD}, {TH_STATUS, COLOR_BLACK, COLOR_CYAN, A_NORMAL},
    {TH_HEADING, COLOR_CYAN, -1, A_BOLD},        {TH_OK, COLOR_GREEN, -1, A_BOLD},
    {TH_WARN, COLOR_YELLOW, -1, A_BOLD},         {TH_ERROR, COLOR_RED, -1, A_BOLD},
    {TH_ALERT, COLOR_WHITE, COLOR_RED, A_BOLD},  {TH_DIALOG, COLOR_BLACK, COLOR_WHITE, A_NORMAL},
    {TH_HINT, COLOR_CYAN, -1, A_NORMAL},
};

void theme_init(const config_t *cfg)
{
	const char *no_color = getenv("NO_COLOR");
	for (int i = 0; i < TH_COUNT; i++)
		attrs[i] = mono[i];
	use_color = 0;
	if ((cfg && cfg->color == COLOR_NEVER) || (no_color && *no_color) || !has_colors())
		return;
	if (start_color() == ERR)
		return;
	use_color = 1;
	use_default_colors();
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		short n = (short)(i + 1);
		if (n >= COLOR_PAIRS)
			break;
		init_pair(n, pairs[i].fg, pairs[i].bg);
		attrs[pairs[i].role] = (attr_t)COLOR_PAIR(n) | pairs[i].extra;
	}
}

attr_t theme_attr(theme_role_t r)
{
	return r < TH_COUNT ? attrs[r] : A_NORMAL;
}

int theme_has_color(void)
{
	return use_color;
}
