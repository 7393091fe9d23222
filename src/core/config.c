/* config.c - the settings table over iniparser. */
#include "core/config.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcntl.h>
#include <iniparser.h>

#include "base/embedded.h"
#include "base/privsep.h"
#include "base/userfile.h"
/* CHARTROOM_DATA_DIR and CHARTROOM_SYSTEM_CONFIG, written by the Makefile
 * from DATADIR and SYSCONFDIR (make DATADIR=/srv/chartroom ...). */
#include "gen/paths.h"

typedef enum { T_INT, T_STR, T_ENUM, T_ROLE } setting_type_t;

/* One setting: "section:key", how to parse it, where it goes, its range.
 * `floor` marks a minimum that is a security floor: a value under it is
 * refused with that word, so nobody mistakes it for a typo. */
typedef struct setting {
	const char *key;
	setting_type_t type;
	size_t offset;
	size_t size;
	long min, max;
	int floor;
	const char *const *names; /* T_ENUM: allowed values, index = value */
	const char *help;
} setting_t;

static const char *const date_names[] = {"YYYY-MM-DD", "MM/DD/YYYY", NULL};
static const char *const color_names[] = {"auto", "never", "always", NULL};
static const char *const temp_names[] = {"C", "F", NULL};
static const char *const weight_names[] = {"kg", "lb", NULL};
static const char *const height_names[] = {"cm", "in", NULL};

#define OFF(f) offsetof(config_t, f), sizeof(((config_t *)0)->f)
static const setting_t settings[] = {
	{"database:path", T_STR, OFF(db_path), 0, 0, 0, NULL, "a file path"},
	/* Read only from the system file (trusted_data_dir); elsewhere checked
	 * and ignored. */
	{"database:data_dir", T_STR, OFF(data_dir), 0, 0, 0, NULL, "an absolute path"},
	{"database:busy_timeout_ms", T_INT, OFF(busy_timeout_ms), 100, 3600000, 0, NULL, NULL},
	{"security:idle_lock_seconds", T_INT, OFF(idle_lock_seconds), 5, 3600, 0, NULL, NULL},
	{"security:lockout_after", T_INT, OFF(lockout_after), 3, 50, 0, NULL, NULL},
	{"security:password_min_length", T_INT, OFF(password_min_length), 8, 64, 1, NULL, NULL},
	{"security:password_max_length", T_INT, OFF(password_max_length), 64, 1024, 0, NULL, NULL},
	{"security:argon2_passes", T_INT, OFF(argon2_passes), 2, 10, 1, NULL, NULL},
	{"security:argon2_memory_mib", T_INT, OFF(argon2_memory_mib), 64, 4096, 1, NULL, NULL},
	{"security:blind_index_bytes", T_INT, OFF(blind_index_bytes), 4, 8, 0, NULL, NULL},
	{"mrn:prefix", T_STR, OFF(mrn_prefix), 0, 4, 0, NULL, "0 to 4 capital letters"},
	{"mrn:digits", T_INT, OFF(mrn_digits), 5, 10, 0, NULL, NULL},
	{"ui:date_format", T_ENUM, OFF(date_format), 0, 0, 0, date_names, NULL},
	{"ui:color", T_ENUM, OFF(color), 0, 0, 0, color_names, NULL},
	{"codes:late_after_days", T_INT, OFF(late_after_days), 1, 365, 0, NULL, NULL},
	{"matching:last_name_sound", T_INT, OFF(match_w_last_sound), 0, 20, 0, NULL, NULL},
	{"matching:last_name", T_INT, OFF(match_w_last), 0, 20, 0, NULL, NULL},
	{"matching:first_name_sound", T_INT, OFF(match_w_first_sound), 0, 20, 0, NULL, NULL},
	{"matching:first_name", T_INT, OFF(match_w_first), 0, 20, 0, NULL, NULL},
	{"matching:dob", T_INT, OFF(match_w_dob), 0, 20, 0, NULL, NULL},
	{"matching:dob_two_of_three", T_INT, OFF(match_w_dob_part), 0, 20, 0, NULL, NULL},
	{"matching:sex", T_INT, OFF(match_w_sex), 0, 20, 0, NULL, NULL},
	{"matching:phone", T_INT, OFF(match_w_phone), 0, 20, 0, NULL, NULL},
	{"matching:ssn_last4", T_INT, OFF(match_w_ssn4), 0, 20, 0, NULL, NULL},
	{"matching:zip", T_INT, OFF(match_w_zip), 0, 20, 0, NULL, NULL},
	{"matching:threshold", T_INT, OFF(match_threshold), 1, 200, 0, NULL, NULL},
	{"clinical:encounter_types", T_STR, OFF(encounter_types), 0, 0, 0, NULL, "a list"},
	{"clinical:draft_deficiency_days", T_INT, OFF(draft_deficiency_days), 1, 90, 0, NULL, NULL},
	{"clinical:temperature_unit", T_ENUM, OFF(temp_fahrenheit), 0, 0, 0, temp_names, NULL},
	{"clinical:weight_unit", T_ENUM, OFF(weight_pounds), 0, 0, 0, weight_names, NULL},
	{"clinical:height_unit", T_ENUM, OFF(height_inches), 0, 0, 0, height_names, NULL},
};
#undef OFF

static const char *const sections[] = {"database", "security", "roles",    "mrn",
				       "ui",       "codes",    "matching", "clinical", NULL};

/* iniparser reports syntax errors through a callback without a user
 * pointer; keep the first one for the message. */
static char parse_error[256];
static int capture_error(const char *fmt, ...)
{
	va_list ap;
	if (parse_error[0])
		return 0;
	va_start(ap, fmt);
	vsnprintf(parse_error, sizeof parse_error, fmt, ap);
	va_end(ap);
	return 0;
}

/* "iniparser: syntax error in FILE (LINE):\n-> text" -> "line LINE" */
static int error_line(void)
{
	const char *p = strrchr(parse_error, '(');
	return p ? atoi(p + 1) : 0;
}

static status_t set_one(const setting_t *s, const char *file, const char *val, config_t *cfg,
			msg_t *m)
{
	char *dst = (char *)cfg + s->offset;
	char *end = NULL;
	long v;

	switch (s->type) {
	case T_INT:
		errno = 0;
		v = strtol(val, &end, 10);
		if (!*val || *end || errno)
			return msg_fail(m, STATUS_CONFIG, "%s:%s: '%s' is not a whole number", file,
					s->key, val);
		if (v < s->min && s->floor)
			return msg_fail(m, STATUS_CONFIG,
					"%s:%s: %ld is below the security floor of %ld; refused",
					file, s->key, v, s->min);
		if (v < s->min || v > s->max)
			return msg_fail(m, STATUS_CONFIG, "%s:%s: %ld is out of range (%ld to %ld)",
					file, s->key, v, s->min, s->max);
		*(int *)(void *)dst = (int)v;
		return STATUS_OK;
	case T_STR:
		if (strlen(val) >= s->size || (s->max && strlen(val) > (size_t)s->max))
			return msg_fail(m, STATUS_CONFIG, "%s:%s: value too long", file, s->key);
		if (strcmp(s->key, "mrn:prefix") == 0)
			for (const char *p = val; *p; p++)
				if (*p < 'A' || *p > 'Z')
					return msg_fail(m, STATUS_CONFIG,
							"%s:%s: '%s' must be 0 to 4 capital letters",
							file, s->key, val);
		if (strcmp(s->key, "database:path") == 0 && !*val)
			return msg_fail(m, STATUS_CONFIG, "%s:%s: must not be empty", file, s->key);
		if (strcmp(s->key, "database:data_dir") == 0) {
			if (val[0] != '/')
				return msg_fail(m, STATUS_CONFIG, "%s:%s: must be an absolute path",
						file, s->key);
			return STATUS_OK; /* only trusted_data_dir sets it */
		}
		memcpy(dst, val, strlen(val) + 1);
		return STATUS_OK;
	case T_ENUM:
		for (int i = 0; s->names[i]; i++)
			if (strcasecmp(val, s->names[i]) == 0) {
				*(int *)(void *)dst = i;
				return STATUS_OK;
			}
		{
			char allowed[128] = "";
			for (int i = 0; s->names[i]; i++) {
				strncat(allowed, i ? ", " : "", sizeof allowed - strlen(allowed) - 1);
				strncat(allowed, s->names[i], sizeof allowed - strlen(allowed) - 1);
			}
			return msg_fail(m, STATUS_CONFIG, "%s:%s: '%s' is not one of %s", file, s->key,
					val, allowed);
		}
	case T_ROLE:
		break;
	}
	return msg_fail(m, STATUS_CONFIG, "%s:%s: unsupported setting", file, s->key);
}

static int known_section(const char *sec)
{
	for (int i = 0; sections[i]; i++)
		if (strcmp(sec, sections[i]) == 0)
			return 1;
	return 0;
}

static const setting_t *find_setting(const char *key)
{
	for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
		if (strcmp(settings[i].key, key) == 0)
			return &settings[i];
	return NULL;
}

static status_t apply_key_override(const char *file, const char *fullkey, const char *val,
				   config_t *cfg, msg_t *m)
{
	const char *action = fullkey + strlen("ui:key.");
	int i;
	if (!*action || strlen(action) >= sizeof cfg->keys[0].action)
		return msg_fail(m, STATUS_CONFIG, "%s:%s: no action named", file, fullkey);
	if (!*val || strlen(val) >= sizeof cfg->keys[0].key)
		return msg_fail(m, STATUS_CONFIG, "%s:%s: '%s' is not a key", file, fullkey, val);
	for (i = 0; i < cfg->nkeys; i++)
		if (strcmp(cfg->keys[i].action, action) == 0)
			break;
	if (i == cfg->nkeys) {
		if (cfg->nkeys == CONFIG_KEYS_MAX)
			return msg_fail(m, STATUS_CONFIG, "%s:%s: too many key overrides", file,
					fullkey);
		cfg->nkeys++;
	}
	snprintf(cfg->keys[i].action, sizeof cfg->keys[i].action, "%s", action);
	snprintf(cfg->keys[i].key, sizeof cfg->keys[i].key, "%s", val);
	return STATUS_OK;
}

/* Apply every key of a parsed file. Unknown sections and keys are errors:
 * a misspelt security setting must not be silently ignored. */
static status_t apply_dict(dictionary *d, const char *file, config_t *cfg, msg_t *m)
{
	int nsec = iniparser_getnsec(d);
	status_t ret = STATUS_OK;
	/* iniparser files a key above the first [section] as ":key", which no
	 * section lists: refuse it here, or it would be silently ignored. */
	for (ssize_t i = 0; i < d->size; i++)
		if (d->key[i] && d->key[i][0] == ':')
			return msg_fail(m, STATUS_CONFIG, "%s:%s: not inside any [section]", file,
					d->key[i] + 1);
	for (int i = 0; i < nsec && ret == STATUS_OK; i++) {
		const char *sec = iniparser_getsecname(d, i);
		int nkeys = iniparser_getsecnkeys(d, sec);
		const char **keys;
		if (!known_section(sec))
			return msg_fail(m, STATUS_CONFIG, "%s:%s: unknown section", file, sec);
		if (nkeys <= 0)
			continue;
		keys = calloc((size_t)nkeys, sizeof *keys);
		if (!keys)
			return msg_fail(m, STATUS_NOMEM, "Out of memory reading %s.", file);
		iniparser_getseckeys(d, sec, keys);
		for (int k = 0; k < nkeys && ret == STATUS_OK; k++) {
			const char *val = iniparser_getstring(d, keys[k], "");
			const setting_t *s = find_setting(keys[k]);
			if (s) {
				ret = set_one(s, file, val, cfg, m);
			} else if (strcmp(sec, "roles") == 0) {
				role_t r = perm_role_from_name(keys[k] + strlen("roles:"));
				msg_t why;
				if (r == ROLE_COUNT)
					ret = msg_fail(m, STATUS_CONFIG, "%s:%s: unknown role", file,
						       keys[k]);
				else if (*val && perm_apply_override(&cfg->perms, r, val, &why) !=
							 STATUS_OK)
					ret = msg_fail(m, STATUS_CONFIG, "%s:%s: %s", file, keys[k],
						       why.text);
			} else if (strncmp(keys[k], "ui:key.", 7) == 0) {
				ret = apply_key_override(file, keys[k], val, cfg, m);
			} else {
				ret = msg_fail(m, STATUS_CONFIG, "%s:%s: unknown setting", file,
					       keys[k]);
			}
		}
		free(keys);
	}
	return ret;
}

static status_t parse_file(const char *path, const char *label, dictionary **out, msg_t *m)
{
	parse_error[0] = '\0';
	iniparser_set_error_callback(capture_error);
	*out = iniparser_load(path);
	iniparser_set_error_callback(NULL);
	if (parse_error[0]) {
		iniparser_freedict(*out);
		*out = NULL;
		return msg_fail(m, STATUS_CONFIG, "%s:%d: syntax error", label, error_line());
	}
	if (!*out)
		return msg_fail(m, STATUS_CONFIG, "%s: cannot be read", label);
	return STATUS_OK;
}

/* Open a configuration file with the user's own ids (base/userfile.h):
 * *fd and the /proc/self/fd name iniparser reads it through, so the file
 * checked is the file parsed. */
static status_t open_config(const char *path, int *fd, char proc[64], struct stat *sb, msg_t *m)
{
	status_t ret;
	msg_t why;
	if ((ret = userfile_open(path, O_RDONLY, 0, fd, &why)) != STATUS_OK)
		return msg_fail(m, STATUS_CONFIG, "%s", why.text);
	if (fstat(*fd, sb) != 0 || !S_ISREG(sb->st_mode)) {
		close(*fd);
		*fd = -1;
		return msg_fail(m, STATUS_CONFIG, "%s: not a regular file", path);
	}
	snprintf(proc, 64, "/proc/self/fd/%d", *fd);
	return STATUS_OK;
}

/* [database] data_dir comes only from the system file, and only when root
 * owns it and its directory and nobody else may write them; otherwise the
 * compiled-in CHARTROOM_DATA_DIR. A user's configuration or the
 * environment never moves the data directory of a shared install. In
 * shared mode an untrusted system file is an error; in personal mode the
 * data directory is unused and the file is only skipped here. */
static status_t trusted_data_dir(config_t *cfg, msg_t *m)
{
	status_t ret = STATUS_OK;
	const char *path = CHARTROOM_SYSTEM_CONFIG;
	dictionary *d = NULL;
	struct stat sb, db;
	char proc[64], dir[PATH_MAX], *slash;
	const char *val;
	int fd = -1;

	snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s", CHARTROOM_DATA_DIR);
	if (access(path, F_OK) != 0)
		return STATUS_OK;
	if ((ret = open_config(path, &fd, proc, &sb, m)) != STATUS_OK)
		return privsep_shared() ? ret : STATUS_OK;
	snprintf(dir, sizeof dir, "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL)
		slash[slash == dir ? 1 : 0] = '\0';
	if (sb.st_uid != 0 || (sb.st_mode & 0022) || lstat(dir, &db) != 0 || db.st_uid != 0 ||
	    (db.st_mode & 0022)) {
		if (privsep_shared())
			ret = msg_fail(m, STATUS_CONFIG,
				       "%s: must be owned by root and writable by no one else "
				       "(and so must %s); refused.",
				       path, dir);
		goto cleanup;
	}
	if ((ret = parse_file(proc, path, &d, m)) != STATUS_OK) {
		if (!privsep_shared())
			ret = STATUS_OK;
		goto cleanup;
	}
	val = iniparser_getstring(d, "database:data_dir", NULL);
	if (val && (val[0] != '/' || strlen(val) >= sizeof cfg->data_dir)) {
		ret = msg_fail(m, STATUS_CONFIG, "%s:database:data_dir: must be an absolute path",
			       path);
		if (!privsep_shared())
			ret = STATUS_OK;
		goto cleanup;
	}
	if (val)
		snprintf(cfg->data_dir, sizeof cfg->data_dir, "%s", val);
cleanup:
	iniparser_freedict(d);
	if (fd >= 0)
		close(fd);
	return ret;
}

status_t config_defaults(config_t *cfg, msg_t *m)
{
	status_t ret = STATUS_OK;
	dictionary *d = NULL;
	char path[64];
	const char *text = embedded_config[0].text;
	int fd;

	memset(cfg, 0, sizeof *cfg);
	perm_defaults(&cfg->perms);
	snprintf(cfg->source, sizeof cfg->source, "built-in defaults");
	/* iniparser reads only named files: hand it the compiled-in text
	 * through an anonymous in-memory file. */
	fd = memfd_create("chartroom-defaults", MFD_CLOEXEC);
	if (fd < 0)
		return msg_fail(m, STATUS_CONFIG, "Cannot read built-in defaults: %s.",
				strerror(errno));
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		ret = msg_fail(m, STATUS_CONFIG, "Cannot read built-in defaults.");
		goto cleanup;
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	if ((ret = parse_file(path, "built-in defaults", &d, m)) != STATUS_OK)
		goto cleanup;
	ret = apply_dict(d, "built-in defaults", cfg, m);
	if (ret == STATUS_OK)
		ret = trusted_data_dir(cfg, m);
cleanup:
	iniparser_freedict(d);
	close(fd);
	return ret;
}

status_t config_load_file(const char *path, config_t *cfg, msg_t *m)
{
	status_t ret;
	dictionary *d = NULL;
	struct stat sb;
	char proc[64];
	int fd = -1;

	if ((ret = config_defaults(cfg, m)) != STATUS_OK)
		return ret;
	if ((ret = open_config(path, &fd, proc, &sb, m)) != STATUS_OK)
		return ret;
	if (sb.st_mode & S_IWOTH) {
		close(fd);
		return msg_fail(m, STATUS_CONFIG,
				"%s: others may write this file; refused (run: chmod o-w %s)", path,
				path);
	}
	ret = parse_file(proc, path, &d, m);
	close(fd);
	if (ret != STATUS_OK)
		return ret;
	ret = apply_dict(d, path, cfg, m);
	iniparser_freedict(d);
	if (ret == STATUS_OK && cfg->password_max_length < cfg->password_min_length)
		ret = msg_fail(m, STATUS_CONFIG,
			       "%s:security:password_max_length: shorter than password_min_length",
			       path);
	if (ret == STATUS_OK)
		snprintf(cfg->source, sizeof cfg->source, "%s", path);
	return ret;
}

status_t config_load(const char *explicit_path, config_t *cfg, msg_t *m)
{
	const char *env = getenv("CHARTROOM_CONFIG");
	static const char *const optional[] = {"./chartroom.ini", CHARTROOM_SYSTEM_CONFIG};

	if (explicit_path && *explicit_path)
		return config_load_file(explicit_path, cfg, m);
	if (env && *env)
		return config_load_file(env, cfg, m);
	for (size_t i = 0; i < sizeof optional / sizeof optional[0]; i++)
		if (access(optional[i], F_OK) == 0)
			return config_load_file(optional[i], cfg, m);
	return config_defaults(cfg, m);
}

uint64_t config_argon_ops(const config_t *cfg)
{
	return (uint64_t)cfg->argon2_passes;
}

uint64_t config_argon_mem(const config_t *cfg)
{
	return (uint64_t)cfg->argon2_memory_mib << 20;
}
