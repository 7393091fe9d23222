/* screen_chart.c - a patient's chart: the banner, and sections chosen with
 * Tab/BTab or Left/Right: Demographics (viewed, and edited in place with
 * the same checks as registration), and for roles with clinical access
 * Encounters, Vitals (a table and a trend), Allergies, Medications,
 * Problems and Notes. Opening goes through core's patient_open (audited);
 * a confidential chart first asks for a break-the-glass reason, and Esc
 * there opens nothing. Each clinical section is read from core when first
 * shown (core audits the view) and again after a change.
 *
 * Holds the opened record, the banner, the sections' rows and any typed
 * text (edits, the reason); all of it is wiped on close and on idle lock,
 * and read again after the unlock. Which sections and keys are offered
 * follows session_can; core checks every action again. */
#include "ui/screen_chart.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/amendment.h"
#include "core/chart_track.h"
#include "core/clinical.h"
#include "core/merge_list.h"
#include "core/patient.h"
#include "ui/chart_sections.h"
#include "ui/draw.h"
#include "ui/screen_checkin.h"
#include "ui/screen_encounter.h"
#include "ui/screen_privacy.h"
#include "ui/screen_item.h"
#include "ui/screen_note.h"
#include "ui/screen_vitals.h"
#include "ui/theme.h"
#include "ui/widget_keys.h"
#include "ui/widget_field.h"
#include "ui/widget_list.h"
#include "ui/widget_pform.h"

#define REASON_CAP 256
typedef enum { CH_VIEW, CH_BTG, CH_EDIT, CH_ASK, CH_STATUS } chart_mode_t;
typedef enum { ASK_NONE, ASK_CLOSE_ENC, ASK_NKA, ASK_DISCARD } ask_t;

typedef struct chart {
	ui_t *ui;
	char id[33];
	int checkin;  /* open the check-in form once the chart is open */
	patient_t *p; /* the opened record; NULL until opened and after a lock */
	ui_banner_t banner;
	chart_mode_t mode;
	msg_t btg_why;     /* core's explanation */
	ui_field_t reason; /* break-the-glass */

	int secs[SEC_COUNT], nsecs; /* the sections this role sees */
	int sec;                    /* index into secs */
	chart_sections_t cs;        /* their rows */

	ui_pform_t form; /* demographics editing */
	int form_ready;

	ask_t ask;
	char ask_text[200];
	int64_t ask_row;
	int st_kind; /* the status chooser */
	int64_t st_row;
	int st_choice;
	/* Amendments and statements of disagreement on the chart (issue 12):
	 * the parts they concern, shown on the demographics page. */
	char marks[6][160];
	int nmarks;
	char paper[240]; /* HIM: where the paper chart is (core/chart_track.h) */
	/* Opened for a chart merged into this one (core/merge_list.h): that
	 * chart's id, and the notice under the banner ("" otherwise; wiped
	 * on idle lock, read again with the record). */
	char from_id[33];
	char merged[200];
} chart_t;

static int take_mark(const amendment_info_t *a, void *arg)
{
	chart_t *c = arg;
	char line[400];
	if (c->nmarks >= 6)
		return 1;
	if (strcmp(a->status, "accepted") == 0)
		snprintf(line, sizeof line, "%s%s%s: AMENDED (request %lld, %s): %.200s", a->section,
			 a->ref[0] ? " record " : "", a->ref, (long long)a->n, a->decided,
			 a->amendment);
	else
		snprintf(line, sizeof line,
			 "%s%s%s: DISAGREEMENT on file (amendment request %lld denied %s): %.160s",
			 a->section, a->ref[0] ? " record " : "", a->ref, (long long)a->n, a->decided,
			 a->disagreement);
	draw_clean(c->marks[c->nmarks++], sizeof c->marks[0], line);
	explicit_bzero(line, sizeof line);
	return 0;
}

static void load_marks(ui_t *ui, chart_t *c)
{
	msg_t m;
	explicit_bzero(c->marks, sizeof c->marks);
	c->nmarks = 0;
	if (amendment_chart_marks(ui_session(ui), c->id, take_mark, c, &m) != STATUS_OK)
		c->nmarks = 0; /* the chart opens without them; core said why in the audit */
}

static const char *const statuses[3][3] = {
    {"active", "inactive", "entered-in-error"},
    {"active", "stopped", "entered-in-error"},
    {"active", "resolved", "entered-in-error"},
};

static int cur_sec(const chart_t *c)
{
	return c->secs[c->sec];
}

/* ---- opening ------------------------------------------------------------ */

static void open_checkin(ui_t *ui, chart_t *c)
{
	chart_arg_t a;
	memset(&a, 0, sizeof a);
	a.banner = c->banner;
	ui_open_arg(ui, &screen_checkin, &a, sizeof a);
	explicit_bzero(&a, sizeof a);
}

/* The record is open: show it. */
static void opened(ui_t *ui, chart_t *c)
{
	c->mode = CH_VIEW;
	banner_set(ui, &c->banner, c->p);
	if (c->checkin) {
		c->checkin = 0;
		open_checkin(ui, c);
	}
}

/* Where the paper volumes are, for HIM (who runs the file room). */
struct where_ctx {
	char *buf;
	size_t size, used;
};

static int where_one(const track_event_t *e, const char *home, void *arg)
{
	struct where_ctx *w = arg;
	int n;
	if (strcmp(e->event, "out") == 0)
		n = snprintf(w->buf + w->used, w->size - w->used, "%svol %d OUT to %s, due %s%s",
		             w->used ? "; " : "", e->volume, e->place, e->due,
		             e->days_overdue > 0 ? " OVERDUE" : "");
	else
		n = snprintf(w->buf + w->used, w->size - w->used, "%svol %d in %s",
		             w->used ? "; " : "", e->volume, home);
	if (n > 0 && (size_t)n < w->size - w->used)
		w->used += (size_t)n;
	return 0;
}

static void paper_load(ui_t *ui, chart_t *c)
{
	struct where_ctx w = {c->paper, sizeof c->paper, 0};
	msg_t m;
	c->paper[0] = '\0';
	if (!session_can(ui_session(ui), ACT_HIM_RECORDS))
		return;
	if (track_where(ui_session(ui), c->id, where_one, &w, &m) != STATUS_OK)
		snprintf(c->paper, sizeof c->paper, "(%.200s)", m.text);
	else if (!c->paper[0])
		snprintf(c->paper, sizeof c->paper, "not registered");
}

/* The notice under the banner when this chart was opened for one merged
 * into it: read again with the record (the merge may have been undone
 * since). */
static void merged_load(ui_t *ui, chart_t *c)
{
	merge_redirect_t rd;
	msg_t m;
	c->merged[0] = '\0';
	if (!c->from_id[0])
		return;
	if (merge_redirect(ui_session(ui), c->from_id, &rd, &m) != STATUS_OK)
		snprintf(c->merged, sizeof c->merged, "(%.190s)", m.text);
	else if (rd.id && strcmp(rd.survivor_id, c->id) == 0)
		snprintf(c->merged, sizeof c->merged,
		         "MRN %s was merged into this chart on %s (merge %lld).", rd.retired_mrn,
		         rd.merged_on, (long long)rd.id);
	explicit_bzero(&rd, sizeof rd);
}

/* patient_open with the reason (NULL at first). */
static status_t try_open(ui_t *ui, chart_t *c, const char *reason, msg_t *m)
{
	status_t st;
	if (!c->p && !(c->p = calloc(1, sizeof *c->p)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory opening the chart.");
	st = patient_open(ui_session(ui), c->id, reason, c->p, m);
	if (st == STATUS_OK) {
		load_marks(ui, c);
		paper_load(ui, c);
		merged_load(ui, c);
		opened(ui, c);
		return st;
	}
	explicit_bzero(c->p, sizeof *c->p);
	free(c->p);
	c->p = NULL;
	return st;
}

static void choose_sections(ui_t *ui, chart_t *c)
{
	c->nsecs = 0;
	c->secs[c->nsecs++] = SEC_DEMO;
	/* Clinical sections only for roles that may see them; core refuses
	 * the others anyway. */
	if (session_can(ui_session(ui), ACT_CLINICAL_VIEW))
		for (int s = SEC_ENC; s < SEC_COUNT; s++)
			c->secs[c->nsecs++] = s;
	if (c->sec >= c->nsecs)
		c->sec = 0;
	c->cs.shown = cur_sec(c);
}

static status_t chart_open_screen(ui_t *ui, void *priv, msg_t *m)
{
	chart_t *c = priv;
	chart_arg_t a;
	status_t st;
	c->ui = ui;
	if (!chart_arg_get(ui, &a))
		return msg_fail(m, STATUS_INVALID, "No patient to open.");
	snprintf(c->id, sizeof c->id, "%s", a.banner.id);
	c->checkin = a.checkin;
	explicit_bzero(&a, sizeof a);
	/* A chart merged into another (a merge in force) opens the chart it
	 * went to, saying so; core checks the merge's record (an altered one
	 * opens nothing) and audits the open of the survivor as any open. */
	{
		merge_redirect_t rd;
		if ((st = merge_redirect(ui_session(ui), c->id, &rd, m)) != STATUS_OK)
			return st;
		if (rd.id) {
			snprintf(c->from_id, sizeof c->from_id, "%s", c->id);
			snprintf(c->id, sizeof c->id, "%s", rd.survivor_id);
			ui_message(ui, UI_MSG_WARN,
			           "Opened MRN %s: MRN %s was merged into it (merge %lld).",
			           rd.survivor_mrn, rd.retired_mrn, (long long)rd.id);
		}
		explicit_bzero(&rd, sizeof rd);
	}
	snprintf(c->banner.id, sizeof c->banner.id, "%s", c->id);
	sections_init(&c->cs, ui, c->id);
	choose_sections(ui, c);
	if ((st = tfield_init(&c->reason, REASON_CAP, 0, m)) != STATUS_OK)
		return st;
	st = try_open(ui, c, NULL, m);
	if (st == STATUS_BTG_REQUIRED) {
		/* Nothing of the chart is shown until a reason is given. */
		c->btg_why = *m;
		c->mode = CH_BTG;
		msg_clear(m);
		return STATUS_OK;
	}
	if (st != STATUS_OK)
		tfield_free(&c->reason);
	return st;
}

void chart_open(ui_t *ui, const char *id, int checkin)
{
	chart_arg_t a;
	memset(&a, 0, sizeof a);
	snprintf(a.banner.id, sizeof a.banner.id, "%s", id);
	a.checkin = checkin;
	ui_open_arg(ui, &screen_chart, &a, sizeof a);
}

int chart_arg_get(ui_t *ui, chart_arg_t *out)
{
	size_t size;
	const void *a = ui_arg(ui, &size);
	memset(out, 0, sizeof *out);
	if (!a || size != sizeof *out)
		return 0;
	memcpy(out, a, sizeof *out);
	out->banner.id[sizeof out->banner.id - 1] = '\0';
	return out->banner.id[0] != '\0';
}

static void chart_forget(ui_t *ui, void *priv)
{
	chart_t *c = priv;
	(void)ui;
	if (c->p) {
		explicit_bzero(c->p, sizeof *c->p);
		free(c->p);
		c->p = NULL;
	}
	banner_clear(&c->banner);
	sections_drop(&c->cs);
	if (c->form_ready)
		pform_clear(&c->form);
	tfield_clear(&c->reason);
	explicit_bzero(c->ask_text, sizeof c->ask_text);
	explicit_bzero(c->paper, sizeof c->paper);
	explicit_bzero(c->merged, sizeof c->merged);
	if (c->mode != CH_BTG)
		c->mode = CH_VIEW; /* edits are dropped with the rest */
	c->ask = ASK_NONE;
}

static void chart_close(ui_t *ui, void *priv)
{
	chart_t *c = priv;
	chart_forget(ui, priv);
	if (c->form_ready)
		pform_free(&c->form);
	tfield_free(&c->reason);
}

/* After a change made on a screen opened from here, and after an unlock:
 * read the record again if it was dropped, else only the allergy line, and
 * the sections again as they are shown. */
static status_t chart_reload(ui_t *ui, void *priv, msg_t *m)
{
	chart_t *c = priv;
	status_t st;
	choose_sections(ui, c);
	if (c->mode == CH_BTG)
		return STATUS_OK;
	if (!c->p) {
		if ((st = try_open(ui, c, NULL, m)) != STATUS_OK)
			return st;
	} else {
		banner_allergies(ui, &c->banner);
		paper_load(ui, c);
	}
	sections_drop(&c->cs);
	sections_load(&c->cs, cur_sec(c));
	return STATUS_OK;
}

/* ---- drawing ------------------------------------------------------------ */

/* Shorter names for the tabs of a narrow terminal. */
static const char *const short_name[SEC_COUNT] = {
    "Demo", "Visits", "Vitals", "Allergy", "Meds", "Problems", "Notes",
};

static void draw_tabs(chart_t *c, WINDOW *w, int y)
{
	int x = 1, W = getmaxx(w), total = 0, shorter;
	for (int i = 0; i < c->nsecs; i++)
		total += draw_width(chart_section_name[c->secs[i]]) + 2;
	/* Every section's name must show: below ~80 columns the short ones. */
	shorter = total > W - 2;
	for (int i = 0; i < c->nsecs && x < W - 1; i++) {
		const char *name = (shorter ? short_name : chart_section_name)[c->secs[i]];
		int sel = i == c->sec;
		wattrset(w, theme_attr(sel ? TH_SELECTED : TH_NORMAL) | (sel ? A_BOLD : 0));
		mvwaddch(w, y, x, sel ? '[' : ' ');
		x += 1 + draw_text(w, y, x + 1, W - 2 - x, name, 0);
		mvwaddch(w, y, x, sel ? ']' : ' ');
		x += 1;
	}
	wattrset(w, theme_attr(TH_NORMAL));
}

/* The Demographics section, read-only: a line per kind of information. */
static void draw_demo(chart_t *c, WINDOW *w, int y, int h)
{
	const patient_t *p = c->p;
	const config_t *cfg = ui_config(c->ui);
	int W = getmaxx(w), line = 0, age, dead = 0;
	char v[4 * PATIENT_FIELD_MAX], d1[32], d2[48], ssn[16];
	struct {
		const char *label;
		char *text;
	} lines[12];
	int n = 0;
	char buf[12][8 * PATIENT_FIELD_MAX];

#define LINE(lbl, ...)                                                                             \
	do {                                                                                       \
		snprintf(buf[n], sizeof buf[n], __VA_ARGS__);                                      \
		lines[n].label = lbl;                                                              \
		lines[n].text = buf[n];                                                            \
		n++;                                                                               \
	} while (0)
	banner_name(p->f[PF_LAST], p->f[PF_FIRST], p->f[PF_MIDDLE], p->f[PF_SUFFIX], v, sizeof v);
	LINE("Name", "%s", v);
	patient_date_display(cfg, p->f[PF_DOB], d1, sizeof d1);
	age = patient_shown_age(p->f[PF_DOB], p->f[PF_DEATH], NULL, &dead);
	if (age >= 0 && !dead)
		snprintf(d2, sizeof d2, " (%d y)", age);
	else
		d2[0] = '\0';
	LINE("Born", "%s%s   Sex %s   Language %s", d1, d2, p->f[PF_SEX],
	     p->f[PF_LANGUAGE][0] ? p->f[PF_LANGUAGE] : "-");
	{
		/* The parts there are, joined: "12 Elm St, Apt 4, Cambridge, MA 02139". */
		const char *part[] = {p->f[PF_ADDR1], p->f[PF_ADDR2], p->f[PF_CITY],
		                      p->f[PF_STATE]};
		size_t o = 0;
		v[0] = '\0';
		for (int i = 0; i < 4; i++)
			if (part[i][0] && o < sizeof v)
				o += (size_t)snprintf(v + o, sizeof v - o, "%s%s", o ? ", " : "",
				                      part[i]);
		if (p->f[PF_ZIP][0] && o < sizeof v)
			snprintf(v + o, sizeof v - o, "%s%s", o ? " " : "", p->f[PF_ZIP]);
		LINE("Address", "%s", v[0] ? v : "-");
	}
	LINE("Phones", "home %s   mobile %s", p->f[PF_PHONE_HOME][0] ? p->f[PF_PHONE_HOME] : "-",
	     p->f[PF_PHONE_MOBILE][0] ? p->f[PF_PHONE_MOBILE] : "-");
	LINE("Email", "%s", p->f[PF_EMAIL][0] ? p->f[PF_EMAIL] : "-");
	/* The SSN masked but for the last four, as everywhere. */
	if (strlen(p->f[PF_SSN]) >= 4)
		snprintf(ssn, sizeof ssn, "***-**-%s", p->f[PF_SSN] + strlen(p->f[PF_SSN]) - 4);
	else
		snprintf(ssn, sizeof ssn, "-");
	LINE("SSN", "%s", ssn);
	LINE("Insurance", "%s%s%s", p->f[PF_PAYER][0] ? p->f[PF_PAYER] : "-",
	     p->f[PF_MEMBER_ID][0] ? "   member " : "", p->f[PF_MEMBER_ID]);
	LINE("Emergency", "%s%s%s%s %s", p->f[PF_EC_NAME][0] ? p->f[PF_EC_NAME] : "-",
	     p->f[PF_EC_RELATION][0] ? " (" : "", p->f[PF_EC_RELATION],
	     p->f[PF_EC_RELATION][0] ? ")" : "", p->f[PF_EC_PHONE]);
	patient_date_display(cfg, p->f[PF_DEATH], d1, sizeof d1);
	if (dead && age >= 0)
		LINE("Died", "%s, at %d   DECEASED", d1, age);
	else
		LINE("Died", "%s", dead ? d1 : "-");
	LINE("Confidential", "%s",
	     p->confidential ? "yes (break-the-glass for roles without access)" : "no");
	draw_time(d2, sizeof d2, p->updated, cfg, "?");
	LINE("Record", "version %d, saved %s by %s", p->version, d2, p->updated_by);
	if (c->paper[0])
		LINE("Paper chart", "%s", c->paper);
#undef LINE
	for (int i = 0; i < n && line < h; i++, line++) {
		wattrset(w, theme_attr(TH_HEADING));
		draw_text(w, y + line, 1, 14, lines[i].label, 0);
		wattrset(w, theme_attr(TH_NORMAL));
		draw_text(w, y + line, 16, W - 17, lines[i].text, 0);
	}
	if (c->nmarks && line + 1 < h) {
		wattrset(w, theme_attr(TH_HEADING));
		draw_text(w, y + ++line, 1, W - 2, "Amendments and statements of disagreement", 0);
		wattrset(w, theme_attr(TH_WARN));
		for (int i = 0; i < c->nmarks && ++line < h; i++)
			draw_text(w, y + line, 1, W - 2, c->marks[i], 0);
		wattrset(w, theme_attr(TH_NORMAL));
	}
	explicit_bzero(buf, sizeof buf);
	explicit_bzero(v, sizeof v);
	explicit_bzero(ssn, sizeof ssn);
}

/* What each section offers: the key, its label, and the permission
 * that shows it (ACT_COUNT: everyone). Only session_can decides what is
 * shown; core checks each action again. */
static const struct offer {
	int sec; /* -1: every section */
	keyact_t a;
	const char *label;
	action_t needs;
} offers[] = {
    {-1, KA_NEXT_FIELD, "next section", ACT_COUNT},
    {SEC_DEMO, KA_EDIT, "edit", ACT_PATIENT_EDIT},
    {SEC_ENC, KA_SELECT, "details and notes", ACT_COUNT},
    {SEC_ENC, KA_SET_STATUS, "close", ACT_ENCOUNTER_CLOSE},
    {SEC_VITALS, KA_ADD, "record vitals", ACT_VITALS_RECORD},
    {SEC_ALLERGY, KA_ADD, "add", ACT_ALLERGY_RECORD},
    {SEC_ALLERGY, KA_SET_STATUS, "status", ACT_ALLERGY_RECORD},
    {SEC_ALLERGY, KA_NO_ALLERGIES, "none known", ACT_ALLERGY_RECORD},
    {SEC_MED, KA_ADD, "add", ACT_MEDICATION_RECORD},
    {SEC_MED, KA_SET_STATUS, "status", ACT_MEDICATION_RECORD},
    {SEC_PROBLEM, KA_ADD, "add", ACT_PROBLEM_RECORD},
    {SEC_PROBLEM, KA_SET_STATUS, "status", ACT_PROBLEM_RECORD},
    {SEC_NOTES, KA_SELECT, "read", ACT_COUNT},
    {SEC_NOTES, KA_ADD, "new note", ACT_NOTE_WRITE},
    {-1, KA_CHECK_IN, "check in", ACT_ENCOUNTER_CHECKIN},
    {-1, KA_ACCESS_REPORT, "who opened it", ACT_AUDIT_REVIEW},
    {-1, KA_BACK, "back", ACT_COUNT},
};
#define NOFFERS (sizeof offers / sizeof offers[0])

/* 1: offered here to this role; 0: offered here, not to this role;
 * -1: not a key of this section. */
static int offered(ui_t *ui, const chart_t *c, keyact_t a)
{
	for (size_t i = 0; i < NOFFERS; i++)
		if (offers[i].a == a && (offers[i].sec == -1 || offers[i].sec == cur_sec(c)))
			return offers[i].needs == ACT_COUNT ||
			       session_can(ui_session(ui), offers[i].needs);
	return -1;
}

/* The keys this section offers, "a add  x status  ...", for the footer. */
static void section_keys(ui_t *ui, chart_t *c, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < NOFFERS; i++) {
		const struct offer *o = &offers[i];
		if (o->sec != -1 && o->sec != cur_sec(c))
			continue;
		if (o->a == KA_NEXT_FIELD && c->nsecs < 2)
			continue;
		if (offered(ui, c, o->a) == 1)
			keys_add(ui, buf, size, o->a, o->label);
	}
}

struct wrap_at {
	WINDOW *w;
	int y, x, width;
};

static void wrap_line(const char *line, int n, void *arg)
{
	struct wrap_at *a = arg;
	draw_text(a->w, a->y + n, a->x, a->width, line, 0);
}

static void draw_btg_screen(ui_t *ui, chart_t *c, WINDOW *w)
{
	static const char warning[] =
	    "Only give a reason if you have one: the access is recorded in the audit trail "
	    "with your reason and your name, and the privacy officer reviews it.";
	int W = getmaxx(w), x = 4, y = 2;
	char keys[160] = "";
	struct wrap_at at = {w, y + 2, x, W - 2 * x};
	wattrset(w, theme_attr(TH_ALERT));
	draw_text(w, y, x, W - 2 * x, " Confidential chart: break the glass ", 0);
	wattrset(w, theme_attr(TH_NORMAL));
	at.y += draw_wrap(c->btg_why.text, at.width, wrap_line, &at) + 1;
	at.y += draw_wrap(warning, at.width, wrap_line, &at) + 1;
	y = at.y;
	wattrset(w, theme_attr(TH_HEADING));
	draw_text(w, y, x, 20, "Reason for access:", 0);
	wattrset(w, theme_attr(TH_NORMAL));
	tfield_draw(ui, w, y + 1, x, W - 2 * x, &c->reason, 1);
	keys_add(ui, keys, sizeof keys, KA_SELECT, "open the chart with this reason  ");
	keys_add(ui, keys, sizeof keys, KA_BACK, "cancel, open nothing");
	wattrset(w, theme_attr(TH_HINT));
	draw_text(w, y + 3, x, W - 2 * x, keys, 0);
	wattrset(w, theme_attr(TH_NORMAL));
}

static void chart_draw(ui_t *ui, void *priv, WINDOW *w)
{
	chart_t *c = priv;
	int W = getmaxx(w), H = getmaxy(w), sec = cur_sec(c), top = BANNER_LINES + 2;
	char foot[400], pos[48];

	if (sec < 0 || sec >= SEC_COUNT)
		return;
	if (c->mode == CH_BTG) {
		draw_btg_screen(ui, c, w);
		return;
	}
	if (!c->p)
		return;
	banner_draw(ui, w, 0, &c->banner);
	draw_tabs(c, w, BANNER_LINES);
	if (c->merged[0]) {
		/* Under the tabs: this chart was opened for one merged into it. */
		wattrset(w, theme_attr(TH_WARN) | A_BOLD);
		draw_text(w, BANNER_LINES + 1, 1, W - 2, c->merged, 0);
		wattrset(w, theme_attr(TH_NORMAL));
	}
	if (c->mode == CH_EDIT) {
		snprintf(foot, sizeof foot, "Editing:");
		keys_add(ui, foot, sizeof foot, KA_SAVE, "save");
		keys_add(ui, foot, sizeof foot, KA_NEXT_FIELD, "next");
		keys_add(ui, foot, sizeof foot, KA_CLEAR_FIELD, "clear field");
		keys_add(ui, foot, sizeof foot, KA_BACK, "cancel");
		form_draw(ui, &c->form.form, w, top, 0, H - top - 1, W - 1);
		wattrset(w, theme_attr(TH_HINT));
		draw_text(w, H - 1, 1, W - 2, foot, 0);
		wattrset(w, theme_attr(TH_NORMAL));
		return;
	}
	c->cs.shown = sec;
	if (sec == SEC_DEMO)
		draw_demo(c, w, top, H - top - 1);
	else
		sections_draw(&c->cs, w, top, H - top - 1);
	/* The footer: a question, the status chooser, or the keys. */
	if (c->mode == CH_ASK) {
		wattrset(w, theme_attr(TH_DIALOG) | A_BOLD);
		mvwhline(w, H - 1, 0, ' ', W);
		draw_text(w, H - 1, 1, W - 2, c->ask_text, 0);
		wattrset(w, theme_attr(TH_NORMAL));
		return;
	}
	if (c->mode == CH_STATUS) {
		int x = 1;
		wattrset(w, theme_attr(TH_DIALOG));
		mvwhline(w, H - 1, 0, ' ', W);
		x += draw_text(w, H - 1, x, W - 2, "Mark as: ", 0);
		for (int i = 0; i < 3; i++) {
			int sel = i == c->st_choice;
			wattrset(w, theme_attr(sel ? TH_SELECTED : TH_DIALOG) | (sel ? A_BOLD : 0));
			snprintf(pos, sizeof pos, sel ? "[%s]" : " %s ", statuses[c->st_kind][i]);
			x += draw_text(w, H - 1, x, W - 1 - x, pos, 0) + 1;
		}
		foot[0] = '\0';
		keys_add(ui, foot, sizeof foot, KA_SELECT, "mark");
		keys_add(ui, foot, sizeof foot, KA_BACK, "cancel");
		wattrset(w, theme_attr(TH_DIALOG));
		draw_text(w, H - 1, x + 1, W - 2 - x, foot, 0);
		wattrset(w, theme_attr(TH_NORMAL));
		return;
	}
	section_keys(ui, c, foot, sizeof foot);
	if (sec != SEC_DEMO && !c->cs.failed[sec][0]) {
		size_t used = strlen(foot);
		list_position(&c->cs.list[sec], pos, sizeof pos);
		snprintf(foot + used, sizeof foot - used, "   (%s)", pos);
	}
	wattrset(w, theme_attr(TH_HINT));
	draw_text(w, H - 1, 1, W - 2, foot, 0);
	wattrset(w, theme_attr(TH_NORMAL));
}

/* ---- acting ------------------------------------------------------------- */

static void sub_arg(chart_t *c, chart_arg_t *a)
{
	memset(a, 0, sizeof *a);
	a->banner = c->banner;
}

static unsigned start_edit(ui_t *ui, chart_t *c)
{
	msg_t m;
	if (!c->form_ready) {
		if (pform_init(&c->form, ui_config(ui), &m) != STATUS_OK) {
			keys_tell(ui, UI_MSG_ERROR, m.text);
			return UI_REDRAW;
		}
		c->form_ready = 1;
	}
	pform_clear(&c->form);
	pform_from_patient(&c->form, c->p);
	c->mode = CH_EDIT;
	return UI_REDRAW;
}

/* Have the edits changed anything? */
static int edited(chart_t *c)
{
	patient_t *e = malloc(sizeof *e);
	int changed = 1;
	if (!e)
		return 1;
	*e = *c->p;
	pform_to_patient(&c->form, e);
	/* Compare as core would store them: normalised. */
	changed = e->confidential != c->p->confidential;
	for (int f = 0; f < PF_COUNT && !changed; f++) {
		char out[PATIENT_FIELD_MAX];
		msg_t m;
		const char *v = e->f[f];
		if (patient_normalize_field(ui_config(c->ui), (pfield_t)f, v, out, &m) == STATUS_OK)
			v = out;
		changed = strcmp(v, c->p->f[f]) != 0;
		explicit_bzero(out, sizeof out);
	}
	explicit_bzero(e, sizeof *e);
	free(e);
	return changed;
}

static unsigned save_edit(ui_t *ui, chart_t *c)
{
	patient_t *e;
	pfield_t bad = PF_COUNT;
	msg_t m;
	status_t st;
	if (form_check(ui, &c->form.form))
		return UI_REDRAW;
	if (!(e = malloc(sizeof *e))) {
		ui_message(ui, UI_MSG_ERROR, "Out of memory.");
		return UI_REDRAW;
	}
	*e = *c->p;
	pform_to_patient(&c->form, e);
	ui_busy(ui, "Saving...");
	st = patient_update(ui_session(ui), e, &bad, &m);
	switch (st) {
	case STATUS_OK:
		*c->p = *e;
		banner_set(ui, &c->banner, c->p);
		c->mode = CH_VIEW;
		pform_clear(&c->form);
		ui_message(ui, UI_MSG_OK, "Saved: version %d of the record.", c->p->version);
		break;
	case STATUS_CONFLICT:
		/* Someone saved first: their record stays, these edits stay on
		 * screen for the user to compare and enter again. */
		keys_tell(ui, UI_MSG_ERROR, m.text);
		break;
	default:
		if (bad != PF_COUNT)
			pform_focus_field(&c->form, bad);
		keys_tell(ui, UI_MSG_ERROR, m.text);
		break;
	}
	explicit_bzero(e, sizeof *e);
	free(e);
	return UI_REDRAW;
}

static unsigned edit_handle(ui_t *ui, chart_t *c, const ui_event_t *ev)
{
	unsigned r;
	if (ev->action == KA_SAVE)
		return save_edit(ui, c);
	if ((r = form_handle(ui, &c->form.form, ev)) != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_SELECT:
		return save_edit(ui, c);
	case KA_BACK:
	case KA_QUIT:
		if (edited(c)) {
			char y[16], n[16];
			keymap_keys(ui_keymap(ui), KA_YES, y, sizeof y);
			keymap_keys(ui_keymap(ui), KA_NO, n, sizeof n);
			y[strcspn(y, " ")] = n[strcspn(n, " ")] = '\0';
			snprintf(c->ask_text, sizeof c->ask_text,
			         "Discard your changes to the demographics? (%s/%s)", y, n);
			c->ask = ASK_DISCARD;
			c->mode = CH_ASK;
			return UI_REDRAW;
		}
		c->mode = CH_VIEW;
		pform_clear(&c->form);
		return UI_REDRAW;
	case KA_RELOAD:
		ui_message(ui, UI_MSG_WARN, "Save or cancel (Esc) the edits first.");
		return UI_REDRAW;
	default:
		return UI_HANDLED; /* nothing else while editing */
	}
}

static unsigned btg_handle(ui_t *ui, chart_t *c, const ui_event_t *ev)
{
	unsigned r;
	msg_t m;
	status_t st;
	if ((r = tfield_handle(ui, &c->reason, ev)) != UI_IGNORED)
		return r;
	switch (ev->action) {
	case KA_SELECT:
		if (!tfield_text(&c->reason)[0]) {
			ui_message(ui, UI_MSG_ERROR,
			           "Type the reason for opening this chart, or Esc.");
			return UI_REDRAW;
		}
		ui_busy(ui, "Opening the chart...");
		st = try_open(ui, c, tfield_text(&c->reason), &m);
		if (st == STATUS_OK) {
			tfield_clear(&c->reason);
			sections_load(&c->cs, cur_sec(c));
			ui_message(
			    ui, UI_MSG_WARN,
			    "Opened by break-the-glass; the access and reason are recorded.");
			return UI_REDRAW;
		}
		/* Too short a reason: say so and let it be completed. */
		if (st == STATUS_BTG_REQUIRED) {
			char text[600];
			snprintf(text, sizeof text, "Reason not accepted. %s", m.text);
			keys_tell(ui, UI_MSG_ERROR, text);
		} else {
			keys_tell(ui, UI_MSG_ERROR, m.text);
		}
		return UI_REDRAW;
	case KA_BACK:
		ui_message(ui, UI_MSG_INFO, "Cancelled: the chart was not opened.");
		return UI_BACK;
	default:
		return UI_HANDLED;
	}
}

static void ask(ui_t *ui, chart_t *c, ask_t what, int64_t row, const char *question)
{
	char y[16], n[16];
	keymap_keys(ui_keymap(ui), KA_YES, y, sizeof y);
	keymap_keys(ui_keymap(ui), KA_NO, n, sizeof n);
	y[strcspn(y, " ")] = n[strcspn(n, " ")] = '\0';
	snprintf(c->ask_text, sizeof c->ask_text, "%s (%s/%s)", question, y, n);
	c->ask = what;
	c->ask_row = row;
	c->mode = CH_ASK;
}

static unsigned ask_handle(ui_t *ui, chart_t *c, const ui_event_t *ev)
{
	session_t *s = ui_session(ui);
	msg_t m;
	status_t st = STATUS_OK;
	ask_t what = c->ask;
	if (ev->action != KA_YES) {
		if (ev->action == KA_NO || ev->action == KA_BACK) {
			c->mode = what == ASK_DISCARD ? CH_EDIT : CH_VIEW;
			c->ask = ASK_NONE;
			return UI_REDRAW;
		}
		return UI_HANDLED;
	}
	c->mode = CH_VIEW;
	c->ask = ASK_NONE;
	switch (what) {
	case ASK_DISCARD:
		pform_clear(&c->form);
		ui_message(ui, UI_MSG_INFO, "Changes discarded.");
		return UI_REDRAW;
	case ASK_CLOSE_ENC:
		st = encounter_close(s, c->ask_row, &m);
		break;
	case ASK_NKA:
		st = allergy_none_known(s, c->id, &m);
		break;
	default:
		return UI_REDRAW;
	}
	keys_tell(ui, st == STATUS_OK ? UI_MSG_OK : UI_MSG_ERROR,
	          st == STATUS_OK && !m.text[0] ? "Done." : m.text);
	if (st == STATUS_OK) {
		banner_allergies(ui, &c->banner);
		sections_drop(&c->cs);
		sections_load(&c->cs, cur_sec(c));
	}
	return UI_REDRAW;
}

static unsigned status_handle(ui_t *ui, chart_t *c, const ui_event_t *ev)
{
	msg_t m;
	status_t st;
	switch (ev->action) {
	case KA_LEFT:
	case KA_UP:
		c->st_choice = (c->st_choice + 2) % 3;
		return UI_REDRAW;
	case KA_RIGHT:
	case KA_DOWN:
	case KA_NEXT_FIELD:
		c->st_choice = (c->st_choice + 1) % 3;
		return UI_REDRAW;
	case KA_BACK:
		c->mode = CH_VIEW;
		return UI_REDRAW;
	case KA_SELECT:
		c->mode = CH_VIEW;
		st = chart_item_set_status(ui_session(ui), (chart_kind_t)c->st_kind, c->st_row,
		                           statuses[c->st_kind][c->st_choice], &m);
		keys_tell(ui, st == STATUS_OK ? UI_MSG_OK : UI_MSG_ERROR,
		          st == STATUS_OK && !m.text[0] ? "Status changed." : m.text);
		if (st == STATUS_OK) {
			int sec = cur_sec(c);
			banner_allergies(ui, &c->banner);
			sections_load(&c->cs, sec);
		}
		return UI_REDRAW;
	default:
		return UI_HANDLED;
	}
}

static void switch_section(chart_t *c, int delta)
{
	c->sec = (c->sec + delta + c->nsecs) % c->nsecs;
	c->cs.shown = cur_sec(c);
	if (!c->cs.loaded[cur_sec(c)])
		sections_load(&c->cs, cur_sec(c));
}

static unsigned view_handle(ui_t *ui, chart_t *c, const ui_event_t *ev)
{
	session_t *s = ui_session(ui);
	int sec = cur_sec(c), n, cur;
	unsigned r;
	chart_arg_t a;

	if (sec != SEC_DEMO && (r = list_handle(&c->cs.list[sec], ev->action)) != UI_IGNORED)
		return r;
	if (offered(ui, c, ev->action) == 0) {
		ui_message(ui, UI_MSG_WARN, "Not for your role (%s).",
		           perm_role_name(session_role(s)));
		return UI_REDRAW;
	}
	n = sections_count(&c->cs, sec);
	cur = c->cs.list[sec].cur < n ? c->cs.list[sec].cur : n - 1;
	switch (ev->action) {
	case KA_NEXT_FIELD:
	case KA_RIGHT:
		switch_section(c, 1);
		return UI_REDRAW;
	case KA_PREV_FIELD:
	case KA_LEFT:
		switch_section(c, -1);
		return UI_REDRAW;
	case KA_RELOAD:
		/* Read everything again, the record included (audited). */
		if (c->p) {
			explicit_bzero(c->p, sizeof *c->p);
			free(c->p);
			c->p = NULL;
		}
		return UI_RELOAD | UI_REDRAW;
	case KA_EDIT:
		if (sec == SEC_DEMO)
			return start_edit(ui, c);
		return UI_HANDLED;
	case KA_CHECK_IN:
		open_checkin(ui, c);
		return UI_REDRAW;
	case KA_ACCESS_REPORT: {
		/* Who opened this chart (screen_access.c; core checks again). */
		screen_access_arg_t aa;
		memset(&aa, 0, sizeof aa);
		snprintf(aa.patient, sizeof aa.patient, "%s",
		         c->banner.loaded && c->banner.mrn[0] ? c->banner.mrn : c->id);
		ui_open_arg(ui, &screen_access, &aa, sizeof aa);
		explicit_bzero(&aa, sizeof aa);
		return UI_REDRAW;
	}
	default:
		break;
	}
	switch (sec) {
	case SEC_ENC:
		if (ev->action == KA_SELECT && n > 0) {
			sub_arg(c, &a);
			a.erow = sections_encounter(&c->cs, cur)->erow;
			ui_open_arg(ui, &screen_encounter, &a, sizeof a);
			explicit_bzero(&a, sizeof a);
			return UI_REDRAW;
		}
		if (ev->action == KA_SET_STATUS && n > 0) {
			const encounter_info_t *e = sections_encounter(&c->cs, cur);
			char q[160];
			if (strcmp(e->status, "open") != 0) {
				ui_message(ui, UI_MSG_WARN, "Encounter %lld is already %s.",
				           (long long)e->erow, e->status);
				return UI_REDRAW;
			}
			snprintf(q, sizeof q, "Close encounter %lld?", (long long)e->erow);
			ask(ui, c, ASK_CLOSE_ENC, e->erow, q);
			return UI_REDRAW;
		}
		break;
	case SEC_VITALS:
		if (ev->action == KA_ADD) {
			sub_arg(c, &a);
			ui_open_arg(ui, &screen_vitals, &a, sizeof a);
			explicit_bzero(&a, sizeof a);
			return UI_REDRAW;
		}
		break;
	case SEC_ALLERGY:
	case SEC_MED:
	case SEC_PROBLEM:
		if (ev->action == KA_ADD) {
			sub_arg(c, &a);
			a.kind = sections_item_kind(sec);
			ui_open_arg(ui, &screen_item, &a, sizeof a);
			explicit_bzero(&a, sizeof a);
			return UI_REDRAW;
		}
		if (ev->action == KA_SET_STATUS && n > 0) {
			const chart_item_t *it = sections_item(&c->cs, sec, cur);
			if ((int)it->kind != sections_item_kind(sec)) {
				keys_tell(ui, UI_MSG_ERROR,
					  "A procedure of the history (imported): its status is not "
					  "changed here.");
				return UI_REDRAW;
			}
			c->st_kind = sections_item_kind(sec);
			c->st_row = it->row;
			c->st_choice = 0;
			for (int i = 0; i < 3; i++)
				if (strcmp(statuses[c->st_kind][i], it->status) == 0)
					c->st_choice = (i + 1) % 3;
			c->mode = CH_STATUS;
			return UI_REDRAW;
		}
		if (ev->action == KA_NO_ALLERGIES && sec == SEC_ALLERGY) {
			ask(ui, c, ASK_NKA, 0, "Record \"no known allergies\" for this patient?");
			return UI_REDRAW;
		}
		break;
	case SEC_NOTES:
		if (n > 0 && (ev->action == KA_SELECT || ev->action == KA_ADD)) {
			const note_line_t *l = sections_note(&c->cs, cur);
			sub_arg(c, &a);
			a.erow = l->erow;
			a.nrow = ev->action == KA_SELECT ? l->nrow : 0;
			if (ev->action == KA_SELECT && !l->nrow) {
				ui_open_arg(ui, &screen_encounter, &a, sizeof a);
			} else {
				ui_open_arg(ui, &screen_note, &a, sizeof a);
			}
			explicit_bzero(&a, sizeof a);
			return UI_REDRAW;
		}
		if (ev->action == KA_ADD) {
			ui_message(ui, UI_MSG_WARN,
			           "A note belongs to an encounter: check the patient in first.");
			return UI_REDRAW;
		}
		break;
	default:
		break;
	}
	return UI_IGNORED;
}

static unsigned chart_handle(ui_t *ui, void *priv, const ui_event_t *ev)
{
	chart_t *c = priv;
	switch (c->mode) {
	case CH_BTG:
		return btg_handle(ui, c, ev);
	case CH_EDIT:
		return edit_handle(ui, c, ev);
	case CH_ASK:
		return ask_handle(ui, c, ev);
	case CH_STATUS:
		return status_handle(ui, c, ev);
	default:
		if (!c->p)
			return UI_IGNORED;
		return view_handle(ui, c, ev);
	}
}

static int chart_typing(const void *priv)
{
	const chart_t *c = priv;
	return c->mode == CH_BTG || c->mode == CH_EDIT;
}

/* The section's own keys are drawn in the chart's last line. */
static const struct screen_hint chart_hints[] = {
    {KA_RELOAD, "read again"},
    {KA_LOCK, "lock"},
    {KA_HELP, "help"},
    {KA_NONE, NULL},
};

const struct screen_ops screen_chart = {
    .title = "Chart",
    .private_size = sizeof(chart_t),
    .hints = chart_hints,
    .open = chart_open_screen,
    .close = chart_close,
    .draw = chart_draw,
    .handle = chart_handle,
    .reload = chart_reload,
    .forget = chart_forget,
    .typing = chart_typing,
};
