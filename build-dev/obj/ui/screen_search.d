build-dev/obj/ui/screen_search.o: src/ui/screen_search.c \
 src/ui/screen_search.h src/ui/screen.h src/base/status.h \
 src/core/clinic.h src/core/config.h src/base/tz.h src/core/perm.h \
 src/core/crypto.h src/core/session.h src/ui/curses.h src/ui/keymap.h \
 src/core/patient.h src/core/patient_search.h src/ui/draw.h \
 src/ui/screen_chart.h src/ui/widget_banner.h src/ui/theme.h \
 src/ui/widget_field.h src/ui/widget_list.h
src/ui/screen_search.h:
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
src/core/patient.h:
src/core/patient_search.h:
src/ui/draw.h:
src/ui/screen_chart.h:
src/ui/widget_banner.h:
src/ui/theme.h:
src/ui/widget_field.h:
src/ui/widget_list.h:
