build-dev/obj/core/session.o: src/core/session.c src/core/session.h \
 src/base/status.h src/core/clinic.h src/core/config.h src/base/tz.h \
 src/core/perm.h src/core/crypto.h src/core/audit.h src/core/degrade.h \
 src/core/internal.h src/db/db.h src/db/db_audit.h src/db/db_journal.h \
 src/db/db_users.h src/core/keys.h src/core/policy.h src/core/reindex.h \
 src/core/reseal.h src/db/db_keys.h
src/core/session.h:
src/base/status.h:
src/core/clinic.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/crypto.h:
src/core/audit.h:
src/core/degrade.h:
src/core/internal.h:
src/db/db.h:
src/db/db_audit.h:
src/db/db_journal.h:
src/db/db_users.h:
src/core/keys.h:
src/core/policy.h:
src/core/reindex.h:
src/core/reseal.h:
src/db/db_keys.h:
