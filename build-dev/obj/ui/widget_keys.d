build-dev/obj/ui/widget_keys.o: src/ui/widget_keys.c src/ui/widget_keys.h \
 src/ui/screen.h src/base/status.h src/core/clinic.h src/core/config.h \
 src/base/tz.h src/core/perm.h src/core/crypto.h src/core/session.h \
 src/ui/curses.h src/ui/keymap.h src/ui/draw.h
src/ui/widget_keys.h:
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
src/ui/draw.h:
