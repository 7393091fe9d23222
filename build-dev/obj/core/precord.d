build-dev/obj/core/precord.o: src/core/precord.c src/core/precord.h \
 src/core/crypto.h src/base/status.h src/core/import.h src/core/patient.h \
 src/core/config.h src/base/tz.h src/core/perm.h src/core/session.h \
 src/core/clinic.h src/core/pindex.h src/db/db_patients.h src/db/db.h \
 src/base/text.h src/core/audit.h src/core/internal.h src/db/db_audit.h \
 src/db/db_journal.h src/db/db_users.h
src/core/precord.h:
src/core/crypto.h:
src/base/status.h:
src/core/import.h:
src/core/patient.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/session.h:
src/core/clinic.h:
src/core/pindex.h:
src/db/db_patients.h:
src/db/db.h:
src/base/text.h:
src/core/audit.h:
src/core/internal.h:
src/db/db_audit.h:
src/db/db_journal.h:
src/db/db_users.h:
