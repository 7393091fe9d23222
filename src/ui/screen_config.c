/* screen_config.c - the Configuration screen, read-only: every policy
 * setting in force with its value and where it came from (the default,
 * the system file, or the database with who set it and when), then where
 * each role's actions come from, then the matrix of who may do what. It
 * shows what `chartroom policy show` and `chartroom roles` print, from the
 * signed-on clinic's configuration (the database's policy applied when
 * the sign-on checked it); changes are made with those commands. The
 * rows are drawn on demand from the configuration: the screen holds no
 * copy of it, only the list position. */
#include "ui/screen_config.h"

#include <stdio.h>
#include <string.h>

#include "core/config.h"
#include "core/perm.h"
#include "ui/draw.h"
#include "ui/theme.h"
#include "ui/widget_list.h"

/* The rows, top to bottom: a heading, the policy settings; a heading, one
 * row per role; a heading (with the roles as columns), one row per
 * action. */
typedef enum { ROW_HEADING, ROW_SETTING, ROW_ROLE, ROW_ACTION } row_kind_t;

typedef struct cfg_screen {
	ui_t *ui;
	int setting[CONFIG_SETTINGS_MAX]; /* indexes of the policy settings */
	int nsettings;
	ui_list_t list;
} cfg_screen_t;

/* Columns: settings, roles, the matrix. */
/* The value column takes a zone name ("America/Chicago"); the origin column
 * a time with its zone and a user name. */
enum { C_KEY = 1, C_VAL = 32, C_FROM = 48 };
enum { C_ROLE = 1, C_RFROM = 12, C_RCOUNT = 58 };
enum { C_ACTION = 1, C_CELL = 20, CELL_W = 10 };

static int first_role_row(const cfg_screen_t *c)
{
	return 1 + c->nsettings + 1;
}

static int first_action_row(const cfg_screen_t *c)
{
	return first_role_row(c) + ROLE_COUNT + 1;
}

/* What row i is, and its index among its kind (the setting's position in
 * c->setting, the role, the action; the heading's number). */
static row_kind_t row_kind(const cfg_screen_t *c, int i, int *k)
{
	if (i == 0 || i == first_role_row(c) - 1 || i == first_action_row(c) - 1) {
		*k = i == 0 ? 0 : i == first_role_row(c) - 1 ? 1 : 2;
		return ROW_HEADING;
	}
	if (i < first_role_row(c)) {
		*k = i - 1;
		return ROW_SETTING;
	}
	if (i < first_action_row(c)) {
		*k = i - first_role_row(c);
		return ROW_ROLE;
	}
	*k = i - first_action_row(c);
	return ROW_ACTION;
}

static int cfg_count(void *arg)
{
	return first_action_row(arg) + ACT_COUNT;
}

/* Where a value came from. `brief` for a column: "default", "system
 * file", or for the database's "DATE TIME ZONE by NAME" (the clinic's
 * zone, so the time leads and a long name is what is cut); else in
 * full. */
static void origin_text(ui_t *ui, const config_origin_t *o, int brief, char *buf, size_t size)
{
	const config_t *cfg = ui_config(ui);
	char when[48];
	switch (o->from) {
	case CONFIG_FROM_SYSTEM:
		if (brief)
			snprintf(buf, size, "system file");
		else
			snprintf(buf, size, "the system file %s", cfg->system_file);
		break;
	case CONFIG_FROM_USER:
		snprintf(buf, size, brief ? "your file" : "your file %s", cfg->user_file);
		break;
	case CONFIG_FROM_DB:
		draw_time(when, sizeof when, o->at, cfg, "?");
		if (brief) {
			snprintf(buf, size, "%s by %s", when, o->by);
		} else {
			snprintf(buf, size, "the database: set by %s at %s", o->by, when);
		}
		break;
	default:
		snprintf(buf, size, brief ? "default" : "the default (built in)");
		break;
	}
}

/* "security:idle_lock_seconds" as the commands write it:
 * "security.idle_lock_seconds". */
static void setting_name(int si, char *buf, size_t size)
{
	snprintf(buf, size, "%s", config_setting_key(si));
	buf[strcspn(buf, ":")] = '.';
}

static int role_actions(const config_t *cfg, role_t r)
{
	int n = 0;
	for (int a = 0; a < ACT_COUNT; a++)
		n += perm_allowed(&cfg->perms, r, (action_t)a) != 0;
	return n;
}

static void draw_heading(WINDOW *w, int y, int x, int width, int k, int selected)
{
	if (!selected)
		wattrset(w, theme_attr(TH_HEADING));
	switch (k) {
	case 0:
		draw_text(w, y, x + C_KEY, C_VAL - C_KEY - 1, "Policy setting", 0);
		draw_text(w, y, x + C_VAL, C_FROM - C_VAL - 1, "Value", 0);
		draw_text(w, y, x + C_FROM, width - C_FROM, "From (or when, by whom)", 0);
		break;
	case 1:
		draw_text(w, y, x + C_ROLE, C_RFROM - C_ROLE - 1, "Role", 0);
		draw_text(w, y, x + C_RFROM, C_RCOUNT - C_RFROM - 1, "Its actions come from", 0);
		draw_text(w, y, x + C_RCOUNT, width - C_RCOUNT, "May do", 0);
		break;
	default:
		draw_text(w, y, x + C_ACTION, C_CELL - C_ACTION - 1, "Action", 0);
		for (int r = 0; r < ROLE_COUNT; r++)
			draw_text(w, y, x + C_CELL + r * CELL_W, CELL_W - 1,
			          perm_role_name((role_t)r), 0);
		break;
	}
	if (!selected)
		wattrset(w, theme_attr(TH_NORMAL));
}

static void cfg_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	cfg_screen_t *c = arg;
	const config_t *cfg = ui_config(c->ui);
	char name[64], value[600], from[PATH_MAX + 96];
	int k;
	switch (row_kind(c, i, &k)) {
	case ROW_HEADING:
		draw_heading(w, y, x, width, k, selected);
		break;
	case ROW_SETTING: {
		int si = c->setting[k];
		setting_name(si, name, sizeof name);
		config_setting_value(cfg, si, value, sizeof value);
		origin_text(c->ui, &cfg->setting_origin[si], 1, from, sizeof from);
		draw_text(w, y, x + C_KEY, C_VAL - C_KEY - 1, name, 0);
		draw_text(w, y, x + C_VAL, C_FROM - C_VAL - 1, value, 0);
		if (cfg->setting_origin[si].from != CONFIG_FROM_DEFAULT && !selected)
			wattron(w, A_BOLD); /* set for this clinic: worth a look */
		draw_text(w, y, x + C_FROM, width - C_FROM, from, 0);
		if (!selected)
			wattrset(w, theme_attr(TH_NORMAL));
		break;
	}
	case ROW_ROLE: {
		char count[32];
		origin_text(c->ui, &cfg->role_origin[k], 1, from, sizeof from);
		snprintf(count, sizeof count, "%d of %d actions", role_actions(cfg, (role_t)k),
		         ACT_COUNT);
		draw_text(w, y, x + C_ROLE, C_RFROM - C_ROLE - 1, perm_role_name((role_t)k), 0);
		draw_text(w, y, x + C_RFROM, C_RCOUNT - C_RFROM - 1, from, 0);
		draw_text(w, y, x + C_RCOUNT, width - C_RCOUNT, count, 0);
		break;
	}
	case ROW_ACTION:
		draw_text(w, y, x + C_ACTION, C_CELL - C_ACTION - 1, perm_action_name((action_t)k),
		          0);
		for (int r = 0; r < ROLE_COUNT; r++)
			draw_text(w, y, x + C_CELL + r * CELL_W, CELL_W - 1,
			          perm_allowed(&cfg->perms, (role_t)r, (action_t)k) ? "yes" : "-",
			          0);
		break;
	}
}

static status_t cfg_open(ui_t *ui, void *priv, msg_t *m)
{
	cfg_screen_t *c = priv;
	(void)m;
	c->ui = ui;
	for (int i = 0; i < config_setting_count() && c->nsettings < CONFIG_SETTINGS_MAX; i++)
		if (config_setting_is_policy(i))
			c->setting[c->nsettings++] = i;
	c->list.count = cfg_count;
	c->list.draw_row = cfg_row;
	c->list.arg = c;
	c->list.cur = 1; /* the first setting, not its heading */
	return STATUS_OK;
}

static void cfg_draw(ui_t *ui, void *priv, WINDOW *w)
{
	cfg_screen_t *c = priv;
	const config_t *cfg = ui_config(ui);
	int W = getmaxx(w), H = getmaxy(w);
	char line[PATH_MAX + 96], pos[48];
	snprintf(line, sizeof line, "In force now: defaults < system file (%s) < the database",
	         cfg->system_file[0] ? cfg->system_file : "none");
	draw_text(w, 0, 1, W - 2, line, 0);
	list_draw(&c->list, w, 1, 0, H - 3, W);
	draw_text(w, H - 2, 1, W - 2,
	          "Change: chartroom policy set KEY VALUE, chartroom roles grant|revoke (admin)",
	          0);
	list_position(&c->list, pos, sizeof pos);
	draw_text(w, H - 1, 1, W - 2, pos, 0);
}

static unsigned details(ui_t *ui, cfg_screen_t *c)
{
	const config_t *cfg = ui_config(ui);
	char text[PATH_MAX + 2400], name[64], value[600], from[PATH_MAX + 96], list[900];
	int k;
	switch (row_kind(c, c->list.cur, &k)) {
	case ROW_SETTING: {
		int si = c->setting[k];
		setting_name(si, name, sizeof name);
		config_setting_value(cfg, si, value, sizeof value);
		origin_text(ui, &cfg->setting_origin[si], 0, from, sizeof from);
		snprintf(text, sizeof text,
		         "Setting:  %s\nValue:    %s\nFrom:     %s\n\nAn administrator changes it "
		         "with 'chartroom policy set %s VALUE' (audited); 'policy unset' returns "
		         "to the system file's or the default.",
		         name, value, from, name);
		break;
	}
	case ROW_ROLE:
		origin_text(ui, &cfg->role_origin[k], 0, from, sizeof from);
		perm_role_list(&cfg->perms, (role_t)k, list, sizeof list);
		snprintf(text, sizeof text, "Role:  %s (%s)\nFrom:  %s\n\nMay: %s",
		         perm_role_name((role_t)k), perm_role_desc((role_t)k), from, list);
		break;
	case ROW_ACTION: {
		size_t used = 0;
		list[0] = '\0';
		for (int r = 0; r < ROLE_COUNT; r++) {
			int n;
			if (!perm_allowed(&cfg->perms, (role_t)r, (action_t)k))
				continue;
			n = snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "",
			             perm_role_name((role_t)r));
			if (n < 0 || (size_t)n >= sizeof list - used)
				break;
			used += (size_t)n;
		}
		snprintf(text, sizeof text, "Action:  %s\n%s\n\nRoles:   %s",
		         perm_action_name((action_t)k), perm_action_desc((action_t)k),
		         used ? list : "none");
		break;
	}
	default:
		return UI_HANDLED;
	}
	ui_notice(ui, text);
	return UI_REDRAW;
}

static unsigned cfg_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	cfg_screen_t *c = priv;
	unsigned r = list_handle(&c->list, ev->action);
	if (r != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_SELECT:
		return details(ui, c);
	default:
		return UI_IGNORED;
	}
}

static const struct screen_hint cfg_hints[] = {
    {KA_SELECT, "details"}, {KA_PAGE_DOWN, "scroll"}, {KA_BACK, "back"},
    {KA_HELP, "help"},      {KA_NONE, NULL},
};

const struct screen_ops screen_config = {
    .title = "Configuration",
    .private_size = sizeof(cfg_screen_t),
    .hints = cfg_hints,
    .open = cfg_open,
    .draw = cfg_draw,
    .handle = cfg_handle,
};
