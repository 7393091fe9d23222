build-dev/obj/base/userfile.o: src/base/userfile.c src/base/userfile.h \
 src/base/status.h src/base/privsep.h
src/base/userfile.h:
src/base/status.h:
src/base/privsep.h:
