/* text.c - string helpers and the terminal-safety classes of text: one
 * strict UTF-8 decoder, the output escaper and the input check. */
#include "base/text.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

size_t text_copy(char *dst, size_t size, const char *src)
{
	size_t n;
	if (!size)
		return 0;
	n = src ? strlen(src) : 0;
	if (n >= size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}

/* ---- classifying ------------------------------------------------------- */

text_class_t text_cp_class(uint32_t cp)
{
	if (cp == '\n')
		return TEXT_NEWLINE;
	if (cp == '\t')
		return TEXT_TAB;
	if (cp < 0x20)
		return TEXT_C0;
	if (cp == 0x7f)
		return TEXT_DEL;
	if (cp >= 0x80 && cp <= 0x9f)
		return TEXT_C1;
	if ((cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return TEXT_BIDI;
	if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return TEXT_BAD; /* never a character */
	return TEXT_PRINT;
}

static int cont(unsigned char b)
{
	return (b & 0xC0) == 0x80;
}

/* RFC 3629: the shortest form only, no surrogates, nothing above U+10FFFF.
 * The second byte's range depends on the first byte; later bytes are any
 * continuation byte. */
void text_unit(const char *s, size_t n, text_unit_t *u)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char b = p[0];
	size_t len = 0;
	unsigned char lo = 0x80, hi = 0xBF;
	uint32_t cp = 0;

	u->len = 1;
	u->cp = b;
	if (b < 0x80) {
		u->cls = text_cp_class(b);
		return;
	}
	if (b >= 0xC2 && b <= 0xDF) {
		len = 2;
		cp = b & 0x1F;
	} else if (b >= 0xE0 && b <= 0xEF) {
		len = 3;
		cp = b & 0x0F;
		if (b == 0xE0)
			lo = 0xA0; /* E0 80-9F would be overlong */
		else if (b == 0xED)
			hi = 0x9F; /* ED A0-BF would be a surrogate */
	} else if (b >= 0xF0 && b <= 0xF4) {
		len = 4;
		cp = b & 0x07;
		if (b == 0xF0)
			lo = 0x90; /* overlong */
		else if (b == 0xF4)
			hi = 0x8F; /* above U+10FFFF */
	}
	if (!len || n < len || p[1] < lo || p[1] > hi) {
		u->cls = TEXT_BAD;
		return;
	}
	for (size_t i = 1; i < len; i++) {
		if (!cont(p[i])) {
			u->cls = TEXT_BAD;
			return;
		}
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	u->len = len;
	u->cp = cp;
	u->cls = text_cp_class(cp);
}

/* ---- output ------------------------------------------------------------ */

static const char hexd[] = "0123456789abcdef";

size_t text_escape_cp(uint32_t cp, char out[12])
{
	size_t o = 0;
	int digits = cp > 0xFFFF ? (cp > 0xFFFFF ? 6 : 5) : 4;
	out[o++] = '\\';
	out[o++] = 'u';
	for (int i = digits - 1; i >= 0; i--)
		out[o++] = hexd[(cp >> (4 * i)) & 0xF];
	return o;
}

static size_t byte_escape(unsigned b, char out[12])
{
	out[0] = '\\';
	out[1] = 'x';
	out[2] = hexd[(b >> 4) & 0xF];
	out[3] = hexd[b & 0xF];
	return 4;
}

size_t text_unit_show(const text_unit_t *u, const char *s, unsigned mode, char out[12])
{
	switch (u->cls) {
	case TEXT_PRINT:
		if (u->cp == '\\' && (mode & TEXT_TSV)) {
			out[0] = out[1] = '\\';
			return 2;
		}
		memcpy(out, s, u->len);
		return u->len;
	case TEXT_NEWLINE:
	case TEXT_TAB:
		if (mode & TEXT_MULTILINE) {
			out[0] = (char)u->cp;
			return 1;
		}
		out[0] = '\\';
		out[1] = u->cp == '\n' ? 'n' : 't';
		return 2;
	case TEXT_C0:
		if (u->cp == '\r') {
			out[0] = '\\';
			out[1] = 'r';
			return 2;
		}
		return byte_escape(u->cp, out);
	case TEXT_DEL:
	case TEXT_BAD:
		return byte_escape(u->cp, out);
	case TEXT_C1:
	case TEXT_BIDI:
		return text_escape_cp(u->cp, out);
	}
	return byte_escape(u->cp & 0xFF, out);
}

size_t text_escape_n(char *dst, size_t size, const char *src, size_t n, unsigned mode)
{
	size_t o = 0, i = 0;
	if (!size)
		return 0;
	while (src && i < n) {
		text_unit_t u;
		char buf[12];
		size_t k;
		text_unit(src + i, n - i, &u);
		k = text_unit_show(&u, src + i, mode, buf);
		if (o + k + 1 > size)
			break;
		memcpy(dst + o, buf, k);
		o += k;
		i += u.len;
	}
	dst[o] = '\0';
	return o;
}

size_t text_escape(char *dst, size_t size, const char *src, unsigned mode)
{
	return text_escape_n(dst, size, src, src ? strlen(src) : 0, mode);
}

/* Write n bytes of s escaped, padded with spaces to `width` bytes of
 * shown text (left-aligned when left is set). */
static int put_escaped(FILE *f, const char *s, size_t n, unsigned mode, int width, int left)
{
	size_t i = 0, shown = 0;
	char buf[12];
	if (width > 0 && !left) {
		/* Right-aligned: measure first. */
		for (i = 0; i < n;) {
			text_unit_t u;
			text_unit(s + i, n - i, &u);
			shown += text_unit_show(&u, s + i, mode, buf);
			i += u.len;
		}
		for (; shown < (size_t)width; shown++)
			if (putc(' ', f) == EOF)
				return EOF;
		width = 0;
	}
	for (i = 0, shown = 0; i < n;) {
		text_unit_t u;
		size_t k;
		text_unit(s + i, n - i, &u);
		k = text_unit_show(&u, s + i, mode, buf);
		if (fwrite(buf, 1, k, f) != k)
			return EOF;
		shown += k;
		i += u.len;
	}
	for (; width > 0 && shown < (size_t)width; shown++)
		if (putc(' ', f) == EOF)
			return EOF;
	return 0;
}

int text_fputs(const char *s, unsigned mode, FILE *f)
{
	return s ? put_escaped(f, s, strlen(s), mode, 0, 0) : 0;
}

/* At most max bytes of s, cut at a unit boundary. */
static size_t prefix_len(const char *s, size_t max)
{
	size_t i = 0, n = strlen(s);
	while (i < n) {
		text_unit_t u;
		text_unit(s + i, n - i, &u);
		if (i + u.len > max)
			break;
		i += u.len;
	}
	return i;
}

enum { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_J, LEN_Z, LEN_T, LEN_BIG_L };

/* One non-%s conversion with the program's own spec (flags, width,
 * precision and length as written, '*' values already read). */
#define EMIT(val)                                                                                  \
	do {                                                                                       \
		if (star_w && star_p)                                                              \
			r = fprintf(f, spec, width, prec, val);                                    \
		else if (star_w)                                                                   \
			r = fprintf(f, spec, width, val);                                          \
		else if (star_p)                                                                   \
			r = fprintf(f, spec, prec, val);                                           \
		else                                                                               \
			r = fprintf(f, spec, val);                                                 \
	} while (0)

int text_vfprintf(FILE *f, unsigned mode, const char *fmt, va_list ap)
{
	const char *p = fmt;
	while (*p) {
		const char *pct = strchr(p, '%'), *q;
		char spec[32];
		int width = 0, prec = -1, star_w = 0, star_p = 0, left = 0, len = LEN_NONE;
		int have_w = 0, r = 0;
		char conv;
		if (!pct)
			return fputs(p, f) == EOF ? EOF : 0;
		if (pct > p && fwrite(p, 1, (size_t)(pct - p), f) != (size_t)(pct - p))
			return EOF;
		q = pct + 1;
		if (*q == '%') {
			if (putc('%', f) == EOF)
				return EOF;
			p = q + 1;
			continue;
		}
		for (; *q && strchr("-+ #0", *q); q++)
			left |= *q == '-';
		if (*q == '*') {
			star_w = have_w = 1;
			width = va_arg(ap, int);
			if (width < 0) {
				left = 1;
				width = -width;
			}
			q++;
		} else {
			for (; isdigit((unsigned char)*q); q++) {
				width = width * 10 + (*q - '0');
				have_w = 1;
			}
		}
		if (*q == '.') {
			q++;
			prec = 0;
			if (*q == '*') {
				star_p = 1;
				prec = va_arg(ap, int);
				q++;
			} else {
				for (; isdigit((unsigned char)*q); q++)
					prec = prec * 10 + (*q - '0');
			}
		}
		if (q[0] == 'h' && q[1] == 'h')
			len = LEN_HH, q += 2;
		else if (q[0] == 'l' && q[1] == 'l')
			len = LEN_LL, q += 2;
		else if (*q == 'h')
			len = LEN_H, q++;
		else if (*q == 'l')
			len = LEN_L, q++;
		else if (*q == 'j')
			len = LEN_J, q++;
		else if (*q == 'z')
			len = LEN_Z, q++;
		else if (*q == 't')
			len = LEN_T, q++;
		else if (*q == 'L')
			len = LEN_BIG_L, q++;
		conv = *q;
		if (!conv || (size_t)(q + 1 - pct) >= sizeof spec)
			return EOF; /* a format the program should not have */
		memcpy(spec, pct, (size_t)(q + 1 - pct));
		spec[q + 1 - pct] = '\0';
		p = q + 1;
		switch (conv) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			size_t n;
			if (!s)
				s = "(null)";
			n = prec >= 0 ? prefix_len(s, (size_t)prec) : strlen(s);
			r = put_escaped(f, s, n, mode, have_w ? width : 0, left);
			break;
		}
		case 'd':
		case 'i':
			switch (len) {
			case LEN_L:
				EMIT(va_arg(ap, long));
				break;
			case LEN_LL:
				EMIT(va_arg(ap, long long));
				break;
			case LEN_J:
				EMIT(va_arg(ap, intmax_t));
				break;
			case LEN_Z:
				EMIT(va_arg(ap, ptrdiff_t));
				break; /* signed size_t */
			case LEN_T:
				EMIT(va_arg(ap, ptrdiff_t));
				break;
			default:
				EMIT(va_arg(ap, int));
				break;
			}
			break;
		case 'u':
		case 'o':
		case 'x':
		case 'X':
			switch (len) {
			case LEN_L:
				EMIT(va_arg(ap, unsigned long));
				break;
			case LEN_LL:
				EMIT(va_arg(ap, unsigned long long));
				break;
			case LEN_J:
				EMIT(va_arg(ap, uintmax_t));
				break;
			case LEN_Z:
				EMIT(va_arg(ap, size_t));
				break;
			case LEN_T:
				EMIT(va_arg(ap, ptrdiff_t));
				break;
			default:
				EMIT(va_arg(ap, unsigned));
				break;
			}
			break;
		case 'c': {
			/* One byte: shown through the same escaper. */
			char ch = (char)va_arg(ap, int);
			r = put_escaped(f, &ch, 1, mode, have_w ? width : 0, left);
			break;
		}
		case 'f':
		case 'F':
		case 'e':
		case 'E':
		case 'g':
		case 'G':
		case 'a':
		case 'A':
			if (len == LEN_BIG_L)
				EMIT(va_arg(ap, long double));
			else
				EMIT(va_arg(ap, double));
			break;
		case 'p':
			EMIT(va_arg(ap, void *));
			break;
		default:
			return EOF; /* %n and anything unknown */
		}
		if (r < 0)
			return EOF;
	}
	return 0;
}
#undef EMIT

int text_fprintf(FILE *f, unsigned mode, const char *fmt, ...)
{
	va_list ap;
	int r;
	va_start(ap, fmt);
	r = text_vfprintf(f, mode, fmt, ap);
	va_end(ap);
	return r;
}

/* ---- input ------------------------------------------------------------- */

status_t text_check(const char *label, const char *s, size_t n, unsigned allow, msg_t *m)
{
	size_t i = 0;
	while (s && i < n) {
		text_unit_t u;
		text_unit(s + i, n - i, &u);
		switch (u.cls) {
		case TEXT_PRINT:
			break;
		case TEXT_NEWLINE:
			if (allow & TEXT_ALLOW_NEWLINE)
				break;
			return msg_fail(m, STATUS_INVALID,
			                "%s contains a line break (U+000A); it must be one line.",
			                label);
		case TEXT_TAB:
			if (allow & TEXT_ALLOW_TAB)
				break;
			return msg_fail(m, STATUS_INVALID, "%s contains a tab (U+0009).", label);
		case TEXT_C0:
		case TEXT_DEL:
		case TEXT_C1:
			return msg_fail(m, STATUS_INVALID,
			                "%s contains a control character (U+%04X).", label,
			                (unsigned)u.cp);
		case TEXT_BIDI:
			return msg_fail(m, STATUS_INVALID,
			                "%s contains a bidirectional control character (U+%04X).",
			                label, (unsigned)u.cp);
		case TEXT_BAD:
			return msg_fail(m, STATUS_INVALID,
			                "%s is not valid UTF-8 text (byte 0x%02X).", label,
			                (unsigned)u.cp);
		}
		i += u.len;
	}
	return STATUS_OK;
}

int text_is_clean(const char *s, unsigned allow)
{
	return text_check("", s, s ? strlen(s) : 0, allow, NULL) == STATUS_OK;
}
