build-dev/obj/core/crypto.o: src/core/crypto.c src/core/crypto.h \
 src/base/status.h
src/core/crypto.h:
src/base/status.h:
