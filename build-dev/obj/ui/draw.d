build-dev/obj/ui/draw.o: src/ui/draw.c src/ui/draw.h src/core/config.h \
 src/base/status.h src/base/tz.h src/core/perm.h src/ui/curses.h \
 src/base/text.h
src/ui/draw.h:
src/core/config.h:
src/base/status.h:
src/base/tz.h:
src/core/perm.h:
src/ui/curses.h:
src/base/text.h:
