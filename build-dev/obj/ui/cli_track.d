build-dev/obj/ui/cli_track.o: src/ui/cli_track.c src/ui/cli_internal.h \
 src/core/clinic.h src/base/status.h src/core/config.h src/base/tz.h \
 src/core/perm.h src/core/crypto.h src/core/session.h src/ui/cli.h \
 src/ui/cli_args.h src/core/chart_track.h
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
src/core/chart_track.h:
