build-dev/obj/ui/screen_menu.o: src/ui/screen_menu.c src/ui/screen_menu.h \
 src/ui/screen.h src/base/status.h src/core/clinic.h src/core/config.h \
 src/base/tz.h src/core/perm.h src/core/crypto.h src/core/session.h \
 src/ui/curses.h src/ui/keymap.h src/ui/draw.h src/ui/screen_audit.h \
 src/ui/screen_coding_queue.h src/ui/screen_deficiency.h \
 src/ui/screen_config.h src/ui/screen_passwd.h src/ui/screen_register.h \
 src/ui/screen_search.h src/ui/screen_users.h src/ui/screen_verify.h \
 src/ui/theme.h src/ui/widget_list.h
src/ui/screen_menu.h:
src/ui/screen.h:
src/base/status.h:
src/core/clinic.h:
src/core/config.h:
src/base/tz.h:
src/core/perm.h:
src/core/crypto.h:
src/core/session.h:
src/ui/curses.h:
src/ui/keymap.h:
src/ui/draw.h:
src/ui/screen_audit.h:
src/ui/screen_coding_queue.h:
src/ui/screen_deficiency.h:
src/ui/screen_config.h:
src/ui/screen_passwd.h:
src/ui/screen_register.h:
src/ui/screen_search.h:
src/ui/screen_users.h:
src/ui/screen_verify.h:
src/ui/theme.h:
src/ui/widget_list.h:
