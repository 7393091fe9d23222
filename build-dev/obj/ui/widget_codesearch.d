build-dev/obj/ui/widget_codesearch.o: src/ui/widget_codesearch.c \
 src/ui/widget_codesearch.h src/base/status.h src/core/coding.h \
 src/core/session.h src/core/clinic.h src/core/config.h src/base/tz.h \
 src/core/perm.h src/core/crypto.h src/ui/screen.h src/ui/curses.h \
 src/ui/keymap.h src/ui/widget_field.h src/ui/widget_list.h src/ui/draw.h \
 src/ui/theme.h
src/ui/widget_codesearch.h:
src/base/status.h:
src/core/coding.h:
src/core/session.h:
src/core/clinic.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/crypto.h:
src/ui/screen.h:
src/ui/curses.h:
src/ui/keymap.h:
src/ui/widget_field.h:
src/ui/widget_list.h:
src/ui/draw.h:
src/ui/theme.h:
