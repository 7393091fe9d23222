/* status.c - status texts, exit codes and message formatting. */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
	int code;
	const char *text;
} status_info[] = {
#define STATUS_INFO(id, code, text) {code, text},
	STATUS_CODES(STATUS_INFO)
#undef STATUS_INFO
};

const char *status_str(status_t st)
{
	if ((int)st < 0 || st >= STATUS_COUNT)
		return "unknown status";
	return status_info[st].text;
}

int status_exit_code(status_t st)
{
	if ((int)st < 0 || st >= STATUS_COUNT)
		return 1;
	return status_info[st].code;
}

static void msg_vset(msg_t *m, const char *fmt, va_list ap)
{
	int n = vsnprintf(m->text, sizeof m->text, fmt, ap);
	if (n >= (int)sizeof m->text) {
		/* Mark the cut so nobody mistakes it for the whole sentence. */
		size_t end = sizeof m->text - 4;
		while (end > 0 && ((unsigned char)m->text[end] & 0xC0) == 0x80)
			end--; /* do not split a UTF-8 sequence */
		memcpy(m->text + end, "...", 4);
	}
}

void msg_set(msg_t *m, const char *fmt, ...)
{
	va_list ap;
	if (!m)
		return;
	va_start(ap, fmt);
	msg_vset(m, fmt, ap);
	va_end(ap);
}

status_t msg_fail(msg_t *m, status_t st, const char *fmt, ...)
{
	va_list ap;
	if (m) {
		va_start(ap, fmt);
		msg_vset(m, fmt, ap);
		va_end(ap);
	}
	return st;
}

void msg_clear(msg_t *m)
{
	if (m)
		m->text[0] = '\0';
}
