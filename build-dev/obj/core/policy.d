build-dev/obj/core/policy.o: src/core/policy.c src/core/policy.h \
 src/base/status.h src/core/clinic.h src/core/config.h src/base/tz.h \
 src/core/perm.h src/core/crypto.h src/core/session.h src/base/lpbuf.h \
 src/core/audit.h src/core/internal.h src/db/db.h src/db/db_audit.h \
 src/db/db_journal.h src/db/db_users.h src/db/db_policy.h
src/core/policy.h:
src/base/status.h:
src/core/clinic.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/crypto.h:
src/core/session.h:
src/base/lpbuf.h:
src/core/audit.h:
src/core/internal.h:
src/db/db.h:
src/db/db_audit.h:
src/db/db_journal.h:
src/db/db_users.h:
src/db/db_policy.h:
