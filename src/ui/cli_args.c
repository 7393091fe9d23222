/* cli_args.c - the command line's option parsing (see cli_args.h): one
 * getopt_long table per command and verb, the global options merged in,
 * errors that name the option. */
#include "ui/cli_args.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "ui/cli_input.h"

/* The global options: before the command, and after it too unless the
 * command has an option of the same name or letter for its verb. */
enum { G_DB, G_CONFIG, G_USER, G_PWSTDIN, G_HELP, G_VERSION, G_COUNT };
static const cli_optspec_t globals[G_COUNT + 1] = {
    [G_DB] = {"db", 'd', 1, NULL},     [G_CONFIG] = {"config", 'c', 1, NULL},
    [G_USER] = {"user", 'u', 1, NULL}, [G_PWSTDIN] = {"password-stdin", 0, 0, NULL},
    [G_HELP] = {"help", 'h', 0, NULL}, [G_VERSION] = {"version", 'V', 0, NULL},
    [G_COUNT] = {NULL, 0, 0, NULL},
};

#define TABLE_MAX (CLI_OPTS_MAX + G_COUNT)
#define ID_BASE   256 /* getopt_long's val for a long option: ID_BASE + row */

/* What getopt_long reads, and for each row the option it stands for. */
typedef struct table {
	struct option lo[TABLE_MAX + 1];
	const cli_optspec_t *spec[TABLE_MAX];
	int id[TABLE_MAX]; /* >= 0: the command's option; -1 - G_x: a global one */
	char shorts[3 + 2 * TABLE_MAX + 1];
	int n;
} table_t;

static int goes_with(const cli_optspec_t *o, const char *verb)
{
	size_t n = verb ? strlen(verb) : 0;
	if (!o->verbs)
		return 1;
	for (const char *p = o->verbs; *p;) {
		size_t k = strcspn(p, " ");
		if (verb && k == n && strncmp(p, verb, n) == 0)
			return 1;
		p += k;
		p += strspn(p, " ");
	}
	return 0;
}

static int row_named(const table_t *t, const char *name)
{
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->spec[i]->name, name) == 0)
			return i;
	return -1;
}

static int row_lettered(const table_t *t, int letter)
{
	for (int i = 0; letter && i < t->n; i++)
		if (t->spec[i]->letter == letter)
			return i;
	return -1;
}

static void add_row(table_t *t, const cli_optspec_t *o, int id)
{
	size_t s = strlen(t->shorts);
	t->lo[t->n] = (struct option){o->name, o->value ? required_argument : no_argument, NULL,
	                              ID_BASE + t->n};
	t->spec[t->n] = o;
	t->id[t->n] = id;
	if (o->letter) {
		t->shorts[s++] = o->letter;
		if (o->value)
			t->shorts[s++] = ':';
		t->shorts[s] = '\0';
	}
	t->n++;
	t->lo[t->n] = (struct option){NULL, 0, NULL, 0};
}

/* Does a command option of this long name (or letter) exist for another
 * verb? Then the error says so, rather than "unknown". */
static const cli_optspec_t *other_verb(const cli_optspec_t *opts, const char *name, int letter)
{
	for (int i = 0; opts && opts[i].name; i++)
		if ((name && strcmp(opts[i].name, name) == 0) ||
		    (letter && opts[i].letter == letter))
			return &opts[i];
	return NULL;
}

/* The table for `verb`: the command's options that go with it (with
 * all_verbs, every option, the first of each name), then the global
 * options none of them shadows. mode is "+" (stop at the first argument:
 * the options before the command) or "-" (arguments returned in order). */
static void table_build(table_t *t, const cli_optspec_t *opts, const char *verb, int all_verbs,
                        const char *mode)
{
	memset(t, 0, sizeof *t);
	/* ':' first: a missing value is reported as ':', not as unknown. */
	snprintf(t->shorts, sizeof t->shorts, "%s:", mode);
	for (int i = 0; opts && opts[i].name && i < CLI_OPTS_MAX; i++)
		if ((all_verbs || goes_with(&opts[i], verb)) && row_named(t, opts[i].name) < 0)
			add_row(t, &opts[i], i);
	for (int g = 0; g < G_COUNT; g++) {
		if (row_named(t, globals[g].name) >= 0 || row_lettered(t, globals[g].letter) >= 0)
			continue;
		/* --version does something: where the command has a --version
		 * of its own (note edit, patient edit, codes import), a stray
		 * one with another verb is an error, not the program's version. */
		if (g == G_VERSION && other_verb(opts, globals[g].name, 0))
			continue;
		add_row(t, &globals[g], -1 - g);
	}
}

/* The argument getopt_long just refused, as the user typed its name
 * ("--bogus" of "--bogus=1"), at most 40 bytes, escaped when shown. */
static void typed_name(char **argv, int at, char *out, size_t size)
{
	const char *a = at > 0 ? argv[at - 1] : "";
	size_t n = strcspn(a, "=");
	if (n >= size)
		n = size - 1;
	memcpy(out, a, n);
	out[n] = '\0';
}

/* The long options of t that start with prefix (for "ambiguous"). */
static int prefix_matches(const table_t *t, const char *prefix, char *list, size_t size)
{
	int k = 0;
	size_t n = strlen(prefix), used = 0;
	list[0] = '\0';
	for (int i = 0; i < t->n; i++)
		if (strncmp(t->spec[i]->name, prefix, n) == 0) {
			int w = snprintf(list + used, size - used, "%s--%s", k ? ", " : "",
			                 t->spec[i]->name);
			if (w > 0 && (size_t)w < size - used)
				used += (size_t)w;
			k++;
		}
	return k;
}

static void option_text(const cli_optspec_t *o, int letter, char *out, size_t size)
{
	if (letter)
		snprintf(out, size, "-%c", letter);
	else
		snprintf(out, size, "--%s", o->name);
}

/* Explain the error getopt_long returned (ret '?' or ':'), as
 * "chartroom: WHY". */
static void explain(const table_t *t, const cli_optspec_t *opts, const char *cmd, const char *verb,
                    int ret, char **argv)
{
	char name[48], what[64], list[256];
	const cli_optspec_t *o;
	int row = optopt >= ID_BASE ? optopt - ID_BASE : -1;

	if (row < 0 && optopt > 0 && optopt < ID_BASE)
		row = row_lettered(t, optopt);
	if (ret == ':') {
		if (row >= 0)
			option_text(t->spec[row], optopt < ID_BASE ? optopt : 0, what, sizeof what);
		else
			snprintf(what, sizeof what, "-%c", optopt);
		text_fprintf(stderr, TEXT_LINE, "chartroom: option '%s' needs a value\n", what);
		return;
	}
	if (row >= 0) { /* a long flag given a value: --force=yes */
		text_fprintf(stderr, TEXT_LINE, "chartroom: option '--%s' takes no value\n",
		             t->spec[row]->name);
		return;
	}
	if (optopt > 0) { /* an unknown letter */
		o = other_verb(opts, NULL, optopt);
		if (o && cmd)
			text_fprintf(stderr, TEXT_LINE,
			             "chartroom: option '-%c' does not go with '%s%s%s'\n", optopt,
			             cmd, verb && *verb ? " " : "", verb ? verb : "");
		else if (optopt >= 0x20 && optopt < 0x7f)
			fprintf(stderr, "chartroom: unknown option '-%c'\n", optopt);
		else
			fprintf(stderr, "chartroom: unknown option\n");
		return;
	}
	typed_name(argv, optind, name, sizeof name);
	if (strncmp(name, "--", 2) == 0 && prefix_matches(t, name + 2, list, sizeof list) > 1) {
		text_fprintf(stderr, TEXT_LINE, "chartroom: option '%s' is ambiguous: %s\n", name,
		             list);
		return;
	}
	o = strncmp(name, "--", 2) == 0 ? other_verb(opts, name + 2, 0) : NULL;
	if (o && cmd)
		text_fprintf(stderr, TEXT_LINE,
		             "chartroom: option '%s' does not go with '%s%s%s'\n", name, cmd,
		             verb && *verb ? " " : "", verb ? verb : "");
	else
		text_fprintf(stderr, TEXT_LINE, "chartroom: unknown option '%s'\n", name);
}

/* One value taken: a global's into a->g, a command option's into a->val. */
static int take(const table_t *t, int row, const char *value, cli_args_t *a)
{
	int id = t->id[row];
	if (id >= 0) {
		a->val[id] = t->spec[row]->value ? value : "";
		return 0;
	}
	switch (-1 - id) {
	case G_DB:
	case G_CONFIG:
	case G_USER:
		if (!value || !*value) {
			fprintf(stderr, "chartroom: option '--%s' needs a value\n",
			        t->spec[row]->name);
			return -1;
		}
		if (-1 - id == G_DB)
			a->g.db_path = value;
		else if (-1 - id == G_CONFIG)
			a->g.config_path = value;
		else
			a->g.user = value;
		return 0;
	case G_PWSTDIN:
		a->g.password_stdin = 1;
		return 0;
	case G_HELP:
		if (a->cmd)
			a->help = 1;
		else if (!a->want)
			a->want = 'h';
		return 0;
	case G_VERSION:
		if (!a->want)
			a->want = 'V';
		return 0;
	}
	return 0;
}

/* Run getopt_long over argv[0..argc) (argv[0] stands for the program or
 * the command word) with t. With report, an error is explained and -1
 * returned; without, errors are skipped (the first pass only looks for the
 * verb). Arguments are appended to a->argv in order; those after "--" too. */
static int scan(const table_t *t, int argc, char **argv, int report, const cli_optspec_t *opts,
                const char *cmd, const char *verb, cli_args_t *a)
{
	int ret, row;
	optind = 0; /* glibc: a fresh scan */
	opterr = 0;
	while ((ret = getopt_long(argc, argv, t->shorts, t->lo, NULL)) != -1) {
		if (ret == 1) {
			a->argv[a->argc++] = optarg;
			continue;
		}
		if (ret == '?' || ret == ':') {
			if (!report)
				continue;
			explain(t, opts, cmd, verb, ret, argv);
			return -1;
		}
		row = ret >= ID_BASE ? ret - ID_BASE : row_lettered(t, ret);
		if (row < 0)
			continue;
		if (report && take(t, row, optarg, a) != 0)
			return -1;
	}
	if (t->shorts[0] == '-')
		while (optind < argc)
			a->argv[a->argc++] = argv[optind++];
	a->argv[a->argc] = NULL;
	return 0;
}

static int usage_error(const cli_command_t *c, const char *verb)
{
	const char *u = c->verb_usage ? c->verb_usage(verb) : NULL;
	fprintf(stderr, "usage: chartroom %s\n", u ? u : c->usage);
	return 2;
}

int cli_args_parse(const cli_command_t *const *cmds, size_t n, int (*unknown)(const char *name),
                   int argc, char **argv, cli_args_t *a)
{
	const cli_command_t *c = NULL;
	table_t t;
	const char *verb;
	int at;

	memset(a, 0, sizeof *a);
	if (!(a->argv = calloc((size_t)argc + 1, sizeof *a->argv))) {
		fprintf(stderr, "chartroom: out of memory\n");
		return 1;
	}
	/* The global options before the command: getopt stops at the first
	 * argument, the command's word. */
	table_build(&t, NULL, NULL, 0, "+");
	if (scan(&t, argc, argv, 1, NULL, NULL, NULL, a) != 0) {
		cli_usage_lines(stderr);
		fprintf(stderr, "('chartroom --help' lists the options and the commands)\n");
		return 2;
	}
	at = optind;
	if (a->want || at >= argc)
		return -1; /* the usage, the version, or the full-screen app */
	for (size_t i = 0; i < n && !c; i++)
		if (strcmp(argv[at], cmds[i]->name) == 0)
			c = cmds[i];
	if (!c)
		return unknown(argv[at]);
	a->cmd = c;
	/* PHI offered as an option is refused before anything else, even
	 * before an unknown option is (cli_input.h). */
	if (c->phi || c->patient_fields) {
		int rc = cli_refuse_phi(argc - at, argv + at, c->usage, c->phi, c->patient_fields);
		if (rc)
			return rc;
	}
	/* Which verb: the first argument, found with every option of the
	 * command known; then the options are read for that verb. */
	table_build(&t, c->opts, NULL, 1, "-");
	a->argc = 0;
	scan(&t, argc - at, argv + at, 0, NULL, NULL, NULL, a);
	verb = a->argc > 0 ? a->argv[0] : "";
	memset(a->val, 0, sizeof a->val);
	a->argv[0] = argv[at];
	a->argc = 1;
	table_build(&t, c->opts, verb, 0, "-");
	if (scan(&t, argc - at, argv + at, 1, c->opts, c->name, verb, a) != 0)
		return usage_error(c, verb);
	return -1;
}

const char *cli_args_value(const cli_optspec_t *opts, const char *const *val, const char *name)
{
	for (int i = 0; opts && opts[i].name && i < CLI_OPTS_MAX; i++)
		if (val[i] && strcmp(opts[i].name, name) == 0)
			return val[i];
	return NULL;
}
