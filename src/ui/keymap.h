/* keymap.h - every key of the full-screen app, in one table.
 *
 * KEYMAP_ACTIONS lists the actions the screens understand: (ID,
 * "config-name", default keys, "help text"). From it come the action enum,
 * the help screen, and the names accepted by `[ui] key.NAME = KEY` in the
 * configuration. Screens see actions, never raw keys; only a text field
 * with the focus receives printable characters as text.
 *
 * Key syntax (defaults and overrides alike): one or more keys separated by
 * spaces, each a single character, ^X for Ctrl-X, F1..F12, or one of Enter
 * Esc Tab BTab Space Backspace Del Up Down Left Right PgUp PgDn Home End
 * (names are case-insensitive). */
#ifndef CHARTROOM_UI_KEYMAP_H
#define CHARTROOM_UI_KEYMAP_H

#include <stddef.h>
#include <wchar.h>

#include "base/status.h"
#include "core/config.h"

/* X(ID, "config-name", "default keys", "help text") */
#define KEYMAP_ACTIONS(X)                                                                          \
	X(HELP, "help", "F1 ?", "Show this help (only F1 while typing in a field)")                \
	X(BACK, "back", "Esc", "Go back: close this screen or cancel")                             \
	X(SELECT, "select", "Enter", "Open the selected item; submit a form")                      \
	X(QUIT, "quit", "q", "Close this screen; on the main menu, quit (asks)")                   \
	X(UP, "up", "Up", "Move up a line; previous field")                                        \
	X(DOWN, "down", "Down", "Move down a line; next field")                                    \
	X(PAGE_UP, "page_up", "PgUp", "Move up a page in a list")                                  \
	X(PAGE_DOWN, "page_down", "PgDn", "Move down a page in a list")                            \
	X(HOME, "home", "Home", "First line of a list; start of a field")                          \
	X(END, "end", "End", "Last line of a list; end of a field")                                \
	X(LEFT, "left", "Left", "Move left in a field")                                            \
	X(RIGHT, "right", "Right", "Move right in a field")                                        \
	X(NEXT_FIELD, "next_field", "Tab", "Next field of a form; next section of a chart")        \
	X(PREV_FIELD, "prev_field", "BTab", "Previous field of a form; previous chart section")    \
	X(BACKSPACE, "backspace", "Backspace", "Delete the character before the cursor")           \
	X(DELETE, "delete", "Del", "Delete the character under the cursor")                        \
	X(CLEAR_FIELD, "clear_field", "^U", "Clear the field")                                     \
	X(SEARCH, "search", "/", "Find text in a list; / and Enter again: the next")               \
	X(RELOAD, "reload", "F5", "Read the list again; run the check again")                      \
	X(LOCK, "lock", "F12", "Lock the screen now (your password unlocks it)")                   \
	X(SWITCH_USER, "switch_user", "F2", "Lock screen: sign off, let another user sign on")     \
	X(REDRAW, "redraw", "^L", "Repaint the whole screen")                                      \
	X(EDIT, "edit", "e", "Edit the demographics or a draft note")                              \
	X(SAVE, "save", "F10 ^O", "Save the form or the note being edited")                        \
	X(SIGN, "sign", "s", "Sign your own note; countersign another's (providers)")              \
	X(SET_STATUS, "set_status", "x", "Change a status: encounter, item, user account")         \
	X(CHECK_IN, "check_in", "i", "Check the patient in (front desk)")                          \
	X(NO_ALLERGIES, "no_known_allergies", "k", "Record \"no known allergies\"")                \
	X(YES, "yes", "y Y", "Answer yes to a question")                                           \
	X(NO, "no", "n N", "Answer no to a question")                                              \
	X(ADD, "add", "a", "Add a diagnosis, chart item, note, addendum, user")                    \
	X(ADD_PROCEDURE, "add_procedure", "p", "Coding: add a procedure (HCPCS or CPT)")           \
	X(REMOVE, "remove", "d", "Remove the selected line (asks first)")                          \
	X(MAKE_PRIMARY, "make_primary", "m", "Coding: make the diagnosis primary; merge a duplicate chart")         \
	X(COMPLETE, "complete", "c", "Coding: complete (every rule checked again)")                \
	X(VERIFY, "verify", "v", "Coding: verify the completed coding")                            \
	X(FINALIZE, "finalize", "f", "Coding: finalise, which locks it (asks first)")              \
	X(REOPEN, "reopen", "o", "Coding: reopen final coding, with a reason")                     \
	X(ROLE, "role", "r", "Users: change the selected user's role")                             \
	X(UNLOCK, "unlock", "u", "Users: unlock a locked-out account; undo a merge")               \
	X(NEW_PASSWORD, "new_password", "w", "Users: set a new password for the selected user")   \
	X(ACCESS_REPORT, "access_report", "W", "Chart: who opened this chart (privacy officer, HIM)") \
	X(CHART_PANEL, "chart_panel", "t", "Coding: show or hide the encounter's notes, reason, problems, vitals") \
	X(MERGES, "merges", "M", "Duplicate charts: the list of merges, to undo one")

typedef enum {
	KA_NONE = 0, /* no action: a plain character, or an unbound key */
#define KEYMAP_ENUM(id, name, keys, help) KA_##id,
	KEYMAP_ACTIONS(KEYMAP_ENUM)
#undef KEYMAP_ENUM
	    KA_COUNT
} keyact_t;

typedef struct keymap keymap_t;

/* Build the keymap: the defaults above, then the configuration's
 * `[ui] key.NAME = KEY` overrides (a name may be written with '-' or '_').
 * An unknown action or key, or a key bound to two actions, fails with a
 * message naming the configuration file and the setting. *out is owned by
 * the caller (keymap_free). Needs no terminal: call it before curses
 * starts so a bad setting is reported on a plain terminal. */
status_t keymap_new(const config_t *cfg, keymap_t **out, msg_t *m);
void keymap_free(keymap_t *km);

/* Check every binding together as keymap_new would build them (what
 * `chartroom config check` runs, so a clash that would stop the app at
 * start fails the check too): STATUS_OK, or STATUS_CONFIG naming the
 * setting, the key and both actions. */
status_t keymap_check(const config_t *cfg, msg_t *m);

/* Check one `[ui] key.ACTION = KEYS` setting without building a keymap:
 * the action exists and every key parses. Messages start with `where`
 * ("file:ui:key.ACTION"). Registered with config_set_key_check so every
 * command refuses a bad binding. */
status_t keymap_check_binding(const char *action, const char *keys, const char *where,
                              msg_t *m);

/* The action bound to a key read with get_wch: is_code non-zero when it
 * was a function-key code (KEY_CODE_YES), else ch is a character.
 * KA_NONE when nothing is bound to it. */
keyact_t keymap_action(const keymap_t *km, int is_code, wint_t ch);

/* The keys bound to action a as text ("F1 ?"), written to buf. Returns
 * buf; "" when the action has no key. */
const char *keymap_keys(const keymap_t *km, keyact_t a, char *buf, size_t size);

/* The config name and help text of an action (never NULL). */
const char *keymap_name(keyact_t a);
const char *keymap_help(keyact_t a);

#endif
