build-dev/obj/core/import.o: src/core/import.c src/core/import.h \
 src/base/status.h src/core/patient.h src/core/config.h src/base/tz.h \
 src/core/perm.h src/core/session.h src/core/clinic.h src/core/crypto.h \
 src/base/userfile.h src/core/csv.h src/core/internal.h src/db/db.h \
 src/db/db_audit.h src/db/db_journal.h src/db/db_users.h src/base/text.h \
 src/core/audit.h src/core/pmatch.h src/core/pindex.h src/core/precord.h \
 src/db/db_patients.h src/db/db_imports.h
src/core/import.h:
src/base/status.h:
src/core/patient.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/session.h:
src/core/clinic.h:
src/core/crypto.h:
src/base/userfile.h:
src/core/csv.h:
src/core/internal.h:
src/db/db.h:
src/db/db_audit.h:
src/db/db_journal.h:
src/db/db_users.h:
src/base/text.h:
src/core/audit.h:
src/core/pmatch.h:
src/core/pindex.h:
src/core/precord.h:
src/db/db_patients.h:
src/db/db_imports.h:
