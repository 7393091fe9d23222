build-dev/obj/ui/cli.o: src/ui/cli.c src/ui/cli.h src/core/config.h \
 src/base/status.h src/base/tz.h src/core/perm.h src/ui/cli_input.h \
 src/ui/cli_internal.h src/core/clinic.h src/core/crypto.h \
 src/core/session.h src/ui/cli_args.h src/core/audit.h src/core/import.h \
 src/core/patient.h src/core/patient_search.h src/core/synth.h \
 src/core/users.h src/base/date.h src/base/privsep.h src/base/text.h
src/ui/cli.h:
src/core/config.h:
src/base/status.h:
src/base/tz.h:
src/core/perm.h:
src/ui/cli_input.h:
src/ui/cli_internal.h:
src/core/clinic.h:
src/core/crypto.h:
src/core/session.h:
src/ui/cli_args.h:
src/core/audit.h:
src/core/import.h:
src/core/patient.h:
src/core/patient_search.h:
src/core/synth.h:
src/core/users.h:
src/base/date.h:
src/base/privsep.h:
src/base/text.h:
