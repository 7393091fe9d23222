build-dev/obj/base/date.o: src/base/date.c src/base/date.h \
 src/base/status.h
src/base/date.h:
src/base/status.h:
