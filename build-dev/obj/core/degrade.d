build-dev/obj/core/degrade.o: src/core/degrade.c src/core/degrade.h \
 src/core/perm.h src/base/status.h
src/core/degrade.h:
src/core/perm.h:
src/base/status.h:
