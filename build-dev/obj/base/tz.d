build-dev/obj/base/tz.o: src/base/tz.c src/base/tz.h src/base/status.h \
 src/base/date.h
src/base/tz.h:
src/base/status.h:
src/base/date.h:
