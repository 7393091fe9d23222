/* perm.c - the permission matrix and its names. */
#include "core/perm.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/crypto.h"

static const struct {
	const char *name;
	const char *desc;
} roles[] = {
#define ROLE_INFO(id, name, desc) {name, desc},
	PERM_ROLES(ROLE_INFO)
#undef ROLE_INFO
};

static const struct {
	const char *name;
	unsigned roles;
	unsigned keys;
	const char *desc;
} actions[] = {
#define ACTION_INFO(id, name, roles, keys, desc) {name, roles, keys, desc},
	PERM_ACTIONS(ACTION_INFO)
#undef ACTION_INFO
};

_Static_assert(ACT_COUNT <= 64, "the matrix holds 64 actions per role");
_Static_assert(K_DEMO == DOMAIN_BIT(DOMAIN_DEMO) && K_CLIN == DOMAIN_BIT(DOMAIN_CLIN) &&
		       K_ALL == DOMAIN_ALL,
	       "perm.h key bits must match crypto.h domains");

void perm_defaults(perm_matrix_t *pm)
{
	memset(pm, 0, sizeof *pm);
	for (int a = 0; a < ACT_COUNT; a++)
		for (int r = 0; r < ROLE_COUNT; r++)
			if (actions[a].roles & (1u << r))
				pm->allowed[r] |= 1ull << a;
}

/* Parse a [roles] value into the actions added, taken away, or set. */
static status_t parse_list(const char *list, unsigned long long *add, unsigned long long *del,
			   unsigned long long *set, int *replace, msg_t *m)
{
	int bare = 0, none = 0;
	const char *p = list;

	*add = *del = *set = 0;
	while (*p) {
		char word[64];
		size_t n = 0;
		char sign = 0;
		action_t a;
		while (*p && (isspace((unsigned char)*p) || *p == ','))
			p++;
		if (!*p)
			break;
		if (*p == '+' || *p == '-')
			sign = *p++;
		while (*p && !isspace((unsigned char)*p) && *p != ',') {
			if (n + 1 >= sizeof word)
				return msg_fail(m, STATUS_CONFIG, "action name too long");
			word[n++] = *p++;
		}
		word[n] = '\0';
		if (!sign && strcmp(word, "none") == 0) {
			none = 1;
			continue;
		}
		a = perm_action_from_name(word);
		if (a == ACT_COUNT)
			return msg_fail(m, STATUS_CONFIG, "unknown action '%s'", word);
		if (sign == '+')
			*add |= 1ull << a;
		else if (sign == '-')
			*del |= 1ull << a;
		else {
			*set |= 1ull << a;
			bare = 1;
		}
	}
	if ((bare || none) && (*add || *del))
		return msg_fail(m, STATUS_CONFIG,
				"mix of a full list and +/- changes; use one or the other");
	*replace = bare || none;
	return STATUS_OK;
}

status_t perm_apply_override(perm_matrix_t *pm, role_t role, const char *list, msg_t *m)
{
	perm_matrix_t defaults;
	unsigned long long add, del, set;
	int replace;
	status_t ret = parse_list(list, &add, &del, &set, &replace, m);
	if (ret != STATUS_OK)
		return ret;
	perm_defaults(&defaults);
	if (replace)
		pm->allowed[role] = set;
	else
		pm->allowed[role] = (defaults.allowed[role] | add) & ~del;
	return STATUS_OK;
}

status_t perm_apply_change(perm_matrix_t *pm, role_t role, const char *list, msg_t *m)
{
	unsigned long long add, del, set;
	int replace;
	status_t ret;
	if ((unsigned)role >= ROLE_COUNT)
		return msg_fail(m, STATUS_CONFIG, "unknown role");
	if ((ret = parse_list(list, &add, &del, &set, &replace, m)) != STATUS_OK)
		return ret;
	if (replace)
		pm->allowed[role] = set;
	else
		pm->allowed[role] = (pm->allowed[role] | add) & ~del;
	return STATUS_OK;
}

void perm_role_list(const perm_matrix_t *pm, role_t role, char *buf, size_t size)
{
	size_t used = 0;
	if (!size)
		return;
	buf[0] = '\0';
	for (int a = 0; a < ACT_COUNT; a++) {
		int n;
		if (!perm_allowed(pm, role, (action_t)a))
			continue;
		n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", actions[a].name);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
	if (!used)
		snprintf(buf, size, "none");
}

int perm_allowed(const perm_matrix_t *pm, role_t role, action_t a)
{
	if ((unsigned)role >= ROLE_COUNT || (unsigned)a >= ACT_COUNT)
		return 0;
	return (pm->allowed[role] >> a) & 1;
}

unsigned perm_role_domains(const perm_matrix_t *pm, role_t role)
{
	unsigned d = DOMAIN_BIT(DOMAIN_AUDIT);
	for (int a = 0; a < ACT_COUNT; a++)
		if (perm_allowed(pm, role, (action_t)a))
			d |= actions[a].keys;
	return d;
}

const char *perm_role_name(role_t r)
{
	return (unsigned)r < ROLE_COUNT ? roles[r].name : "?";
}

const char *perm_role_desc(role_t r)
{
	return (unsigned)r < ROLE_COUNT ? roles[r].desc : "?";
}

role_t perm_role_from_name(const char *name)
{
	for (int r = 0; r < ROLE_COUNT; r++)
		if (name && strcmp(name, roles[r].name) == 0)
			return (role_t)r;
	return ROLE_COUNT;
}

const char *perm_action_name(action_t a)
{
	return (unsigned)a < ACT_COUNT ? actions[a].name : "?";
}

const char *perm_action_desc(action_t a)
{
	return (unsigned)a < ACT_COUNT ? actions[a].desc : "?";
}

action_t perm_action_from_name(const char *name)
{
	for (int a = 0; a < ACT_COUNT; a++)
		if (name && strcmp(name, actions[a].name) == 0)
			return (action_t)a;
	return ACT_COUNT;
}
