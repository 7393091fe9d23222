/* config.c - the settings table over iniparser, and which file may set
 * what: the system file every section, the user's file preferences only. */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
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
#include "base/text.h"
#include "base/userfile.h"
/* CHARTROOM_DATA_DIR and CHARTROOM_SYSTEM_CONFIG, written by the Makefile
 * from DATADIR and SYSCONFDIR (make DATADIR=/srv/chartroom ...). */
#include "gen/paths.h"
#ifndef CHARTROOM_SYSCONF_PATH
#define CHARTROOM_SYSCONF_PATH CHARTROOM_SYSTEM_CONFIG
#endif

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
static const char *const sync_names[] = {"full", "normal", NULL};
static const char *const yesno_names[] = {"no", "yes", NULL};

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
    {"security:journal_sync", T_ENUM, OFF(journal_sync), 0, 0, 0, sync_names, NULL},
    {"mrn:prefix", T_STR, OFF(mrn_prefix), 0, 4, 0, NULL, "0 to 4 capital letters"},
    {"mrn:digits", T_INT, OFF(mrn_digits), 5, 10, 0, NULL, NULL},
    {"ui:date_format", T_ENUM, OFF(date_format), 0, 0, 0, date_names, NULL},
    {"ui:color", T_ENUM, OFF(color), 0, 0, 0, color_names, NULL},
    {"codes:late_after_days", T_INT, OFF(late_after_days), 1, 365, 0, NULL, NULL},
    {"codes:verify_by_other", T_ENUM, OFF(verify_by_other), 0, 0, 0, yesno_names, NULL},
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
    {"clinical:open_encounter_days", T_INT, OFF(open_encounter_days), 1, 365, 0, NULL, NULL},
    {"clinical:delinquent_days", T_INT, OFF(delinquent_days), 1, 365, 0, NULL, NULL},
    {"clinical:countersign_roles", T_STR, OFF(countersign_roles), 0, 0, 0, NULL, "a list of roles"},
    {"clinical:synthea_classes", T_STR, OFF(synthea_classes), 0, 0, 0, NULL, "a list of CLASS=TYPE"},
    {"clinical:sign_password", T_ENUM, OFF(sign_password), 0, 0, 0, yesno_names, NULL},
    {"clinical:temperature_unit", T_ENUM, OFF(temp_fahrenheit), 0, 0, 0, temp_names, NULL},
    {"clinical:weight_unit", T_ENUM, OFF(weight_pounds), 0, 0, 0, weight_names, NULL},
    {"clinical:height_unit", T_ENUM, OFF(height_inches), 0, 0, 0, height_names, NULL},
    {"clinic:timezone", T_STR, OFF(clinic_tz), 0, 0, 0, NULL, "a time zone"},
    {"clinic:sites", T_STR, OFF(sites), 0, 0, 0, NULL, "a list of site names"},
    {"privacy:btg_review_days", T_INT, OFF(btg_review_days), 1, 365, 0, NULL, NULL},
    {"retention:adult_years", T_INT, OFF(retention_adult_years), 1, 100, 0, NULL, NULL},
    {"retention:majority_age", T_INT, OFF(retention_majority_age), 14, 25, 0, NULL, NULL},
    {"retention:minor_years", T_INT, OFF(retention_minor_years), 0, 100, 0, NULL, NULL},
    {"retention:deceased_years", T_INT, OFF(retention_deceased_years), 1, 100, 0, NULL, NULL},
};
#undef OFF

#define NSETTINGS ((int)(sizeof settings / sizeof settings[0]))
_Static_assert(sizeof settings / sizeof settings[0] <= CONFIG_SETTINGS_MAX,
	       "config_t keeps an origin per setting");

static const char *const sections[] = {"database", "security", "roles",    "mrn",    "ui",
                                       "codes",    "matching", "clinical", "clinic", "privacy",
                                       "retention", NULL};

/* Sections that decide who may do what and how records are kept: never
 * from a file the caller chooses. [database] and [ui] are the user's. */
static const char *const policy_sections[] = {"security", "roles", "mrn",    "matching",
                                              "clinical", "codes", "clinic", "privacy",
                                              "retention", NULL};

/* The largest configuration file read (a real one is a few KiB). */
#define CONFIG_FILE_MAX (1 << 20)

static config_key_check_fn key_check;

void config_set_key_check(config_key_check_fn fn)
{
	key_check = fn;
}

const char *config_system_path(void)
{
	return CHARTROOM_SYSCONF_PATH;
}

int config_section_is_policy(const char *section)
{
	for (int i = 0; policy_sections[i]; i++)
		if (section && strcmp(section, policy_sections[i]) == 0)
			return 1;
	return 0;
}

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
	msg_t why;

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
		if (text_check("The value", val, strlen(val), 0, &why) != STATUS_OK)
			return msg_fail(m, STATUS_CONFIG, "%s:%s: %s", file, s->key, why.text);
		if (strcmp(s->key, "mrn:prefix") == 0)
			for (const char *p = val; *p; p++)
				if (*p < 'A' || *p > 'Z')
					return msg_fail(m, STATUS_CONFIG,
							"%s:%s: '%s' must be 0 to 4 capital letters",
							file, s->key, val);
		if (strcmp(s->key, "clinic:timezone") == 0 && tz_check(val, &why) != STATUS_OK)
			return msg_fail(m, STATUS_CONFIG, "%s:%s: %s", file, s->key, why.text);
		if (strcmp(s->key, "clinical:countersign_roles") == 0) {
			char one[32];
			for (const char *p = val; *p;) {
				size_t n = strcspn(p, ", ");
				if (n) {
					snprintf(one, sizeof one, "%.*s", (int)(n < 31 ? n : 31), p);
					if (n > 31 || perm_role_from_name(one) == ROLE_COUNT)
						return msg_fail(m, STATUS_CONFIG,
								"%s:%s: '%s' is not a role", file,
								s->key, one);
				}
				p += n;
				p += strspn(p, ", ");
			}
		}
		if (strcmp(s->key, "clinical:synthea_classes") == 0) {
			/* Its shape here; that each TYPE is an encounter type is
			 * checked by the import (the types may change after). */
			for (const char *p = val; *p;) {
				size_t n = strcspn(p, ","), k = strcspn(p, "=");
				const char *c = p + strspn(p, " ");
				size_t cn = 0;
				while (c + cn < p + k && (islower((unsigned char)c[cn]) || c[cn] == '_' ||
							  c[cn] == '*'))
					cn++;
				if (k >= n || cn == 0 || (c[0] == '*' && cn != 1) ||
				    c + cn + strspn(c + cn, " ") != p + k ||
				    strspn(p + k + 1, " ") >= n - k - 1)
					return msg_fail(m, STATUS_CONFIG,
							"%s:%s: '%.*s' is not CLASS = TYPE (a Synthea "
							"class in lower case, or *, then an "
							"encounter type)",
							file, s->key, (int)(n > 60 ? 60 : n), p);
				p += n;
				p += strspn(p, ", ");
			}
		}
		if (strcmp(s->key, "clinic:sites") == 0)
			for (const char *p = val; *p;) {
				size_t n = strcspn(p, ",");
				size_t lead = strspn(p, " "), len = n - (lead < n ? lead : n);
				while (len && p[lead + len - 1] == ' ')
					len--;
				if (len == 0 || len > 40)
					return msg_fail(m, STATUS_CONFIG,
							"%s:%s: each site name is 1 to 40 characters, "
							"separated by commas",
							file, s->key);
				p += n;
				p += strspn(p, ",");
			}
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

int config_setting_count(void)
{
	return NSETTINGS;
}

const char *config_setting_key(int i)
{
	return i >= 0 && i < NSETTINGS ? settings[i].key : NULL;
}

int config_setting_index(const char *key)
{
	for (int i = 0; key && i < NSETTINGS; i++)
		if (strcmp(settings[i].key, key) == 0)
			return i;
	return -1;
}

int config_setting_is_policy(int i)
{
	char sec[32];
	size_t n;
	if (i < 0 || i >= NSETTINGS)
		return 0;
	n = strcspn(settings[i].key, ":");
	if (n >= sizeof sec)
		return 0;
	memcpy(sec, settings[i].key, n);
	sec[n] = '\0';
	return config_section_is_policy(sec);
}

void config_setting_value(const config_t *cfg, int i, char *buf, size_t size)
{
	const setting_t *s;
	const char *src;
	int v;
	if (!size)
		return;
	buf[0] = '\0';
	if (i < 0 || i >= NSETTINGS)
		return;
	s = &settings[i];
	src = (const char *)cfg + s->offset;
	switch (s->type) {
	case T_INT:
		memcpy(&v, src, sizeof v);
		snprintf(buf, size, "%d", v);
		break;
	case T_STR:
		snprintf(buf, size, "%s", src);
		break;
	case T_ENUM:
		memcpy(&v, src, sizeof v);
		snprintf(buf, size, "%s", s->names[v]);
		break;
	case T_ROLE:
		break;
	}
}

static void set_origin(config_origin_t *o, const config_origin_t *from)
{
	if (from)
		*o = *from;
	else
		memset(o, 0, sizeof *o);
}

status_t config_set(config_t *cfg, const char *key, const char *value,
		    const config_origin_t *origin, const char *label, msg_t *m)
{
	int i = config_setting_index(key);
	status_t ret;
	msg_t why;
	if (i < 0)
		return msg_fail(m, STATUS_CONFIG, "%s:%s: unknown setting", label, key ? key : "");
	/* A zone the database's policy names whose file has gone since it
	 * was set (Debian's tzdata-legacy removed, say) does not lock everyone
	 * out: it is kept, and times show in UTC, saying "UTC", until an
	 * administrator sets another. policy_set checks a new one in full. */
	if (strcmp(key, "clinic:timezone") == 0 && origin && origin->from == CONFIG_FROM_DB &&
	    value && tz_check(value, &why) != STATUS_OK && tz_name_shape(value) &&
	    strlen(value) < sizeof cfg->clinic_tz) {
		snprintf(cfg->clinic_tz, sizeof cfg->clinic_tz, "%s", value);
		set_origin(&cfg->setting_origin[i], origin);
		return STATUS_OK;
	}
	if ((ret = set_one(&settings[i], label, value ? value : "", cfg, m)) != STATUS_OK)
		return ret;
	set_origin(&cfg->setting_origin[i], origin);
	return STATUS_OK;
}

status_t config_set_role(config_t *cfg, role_t role, const char *value,
			 const config_origin_t *origin, const char *label, msg_t *m)
{
	msg_t why;
	if ((unsigned)role >= ROLE_COUNT)
		return msg_fail(m, STATUS_CONFIG, "%s:roles: unknown role", label);
	if (perm_apply_override(&cfg->perms, role, value ? value : "", &why) != STATUS_OK)
		return msg_fail(m, STATUS_CONFIG, "%s:roles:%s: %s", label, perm_role_name(role),
				why.text);
	set_origin(&cfg->role_origin[role], origin);
	return STATUS_OK;
}

status_t config_check_relations(const config_t *cfg, const char *label, msg_t *m)
{
	if (cfg->password_max_length < cfg->password_min_length)
		return msg_fail(m, STATUS_CONFIG,
				"%s:security:password_max_length: shorter than password_min_length",
				label);
	return STATUS_OK;
}

const char *config_key_file(const config_t *cfg, int i)
{
	if (i < 0 || i >= cfg->nkeys)
		return "built-in defaults";
	if (cfg->keys[i].from == CONFIG_FROM_USER && cfg->user_file[0])
		return cfg->user_file;
	if (cfg->keys[i].from == CONFIG_FROM_SYSTEM && cfg->system_file[0])
		return cfg->system_file;
	return "built-in defaults";
}

static status_t apply_key_override(const char *file, const char *fullkey, const char *val,
				   config_from_t from, config_t *cfg, msg_t *m)
{
	const char *action = fullkey + strlen("ui:key.");
	char where[PATH_MAX + 64];
	int i;
	if (!*action || strlen(action) >= sizeof cfg->keys[0].action)
		return msg_fail(m, STATUS_CONFIG, "%s:%s: no action named", file, fullkey);
	if (!*val || strlen(val) >= sizeof cfg->keys[0].key)
		return msg_fail(m, STATUS_CONFIG, "%s:%s: '%s' is not a key", file, fullkey, val);
	snprintf(where, sizeof where, "%s:%s", file, fullkey);
	if (key_check) {
		status_t ret = key_check(action, val, where, m);
		if (ret != STATUS_OK)
			return ret;
	}
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
	cfg->keys[i].from = (unsigned char)from;
	return STATUS_OK;
}

static void note_ignored(config_t *cfg, const char *file, const char *sec)
{
	size_t used = strlen(cfg->warnings);
	snprintf(cfg->warnings + used, sizeof cfg->warnings - used,
		 "%s:%s: ignored: policy comes only from the database or %s\n", file, sec,
		 CHARTROOM_SYSCONF_PATH);
}

/* Apply every key of a parsed file. Unknown sections and keys are errors:
 * a misspelt security setting must not be silently ignored. A user's file
 * sets preferences only: its policy sections are noted and skipped. */
static status_t apply_dict(dictionary *d, const char *file, config_from_t from, config_t *cfg,
			   msg_t *m)
{
	int nsec = iniparser_getnsec(d);
	status_t ret = STATUS_OK;
	config_origin_t origin;
	memset(&origin, 0, sizeof origin);
	origin.from = (unsigned char)from;
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
		if (from == CONFIG_FROM_USER && config_section_is_policy(sec)) {
			note_ignored(cfg, file, sec);
			continue;
		}
		if (nkeys <= 0)
			continue;
		keys = calloc((size_t)nkeys, sizeof *keys);
		if (!keys)
			return msg_fail(m, STATUS_NOMEM, "Out of memory reading %s.", file);
		iniparser_getseckeys(d, sec, keys);
		for (int k = 0; k < nkeys && ret == STATUS_OK; k++) {
			const char *val = iniparser_getstring(d, keys[k], "");
			int si = config_setting_index(keys[k]);
			if (si >= 0) {
				ret = set_one(&settings[si], file, val, cfg, m);
				if (ret == STATUS_OK)
					cfg->setting_origin[si] = origin;
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
				else if (*val)
					cfg->role_origin[r] = origin;
			} else if (strncmp(keys[k], "ui:key.", 7) == 0) {
				ret = apply_key_override(file, keys[k], val, from, cfg, m);
			} else {
				ret = msg_fail(m, STATUS_CONFIG, "%s:%s: unknown setting", file,
					       keys[k]);
			}
		}
		free(keys);
	}
	return ret;
}

/* iniparser keeps one of two equal keys without a word; a key given twice
 * is a mistake (which one did the clinic mean?). Scan the text the way
 * iniparser reads it: sections and key names are case-insensitive, a line
 * ending in a backslash continues on the next, ';' and '#' start
 * comments. */
static status_t check_duplicates(const char *text, size_t len, const char *file, msg_t *m)
{
	enum { MAX_SEEN = 512 };
	struct {
		char sec[40];
		char key[64];
		int line;
	} *seen = calloc(MAX_SEEN, sizeof *seen);
	char sec[40] = "";
	int nseen = 0, lineno = 0, cont = 0;
	size_t pos = 0;
	status_t ret = STATUS_OK;

	if (!seen)
		return msg_fail(m, STATUS_NOMEM, "Out of memory reading %s.", file);
	while (pos < len && ret == STATUS_OK) {
		size_t end = pos, a, b;
		char key[64];
		int was_cont = cont;
		while (end < len && text[end] != '\n')
			end++;
		lineno++;
		a = pos;
		b = end;
		pos = end + 1;
		while (a < b && isspace((unsigned char)text[a]))
			a++;
		while (b > a && isspace((unsigned char)text[b - 1]))
			b--;
		cont = b > a && text[b - 1] == '\\';
		if (was_cont || a == b || text[a] == ';' || text[a] == '#')
			continue;
		if (text[a] == '[') {
			size_t n = 0;
			for (size_t i = a + 1; i < b && text[i] != ']' && n + 1 < sizeof sec; i++)
				if (!(isspace((unsigned char)text[i]) && n == 0))
					sec[n++] = (char)tolower((unsigned char)text[i]);
			while (n > 0 && isspace((unsigned char)sec[n - 1]))
				n--;
			sec[n] = '\0';
			continue;
		}
		{
			size_t eq = a, n = 0;
			while (eq < b && text[eq] != '=' && text[eq] != ':')
				eq++;
			if (eq == b)
				continue; /* not a setting: iniparser reports it */
			while (eq > a && isspace((unsigned char)text[eq - 1]))
				eq--;
			for (size_t i = a; i < eq && n + 1 < sizeof key; i++)
				key[n++] = (char)tolower((unsigned char)text[i]);
			key[n] = '\0';
		}
		for (int i = 0; i < nseen; i++)
			if (strcmp(seen[i].sec, sec) == 0 && strcmp(seen[i].key, key) == 0) {
				ret = msg_fail(m, STATUS_CONFIG,
					       "%s:%s:%s: given twice (lines %d and %d); keep one",
					       file, sec, key, seen[i].line, lineno);
				break;
			}
		if (ret == STATUS_OK && nseen < MAX_SEEN) {
			snprintf(seen[nseen].sec, sizeof seen[nseen].sec, "%s", sec);
			snprintf(seen[nseen].key, sizeof seen[nseen].key, "%s", key);
			seen[nseen].line = lineno;
			nseen++;
		}
	}
	free(seen);
	return ret;
}

/* Parse the open file fd (label names it in messages): the duplicate scan
 * over its text, then iniparser over the same open file. */
static status_t parse_fd(int fd, const char *label, dictionary **out, msg_t *m)
{
	char path[64];
	char *text = NULL;
	size_t len = 0, cap = 0;
	status_t ret = STATUS_OK;

	*out = NULL;
	for (;;) {
		ssize_t got;
		if (len == cap) {
			char *n;
			if (cap >= CONFIG_FILE_MAX) {
				ret = msg_fail(m, STATUS_CONFIG, "%s: too large for a configuration",
					       label);
				goto cleanup;
			}
			cap = cap ? cap * 2 : 8192;
			if (!(n = realloc(text, cap))) {
				ret = msg_fail(m, STATUS_NOMEM, "Out of memory reading %s.", label);
				goto cleanup;
			}
			text = n;
		}
		got = read(fd, text + len, cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			ret = msg_fail(m, STATUS_CONFIG, "%s: cannot be read: %s", label,
				       strerror(errno));
			goto cleanup;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	if ((ret = check_duplicates(text ? text : "", len, label, m)) != STATUS_OK)
		goto cleanup;
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	parse_error[0] = '\0';
	iniparser_set_error_callback(capture_error);
	*out = iniparser_load(path);
	iniparser_set_error_callback(NULL);
	if (parse_error[0]) {
		iniparser_freedict(*out);
		*out = NULL;
		ret = msg_fail(m, STATUS_CONFIG, "%s:%d: syntax error", label, error_line());
	} else if (!*out) {
		ret = msg_fail(m, STATUS_CONFIG, "%s: cannot be read", label);
	}
cleanup:
	free(text);
	return ret;
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
	const char *path = CHARTROOM_SYSCONF_PATH;
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
	if ((ret = parse_fd(fd, path, &d, m)) != STATUS_OK) {
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
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) || lseek(fd, 0, SEEK_SET) != 0) {
		ret = msg_fail(m, STATUS_CONFIG, "Cannot read built-in defaults.");
		goto cleanup;
	}
	if ((ret = parse_fd(fd, "built-in defaults", &d, m)) != STATUS_OK)
		goto cleanup;
	ret = apply_dict(d, "built-in defaults", CONFIG_FROM_DEFAULT, cfg, m);
	if (ret == STATUS_OK)
		ret = trusted_data_dir(cfg, m);
cleanup:
	iniparser_freedict(d);
	close(fd);
	return ret;
}

/* The system file decides policy, so only root may have written it: the
 * file (as opened, so a swap after the check changes nothing) and the
 * directory that holds it must belong to `owner` and be writable by
 * nobody else. */
static status_t check_trusted(int fd, const char *path, uid_t owner, msg_t *m)
{
	struct stat sb;
	char dir[PATH_MAX];
	if (fstat(fd, &sb) != 0)
		return msg_fail(m, STATUS_CONFIG, "%s: %s", path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return msg_fail(m, STATUS_CONFIG, "%s: not a regular file", path);
	if (sb.st_uid != owner)
		return msg_fail(m, STATUS_CONFIG,
				"%s: owned by uid %u, not %s; refused (it sets policy: run "
				"chown %u %s)",
				path, (unsigned)sb.st_uid, owner == 0 ? "root" : "its owner",
				(unsigned)owner, path);
	if (sb.st_mode & (S_IWGRP | S_IWOTH))
		return msg_fail(m, STATUS_CONFIG,
				"%s: group or others may write this file; refused (it sets policy: "
				"run chmod go-w %s)",
				path, path);
	snprintf(dir, sizeof dir, "%s", path);
	if (stat(dirname(dir), &sb) != 0)
		return msg_fail(m, STATUS_CONFIG, "%s: %s", dir, strerror(errno));
	if (sb.st_uid != owner || (sb.st_mode & (S_IWGRP | S_IWOTH)))
		return msg_fail(m, STATUS_CONFIG,
				"%s: the directory of %s must belong to %s and be writable by "
				"nobody else; refused",
				dir, path, owner == 0 ? "root" : "its owner");
	return STATUS_OK;
}

static status_t check_user_file(int fd, const char *path, msg_t *m)
{
	struct stat sb;
	if (fstat(fd, &sb) != 0)
		return msg_fail(m, STATUS_CONFIG, "%s: %s", path, strerror(errno));
	if (!S_ISREG(sb.st_mode))
		return msg_fail(m, STATUS_CONFIG, "%s: not a regular file", path);
	if (sb.st_mode & S_IWOTH)
		return msg_fail(m, STATUS_CONFIG,
				"%s: others may write this file; refused (run: chmod o-w %s)", path,
				path);
	return STATUS_OK;
}

/* Read one file over cfg. *found is 0 when it does not exist (and that is
 * no error unless `required`). */
static status_t load_one(const char *path, config_from_t from, uid_t owner, int required,
			 config_t *cfg, int *found, msg_t *m)
{
	status_t ret;
	dictionary *d = NULL;
	msg_t why;
	int fd = -1;
	*found = 0;
	/* The system file is root's; a user's file is opened with the user's
	 * own ids in a shared install (base/userfile.h). */
	if (from == CONFIG_FROM_SYSTEM)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	else if ((ret = userfile_open(path, O_RDONLY | O_NOCTTY, 0, &fd, &why)) != STATUS_OK) {
		if (ret == STATUS_NOTFOUND && !required)
			return STATUS_OK;
		return msg_fail(m, STATUS_CONFIG, "%s", why.text);
	}
	if (fd < 0) {
		if (errno == ENOENT && !required)
			return STATUS_OK;
		return msg_fail(m, STATUS_CONFIG, "%s: %s", path, strerror(errno));
	}
	*found = 1;
	ret = from == CONFIG_FROM_SYSTEM ? check_trusted(fd, path, owner, m)
					 : check_user_file(fd, path, m);
	if (ret == STATUS_OK)
		ret = parse_fd(fd, path, &d, m);
	if (ret == STATUS_OK)
		ret = apply_dict(d, path, from, cfg, m);
	iniparser_freedict(d);
	close(fd);
	return ret;
}

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return a && b && stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

status_t config_load_from(const char *system_path, uid_t system_owner, const char *user_path,
			  int user_named, config_t *cfg, msg_t *m)
{
	status_t ret;
	int found = 0;

	if ((ret = config_defaults(cfg, m)) != STATUS_OK)
		return ret;
	if (system_path && *system_path) {
		ret = load_one(system_path, CONFIG_FROM_SYSTEM, system_owner, 0, cfg, &found, m);
		if (ret != STATUS_OK)
			return ret;
		if (found) {
			snprintf(cfg->system_file, sizeof cfg->system_file, "%s", system_path);
			if ((ret = config_check_relations(cfg, system_path, m)) != STATUS_OK)
				return ret;
		}
	}
	/* The user's file may be the system file itself (run from
	 * /etc/chartroom): it has been read, with all its sections. */
	if (user_path && *user_path && !(cfg->system_file[0] && same_file(user_path, system_path))) {
		ret = load_one(user_path, CONFIG_FROM_USER, 0, user_named, cfg, &found, m);
		if (ret != STATUS_OK)
			return ret;
		if (found)
			snprintf(cfg->user_file, sizeof cfg->user_file, "%s", user_path);
	}
	snprintf(cfg->source, sizeof cfg->source, "%s",
		 cfg->user_file[0]     ? cfg->user_file
		 : cfg->system_file[0] ? cfg->system_file
				       : "built-in defaults");
	return STATUS_OK;
}

status_t config_load_file(const char *path, config_t *cfg, msg_t *m)
{
	status_t ret = config_load_from(path, geteuid(), NULL, 0, cfg, m);
	if (ret == STATUS_OK && !cfg->system_file[0])
		ret = msg_fail(m, STATUS_CONFIG, "%s: %s", path, strerror(ENOENT));
	return ret;
}

status_t config_load(const char *explicit_path, config_t *cfg, msg_t *m)
{
	const char *env = getenv("CHARTROOM_CONFIG");
	if (explicit_path && *explicit_path)
		return config_load_from(CHARTROOM_SYSCONF_PATH, 0, explicit_path, 1, cfg, m);
	if (env && *env)
		return config_load_from(CHARTROOM_SYSCONF_PATH, 0, env, 1, cfg, m);
	return config_load_from(CHARTROOM_SYSCONF_PATH, 0, "./chartroom.ini", 0, cfg, m);
}

uint64_t config_argon_ops(const config_t *cfg)
{
	return (uint64_t)cfg->argon2_passes;
}

uint64_t config_argon_mem(const config_t *cfg)
{
	return (uint64_t)cfg->argon2_memory_mib << 20;
}
