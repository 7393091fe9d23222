build-dev/obj/core/config.o: src/core/config.c src/core/config.h \
 src/base/status.h src/base/tz.h src/core/perm.h \
 /usr/include/iniparser/iniparser.h /usr/include/iniparser/dictionary.h \
 src/base/embedded.h src/base/privsep.h src/base/text.h \
 src/base/userfile.h build-dev/gen/paths.h
src/core/config.h:
src/base/status.h:
src/base/tz.h:
src/core/perm.h:
/usr/include/iniparser/iniparser.h:
/usr/include/iniparser/dictionary.h:
src/base/embedded.h:
src/base/privsep.h:
src/base/text.h:
src/base/userfile.h:
build-dev/gen/paths.h:
