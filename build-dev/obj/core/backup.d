build-dev/obj/core/backup.o: src/core/backup.c src/core/backup.h \
 src/base/status.h src/core/config.h src/base/tz.h src/core/perm.h \
 src/core/session.h src/core/clinic.h src/core/crypto.h src/base/text.h \
 src/base/userfile.h src/core/audit.h src/core/internal.h src/db/db.h \
 src/db/db_audit.h src/db/db_journal.h src/db/db_users.h \
 src/db/db_backup.h
src/core/backup.h:
src/base/status.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/session.h:
src/core/clinic.h:
src/core/crypto.h:
src/base/text.h:
src/base/userfile.h:
src/core/audit.h:
src/core/internal.h:
src/db/db.h:
src/db/db_audit.h:
src/db/db_journal.h:
src/db/db_users.h:
src/db/db_backup.h:
