build-dev/obj/ui/cli_input.o: src/ui/cli_input.c src/ui/cli_input.h \
 src/ui/cli_internal.h src/core/clinic.h src/base/status.h \
 src/core/config.h src/base/tz.h src/core/perm.h src/core/crypto.h \
 src/core/session.h src/ui/cli.h src/ui/cli_args.h src/base/text.h \
 src/base/userfile.h src/core/csv.h src/core/patient.h
src/ui/cli_input.h:
src/ui/cli_internal.h:
src/core/clinic.h:
src/base/status.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/crypto.h:
src/core/session.h:
src/ui/cli.h:
src/ui/cli_args.h:
src/base/text.h:
src/base/userfile.h:
src/core/csv.h:
src/core/patient.h:
