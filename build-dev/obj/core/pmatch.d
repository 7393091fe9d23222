build-dev/obj/core/pmatch.o: src/core/pmatch.c src/core/pmatch.h \
 src/base/status.h src/core/config.h src/base/tz.h src/core/perm.h \
 src/core/patient.h src/core/session.h src/core/clinic.h \
 src/core/crypto.h src/core/pindex.h src/base/text.h src/core/internal.h \
 src/db/db.h src/db/db_audit.h src/db/db_journal.h src/db/db_users.h \
 src/core/precord.h src/core/import.h src/db/db_patients.h
src/core/pmatch.h:
src/base/status.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/patient.h:
src/core/session.h:
src/core/clinic.h:
src/core/crypto.h:
src/core/pindex.h:
src/base/text.h:
src/core/internal.h:
src/db/db.h:
src/db/db_audit.h:
src/db/db_journal.h:
src/db/db_users.h:
src/core/precord.h:
src/core/import.h:
src/db/db_patients.h:
