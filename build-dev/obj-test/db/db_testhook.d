build-dev/obj-test/db/db_testhook.o: src/db/db_testhook.c \
 src/db/db_testhook.h src/base/status.h
src/db/db_testhook.h:
src/base/status.h:
