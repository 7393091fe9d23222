build-dev/obj/ui/widget_list.o: src/ui/widget_list.c src/ui/widget_list.h \
 src/ui/curses.h src/ui/keymap.h src/base/status.h src/core/config.h \
 src/base/tz.h src/core/perm.h src/ui/draw.h src/ui/screen.h \
 src/core/clinic.h src/core/crypto.h src/core/session.h src/ui/theme.h
src/ui/widget_list.h:
src/ui/curses.h:
src/ui/keymap.h:
src/base/status.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/ui/draw.h:
src/ui/screen.h:
src/core/clinic.h:
src/core/crypto.h:
src/core/session.h:
src/ui/theme.h:
