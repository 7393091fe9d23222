build-dev/obj/ui/cli_clinical.o: src/ui/cli_clinical.c src/base/text.h \
 src/base/status.h src/base/tz.h src/base/userfile.h src/core/clinical.h \
 src/core/session.h src/core/clinic.h src/core/config.h src/core/perm.h \
 src/core/crypto.h src/core/patient.h src/ui/cli_input.h \
 src/ui/cli_internal.h src/ui/cli.h src/ui/cli_args.h
src/base/text.h:
src/base/status.h:
src/base/tz.h:
src/base/userfile.h:
src/core/clinical.h:
src/core/session.h:
src/core/clinic.h:
src/core/config.h:
src/core/perm.h:
src/core/crypto.h:
src/core/patient.h:
src/ui/cli_input.h:
src/ui/cli_internal.h:
src/ui/cli.h:
src/ui/cli_args.h:
