/* screen_audit.h - the audit review list (screen_audit.c). */
#ifndef CHARTROOM_UI_SCREEN_AUDIT_H
#define CHARTROOM_UI_SCREEN_AUDIT_H

#include "ui/screen.h"

extern const struct screen_ops screen_audit;

#endif
