/* screen_report.h - the Reports screen (screen_report.c). */
#ifndef CHARTROOM_UI_SCREEN_REPORT_H
#define CHARTROOM_UI_SCREEN_REPORT_H

#include "ui/screen.h"

extern const struct screen_ops screen_report;

#endif
