build-dev/obj/db/db_integrity.o: src/db/db_integrity.c \
 src/db/db_integrity.h src/db/db.h src/base/status.h src/db/db_internal.h
src/db/db_integrity.h:
src/db/db.h:
src/base/status.h:
src/db/db_internal.h:
