build-dev/obj/db/db_journal.o: src/db/db_journal.c src/db/db_journal.h \
 src/base/status.h src/db/db.h src/db/db_audit.h src/base/privsep.h \
 src/db/db_internal.h
src/db/db_journal.h:
src/base/status.h:
src/db/db.h:
src/db/db_audit.h:
src/base/privsep.h:
src/db/db_internal.h:
