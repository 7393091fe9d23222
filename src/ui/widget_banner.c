/* widget_banner.c - the two banner lines of a chart. */
#include "ui/widget_banner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clinical.h"
#include "ui/draw.h"
#include "ui/theme.h"

void banner_name(const char *last, const char *first, const char *middle, const char *suffix,
                 char *buf, size_t size)
{
	char raw[4 * PATIENT_FIELD_MAX + 8];
	snprintf(raw, sizeof raw, "%s, %s%s%s%s%s", last, first, *middle ? " " : "", middle,
	         *suffix ? " " : "", suffix);
	draw_clean(buf, size, raw);
	explicit_bzero(raw, sizeof raw);
}

void banner_allergies(ui_t *ui, ui_banner_t *b)
{
	session_t *s = ui_session(ui);
	char line[sizeof b->allergies];
	msg_t m;
	b->clinical = session_can(s, ACT_CLINICAL_VIEW);
	b->allergies[0] = '\0';
	if (!b->clinical)
		return;
	/* DENIED (no clinical view) shows nothing; another failure says so. */
	if (clinical_banner(s, b->id, line, sizeof line, &m) == STATUS_OK)
		draw_clean(b->allergies, sizeof b->allergies, line);
	else
		snprintf(b->allergies, sizeof b->allergies, "Allergies: not available (%.400s)",
		         m.text);
	explicit_bzero(line, sizeof line);
}

void banner_set(ui_t *ui, ui_banner_t *b, const patient_t *p)
{
	const config_t *cfg = ui_config(ui);
	char date[32];
	snprintf(b->id, sizeof b->id, "%s", p->id);
	banner_name(p->f[PF_LAST], p->f[PF_FIRST], p->f[PF_MIDDLE], p->f[PF_SUFFIX], b->name,
	            sizeof b->name);
	draw_clean(b->mrn, sizeof b->mrn, p->f[PF_MRN]);
	patient_date_display(cfg, p->f[PF_DOB], date, sizeof date);
	draw_clean(b->dob, sizeof b->dob, date);
	b->age = patient_shown_age(p->f[PF_DOB], p->f[PF_DEATH], NULL, &b->deceased);
	draw_clean(b->sex, sizeof b->sex, p->f[PF_SEX]);
	b->death[0] = '\0';
	if (p->f[PF_DEATH][0]) {
		patient_date_display(cfg, p->f[PF_DEATH], date, sizeof date);
		draw_clean(b->death, sizeof b->death, date);
	}
	b->confidential = p->confidential;
	b->loaded = 1;
	banner_allergies(ui, b);
}

status_t banner_load(ui_t *ui, ui_banner_t *b, msg_t *m)
{
	patient_t *p = calloc(1, sizeof *p);
	status_t ret;
	if (!p)
		return msg_fail(m, STATUS_NOMEM, "Out of memory opening the chart.");
	ret = patient_open(ui_session(ui), b->id, NULL, p, m);
	if (ret == STATUS_OK)
		banner_set(ui, b, p);
	explicit_bzero(p, sizeof *p);
	free(p);
	return ret;
}

void banner_clear(ui_banner_t *b)
{
	char id[33];
	memcpy(id, b->id, sizeof id);
	explicit_bzero(b, sizeof *b);
	memcpy(b->id, id, sizeof id);
}

/* The MRN, dates and sex after the name, in words when they fit, shorter
 * (level 1) and shortest (2: no dates, the age and, for a deceased
 * patient, "died at N") on a narrow terminal. */
static void banner_info(const ui_banner_t *b, int level, char *out, size_t size)
{
	char age[32] = "";
	if (b->age >= 0)
		snprintf(age, sizeof age, level ? " (%d)" : " (%d y)", b->age);
	if (b->death[0] && b->age >= 0 && level == 2)
		snprintf(out, size, "  %s  died at %d  %s", b->mrn, b->age, b->sex);
	else if (b->death[0] && b->age >= 0)
		snprintf(out, size, level ? "  %s  %s  died %s at %d  %s"
		                          : "  %s  DOB %s  died %s at %d  Sex %s",
		         b->mrn, b->dob, b->death, b->age, b->sex);
	else if (b->death[0])
		snprintf(out, size, level ? "  %s  %s  died %s  %s" : "  %s  DOB %s  died %s  Sex %s",
		         b->mrn, b->dob, b->death, b->sex);
	else if (level == 2 && b->age >= 0)
		snprintf(out, size, "  %s  %d y  %s", b->mrn, b->age, b->sex);
	else
		snprintf(out, size, level ? "  %s  %s%s  %s" : "  %s  DOB %s%s  Sex %s", b->mrn,
		         b->dob, age, b->sex);
}

void banner_draw(ui_t *ui, WINDOW *w, int y, const ui_banner_t *b)
{
	int W = getmaxx(w), x, marks = 0, nw, iw = 0, level;
	char info[160];
	(void)ui;
	if (!b->loaded)
		return;
	/* The marks are never cut off: the longest form of the rest that
	 * fits beside the whole name, else the shortest and the name cut. */
	if (b->deceased)
		marks += 2 + 8; /* "  DECEASED" */
	if (b->confidential)
		marks += 2 + 12; /* "  CONFIDENTIAL" */
	nw = draw_width(b->name);
	for (level = 0; level <= 2; level++) {
		banner_info(b, level, info, sizeof info);
		iw = draw_width(info);
		if (1 + nw + iw + marks <= W - 1)
			break;
	}
	if (level > 2) {
		level = 2;
		nw = W - 2 - iw - marks > 8 ? W - 2 - iw - marks : 8;
	}
	wattrset(w, theme_attr(TH_HEADING) | A_BOLD);
	x = 1 + draw_text(w, y, 1, nw, b->name, 0);
	wattrset(w, theme_attr(TH_NORMAL));
	x += draw_text(w, y, x, W - 1 - x - marks > 0 ? W - 1 - x - marks : 0, info, 0);
	if (b->deceased && x + 2 < W - 1) {
		wattrset(w, theme_attr(TH_ALERT));
		x += 2 + draw_text(w, y, x + 2, W - 3 - x, "DECEASED", 0);
	}
	if (b->confidential && x + 2 < W - 1) {
		wattrset(w, theme_attr(TH_ALERT));
		draw_text(w, y, x + 2, W - 3 - x, "CONFIDENTIAL", 0);
	}
	wattrset(w, theme_attr(TH_NORMAL));
	if (b->clinical && b->allergies[0]) {
		/* Active allergies must not be missed; "NKA" and "not recorded"
		 * are plain. */
		int alert = strncmp(b->allergies, "ALLERGIES", 9) == 0;
		wattrset(w, theme_attr(alert ? TH_WARN : TH_NORMAL) | (alert ? A_BOLD : 0));
		draw_text(w, y + 1, 1, W - 2, b->allergies, 0);
		wattrset(w, theme_attr(TH_NORMAL));
	}
}
