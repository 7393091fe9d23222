build-dev/obj/core/reindex.o: src/core/reindex.c src/core/reindex.h \
 src/base/status.h src/core/clinic.h src/core/config.h src/base/tz.h \
 src/core/perm.h src/core/crypto.h src/core/session.h src/core/audit.h \
 src/core/internal.h src/db/db.h src/db/db_audit.h src/db/db_journal.h \
 src/db/db_users.h src/core/pindex.h src/core/patient.h \
 src/core/precord.h src/core/import.h src/db/db_patients.h \
 src/db/db_integrity.h
src/core/reindex.h:
src/base/status.h:
src/core/clinic.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/crypto.h:
src/core/session.h:
src/core/audit.h:
src/core/internal.h:
src/db/db.h:
src/db/db_audit.h:
src/db/db_journal.h:
src/db/db_users.h:
src/core/pindex.h:
src/core/patient.h:
src/core/precord.h:
src/core/import.h:
src/db/db_patients.h:
src/db/db_integrity.h:
