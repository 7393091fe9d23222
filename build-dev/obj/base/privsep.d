build-dev/obj/base/privsep.o: src/base/privsep.c src/base/privsep.h \
 src/base/status.h src/base/text.h
src/base/privsep.h:
src/base/status.h:
src/base/text.h:
