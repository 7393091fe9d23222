/* keymap.c - the action table's bindings: parsing key names, applying the
 * configuration's overrides, and looking a key up. */
#include "ui/keymap.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ui/curses.h"

#define KEYMAP_MAX_BINDINGS 160
#define KEYMAP_MAX_CODES    3 /* codes one key name stands for (Enter: \r \n KEY_ENTER) */

typedef struct binding {
	int is_code; /* a KEY_* function-key code, else a character */
	wint_t ch;
	keyact_t action;
	int from;      /* the configuration's override i it came from; -1 built in */
	char text[16]; /* the key as written, for the help screen */
} binding_t;

struct keymap {
	int n;
	binding_t b[KEYMAP_MAX_BINDINGS];
};

static const struct {
	const char *name;
	const char *keys;
	const char *help;
} actions[KA_COUNT] = {[KA_NONE] = {"none", "", ""},
#define KEYMAP_ROW(id, name, keys, help) [KA_##id] = {name, keys, help},
                       KEYMAP_ACTIONS(KEYMAP_ROW)
#undef KEYMAP_ROW
};

/* Named keys and the codes each stands for. */
static const struct {
	const char *name;
	int n;
	struct {
		int is_code;
		wint_t ch;
	} codes[KEYMAP_MAX_CODES];
} named[] = {
    {"Enter", 3, {{0, L'\n'}, {0, L'\r'}, {1, KEY_ENTER}}},
    {"Esc", 1, {{0, 27}}},
    {"Tab", 1, {{0, L'\t'}}},
    {"BTab", 1, {{1, KEY_BTAB}}},
    {"Space", 1, {{0, L' '}}},
    {"Backspace", 3, {{1, KEY_BACKSPACE}, {0, 127}, {0, 8}}},
    {"Del", 1, {{1, KEY_DC}}},
    {"Up", 1, {{1, KEY_UP}}},
    {"Down", 1, {{1, KEY_DOWN}}},
    {"Left", 1, {{1, KEY_LEFT}}},
    {"Right", 1, {{1, KEY_RIGHT}}},
    {"PgUp", 1, {{1, KEY_PPAGE}}},
    {"PgDn", 1, {{1, KEY_NPAGE}}},
    {"Home", 2, {{1, KEY_HOME}, {1, KEY_A1}}},
    {"End", 2, {{1, KEY_END}, {1, KEY_C1}}},
};

const char *keymap_name(keyact_t a)
{
	return a < KA_COUNT ? actions[a].name : "none";
}

const char *keymap_help(keyact_t a)
{
	return a < KA_COUNT ? actions[a].help : "";
}

/* Is s (len bytes) exactly one printable character in UTF-8? Controls
 * (C0, DEL, C1), surrogates, overlong forms and bidi overrides are not
 * keys. */
static int utf8_one(const char *s, size_t len, wchar_t *out)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	size_t need;
	if (len == 0)
		return 0;
	if (p[0] < 0x80) {
		if (len != 1 || p[0] <= 0x20 || p[0] == 0x7f)
			return 0;
		*out = (wchar_t)p[0];
		return 1;
	}
	if ((p[0] & 0xe0) == 0xc0) {
		need = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		need = 3;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		need = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len != need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((need == 2 && cp < 0x80) || (need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp <= 0xa0 ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return 0;
	*out = (wchar_t)cp;
	return 1;
}

/* Parse one key token into up to KEYMAP_MAX_CODES codes. Returns how many,
 * 0 when the token is not a key. */
static int parse_key(const char *tok, int is_code[], wint_t ch[])
{
	size_t len = strlen(tok);
	wchar_t wc;

	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
		if (strcasecmp(tok, named[i].name) == 0) {
			for (int k = 0; k < named[i].n; k++) {
				is_code[k] = named[i].codes[k].is_code;
				ch[k] = named[i].codes[k].ch;
			}
			return named[i].n;
		}
	if ((tok[0] == 'F' || tok[0] == 'f') && len >= 2 && len <= 3 &&
	    strspn(tok + 1, "0123456789") == len - 1) {
		int n = atoi(tok + 1);
		if (n < 1 || n > 12 || tok[1] == '0')
			return 0;
		is_code[0] = 1;
		ch[0] = (wint_t)KEY_F(n);
		return 1;
	}
	if (tok[0] == '^' && len == 2) {
		char c = tok[1];
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c == '?') {
			is_code[0] = 0;
			ch[0] = 127;
			return 1;
		}
		if (c < '@' || c > '_')
			return 0;
		is_code[0] = 0;
		ch[0] = (wint_t)(c & 0x1f);
		return 1;
	}
	/* One printable character (UTF-8 allowed), decoded here rather than
	 * with mbrtowc: the configuration is checked before the locale is
	 * set, and a key must mean the same in every locale. */
	if (!utf8_one(tok, len, &wc))
		return 0;
	is_code[0] = 0;
	ch[0] = (wint_t)wc;
	return 1;
}

/* Bind every key of a space-separated list to action a. `from` is the
 * override it came from (-1: the built-in defaults); `where` names the
 * setting for messages. */
static status_t bind_list(keymap_t *km, keyact_t a, const char *list, int from, const char *where,
                          msg_t *m)
{
	char buf[64], *save = NULL, *tok;
	int is_code[KEYMAP_MAX_CODES];
	wint_t ch[KEYMAP_MAX_CODES];

	if (strlen(list) >= sizeof buf)
		return msg_fail(m, STATUS_CONFIG, "%s: '%s' is too long for a key list", where,
		                list);
	snprintf(buf, sizeof buf, "%s", list);
	for (tok = strtok_r(buf, " \t,", &save); tok; tok = strtok_r(NULL, " \t,", &save)) {
		int n = parse_key(tok, is_code, ch);
		if (n == 0)
			return msg_fail(
			    m, STATUS_CONFIG,
			    "%s: '%s' is not a key (use a character, ^X, F1..F12, Enter, "
			    "Esc, Tab, BTab, Space, Backspace, Del, Up, Down, Left, Right, "
			    "PgUp, PgDn, Home, End)",
			    where, tok);
		for (int k = 0; k < n; k++) {
			if (km->n == KEYMAP_MAX_BINDINGS)
				return msg_fail(m, STATUS_CONFIG, "%s: too many keys", where);
			km->b[km->n].is_code = is_code[k];
			km->b[km->n].ch = ch[k];
			km->b[km->n].action = a;
			km->b[km->n].from = from;
			snprintf(km->b[km->n].text, sizeof km->b[km->n].text, "%s", tok);
			km->n++;
		}
	}
	return STATUS_OK;
}

static void unbind(keymap_t *km, keyact_t a)
{
	int o = 0;
	for (int i = 0; i < km->n; i++)
		if (km->b[i].action != a)
			km->b[o++] = km->b[i];
	km->n = o;
}

/* "page-down" and "page_down" both name KA_PAGE_DOWN. */
static keyact_t action_from_name(const char *name)
{
	char norm[40];
	size_t i;
	for (i = 0; name[i] && i + 1 < sizeof norm; i++)
		norm[i] = name[i] == '-' ? '_' : name[i];
	norm[i] = '\0';
	if (name[i])
		return KA_NONE;
	for (int a = 1; a < KA_COUNT; a++)
		if (strcasecmp(norm, actions[a].name) == 0)
			return (keyact_t)a;
	return KA_NONE;
}

status_t keymap_new(const config_t *cfg, keymap_t **out, msg_t *m)
{
	status_t ret = STATUS_OK;
	keymap_t *km = calloc(1, sizeof *km);
	char where[PATH_MAX + 64];

	*out = NULL;
	if (!km)
		return msg_fail(m, STATUS_NOMEM, "Out of memory building the keymap.");
	for (int a = 1; a < KA_COUNT && ret == STATUS_OK; a++)
		ret = bind_list(km, (keyact_t)a, actions[a].keys, -1, "built-in keymap", m);
	for (int i = 0; cfg && i < cfg->nkeys && ret == STATUS_OK; i++) {
		keyact_t a = action_from_name(cfg->keys[i].action);
		snprintf(where, sizeof where, "%s:ui:key.%s", config_key_file(cfg, i),
		         cfg->keys[i].action);
		if (a == KA_NONE) {
			ret =
			    msg_fail(m, STATUS_CONFIG,
			             "%s: no such action (the help screen, F1, lists them)", where);
			break;
		}
		unbind(km, a);
		ret = bind_list(km, a, cfg->keys[i].key, i, where, m);
	}
	if (ret != STATUS_OK)
		goto cleanup;
	/* One key, one action: a clash would make one of them unreachable.
	 * The message names the setting that made it (an override comes
	 * after the defaults, so the later binding is the one to blame). */
	for (int i = 0; i < km->n; i++)
		for (int j = i + 1; j < km->n; j++)
			if (km->b[i].is_code == km->b[j].is_code && km->b[i].ch == km->b[j].ch &&
			    km->b[i].action != km->b[j].action) {
				const binding_t *b = km->b[j].from >= 0 ? &km->b[j] : &km->b[i];
				if (b->from >= 0)
					snprintf(where, sizeof where, "%s:ui:key.%s",
					         config_key_file(cfg, b->from),
					         cfg->keys[b->from].action);
				else
					snprintf(where, sizeof where, "built-in keymap");
				ret = msg_fail(m, STATUS_CONFIG,
				               "%s: key '%s' is bound to both %s and %s; give one "
				               "of them another key",
				               where, km->b[j].text, actions[km->b[i].action].name,
				               actions[km->b[j].action].name);
				goto cleanup;
			}
cleanup:
	if (ret != STATUS_OK) {
		free(km);
		return ret;
	}
	*out = km;
	return STATUS_OK;
}

status_t keymap_check_binding(const char *action, const char *keys, const char *where, msg_t *m)
{
	keyact_t a = action_from_name(action);
	keymap_t *km;
	status_t ret;
	if (a == KA_NONE)
		return msg_fail(m, STATUS_CONFIG,
		                "%s: no such action (the help screen, F1, lists them)", where);
	if (!(km = calloc(1, sizeof *km)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory checking the keymap.");
	ret = bind_list(km, a, keys, -1, where, m);
	free(km);
	return ret;
}

status_t keymap_check(const config_t *cfg, msg_t *m)
{
	keymap_t *km = NULL;
	status_t ret = keymap_new(cfg, &km, m);
	keymap_free(km);
	return ret;
}

void keymap_free(keymap_t *km)
{
	free(km);
}

keyact_t keymap_action(const keymap_t *km, int is_code, wint_t ch)
{
	for (int i = 0; i < km->n; i++)
		if (km->b[i].ch == ch && (km->b[i].is_code != 0) == (is_code != 0))
			return km->b[i].action;
	return KA_NONE;
}

const char *keymap_keys(const keymap_t *km, keyact_t a, char *buf, size_t size)
{
	size_t used = 0;
	const char *last = NULL;
	if (size)
		buf[0] = '\0';
	for (int i = 0; i < km->n && size; i++) {
		int n;
		if (km->b[i].action != a)
			continue;
		/* A name standing for several codes (Enter) is listed once. */
		if (last && strcmp(last, km->b[i].text) == 0)
			continue;
		last = km->b[i].text;
		n = snprintf(buf + used, size - used, "%s%s", used ? " " : "", km->b[i].text);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
	return buf;
}
