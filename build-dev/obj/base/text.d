build-dev/obj/base/text.o: src/base/text.c src/base/text.h \
 src/base/status.h
src/base/text.h:
src/base/status.h:
