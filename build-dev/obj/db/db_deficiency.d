build-dev/obj/db/db_deficiency.o: src/db/db_deficiency.c \
 src/db/db_deficiency.h src/base/status.h src/db/db.h \
 src/db/db_internal.h
src/db/db_deficiency.h:
src/base/status.h:
src/db/db.h:
src/db/db_internal.h:
