build-dev/obj/ui/chart_sections.o: src/ui/chart_sections.c \
 src/ui/chart_sections.h src/core/clinical.h src/base/status.h \
 src/core/session.h src/core/clinic.h src/core/config.h src/base/tz.h \
 src/core/perm.h src/core/crypto.h src/ui/screen.h src/ui/curses.h \
 src/ui/keymap.h src/ui/widget_list.h src/core/patient.h src/ui/draw.h \
 src/ui/theme.h src/ui/widget_keys.h
src/ui/chart_sections.h:
src/core/clinical.h:
src/base/status.h:
src/core/session.h:
src/core/clinic.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/crypto.h:
src/ui/screen.h:
src/ui/curses.h:
src/ui/keymap.h:
src/ui/widget_list.h:
src/core/patient.h:
src/ui/draw.h:
src/ui/theme.h:
src/ui/widget_keys.h:
