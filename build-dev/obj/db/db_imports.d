build-dev/obj/db/db_imports.o: src/db/db_imports.c src/db/db_imports.h \
 src/base/status.h src/db/db.h src/db/db_internal.h
src/db/db_imports.h:
src/base/status.h:
src/db/db.h:
src/db/db_internal.h:
