/* cli_input.c - PHI and clinical free text for the command line, from a
 * file, standard input or a prompt; never from arguments (see
 * cli_input.h). */
#include "ui/cli_input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "base/text.h"
#include "base/userfile.h"
#include "core/csv.h"
#include "core/patient.h"

/* "--visit-reason=x" -> "visit_reason" in name; 0 if arg is no long option. */
static int option_name(const char *arg, char *name, size_t cap)
{
	size_t i = 0;
	if (strncmp(arg, "--", 2) != 0 || !arg[2])
		return 0;
	for (arg += 2; *arg && *arg != '=' && i + 1 < cap; arg++)
		name[i++] = *arg == '-' ? '_' : *arg;
	name[i] = '\0';
	return 1;
}

int cli_refuse_phi(int argc, char **argv, const char *usage, const char *const *options,
                   int patient_fields)
{
	char name[64];
	for (int i = 1; i < argc; i++) {
		int phi = 0;
		if (!option_name(argv[i], name, sizeof name))
			continue;
		for (int k = 0; options && options[k]; k++)
			phi |= strcmp(name, options[k]) == 0;
		if (patient_fields && patient_field_from_name(name) != PF_COUNT &&
		    strcmp(name, "mrn") != 0)
			phi = 1;
		if (phi) {
			/* the option as typed, never its value */
			text_fprintf(stderr, TEXT_LINE, "chartroom: %.*s: %s\n",
			             (int)strcspn(argv[i], "="), argv[i], CLI_PHI_REFUSED);
			fprintf(stderr, "usage: chartroom %s\n", usage);
			return 2;
		}
	}
	return 0;
}

const char *cli_from(const cli_t *c)
{
	return cli_val(c, "from");
}

int cli_will_prompt(const char *from)
{
	return !from && isatty(STDIN_FILENO);
}

int cli_from_file(const char *from)
{
	return from && strcmp(from, "-") != 0;
}

status_t cli_read_line(const char *prompt, char *buf, size_t cap, msg_t *m)
{
	size_t n;
	if (isatty(STDIN_FILENO)) {
		/* A prompt may show a stored value: escaped (base/text.h). */
		text_fputs(prompt, TEXT_LINE, stderr);
		fflush(stderr);
	}
	if (!fgets(buf, (int)cap, stdin)) {
		buf[0] = '\0';
		return msg_fail(m, STATUS_INVALID, "The input ended early; nothing was saved.");
	}
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == cap - 1 && !feof(stdin)) {
		int ch;
		while ((ch = getchar()) != EOF && ch != '\n')
			;
		sodium_memzero(buf, cap);
		return msg_fail(m, STATUS_INVALID,
				"That is longer than the field can hold (%zu characters); nothing "
				"was saved.",
				cap - 1);
	}
	buf[n] = '\0';
	return STATUS_OK;
}

/* Ask each field at the terminal. */
static status_t ask(cli_field_t *f, int n, msg_t *m)
{
	status_t ret = STATUS_OK;
	char prompt[256];
	size_t cap = 0;
	char *line;
	int editing = 0, asking = 0;
	for (int i = 0; i < n; i++) {
		if (f[i].cap > cap)
			cap = f[i].cap;
		editing |= f[i].current != NULL;
		asking |= f[i].ask;
	}
	if (!asking)
		return STATUS_OK;
	if (!(line = malloc(cap + 2)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	fprintf(stderr, "%s", editing ? "Enter keeps a value, - clears it.\n"
				      : "Enter leaves a field blank.\n");
	for (int i = 0; i < n && ret == STATUS_OK; i++) {
		if (!f[i].ask)
			continue;
		if (f[i].current && *f[i].current)
			snprintf(prompt, sizeof prompt, "%s [%s]: ", f[i].label, f[i].current);
		else
			snprintf(prompt, sizeof prompt, "%s: ", f[i].label);
		if ((ret = cli_read_line(prompt, line, f[i].cap, m)) != STATUS_OK)
			break;
		if (f[i].current && !*line)
			continue; /* editing: unchanged */
		if (f[i].current && strcmp(line, "-") == 0)
			line[0] = '\0';
		snprintf(f[i].value, f[i].cap, "%s", line);
		f[i].given = 1;
	}
	sodium_memzero(line, cap + 2);
	free(line);
	return ret;
}

static int blank_record(char **v, int nv)
{
	return nv == 1 && !*v[0];
}

/* A header row naming fields, one data row. */
static status_t parse(FILE *in, const char *what, cli_field_t *f, int n, msg_t *m)
{
	status_t ret;
	csv_t *csv = csv_new(in);
	char **v;
	int nv, col[CSV_MAX_FIELDS], ncols = 0;
	long line;
	if (!csv)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = csv_next(csv, &v, &nv, &line, m)) != STATUS_OK) {
		if (ret == STATUS_NOTFOUND)
			ret = msg_fail(m, STATUS_INVALID,
				       "%s is empty: give a header row naming the fields, then one "
				       "row of values.",
				       what);
		goto cleanup;
	}
	ncols = nv;
	for (int i = 0; i < nv; i++) {
		col[i] = -1;
		for (int k = 0; k < n; k++)
			if (strcmp(v[i], f[k].name) == 0)
				col[i] = k;
		if (col[i] < 0) {
			char names[512];
			size_t o = 0;
			for (int k = 0; k < n && o + 2 < sizeof names; k++)
				o += (size_t)snprintf(names + o, sizeof names - o, "%s%s",
						      k ? "," : "", f[k].name);
			ret = msg_fail(m, STATUS_INVALID,
				       "%s, line 1: unknown column '%.40s' (the columns are: %s)", what,
				       v[i], names);
			goto cleanup;
		}
		for (int j = 0; j < i; j++)
			if (col[j] == col[i]) {
				ret = msg_fail(m, STATUS_INVALID,
					       "%s, line 1: column '%s' appears twice", what,
					       f[col[i]].name);
				goto cleanup;
			}
	}
	/* The record after the header is the row, even an empty one (a single
	 * column set to ""); only blank lines after it are ignored. */
	ret = csv_next(csv, &v, &nv, &line, m);
	if (ret == STATUS_NOTFOUND)
		ret = msg_fail(m, STATUS_INVALID, "%s has a header but no row of values.", what);
	if (ret != STATUS_OK)
		goto cleanup;
	if (nv != ncols) {
		ret = msg_fail(m, STATUS_INVALID, "%s, line %ld: %d values; the header has %d", what,
			       line, nv, ncols);
		goto cleanup;
	}
	for (int i = 0; i < nv; i++) {
		cli_field_t *fi = &f[col[i]];
		if (strlen(v[i]) >= fi->cap) {
			ret = msg_fail(m, STATUS_INVALID,
				       "%s, line %ld: %s is longer than it may be (%zu characters)",
				       what, line, fi->name, fi->cap - 1);
			goto cleanup;
		}
		snprintf(fi->value, fi->cap, "%s", v[i]);
		fi->given = 1;
	}
	do
		ret = csv_next(csv, &v, &nv, &line, m);
	while (ret == STATUS_OK && blank_record(v, nv));
	if (ret == STATUS_OK)
		ret = msg_fail(m, STATUS_INVALID,
			       "%s, line %ld: one row of values is expected, not more", what, line);
	else if (ret == STATUS_NOTFOUND)
		ret = STATUS_OK;
cleanup:
	if (ret != STATUS_OK)
		cli_fields_wipe(f, n);
	csv_free(csv);
	return ret;
}

status_t cli_fields_read(cli_t *c, const char *from, cli_field_t *f, int n, msg_t *m)
{
	FILE *in;
	status_t ret;
	(void)c;
	for (int i = 0; i < n; i++)
		f[i].given = 0;
	if (!from)
		return isatty(STDIN_FILENO) ? ask(f, n, m) : STATUS_OK;
	if (strcmp(from, "-") == 0)
		return parse(stdin, "standard input", f, n, m);
	/* A file the user names: with the user's own ids in a shared
	 * install (base/userfile.h), as note files are. */
	if ((ret = userfile_fopen(from, "rb", &in, m)) != STATUS_OK)
		return ret;
	ret = parse(in, from, f, n, m);
	fclose(in);
	return ret;
}

status_t cli_btg_reason(session_t *s, const char *mrn, cli_field_t *reason, msg_t *m)
{
	status_t ret;
	if (reason->given || !isatty(STDIN_FILENO) || !patient_needs_btg(s, mrn))
		return STATUS_OK;
	ret = cli_read_line("This chart is confidential. The reason for opening it (recorded and "
			    "reviewed by the privacy officer): ",
			    reason->value, reason->cap, m);
	reason->given = ret == STATUS_OK;
	return ret;
}

void cli_fields_wipe(cli_field_t *f, int n)
{
	for (int i = 0; i < n; i++) {
		if (f[i].value)
			sodium_memzero(f[i].value, f[i].cap);
		f[i].given = 0;
	}
}
