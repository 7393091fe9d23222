build-dev/obj/db/db_audit.o: src/db/db_audit.c src/db/db_audit.h \
 src/db/db.h src/base/status.h src/db/db_internal.h
src/db/db_audit.h:
src/db/db.h:
src/base/status.h:
src/db/db_internal.h:
