build-dev/obj/ui/screen_welcome.o: src/ui/screen_welcome.c \
 src/ui/screen_welcome.h src/ui/screen.h src/base/status.h \
 src/core/clinic.h src/core/config.h src/base/tz.h src/core/perm.h \
 src/core/crypto.h src/core/session.h src/ui/curses.h src/ui/keymap.h \
 src/core/deficiency.h src/ui/draw.h src/ui/screen_menu.h src/ui/theme.h
src/ui/screen_welcome.h:
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
src/core/deficiency.h:
src/ui/draw.h:
src/ui/screen_menu.h:
src/ui/theme.h:
