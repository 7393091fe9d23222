build-dev/obj/ui/keymap.o: src/ui/keymap.c src/ui/keymap.h \
 src/base/status.h src/core/config.h src/base/tz.h src/core/perm.h \
 src/ui/curses.h
src/ui/keymap.h:
src/base/status.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/ui/curses.h:
