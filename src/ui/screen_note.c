/* screen_note.c - one note: read it, write it in a multi-line editor
 * (widget_editor.h), save it as a draft (note_create, then note_save with
 * the version read), sign it (note_sign: its author, after a confirmation
 * or, with [clinical] sign_password, the password again), countersign
 * another's signed note (note_countersign), and add an addendum
 * to a signed note (note_create with addendum_of). Whether a note may be
 * changed, signed or amended is core's answer: editing a signed note is
 * refused with core's message.
 *
 * Holds the banner, the note's details and its text, the text only in the
 * editor's guarded memory. On idle lock unsaved text is first saved as a
 * draft (what a clinician expects of a locked screen), then everything is
 * wiped; after the unlock the note is read again. */
#include "ui/screen_note.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clinical.h"
#include "ui/draw.h"
#include "ui/screen_chart.h"
#include "ui/theme.h"
#include "ui/widget_editor.h"
#include "ui/widget_field.h"
#include "ui/widget_keys.h"

/* NT_SIGN: "Sign note N? y/n"; NT_SIGN_PW: the password typed again
 * ([clinical] sign_password); NT_COSIGN: "Countersign note N? y/n". */
typedef enum { NT_VIEW, NT_EDIT, NT_ASK, NT_SIGN, NT_SIGN_PW, NT_COSIGN } note_mode_t;

typedef struct note {
	ui_banner_t banner;
	int64_t erow, nrow, addendum_of;
	note_info_t info; /* the details; info.body is never kept */
	ui_editor_t ed;
	ui_field_t pw;     /* the password when signing asks for it (guarded) */
	note_mode_t mode;
	int changed;       /* saved or signed: the screens below read again */
	char at_lock[400]; /* what became of unsaved text at the idle lock */
} note_t;

static int is_signed(const note_t *n)
{
	return n->nrow && strcmp(n->info.status, "signed") == 0;
}

/* Read the note (core audits it): its details, and its text into the
 * editor unless `keep_text`. */
static status_t read_note(ui_t *ui, note_t *n, int keep_text, msg_t *m)
{
	note_info_t got;
	status_t ret = note_get(ui_session(ui), n->nrow, &got, m);
	if (ret != STATUS_OK)
		return ret;
	if (!keep_text && editor_set(&n->ed, got.body ? got.body : ""))
		ui_message(ui, UI_MSG_WARN,
		           "The note is longer than the editor holds; it was cut.");
	n->info = got;
	n->info.body = NULL;
	n->info.body_len = 0;
	n->erow = got.erow;
	note_info_clear(&got);
	return STATUS_OK;
}

static void view_mode(note_t *n)
{
	n->mode = NT_VIEW;
	n->ed.readonly = 1;
}

static void edit_mode(note_t *n)
{
	n->mode = NT_EDIT;
	n->ed.readonly = 0;
}

static status_t note_open(ui_t *ui, void *priv, msg_t *m)
{
	note_t *n = priv;
	chart_arg_t a;
	status_t ret;
	if (!chart_arg_get(ui, &a) || (!a.nrow && !a.erow && !a.addendum_of))
		return msg_fail(m, STATUS_INVALID, "No note to show.");
	n->banner = a.banner;
	n->erow = a.erow;
	n->nrow = a.nrow;
	n->addendum_of = a.addendum_of;
	explicit_bzero(&a, sizeof a);
	if ((ret = editor_init(&n->ed, NOTE_MAX + 1, m)) != STATUS_OK) {
		banner_clear(&n->banner);
		return ret;
	}
	if ((ret = tfield_init(&n->pw, 256, 1, m)) != STATUS_OK) {
		editor_free(&n->ed);
		banner_clear(&n->banner);
		return ret;
	}
	if (!n->nrow) {
		edit_mode(n); /* a new note or addendum: straight to writing */
		return STATUS_OK;
	}
	view_mode(n);
	if ((ret = read_note(ui, n, 0, m)) != STATUS_OK) {
		editor_free(&n->ed);
		tfield_free(&n->pw);
		banner_clear(&n->banner);
	}
	return ret;
}

/* Save what the editor holds: a new draft, or the draft's next version. */
static status_t save(ui_t *ui, note_t *n, msg_t *m)
{
	status_t ret;
	if (!n->nrow) {
		ret = note_create(ui_session(ui), n->erow, n->addendum_of, editor_text(&n->ed),
		                  &n->nrow, m);
	} else {
		ret = note_save(ui_session(ui), n->nrow, editor_text(&n->ed), n->info.version, m);
	}
	if (ret == STATUS_OK) {
		msg_t ignore;
		editor_saved(&n->ed);
		n->changed = 1;
		/* The new version number, for the next save or the signature. */
		read_note(ui, n, 1, &ignore);
	}
	return ret;
}

static void note_forget(ui_t *ui, void *priv)
{
	note_t *n = priv;
	msg_t m;
	n->at_lock[0] = '\0';
	if (n->mode != NT_VIEW && n->ed.dirty && editor_text(&n->ed)[0]) {
		/* The session is still open here: keep the clinician's work. */
		if (save(ui, n, &m) == STATUS_OK)
			snprintf(
			    n->at_lock, sizeof n->at_lock,
			    "Your unsaved text was saved as draft %lld when the screen locked.",
			    (long long)n->nrow);
		else
			snprintf(
			    n->at_lock, sizeof n->at_lock,
			    "Your unsaved text could not be saved when the screen locked: %.300s",
			    m.text);
	}
	editor_clear(&n->ed);
	tfield_clear(&n->pw);
	banner_clear(&n->banner);
	explicit_bzero(&n->info, sizeof n->info);
	if (n->nrow)
		view_mode(n);
	else
		edit_mode(n);
}

static void note_close(ui_t *ui, void *priv)
{
	note_t *n = priv;
	(void)ui;
	editor_free(&n->ed);
	tfield_free(&n->pw);
	banner_clear(&n->banner);
	explicit_bzero(&n->info, sizeof n->info);
}

static status_t note_reload(ui_t *ui, void *priv, msg_t *m)
{
	note_t *n = priv;
	status_t ret;
	if (!n->banner.loaded && (ret = banner_load(ui, &n->banner, m)) != STATUS_OK)
		return ret;
	if (n->nrow && n->mode == NT_VIEW && (ret = read_note(ui, n, 0, m)) != STATUS_OK)
		return ret;
	if (n->at_lock[0]) {
		ui_message(ui, UI_MSG_WARN, "%s", n->at_lock);
		n->at_lock[0] = '\0';
	}
	return STATUS_OK;
}

static int note_typing(const void *priv)
{
	note_mode_t mode = ((const note_t *)priv)->mode;
	return mode == NT_EDIT || mode == NT_SIGN_PW;
}

static void note_draw(ui_t *ui, void *priv, WINDOW *w)
{
	note_t *n = priv;
	const config_t *cfg = ui_config(ui);
	int W = getmaxx(w), H = getmaxy(w), y = BANNER_LINES;
	char line[400], when[40], pos[48], author[72];

	banner_draw(ui, w, 0, &n->banner);
	wattrset(w, theme_attr(TH_HEADING));
	if (!n->nrow) {
		if (n->addendum_of)
			snprintf(line, sizeof line, "Addendum to note %lld (not saved yet)",
			         (long long)n->addendum_of);
		else
			snprintf(line, sizeof line, "New note on encounter %lld (not saved yet)",
			         (long long)n->erow);
	} else if (is_signed(n)) {
		draw_time(when, sizeof when, n->info.signed_at, cfg, "");
		draw_clean(author, sizeof author, n->info.signed_by);
		snprintf(line, sizeof line, "%s %lld, encounter %lld - SIGNED by %s, %s",
		         n->info.addendum_of ? "Addendum" : "Note", (long long)n->nrow,
		         (long long)n->erow, author, when);
	} else {
		draw_time(when, sizeof when, n->info.updated[0] ? n->info.updated : n->info.created,
		          cfg, "");
		draw_clean(author, sizeof author, n->info.author);
		snprintf(line, sizeof line, "%s %lld, encounter %lld - DRAFT by %s, version %d, %s",
		         n->info.addendum_of ? "Addendum" : "Note", (long long)n->nrow,
		         (long long)n->erow, author, n->info.version, when);
	}
	if (n->info.addendum_of && n->nrow) {
		size_t used = strlen(line);
		snprintf(line + used, sizeof line - used, " (to note %lld)",
		         (long long)n->info.addendum_of);
	}
	draw_text(w, y, 1, W - 2, line, 0);
	wattrset(w, theme_attr(TH_NORMAL));
	mvwhline(w, y + 1, 0, '-', W);
	editor_draw(ui, &n->ed, w, y + 2, 1, H - y - 3, W - 2, n->mode == NT_EDIT);
	if (!editor_text(&n->ed)[0] && n->mode == NT_VIEW)
		draw_text(w, y + 2, 1, W - 2, "(empty)", 0);

	line[0] = '\0';
	if (n->mode == NT_SIGN_PW) {
		snprintf(line, sizeof line, "Your password to sign note %lld (Esc cancels): ",
		         (long long)n->nrow);
		wattrset(w, theme_attr(TH_DIALOG) | A_BOLD);
		mvwhline(w, H - 1, 0, ' ', W);
		draw_text(w, H - 1, 1, W - 2, line, 0);
		wattrset(w, theme_attr(TH_NORMAL));
		tfield_draw(ui, w, H - 1, 1 + (int)strlen(line), W - 2 - (int)strlen(line), &n->pw, 1);
		return;
	}
	if (n->mode == NT_ASK || n->mode == NT_SIGN || n->mode == NT_COSIGN) {
		char yn[40];
		keys_yes_no(ui, yn, sizeof yn);
		if (n->mode == NT_SIGN)
			snprintf(line, sizeof line,
			         "Sign note %lld as %s? A signed note can never be changed. %s",
			         (long long)n->nrow, session_user_name(ui_session(ui)), yn);
		else if (n->mode == NT_COSIGN)
			snprintf(line, sizeof line, "Countersign note %lld as %s? %s",
			         (long long)n->nrow, session_user_name(ui_session(ui)), yn);
		else
			snprintf(line, sizeof line, "Discard what you typed since the last save? %s",
			         yn);
		wattrset(w, theme_attr(TH_DIALOG) | A_BOLD);
		mvwhline(w, H - 1, 0, ' ', W);
		draw_text(w, H - 1, 1, W - 2, line, 0);
		wattrset(w, theme_attr(TH_NORMAL));
		return;
	}
	if (n->mode == NT_EDIT) {
		keys_add(ui, line, sizeof line, KA_SAVE, "save draft");
		keys_add(ui, line, sizeof line, KA_BACK, "done");
	} else {
		session_t *s = ui_session(ui);
		if (!is_signed(n) && session_can(s, ACT_NOTE_WRITE))
			keys_add(ui, line, sizeof line, KA_EDIT, "edit");
		if (!is_signed(n) && strcmp(n->info.author, session_user_name(s)) == 0 &&
		    (session_can(s, ACT_NOTE_SIGN) || session_can(s, ACT_NOTE_WRITE)))
			keys_add(ui, line, sizeof line, KA_SIGN, "sign");
		if (is_signed(n) && !n->info.addendum_of &&
		    strcmp(n->info.author, session_user_name(s)) != 0 &&
		    session_can(s, ACT_NOTE_SIGN))
			keys_add(ui, line, sizeof line, KA_SIGN, "countersign");
		if (is_signed(n) && session_can(s, ACT_NOTE_WRITE))
			keys_add(ui, line, sizeof line, KA_ADD, "addendum");
		keys_add(ui, line, sizeof line, KA_DOWN, "scroll");
		keys_add(ui, line, sizeof line, KA_BACK, "back");
	}
	editor_position(&n->ed, pos, sizeof pos);
	snprintf(line + strlen(line), sizeof line - strlen(line), "%s(%s%s)", line[0] ? "   " : "",
	         pos, n->mode == NT_EDIT && n->ed.dirty ? ", not saved" : "");
	wattrset(w, theme_attr(TH_HINT));
	draw_text(w, H - 1, 1, W - 2, line, 0);
	wattrset(w, theme_attr(TH_NORMAL));
}

static unsigned leave_edit(ui_t *ui, note_t *n)
{
	msg_t m;
	if (!n->nrow)
		return UI_BACK | (n->changed ? UI_RELOAD : 0); /* nothing was ever saved */
	view_mode(n);
	/* Show the note as saved, not what was typed after. */
	if (read_note(ui, n, 0, &m) != STATUS_OK)
		keys_tell(ui, UI_MSG_ERROR, m.text);
	return UI_REDRAW;
}

static unsigned edit_handle(ui_t *ui, note_t *n, const ui_event_t *ev)
{
	unsigned r;
	msg_t m;
	if (ev->action == KA_SAVE) {
		ui_busy(ui, "Saving...");
		if (save(ui, n, &m) != STATUS_OK)
			keys_tell(ui, UI_MSG_ERROR, m.text);
		else
			ui_message(ui, UI_MSG_OK, "%s", m.text);
		return UI_REDRAW;
	}
	if ((r = editor_handle(ui, &n->ed, ev)) != UI_IGNORED)
		return r;
	if (ev->action == KA_BACK) {
		if (n->ed.dirty) {
			n->mode = NT_ASK;
			return UI_REDRAW;
		}
		return leave_edit(ui, n);
	}
	return UI_HANDLED;
}

static void open_addendum(ui_t *ui, note_t *n)
{
	chart_arg_t a;
	memset(&a, 0, sizeof a);
	a.banner = n->banner;
	a.erow = n->erow;
	/* An addendum amends the original note, also when read from an addendum. */
	a.addendum_of = n->info.addendum_of ? n->info.addendum_of : n->nrow;
	n->changed = 1; /* the screens below list the addendum once saved */
	ui_open_arg(ui, &screen_note, &a, sizeof a);
	explicit_bzero(&a, sizeof a);
}

static unsigned view_handle(ui_t *ui, note_t *n, const ui_event_t *ev)
{
	unsigned r;
	msg_t m;
	status_t st;
	if ((r = editor_handle(ui, &n->ed, ev)) != UI_IGNORED)
		return r;
	/* Writing is not offered to roles without it (core refuses anyway). */
	if ((ev->action == KA_EDIT || ev->action == KA_ADD) &&
	    !session_can(ui_session(ui), ACT_NOTE_WRITE)) {
		ui_message(ui, UI_MSG_WARN, "Not for your role (%s).",
		           perm_role_name(session_role(ui_session(ui))));
		return UI_REDRAW;
	}
	switch (ev->action) {
	case KA_EDIT:
		if (is_signed(n)) {
			/* Core has the last word on a signed note: ask it. */
			st = note_save(ui_session(ui), n->nrow, editor_text(&n->ed),
			               n->info.version, &m);
			keys_tell(ui, st == STATUS_OK ? UI_MSG_WARN : UI_MSG_ERROR, m.text);
			return UI_REDRAW;
		}
		edit_mode(n);
		return UI_REDRAW;
	case KA_SIGN:
		if (is_signed(n)) {
			if (strcmp(n->info.author, session_user_name(ui_session(ui))) == 0 ||
			    n->info.addendum_of) {
				ui_message(ui, UI_MSG_WARN,
				           "This note is signed; add an addendum to correct it.");
				return UI_REDRAW;
			}
			n->mode = NT_COSIGN; /* core checks the permission */
			return UI_REDRAW;
		}
		if (strcmp(n->info.author, session_user_name(ui_session(ui))) != 0) {
			/* Core's refusal, with whose note it is and what to do. */
			st = note_sign(ui_session(ui), n->nrow, n->info.version, &m);
			keys_tell(ui, st == STATUS_OK ? UI_MSG_OK : UI_MSG_ERROR, m.text);
			return UI_REDRAW;
		}
		if (ui_config(ui)->sign_password) {
			tfield_clear(&n->pw);
			n->mode = NT_SIGN_PW;
		} else {
			n->mode = NT_SIGN;
		}
		return UI_REDRAW;
	case KA_ADD:
		if (!is_signed(n)) {
			ui_message(ui, UI_MSG_WARN,
			           "This note is a draft: edit it; addenda are for signed notes.");
			return UI_REDRAW;
		}
		open_addendum(ui, n);
		return UI_REDRAW;
	case KA_RELOAD:
		if ((st = read_note(ui, n, 0, &m)) != STATUS_OK)
			keys_tell(ui, UI_MSG_ERROR, m.text);
		return UI_REDRAW;
	case KA_BACK:
	case KA_QUIT:
		return UI_BACK | (n->changed ? UI_RELOAD : 0);
	default:
		return UI_IGNORED;
	}
}

/* Sign (after the confirmation or the password), or countersign. */
static unsigned do_sign(ui_t *ui, note_t *n, int cosign)
{
	msg_t m;
	status_t st;
	int64_t add = 0;
	view_mode(n);
	ui_busy(ui, cosign ? "Countersigning..." : "Signing...");
	if (cosign)
		st = note_countersign(ui_session(ui), n->nrow, &add, &m);
	else
		st = note_sign(ui_session(ui), n->nrow, n->info.version, &m);
	keys_tell(ui, st == STATUS_OK ? UI_MSG_OK : UI_MSG_ERROR, m.text);
	if (st == STATUS_OK) {
		msg_t ignore;
		n->changed = 1;
		read_note(ui, n, 1, &ignore);
	}
	return UI_REDRAW;
}

static unsigned sign_pw_handle(ui_t *ui, note_t *n, const ui_event_t *ev)
{
	msg_t m;
	status_t st;
	if (ev->action == KA_BACK) {
		tfield_clear(&n->pw);
		view_mode(n);
		ui_message(ui, UI_MSG_WARN, "Not signed.");
		return UI_REDRAW;
	}
	if (ev->action == KA_SELECT) {
		ui_busy(ui, "Checking your password...");
		st = session_confirm_password(ui_session(ui), tfield_text(&n->pw), &m);
		tfield_clear(&n->pw);
		if (st != STATUS_OK) {
			view_mode(n);
			keys_tell(ui, UI_MSG_ERROR, m.text);
			return UI_REDRAW;
		}
		return do_sign(ui, n, 0);
	}
	tfield_handle(ui, &n->pw, ev);
	return UI_REDRAW;
}

static unsigned note_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	note_t *n = priv;
	switch (n->mode) {
	case NT_SIGN:
	case NT_COSIGN:
		if (ev->action == KA_YES)
			return do_sign(ui, n, n->mode == NT_COSIGN);
		if (ev->action == KA_NO || ev->action == KA_BACK) {
			view_mode(n);
			ui_message(ui, UI_MSG_WARN, "Not signed.");
		}
		return UI_REDRAW;
	case NT_SIGN_PW:
		return sign_pw_handle(ui, n, ev);
	case NT_EDIT:
		return edit_handle(ui, n, ev);
	case NT_ASK:
		if (ev->action == KA_YES) {
			editor_saved(&n->ed);
			n->mode = NT_EDIT;
			return leave_edit(ui, n);
		}
		if (ev->action == KA_NO || ev->action == KA_BACK)
			n->mode = NT_EDIT;
		return UI_REDRAW;
	default:
		return view_handle(ui, n, ev);
	}
}

/* The keys that apply are drawn in the screen's last line. */
static const struct screen_hint note_hints[] = {
    {KA_LOCK, "lock"},
    {KA_HELP, "help"},
    {KA_NONE, NULL},
};

const struct screen_ops screen_note = {
    .title = "Note",
    .private_size = sizeof(note_t),
    .hints = note_hints,
    .open = note_open,
    .close = note_close,
    .draw = note_draw,
    .handle = note_handle,
    .reload = note_reload,
    .forget = note_forget,
    .typing = note_typing,
};
