build-dev/obj/db/db_users.o: src/db/db_users.c src/db/db_users.h \
 src/db/db.h src/base/status.h src/db/db_internal.h
src/db/db_users.h:
src/db/db.h:
src/base/status.h:
src/db/db_internal.h:
