build-dev/obj/core/password.o: src/core/password.c src/core/password.h \
 src/base/status.h src/core/config.h src/base/tz.h src/core/perm.h \
 src/base/embedded.h
src/core/password.h:
src/base/status.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/base/embedded.h:
