build-dev/obj/ui/screen_audit.o: src/ui/screen_audit.c \
 src/ui/screen_audit.h src/ui/screen.h src/base/status.h \
 src/core/clinic.h src/core/config.h src/base/tz.h src/core/perm.h \
 src/core/crypto.h src/core/session.h src/ui/curses.h src/ui/keymap.h \
 src/base/text.h src/core/audit.h src/ui/draw.h src/ui/theme.h \
 src/ui/widget_field.h src/ui/widget_list.h
src/ui/screen_audit.h:
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
src/base/text.h:
src/core/audit.h:
src/ui/draw.h:
src/ui/theme.h:
src/ui/widget_field.h:
src/ui/widget_list.h:
