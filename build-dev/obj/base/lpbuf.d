build-dev/obj/base/lpbuf.o: src/base/lpbuf.c src/base/lpbuf.h
src/base/lpbuf.h:
