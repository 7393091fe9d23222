/* text.c - string helpers. */
#include "base/text.h"

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

void text_sanitize(char *s)
{
	unsigned char *p = (unsigned char *)s;
	while (*p) {
		int len = 0;
		if (*p < 0x20 || *p == 0x7f) {
			*p++ = '?';
			continue;
		}
		if (*p < 0x80) {
			p++;
			continue;
		}
		if ((*p & 0xE0) == 0xC0)
			len = 2;
		else if ((*p & 0xF0) == 0xE0)
			len = 3;
		else if ((*p & 0xF8) == 0xF0)
			len = 4;
		for (int i = 1; i < len; i++)
			if ((p[i] & 0xC0) != 0x80)
				len = 0;
		/* C1 controls U+0080..U+009F are encoded C2 80..C2 9F. */
		if (len == 0 || (len == 2 && p[0] == 0xC2 && p[1] < 0xA0)) {
			*p++ = '?';
			continue;
		}
		p += len;
	}
}
