build-dev/obj/core/synth.o: src/core/synth.c src/core/synth.h \
 src/base/status.h src/core/patient.h src/core/config.h src/base/tz.h \
 src/core/perm.h src/core/session.h src/core/clinic.h src/core/crypto.h \
 src/base/embedded.h src/base/text.h src/core/precord.h src/core/import.h \
 src/core/pindex.h src/db/db_patients.h src/db/db.h
src/core/synth.h:
src/base/status.h:
src/core/patient.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/session.h:
src/core/clinic.h:
src/core/crypto.h:
src/base/embedded.h:
src/base/text.h:
src/core/precord.h:
src/core/import.h:
src/core/pindex.h:
src/db/db_patients.h:
src/db/db.h:
