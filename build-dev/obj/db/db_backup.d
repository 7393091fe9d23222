build-dev/obj/db/db_backup.o: src/db/db_backup.c src/db/db_backup.h \
 src/db/db.h src/base/status.h src/base/privsep.h src/db/db_internal.h
src/db/db_backup.h:
src/db/db.h:
src/base/status.h:
src/base/privsep.h:
src/db/db_internal.h:
