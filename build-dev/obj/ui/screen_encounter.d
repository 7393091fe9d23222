build-dev/obj/ui/screen_encounter.o: src/ui/screen_encounter.c \
 src/ui/screen_encounter.h src/ui/screen.h src/base/status.h \
 src/core/clinic.h src/core/config.h src/base/tz.h src/core/perm.h \
 src/core/crypto.h src/core/session.h src/ui/curses.h src/ui/keymap.h \
 src/core/clinical.h src/ui/draw.h src/ui/screen_chart.h \
 src/ui/widget_banner.h src/core/patient.h src/ui/screen_note.h \
 src/ui/theme.h src/ui/widget_keys.h src/ui/widget_list.h
src/ui/screen_encounter.h:
src/ui/screen.h:
src/base/status.h:
src/core/clinic.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/crypto.h:
src/core/session.h:
src/ui/curses.h:
src/ui/keymap.h:
src/core/clinical.h:
src/ui/draw.h:
src/ui/screen_chart.h:
src/ui/widget_banner.h:
src/core/patient.h:
src/ui/screen_note.h:
src/ui/theme.h:
src/ui/widget_keys.h:
src/ui/widget_list.h:
