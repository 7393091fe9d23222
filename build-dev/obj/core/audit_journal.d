build-dev/obj/core/audit_journal.o: src/core/audit_journal.c \
 src/base/lpbuf.h src/core/audit.h src/base/status.h src/core/session.h \
 src/core/clinic.h src/core/config.h src/base/tz.h src/core/perm.h \
 src/core/crypto.h src/core/internal.h src/db/db.h src/db/db_audit.h \
 src/db/db_journal.h src/db/db_users.h src/db/db_keys.h
src/base/lpbuf.h:
src/core/audit.h:
src/base/status.h:
src/core/session.h:
src/core/clinic.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/crypto.h:
src/core/internal.h:
src/db/db.h:
src/db/db_audit.h:
src/db/db_journal.h:
src/db/db_users.h:
src/db/db_keys.h:
