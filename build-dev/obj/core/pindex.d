build-dev/obj/core/pindex.o: src/core/pindex.c src/core/pindex.h \
 src/base/status.h src/core/config.h src/base/tz.h src/core/perm.h \
 src/core/crypto.h src/core/patient.h src/core/session.h \
 src/core/clinic.h
src/core/pindex.h:
src/base/status.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/crypto.h:
src/core/patient.h:
src/core/session.h:
src/core/clinic.h:
