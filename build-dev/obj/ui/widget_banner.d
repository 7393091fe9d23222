build-dev/obj/ui/widget_banner.o: src/ui/widget_banner.c \
 src/ui/widget_banner.h src/base/status.h src/core/patient.h \
 src/core/config.h src/base/tz.h src/core/perm.h src/core/session.h \
 src/core/clinic.h src/core/crypto.h src/ui/curses.h src/ui/screen.h \
 src/ui/keymap.h src/core/clinical.h src/ui/draw.h src/ui/theme.h
src/ui/widget_banner.h:
src/base/status.h:
src/core/patient.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/session.h:
src/core/clinic.h:
src/core/crypto.h:
src/ui/curses.h:
src/ui/screen.h:
src/ui/keymap.h:
src/core/clinical.h:
src/ui/draw.h:
src/ui/theme.h:
