build-dev/obj/db/db_patients.o: src/db/db_patients.c src/db/db_patients.h \
 src/db/db.h src/base/status.h src/db/db_internal.h
src/db/db_patients.h:
src/db/db.h:
src/base/status.h:
src/db/db_internal.h:
