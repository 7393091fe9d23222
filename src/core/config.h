/* config.h - Chartroom's configuration: one INI file read with iniparser
 * over compiled-in defaults (assets/chartroom.ini), validated against a
 * table of settings with their ranges and security floors.
 *
 * config_t is plain data; the UI reads ui_* fields and key overrides,
 * core reads the rest. */
#ifndef CHARTROOM_CONFIG_H
#define CHARTROOM_CONFIG_H

#include <limits.h>
#include <stdint.h>

#include "base/status.h"
#include "core/perm.h"

#define CONFIG_KEYS_MAX 64

typedef enum { DATE_ISO, DATE_US } date_format_t;
typedef enum { COLOR_AUTO, COLOR_NEVER, COLOR_ALWAYS } color_mode_t;

typedef struct config {
	char source[PATH_MAX]; /* file read, or "built-in defaults" */

	char db_path[PATH_MAX];
	/* Shared mode's data directory: only from the root-owned system file
	 * ([database] data_dir) or the compiled-in CHARTROOM_DATA_DIR. */
	char data_dir[PATH_MAX];
	int busy_timeout_ms;

	int idle_lock_seconds;
	int lockout_after;
	int password_min_length;
	int password_max_length;
	int argon2_passes;
	int argon2_memory_mib;
	int blind_index_bytes;

	perm_matrix_t perms;

	char mrn_prefix[8];
	int mrn_digits;

	date_format_t date_format;
	color_mode_t color;
	/* key.ACTION = KEY overrides, checked by the UI's keymap. */
	int nkeys;
	struct {
		char action[40];
		char key[16];
	} keys[CONFIG_KEYS_MAX];

	int late_after_days;

	/* [matching]: duplicate-warning weights and threshold */
	int match_w_last_sound, match_w_last, match_w_first_sound, match_w_first;
	int match_w_dob, match_w_dob_part, match_w_sex, match_w_phone, match_w_ssn4, match_w_zip;
	int match_threshold;

	/* [clinical] */
	char encounter_types[512]; /* comma-separated */
	int draft_deficiency_days;
	int temp_fahrenheit;       /* entry and display unit; stored Celsius */
	int weight_pounds;         /* stored kg */
	int height_inches;         /* stored cm */
} config_t;

/* Fill with the compiled-in defaults only. */
status_t config_defaults(config_t *cfg, msg_t *m);

/* Load the configuration: defaults, then the first file found in the
 * lookup order (explicit path, $CHARTROOM_CONFIG, ./chartroom.ini,
 * /etc/chartroom/chartroom.ini). An explicit or environment-named file
 * that is missing is an error; the other two are optional. Errors read
 * "file:section:key: problem". */
status_t config_load(const char *explicit_path, config_t *cfg, msg_t *m);

/* Load exactly one file over the defaults (used by config_load and tests). */
status_t config_load_file(const char *path, config_t *cfg, msg_t *m);

/* Argon2id cost for new passwords, in libsodium's units. */
uint64_t config_argon_ops(const config_t *cfg);
uint64_t config_argon_mem(const config_t *cfg);

#endif
