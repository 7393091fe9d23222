build-dev/obj/core/users.o: src/core/users.c src/core/users.h \
 src/base/status.h src/core/session.h src/core/clinic.h src/core/config.h \
 src/base/tz.h src/core/perm.h src/core/crypto.h src/base/embedded.h \
 src/core/audit.h src/core/internal.h src/db/db.h src/db/db_audit.h \
 src/db/db_journal.h src/db/db_users.h src/core/keys.h \
 src/core/password.h src/db/db_keys.h
src/core/users.h:
src/base/status.h:
src/core/session.h:
src/core/clinic.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/crypto.h:
src/base/embedded.h:
src/core/audit.h:
src/core/internal.h:
src/db/db.h:
src/db/db_audit.h:
src/db/db_journal.h:
src/db/db_users.h:
src/core/keys.h:
src/core/password.h:
src/db/db_keys.h:
