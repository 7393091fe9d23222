build-dev/obj/gen/embedded.o: build-dev/gen/embedded.c \
 src/base/embedded.h
src/base/embedded.h:
