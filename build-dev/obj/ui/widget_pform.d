build-dev/obj/ui/widget_pform.o: src/ui/widget_pform.c \
 src/ui/widget_pform.h src/core/patient.h src/base/status.h \
 src/core/config.h src/base/tz.h src/core/perm.h src/core/session.h \
 src/core/clinic.h src/core/crypto.h src/ui/widget_form.h src/ui/curses.h \
 src/ui/screen.h src/ui/keymap.h src/ui/widget_field.h
src/ui/widget_pform.h:
src/core/patient.h:
src/base/status.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/session.h:
src/core/clinic.h:
src/core/crypto.h:
src/ui/widget_form.h:
src/ui/curses.h:
src/ui/screen.h:
src/ui/keymap.h:
src/ui/widget_field.h:
