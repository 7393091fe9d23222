build-dev/obj/main.o: src/main.c src/base/privsep.h src/base/status.h \
 src/base/text.h src/core/config.h src/base/tz.h src/core/perm.h \
 src/core/crypto.h src/ui/cli.h src/core/config.h src/ui/keymap.h \
 src/ui/tui.h
src/base/privsep.h:
src/base/status.h:
src/base/text.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/crypto.h:
src/ui/cli.h:
src/core/config.h:
src/ui/keymap.h:
src/ui/tui.h:
