build-dev/obj/ui/tui.o: src/ui/tui.c src/ui/tui.h src/core/config.h \
 src/base/status.h src/base/tz.h src/core/perm.h src/base/privsep.h \
 src/base/text.h src/base/userfile.h src/core/clinic.h src/core/crypto.h \
 src/core/session.h src/ui/curses.h src/ui/draw.h src/ui/keymap.h \
 src/ui/screen.h src/ui/screen_help.h src/ui/screen_lock.h \
 src/ui/screen_menu.h src/ui/screen_signon.h src/ui/screen_welcome.h \
 src/ui/theme.h
src/ui/tui.h:
src/core/config.h:
src/base/status.h:
src/base/tz.h:
src/core/perm.h:
src/base/privsep.h:
src/base/text.h:
src/base/userfile.h:
src/core/clinic.h:
src/core/crypto.h:
src/core/session.h:
src/ui/curses.h:
src/ui/draw.h:
src/ui/keymap.h:
src/ui/screen.h:
src/ui/screen_help.h:
src/ui/screen_lock.h:
src/ui/screen_menu.h:
src/ui/screen_signon.h:
src/ui/screen_welcome.h:
src/ui/theme.h:
