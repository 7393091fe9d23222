build-dev/obj/db/db_codes.o: src/db/db_codes.c src/db/db_codes.h \
 src/db/db.h src/base/status.h src/db/db_internal.h
src/db/db_codes.h:
src/db/db.h:
src/base/status.h:
src/db/db_internal.h:
