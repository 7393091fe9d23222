build-dev/obj/ui/cli_args.o: src/ui/cli_args.c src/ui/cli_args.h \
 src/ui/cli.h src/core/config.h src/base/status.h src/base/tz.h \
 src/core/perm.h src/base/text.h src/ui/cli_input.h src/ui/cli_internal.h \
 src/core/clinic.h src/core/crypto.h src/core/session.h
src/ui/cli_args.h:
src/ui/cli.h:
src/core/config.h:
src/base/status.h:
src/base/tz.h:
src/core/perm.h:
src/base/text.h:
src/ui/cli_input.h:
src/ui/cli_internal.h:
src/core/clinic.h:
src/core/crypto.h:
src/core/session.h:
