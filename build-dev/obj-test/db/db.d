build-dev/obj-test/db/db.o: src/db/db.c src/db/db_internal.h src/db/db.h \
 src/base/status.h src/base/embedded.h src/base/privsep.h \
 src/db/db_journal.h src/db/db_audit.h src/db/db_testhook.h
src/db/db_internal.h:
src/db/db.h:
src/base/status.h:
src/base/embedded.h:
src/base/privsep.h:
src/db/db_journal.h:
src/db/db_audit.h:
src/db/db_testhook.h:
