/* widget_pform.h - the patient record as a form (widget_form.h): one input
 * per field of PATIENT_FIELDS but the MRN (Chartroom assigns it), grouped
 * under headings, plus the confidential flag; used by registration and by
 * the chart's demographics editing. Each field is checked by core
 * (patient_normalize_field) when the focus leaves it: the reason goes to
 * the message line, the normalised value back into the field. Dates are
 * shown in the configured format; the SSN is masked but for its last four
 * unless it has the focus. */
#ifndef CHARTROOM_UI_WIDGET_PFORM_H
#define CHARTROOM_UI_WIDGET_PFORM_H

#include "core/patient.h"
#include "ui/widget_form.h"

#define PFORM_CONFIDENTIAL (PF_COUNT - 1) /* the input after the fields */
#define PFORM_N            PF_COUNT       /* PF_COUNT - 1 fields + the flag */

typedef struct ui_pform {
	ui_form_item_t items[PFORM_N];
	ui_form_t form;
	const config_t *cfg;
} ui_pform_t;

/* Set up the inputs (empty). On failure nothing needs freeing. */
status_t pform_init(ui_pform_t *pf, const config_t *cfg, msg_t *m);
/* Wipe and free the typed text. */
void pform_free(ui_pform_t *pf);
/* Wipe the typed text (the form stays usable). */
void pform_clear(ui_pform_t *pf);

/* Fill the inputs from a record; copy them into one (every field but the
 * MRN and the record's identity). */
void pform_from_patient(ui_pform_t *pf, const patient_t *p);
void pform_to_patient(const ui_pform_t *pf, patient_t *p);

/* Focus the input of field f and mark it refused. */
void pform_focus_field(ui_pform_t *pf, pfield_t f);

/* For the idle lock: move what was typed (every input, the flag, where
 * the focus was) into guarded memory (crypto_secure_text) under the
 * user's name, made unreadable while the screen is locked, and wipe the
 * inputs. NULL when nothing was typed or out of memory (the inputs are
 * wiped all the same). */
char *pform_stash(ui_pform_t *pf, const char *user);
/* After the unlock: put it back if it is `user`'s (1), else drop it (0);
 * it is wiped and freed either way. */
int pform_unstash(ui_pform_t *pf, char *stash, const char *user);

#endif
