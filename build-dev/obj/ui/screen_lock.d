build-dev/obj/ui/screen_lock.o: src/ui/screen_lock.c src/ui/screen_lock.h \
 src/ui/screen.h src/base/status.h src/core/clinic.h src/core/config.h \
 src/base/tz.h src/core/perm.h src/core/crypto.h src/core/session.h \
 src/ui/curses.h src/ui/keymap.h src/ui/draw.h src/ui/theme.h \
 src/ui/widget_field.h
src/ui/screen_lock.h:
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
src/ui/theme.h:
src/ui/widget_field.h:
