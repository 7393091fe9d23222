build-dev/obj/db/db_policy.o: src/db/db_policy.c src/db/db_policy.h \
 src/db/db.h src/base/status.h src/db/db_internal.h
src/db/db_policy.h:
src/db/db.h:
src/base/status.h:
src/db/db_internal.h:
