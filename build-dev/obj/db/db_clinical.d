build-dev/obj/db/db_clinical.o: src/db/db_clinical.c src/db/db_clinical.h \
 src/db/db.h src/base/status.h src/db/db_internal.h
src/db/db_clinical.h:
src/db/db.h:
src/base/status.h:
src/db/db_internal.h:
