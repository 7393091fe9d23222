/* screen_users.h - the staff accounts (screen_users.c): the list, and the
 * administrator's work on them, each a screen of its own: adding a user
 * (screen_users_add.c), choosing a role (screen_users_role.c), setting a
 * new password or enabling a disabled account with one
 * (screen_users_password.c). Core checks user_manage and audits every
 * change; the sub-screens go back to the list with a reload when a change
 * is saved. */
#ifndef CHARTROOM_UI_SCREEN_USERS_H
#define CHARTROOM_UI_SCREEN_USERS_H

#include "ui/screen.h"

extern const struct screen_ops screen_users;

/* Open the form adding a user (name, role, first password twice) on top
 * of the current screen, after the handler returns. */
void screen_users_add(ui_t *ui);

/* Open the role chooser for user `name`, whose role is now `role`; the
 * change is asked for (y/n) before it is made. */
void screen_users_role(ui_t *ui, const char *name, const char *role);

/* Open the new-password form for user `name`: an administrator's reset
 * (users_passwd) or, with `enable`, re-enabling a disabled account, which
 * needs a new password (users_enable). */
void screen_users_password(ui_t *ui, const char *name, int enable);

/* Shared by the Users screens: show core's refusal of st (m) on the
 * message line. When core locked the session meanwhile (the account was
 * disabled or its role changed: "sign on again"), returns UI_SIGNOFF so
 * the message is read on the sign-on screen; else UI_REDRAW. */
unsigned screen_users_refused(ui_t *ui, const msg_t *m);

#endif
