build-dev/obj/db/db_keys.o: src/db/db_keys.c src/db/db_keys.h src/db/db.h \
 src/base/status.h src/db/db_internal.h
src/db/db_keys.h:
src/db/db.h:
src/base/status.h:
src/db/db_internal.h:
