build-dev/obj/ui/theme.o: src/ui/theme.c src/ui/theme.h src/core/config.h \
 src/base/status.h src/base/tz.h src/core/perm.h src/ui/curses.h
src/ui/theme.h:
src/core/config.h:
src/base/status.h:
src/base/tz.h:
src/core/perm.h:
src/ui/curses.h:
