build-dev/obj-test/core/clock.o: src/core/clock.c src/core/internal.h \
 src/core/clinic.h src/base/status.h src/core/config.h src/base/tz.h \
 src/core/perm.h src/core/crypto.h src/core/session.h src/db/db.h \
 src/db/db_audit.h src/db/db_journal.h src/db/db_users.h
src/core/internal.h:
src/core/clinic.h:
src/base/status.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/crypto.h:
src/core/session.h:
src/db/db.h:
src/db/db_audit.h:
src/db/db_journal.h:
src/db/db_users.h:
