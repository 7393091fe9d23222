build-dev/obj/core/csv.o: src/core/csv.c src/core/csv.h src/base/status.h
src/core/csv.h:
src/base/status.h:
