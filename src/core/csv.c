/* csv.c - streaming CSV reader. */
#include "core/csv.h"

#include <stdlib.h>
#include <string.h>

struct csv {
	FILE *f;
	long line;   /* current physical line (1-based) */
	int started; /* BOM checked */
	char *buf;   /* field text, NUL-separated */
	size_t len;
	char *fields[CSV_MAX_FIELDS];
};

csv_t *csv_new(FILE *f)
{
	csv_t *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	if (!(c->buf = malloc(CSV_MAX_RECORD + 1))) {
		free(c);
		return NULL;
	}
	c->f = f;
	c->line = 1;
	return c;
}

void csv_free(csv_t *c)
{
	if (!c)
		return;
	free(c->buf);
	free(c);
}

static void skip_line(csv_t *c)
{
	int ch;
	while ((ch = getc(c->f)) != EOF && ch != '\n')
		;
	if (ch == '\n')
		c->line++;
}

status_t csv_next(csv_t *c, char ***fields, int *n, long *line, msg_t *m)
{
	int ch, quoted = 0, in_quotes = 0, nf = 0, any = 0, nul = 0;
	long start;

	if (!c->started) {
		c->started = 1;
		ch = getc(c->f);
		if (ch == 0xEF) {
			if (getc(c->f) != 0xBB || getc(c->f) != 0xBF)
				return msg_fail(m, STATUS_INVALID, "line 1: bad byte-order mark");
		} else if (ch != EOF) {
			ungetc(ch, c->f);
		}
	}
	/* Skip blank lines between records. */
	for (;;) {
		ch = getc(c->f);
		if (ch == '\r') {
			int nx = getc(c->f);
			if (nx != '\n' && nx != EOF)
				ungetc(nx, c->f);
			c->line++;
			continue;
		}
		if (ch == '\n') {
			c->line++;
			continue;
		}
		break;
	}
	if (ch == EOF)
		return STATUS_NOTFOUND;
	start = c->line;
	*line = start;
	c->len = 0;
	c->fields[nf++] = c->buf;
	for (;; ch = getc(c->f)) {
		if (ch == EOF) {
			if (in_quotes) {
				msg_set(m, "line %ld: a quoted field is never closed", start);
				return STATUS_INVALID;
			}
			break;
		}
		if (in_quotes) {
			if (ch == '"') {
				int nx = getc(c->f);
				if (nx == '"') {
					ch = '"';
				} else {
					in_quotes = 0;
					if (nx != EOF)
						ungetc(nx, c->f);
					continue;
				}
			} else if (ch == '\n') {
				c->line++;
			}
		} else {
			if (ch == '\r') {
				int nx = getc(c->f);
				if (nx != '\n' && nx != EOF)
					ungetc(nx, c->f);
				c->line++;
				break;
			}
			if (ch == '\n') {
				c->line++;
				break;
			}
			if (ch == ',') {
				if (c->len >= CSV_MAX_RECORD)
					goto too_long;
				c->buf[c->len++] = '\0';
				if (nf == CSV_MAX_FIELDS) {
					msg_set(m, "line %ld: more than %d fields", start, CSV_MAX_FIELDS);
					skip_line(c);
					return STATUS_INVALID;
				}
				c->fields[nf++] = c->buf + c->len;
				quoted = 0;
				any = 0;
				continue;
			}
			if (ch == '"') {
				if (any || quoted) {
					msg_set(m, "line %ld: a quote in the middle of an unquoted field",
						start);
					skip_line(c);
					return STATUS_INVALID;
				}
				quoted = in_quotes = 1;
				continue;
			}
			if (quoted) {
				msg_set(m, "line %ld: text after a closing quote", start);
				skip_line(c);
				return STATUS_INVALID;
			}
		}
		if (c->len >= CSV_MAX_RECORD)
			goto too_long;
		if (ch == '\0' && !nul)
			nul = nf; /* field nf (1-based) holds a NUL byte */
		c->buf[c->len++] = (char)ch;
		any = 1;
	}
	c->buf[c->len] = '\0';
	if (nul) {
		/* Fields are NUL-terminated strings: a NUL inside one would cut
		 * it short without a word. The whole record is refused (and
		 * already read to its end, so the next record is intact). */
		msg_set(m, "line %ld: field %d contains a NUL byte (U+0000)", start, nul);
		return STATUS_INVALID;
	}
	*fields = c->fields;
	*n = nf;
	return STATUS_OK;
too_long:
	msg_set(m, "line %ld: record longer than %d bytes", start, CSV_MAX_RECORD);
	skip_line(c);
	return STATUS_INVALID;
}
