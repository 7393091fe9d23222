/* screen_disclosures.h - the accounting of disclosures on screen
 * (screen_disclosures.c): a patient's statement or every entry kept, and a
 * form to record a disclosure made outside Chartroom. */
#ifndef CHARTROOM_UI_SCREEN_DISCLOSURES_H
#define CHARTROOM_UI_SCREEN_DISCLOSURES_H

#include "ui/screen.h"

extern const struct screen_ops screen_disclosures;

#endif
