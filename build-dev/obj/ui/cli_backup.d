build-dev/obj/ui/cli_backup.o: src/ui/cli_backup.c src/core/backup.h \
 src/base/status.h src/core/config.h src/base/tz.h src/core/perm.h \
 src/core/session.h src/core/clinic.h src/core/crypto.h \
 src/ui/cli_internal.h src/ui/cli.h src/ui/cli_args.h
src/core/backup.h:
src/base/status.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/session.h:
src/core/clinic.h:
src/core/crypto.h:
src/ui/cli_internal.h:
src/ui/cli.h:
src/ui/cli_args.h:
