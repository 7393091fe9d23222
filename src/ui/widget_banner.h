/* widget_banner.h - the patient banner at the top of every chart screen:
 * name, MRN, date of birth and age (for a deceased patient the date of
 * death and the age then, core's patient_shown_age), sex, DECEASED and
 * CONFIDENTIAL marks (words, so they show without colour), and for
 * roles that may see clinical sections the allergy line from core
 * (clinical_banner). Holds a copy of those few values, cleaned for
 * drawing; banner_clear wipes it (on close and on idle lock). */
#ifndef CHARTROOM_UI_WIDGET_BANNER_H
#define CHARTROOM_UI_WIDGET_BANNER_H

#include "base/status.h"
#include "core/patient.h"
#include "ui/curses.h"
#include "ui/screen.h"

typedef struct ui_banner {
	char id[33];                           /* the patient (a random id, not PHI) */
	int loaded;                            /* the rest is filled */
	char name[3 * PATIENT_FIELD_MAX + 24]; /* "Last, First Middle Suffix" */
	char mrn[24];
	char dob[16]; /* in the display format */
	int age;      /* -1 unknown; at death for a deceased patient */
	char sex[2];
	char death[16]; /* in the display format; "" alive */
	int deceased;
	int confidential;
	int clinical; /* the allergy line applies to this role */
	char allergies[512];
} ui_banner_t;

/* Fill from an opened record (patient_open) and ask core for the allergy
 * line when the role has clinical access. */
void banner_set(ui_t *ui, ui_banner_t *b, const patient_t *p);
/* Ask core for the allergy line again (after an allergy was recorded). */
void banner_allergies(ui_t *ui, ui_banner_t *b);
/* Open the chart b->id (patient_open: audited as a chart open; the
 * session's break-the-glass, if any, still holds) and fill the banner. */
status_t banner_load(ui_t *ui, ui_banner_t *b, msg_t *m);
/* Wipe everything but the id. */
void banner_clear(ui_banner_t *b);

/* "Last, First Middle Suffix" of a record, cleaned, into buf. */
void banner_name(const char *last, const char *first, const char *middle, const char *suffix,
                 char *buf, size_t size);

/* Draw on lines y and y+1 of w (BANNER_LINES). */
#define BANNER_LINES 2
void banner_draw(ui_t *ui, WINDOW *w, int y, const ui_banner_t *b);

#endif
