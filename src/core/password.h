/* password.h - the password policy every new password passes (NIST SP
 * 800-63B: length and blocklists, no composition rules). Used through
 * users_password_check by the command line, the screens, init and
 * recovery alike. */
#ifndef CHARTROOM_PASSWORD_H
#define CHARTROOM_PASSWORD_H

#include "base/status.h"
#include "core/config.h"

/* The larger common-password list read at run time when it is installed
 * (Debian's john-data package: Openwall's list, public domain); the list
 * compiled in from assets/wordlists/common-passwords.txt is always used
 * too, so the policy never depends on the file being there. */
#define PASSWORD_SYSTEM_LIST "/usr/share/john/password.lst"
/* cracklib's dictionary (Debian's cracklib-runtime), for libpwquality. */
#define PASSWORD_CRACKLIB_DICT "/var/cache/cracklib/cracklib_dict"

/* STATUS_OK, or STATUS_INVALID with the reason in m, for a new password
 * of user `name` (may be NULL). Refused, in this order: shorter than
 * [security] password_min_length or longer than password_max_length; a
 * control character; only spaces; one character or a short pattern
 * repeated ("aaaa...", "abab..."); a run of sequential characters
 * ("abcdef...", "1234567890123456", "qwertyuiop...", either direction);
 * a common password in any case or spacing, or with digits or symbols
 * added before or after, or repeated ("P A S S W O R D password",
 * "Password2024!"); mostly the user name; refused by libpwquality
 * (cracklib's dictionary words, palindromes). */
status_t password_check(const config_t *cfg, const char *name, const char *password, msg_t *m);

#endif
