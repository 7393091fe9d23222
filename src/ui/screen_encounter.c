/* screen_encounter.c - one encounter: when, type, provider, location, the
 * reason for visit, its status and coding status, and its notes (each
 * original followed by its addenda, indented; drafts marked). Enter reads
 * a note, the add key writes a new one, the status key closes an open
 * encounter (asks first). Holds the banner, the encounter and its notes'
 * first lines, read from core (which audits the views); all wiped on
 * close and on idle lock. */
#include "ui/screen_encounter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clinical.h"
#include "ui/draw.h"
#include "ui/screen_chart.h"
#include "ui/screen_note.h"
#include "ui/theme.h"
#include "ui/widget_keys.h"
#include "ui/widget_list.h"

#define NOTES_MAX 200

typedef struct nline {
	int64_t nrow, addendum_of;
	int draft;
	char text[200];
} nline_t;

typedef struct encounter {
	ui_t *ui;
	ui_banner_t banner;
	int64_t erow;
	encounter_info_t *e; /* NULL until read */
	nline_t *notes;
	int nnotes;
	int changed; /* the chart below should read its sections again */
	int asking;  /* "close this encounter?" */
	ui_list_t list;
} encounter_t;

static int enc_count(void *arg)
{
	return ((encounter_t *)arg)->nnotes;
}

static void enc_row(void *arg, WINDOW *w, int y, int x, int width, int i, int selected)
{
	encounter_t *en = arg;
	const nline_t *n = &en->notes[i];
	if (n->draft && !selected)
		wattron(w, theme_attr(TH_WARN));
	draw_text(w, y, x + 1, width - 2, n->text, 0);
	if (!selected)
		wattrset(w, theme_attr(TH_NORMAL));
}

struct note_ctx {
	encounter_t *en;
	const config_t *cfg;
};

static int take_note(const note_info_t *n, void *arg)
{
	struct note_ctx *c = arg;
	nline_t *d;
	char when[40], author[72], preview[100], line[160];
	size_t k = 0;
	const char *b = n->body ? n->body : "";
	if (c->en->nnotes == NOTES_MAX)
		return 1;
	d = &c->en->notes[c->en->nnotes++];
	memset(d, 0, sizeof *d);
	d->nrow = n->nrow;
	d->addendum_of = n->addendum_of;
	d->draft = strcmp(n->status, "signed") != 0;
	while (*b == '\n' || *b == ' ')
		b++;
	while (b[k] && b[k] != '\n' && k + 1 < sizeof line) {
		line[k] = b[k];
		k++;
	}
	line[k] = '\0';
	draw_clean(preview, sizeof preview, line);
	draw_clean(author, sizeof author, n->author);
	draw_time(when, sizeof when, n->created, c->cfg, "");
	snprintf(d->text, sizeof d->text, "%s %lld  %-6s  %-10.30s %.24s  %.80s",
	         n->addendum_of ? "    Addendum" : "Note", (long long)n->nrow,
	         d->draft ? "DRAFT" : "signed", author, when, preview);
	explicit_bzero(line, sizeof line);
	explicit_bzero(preview, sizeof preview);
	return 0;
}

static void enc_forget(ui_t *ui, void *priv)
{
	encounter_t *en = priv;
	(void)ui;
	banner_clear(&en->banner);
	if (en->e) {
		explicit_bzero(en->e, sizeof *en->e);
		free(en->e);
		en->e = NULL;
	}
	if (en->notes)
		explicit_bzero(en->notes, NOTES_MAX * sizeof *en->notes);
	en->nnotes = 0;
	en->asking = 0;
}

/* Read the encounter and its notes (audited by core). */
static status_t enc_reload(ui_t *ui, void *priv, msg_t *m)
{
	encounter_t *en = priv;
	struct note_ctx c = {en, ui_config(ui)};
	status_t ret;
	if (!en->banner.loaded && (ret = banner_load(ui, &en->banner, m)) != STATUS_OK)
		return ret;
	if (!en->e && !(en->e = calloc(1, sizeof *en->e)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = encounter_get(ui_session(ui), en->erow, en->e, m)) != STATUS_OK)
		return ret;
	en->nnotes = 0;
	ret = note_list(ui_session(ui), en->erow, take_note, &c, m);
	list_clamp(&en->list);
	en->changed = 1; /* reloaded after a change on a screen above */
	return ret;
}

static status_t enc_open(ui_t *ui, void *priv, msg_t *m)
{
	encounter_t *en = priv;
	chart_arg_t a;
	status_t ret;
	en->ui = ui;
	if (!chart_arg_get(ui, &a) || !a.erow)
		return msg_fail(m, STATUS_INVALID, "No encounter to show.");
	en->banner = a.banner;
	en->erow = a.erow;
	explicit_bzero(&a, sizeof a);
	en->list.count = enc_count;
	en->list.draw_row = enc_row;
	en->list.arg = en;
	en->list.empty = "No notes on this encounter yet.";
	if (!(en->notes = calloc(NOTES_MAX, sizeof *en->notes)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = enc_reload(ui, priv, m)) != STATUS_OK) {
		enc_forget(ui, priv);
		free(en->notes);
		en->notes = NULL;
		return ret;
	}
	en->changed = 0;
	return STATUS_OK;
}

static void enc_close(ui_t *ui, void *priv)
{
	encounter_t *en = priv;
	enc_forget(ui, priv);
	free(en->notes);
	en->notes = NULL;
}

struct wrap_at {
	WINDOW *w;
	int y, x, width, max;
};

static void wrap_line(const char *line, int n, void *arg)
{
	struct wrap_at *a = arg;
	if (n < a->max)
		draw_text(a->w, a->y + n, a->x, a->width, line, 0);
}

static void enc_draw(ui_t *ui, void *priv, WINDOW *w)
{
	encounter_t *en = priv;
	const config_t *cfg = ui_config(ui);
	const encounter_info_t *e = en->e;
	int W = getmaxx(w), H = getmaxy(w), y = BANNER_LINES + 1, n;
	char line[800], when[40], closed[40], pos[48];
	struct wrap_at at;

	banner_draw(ui, w, 0, &en->banner);
	if (!e)
		return;
	draw_time(when, sizeof when, e->start, cfg, "");
	wattrset(w, theme_attr(TH_HEADING));
	snprintf(line, sizeof line, "Encounter %lld  %s  %s", (long long)e->erow, when, e->type);
	draw_text(w, y++, 1, W - 2, line, 0);
	wattrset(w, theme_attr(TH_NORMAL));
	if (*e->provider_name) /* an imported visit names its provider's record */
		snprintf(line, sizeof line, "Provider %s (%s import; user %s)   Location %s",
		         e->provider_name, !strcmp(e->source, "synthea") ? "Synthea" : "FHIR",
		         e->provider, e->location);
	else
		snprintf(line, sizeof line, "Provider %s   Location %s   Checked in by %s",
		         e->provider, e->location, e->created_by);
	draw_text(w, y++, 1, W - 2, line, 0);
	draw_time(closed, sizeof closed, e->closed_at, cfg, "");
	if (strcmp(e->status, "closed") == 0)
		snprintf(line, sizeof line, "Status closed (%s by %s)   Coding %s", closed,
		         e->closed_by, e->coding_status);
	else
		snprintf(line, sizeof line, "Status %s   Coding %s", e->status, e->coding_status);
	draw_text(w, y++, 1, W - 2, line, 0);
	snprintf(line, sizeof line, "Reason for visit: %s", e->reason[0] ? e->reason : "-");
	at.w = w;
	at.y = y;
	at.x = 1;
	at.width = W - 2;
	at.max = 3;
	n = draw_wrap(line, W - 2, wrap_line, &at);
	y += n < 3 ? n : 3;
	y++;
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, y++, 1, W - 2, "Notes (addenda beneath their note)", 0);
	wattrset(w, theme_attr(TH_NORMAL));
	list_draw(&en->list, w, y, 0, H - y - 1, W);
	if (en->asking) {
		char yn[40];
		keys_yes_no(ui, yn, sizeof yn);
		snprintf(line, sizeof line, "Close encounter %lld? %s", (long long)e->erow, yn);
		wattrset(w, theme_attr(TH_DIALOG) | A_BOLD);
		mvwhline(w, H - 1, 0, ' ', W);
		draw_text(w, H - 1, 1, W - 2, line, 0);
		wattrset(w, theme_attr(TH_NORMAL));
		return;
	}
	line[0] = '\0';
	keys_add(ui, line, sizeof line, KA_SELECT, "read");
	if (session_can(ui_session(ui), ACT_NOTE_WRITE))
		keys_add(ui, line, sizeof line, KA_ADD, "new note");
	if (session_can(ui_session(ui), ACT_ENCOUNTER_CLOSE) && strcmp(e->status, "open") == 0)
		keys_add(ui, line, sizeof line, KA_SET_STATUS, "close encounter");
	keys_add(ui, line, sizeof line, KA_BACK, "back");
	list_position(&en->list, pos, sizeof pos);
	snprintf(line + strlen(line), sizeof line - strlen(line), "   (%s)", pos);
	wattrset(w, theme_attr(TH_HINT));
	draw_text(w, H - 1, 1, W - 2, line, 0);
	wattrset(w, theme_attr(TH_NORMAL));
}

static void open_note(ui_t *ui, encounter_t *en, int64_t nrow)
{
	chart_arg_t a;
	memset(&a, 0, sizeof a);
	a.banner = en->banner;
	a.erow = en->erow;
	a.nrow = nrow;
	ui_open_arg(ui, &screen_note, &a, sizeof a);
	explicit_bzero(&a, sizeof a);
}

static unsigned enc_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	encounter_t *en = priv;
	unsigned r;
	msg_t m;
	if (en->asking) {
		if (ev->action == KA_YES) {
			en->asking = 0;
			if (encounter_close(ui_session(ui), en->erow, &m) != STATUS_OK) {
				keys_tell(ui, UI_MSG_ERROR, m.text);
				return UI_REDRAW;
			}
			ui_message(ui, UI_MSG_OK, "%s", m.text[0] ? m.text : "Encounter closed.");
			return UI_RELOAD | UI_REDRAW;
		}
		if (ev->action == KA_NO || ev->action == KA_BACK)
			en->asking = 0;
		return UI_REDRAW;
	}
	if ((r = list_handle(&en->list, ev->action)) != UI_IGNORED)
		return r;
	/* Keys not offered to the role (core refuses them anyway). */
	if ((ev->action == KA_ADD && !session_can(ui_session(ui), ACT_NOTE_WRITE)) ||
	    (ev->action == KA_SET_STATUS && !session_can(ui_session(ui), ACT_ENCOUNTER_CLOSE))) {
		ui_message(ui, UI_MSG_WARN, "Not for your role (%s).",
		           perm_role_name(session_role(ui_session(ui))));
		return UI_REDRAW;
	}
	switch (ev->action) {
	case KA_SELECT:
		if (en->nnotes == 0)
			return UI_HANDLED;
		open_note(ui, en, en->notes[en->list.cur].nrow);
		return UI_REDRAW;
	case KA_ADD:
		open_note(ui, en, 0);
		return UI_REDRAW;
	case KA_SET_STATUS:
		if (!en->e || strcmp(en->e->status, "open") != 0) {
			ui_message(ui, UI_MSG_WARN, "This encounter is not open.");
			return UI_REDRAW;
		}
		en->asking = 1;
		return UI_REDRAW;
	case KA_RELOAD:
		return UI_RELOAD | UI_REDRAW;
	case KA_BACK:
	case KA_QUIT:
		return UI_BACK | (en->changed ? UI_RELOAD : 0);
	default:
		return UI_IGNORED;
	}
}

/* The keys that apply are drawn in the screen's last line. */
static const struct screen_hint enc_hints[] = {
    {KA_RELOAD, "read again"},
    {KA_LOCK, "lock"},
    {KA_HELP, "help"},
    {KA_NONE, NULL},
};

const struct screen_ops screen_encounter = {
    .title = "Encounter",
    .private_size = sizeof(encounter_t),
    .hints = enc_hints,
    .open = enc_open,
    .close = enc_close,
    .draw = enc_draw,
    .handle = enc_handle,
    .reload = enc_reload,
    .forget = enc_forget,
};
