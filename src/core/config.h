/* config.h - Chartroom's configuration: INI files read with iniparser over
 * compiled-in defaults (assets/chartroom.ini), validated against a table of
 * settings with their ranges and security floors.
 *
 * Two kinds of section. Policy ([security], [roles], [mrn], [matching],
 * [clinical], [codes], [clinic]) decides who may do what and how records are kept;
 * it comes only from the compiled-in defaults, the root-owned system file
 * (CHARTROOM_SYSCONF_PATH, /etc/chartroom/chartroom.ini) and, after
 * sign-on, the database's policy table (core/policy.h), in that order of
 * precedence. Preferences ([ui], [database]) may also come from the
 * user's own file (--config, $CHARTROOM_CONFIG, ./chartroom.ini), which
 * wins over the system file for them; its policy sections are ignored and
 * reported in `warnings`.
 *
 * config_t is plain data; the UI reads ui_* fields and key overrides,
 * core reads the rest. */
#ifndef CHARTROOM_CONFIG_H
#define CHARTROOM_CONFIG_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/status.h"
#include "base/tz.h"
#include "core/perm.h"

#define CONFIG_KEYS_MAX 64
#define CONFIG_SETTINGS_MAX 48

/* The system file (/etc/chartroom/chartroom.ini, or SYSCONFDIR's at build
 * time): root-owned, not group- or world-writable. A build for tests may
 * point it elsewhere (-DCHARTROOM_SYSCONF_PATH=...); nothing at run time
 * can. config.c defines the default from gen/paths.h. */

/* Where a setting's value came from, lowest precedence first. */
typedef enum {
	CONFIG_FROM_DEFAULT, /* compiled in */
	CONFIG_FROM_SYSTEM,  /* the system file */
	CONFIG_FROM_USER,    /* the user's file (preferences only) */
	CONFIG_FROM_DB       /* the database's policy table */
} config_from_t;

typedef struct config_origin {
	unsigned char from; /* config_from_t */
	char by[72];        /* CONFIG_FROM_DB: the user who set it */
	char at[24];        /* and when, UTC */
} config_origin_t;

typedef enum { DATE_ISO, DATE_US } date_format_t;
typedef enum { COLOR_AUTO, COLOR_NEVER, COLOR_ALWAYS } color_mode_t;

typedef struct config {
	char source[PATH_MAX]; /* the main file read (user's, else system), or "built-in defaults" */
	char system_file[PATH_MAX]; /* the system file read, "" if there was none */
	char user_file[PATH_MAX];   /* the user's file read, "" if none */
	/* One line per policy section of the user's file that was ignored:
	 * "FILE:SECTION: ignored: ...\n". The caller shows them once. */
	char warnings[1024];
	config_origin_t setting_origin[CONFIG_SETTINGS_MAX]; /* by config_setting_index */
	config_origin_t role_origin[ROLE_COUNT];             /* by role_t */

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
	/* 0 (full): a read's audit event is synced to disk before its
	 * results show; 1 (normal): written (a crash of Chartroom cannot lose
	 * it), synced when the journal is next chained or trimmed. */
	int journal_sync;

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
		unsigned char from; /* config_from_t: SYSTEM or USER */
	} keys[CONFIG_KEYS_MAX];

	int late_after_days;
	/* [codes] verify_by_other: 1, whoever coded an encounter may not
	 * verify it (core/coding.h). Policy. */
	int verify_by_other;

	/* [matching]: duplicate-warning weights and threshold */
	int match_w_last_sound, match_w_last, match_w_first_sound, match_w_first;
	int match_w_dob, match_w_dob_part, match_w_sex, match_w_phone, match_w_ssn4, match_w_zip;
	int match_threshold;

	/* [clinical] */
	char encounter_types[512]; /* comma-separated */
	int draft_deficiency_days;
	int open_encounter_days;   /* an encounter open longer is a deficiency */
	int delinquent_days;       /* a deficiency older than this makes the record delinquent */
	char countersign_roles[128]; /* comma-separated roles whose notes need a countersignature */
	/* Synthea's ENCOUNTERCLASS -> encounter type: "class=type, ...", "*"
	 * for every other class (core/synthea_import.h synthea_type). */
	char synthea_classes[512];
	int sign_password;         /* 1: signing a note asks for the password again */
	int temp_fahrenheit;       /* entry and display unit; stored Celsius */
	int weight_pounds;         /* stored kg */
	int height_inches;         /* stored cm */

	/* [clinic] timezone: the zone every time is shown in (base/tz.h),
	 * checked with tz_check; times are stored in UTC whatever it is. */
	char clinic_tz[TZ_NAME_MAX];
	/* [clinic] sites: the clinic's non-sensitive site names (comma-
	 * separated); a check-in location that begins with one records it in
	 * the clear for `report visits --by location`. */
	char sites[512];

	/* [privacy] btg_review_days: a break-the-glass access not reviewed
	 * within this many days is overdue (core/btg_review.h). Policy. */
	int btg_review_days;

	/* [retention] (core/retention.h): a chart may be destroyed
	 * adult_years after the last encounter, and not before the patient is
	 * majority_age + minor_years old; a deceased patient's, deceased_years
	 * after death. Policy. */
	int retention_adult_years;
	int retention_majority_age;
	int retention_minor_years;
	int retention_deceased_years;
} config_t;

/* Fill with the compiled-in defaults only. */
status_t config_defaults(config_t *cfg, msg_t *m);

/* Load the configuration: the defaults; the system file
 * (CHARTROOM_SYSCONF_PATH) if it exists, all sections, refused unless it is
 * a regular file owned by root that neither group nor others may write;
 * then the user's file, the first of the explicit path, $CHARTROOM_CONFIG
 * and ./chartroom.ini, for its [ui] and [database] sections only (its
 * policy sections are ignored, with a line in cfg->warnings). A named user
 * file that is missing is an error; ./chartroom.ini is optional. Errors
 * read "file:section:key: problem"; a key given twice in a section is
 * one. */
status_t config_load(const char *explicit_path, config_t *cfg, msg_t *m);

/* config_load with the paths spelt out: system_path (NULL: none) must be
 * owned by system_owner; user_path (NULL: none) is an error when missing
 * if user_named is set. */
status_t config_load_from(const char *system_path, uid_t system_owner, const char *user_path,
			  int user_named, config_t *cfg, msg_t *m);

/* Load one trusted file over the defaults, every section, as the system
 * file owned by the calling user (tests and tools). */
status_t config_load_file(const char *path, config_t *cfg, msg_t *m);

/* The system file this program reads (CHARTROOM_SYSCONF_PATH as config.c
 * was built). */
const char *config_system_path(void);

/* Is this a policy section ("security", "roles", ...)? */
int config_section_is_policy(const char *section);

/* The settings table, for listing policy and setting it from the
 * database: how many, the i-th's "section:key", whether it is policy,
 * its value in cfg as text. config_setting_index is -1 for an unknown
 * key. */
int config_setting_count(void);
const char *config_setting_key(int i);
int config_setting_is_policy(int i);
int config_setting_index(const char *key);
void config_setting_value(const config_t *cfg, int i, char *buf, size_t size);

/* Set one setting ("section:key") from text with the same checks as a
 * file (range, floors), recording its origin. `label` starts any error
 * message ("database" -> "database:security:lockout_after: ..."). */
status_t config_set(config_t *cfg, const char *key, const char *value,
		    const config_origin_t *origin, const char *label, msg_t *m);

/* Set a role's actions from a [roles] value (see perm_apply_override),
 * recording its origin. */
status_t config_set_role(config_t *cfg, role_t role, const char *value,
			 const config_origin_t *origin, const char *label, msg_t *m);

/* Check the relations between settings (password max >= min). */
status_t config_check_relations(const config_t *cfg, const char *label, msg_t *m);

/* The file a key override came from ("built-in defaults" if neither). */
const char *config_key_file(const config_t *cfg, int i);

/* The UI knows key names and actions; core does not. It registers a check
 * that config_load runs on every `[ui] key.ACTION = KEYS`, so a bad
 * binding is a configuration error for every command, not only the
 * full-screen app. `where` is "file:ui:key.ACTION"; the check's message
 * starts with it. NULL unregisters. */
typedef status_t (*config_key_check_fn)(const char *action, const char *keys, const char *where,
					msg_t *m);
void config_set_key_check(config_key_check_fn fn);

/* Argon2id cost for new passwords, in libsodium's units. */
uint64_t config_argon_ops(const config_t *cfg);
uint64_t config_argon_mem(const config_t *cfg);

#endif
