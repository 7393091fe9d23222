build-dev/obj/ui/screen_config.o: src/ui/screen_config.c \
 src/ui/screen_config.h src/ui/screen.h src/base/status.h \
 src/core/clinic.h src/core/config.h src/base/tz.h src/core/perm.h \
 src/core/crypto.h src/core/session.h src/ui/curses.h src/ui/keymap.h \
 src/ui/draw.h src/ui/theme.h src/ui/widget_list.h
src/ui/screen_config.h:
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
src/ui/widget_list.h:
