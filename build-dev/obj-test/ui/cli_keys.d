build-dev/obj-test/ui/cli_keys.o: src/ui/cli_keys.c src/base/tz.h \
 src/base/status.h src/core/crypto.h src/core/reindex.h src/core/clinic.h \
 src/core/config.h src/core/perm.h src/core/session.h src/core/rotate.h \
 src/ui/cli_internal.h src/ui/cli.h src/ui/cli_args.h
src/base/tz.h:
src/base/status.h:
src/core/crypto.h:
src/core/reindex.h:
src/core/clinic.h:
src/core/config.h:
src/core/perm.h:
src/core/session.h:
src/core/rotate.h:
src/ui/cli_internal.h:
src/ui/cli.h:
src/ui/cli_args.h:
