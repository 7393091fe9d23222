build-dev/obj/ui/cli_coding.o: src/ui/cli_coding.c src/base/text.h \
 src/base/status.h src/core/coding.h src/core/session.h src/core/clinic.h \
 src/core/config.h src/base/tz.h src/core/perm.h src/core/crypto.h \
 src/ui/cli_input.h src/ui/cli_internal.h src/ui/cli.h src/ui/cli_args.h
src/base/text.h:
src/base/status.h:
src/core/coding.h:
src/core/session.h:
src/core/clinic.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/crypto.h:
src/ui/cli_input.h:
src/ui/cli_internal.h:
src/ui/cli.h:
src/ui/cli_args.h:
