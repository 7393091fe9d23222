build-dev/obj/db/db_tracking.o: src/db/db_tracking.c src/db/db_tracking.h \
 src/base/status.h src/db/db.h src/db/db_internal.h
src/db/db_tracking.h:
src/base/status.h:
src/db/db.h:
src/db/db_internal.h:
