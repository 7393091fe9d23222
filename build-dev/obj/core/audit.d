build-dev/obj/core/audit.o: src/core/audit.c src/core/audit.h \
 src/base/status.h src/core/session.h src/core/clinic.h src/core/config.h \
 src/base/tz.h src/core/perm.h src/core/crypto.h src/base/date.h \
 src/base/lpbuf.h src/core/integrity.h src/core/internal.h src/db/db.h \
 src/db/db_audit.h src/db/db_journal.h src/db/db_users.h \
 src/db/db_clinical.h src/db/db_codes.h src/db/db_integrity.h \
 src/db/db_patients.h
src/core/audit.h:
src/base/status.h:
src/core/session.h:
src/core/clinic.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/crypto.h:
src/base/date.h:
src/base/lpbuf.h:
src/core/integrity.h:
src/core/internal.h:
src/db/db.h:
src/db/db_audit.h:
src/db/db_journal.h:
src/db/db_users.h:
src/db/db_clinical.h:
src/db/db_codes.h:
src/db/db_integrity.h:
src/db/db_patients.h:
