build-dev/obj/ui/widget_editor.o: src/ui/widget_editor.c \
 src/ui/widget_editor.h src/base/status.h src/ui/curses.h src/ui/screen.h \
 src/core/clinic.h src/core/config.h src/base/tz.h src/core/perm.h \
 src/core/crypto.h src/core/session.h src/ui/keymap.h src/base/text.h \
 src/ui/draw.h src/ui/theme.h
src/ui/widget_editor.h:
src/base/status.h:
src/ui/curses.h:
src/ui/screen.h:
src/core/clinic.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/crypto.h:
src/core/session.h:
src/ui/keymap.h:
src/base/text.h:
src/ui/draw.h:
src/ui/theme.h:
