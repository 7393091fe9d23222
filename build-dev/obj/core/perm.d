build-dev/obj/core/perm.o: src/core/perm.c src/core/perm.h \
 src/base/status.h src/core/crypto.h
src/core/perm.h:
src/base/status.h:
src/core/crypto.h:
