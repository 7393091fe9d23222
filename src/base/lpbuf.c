/* lpbuf.c - length-prefixed field buffers (lpbuf.h). */
#include "base/lpbuf.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

void lpbuf_reserve(lpbuf_t *b, size_t n)
{
	unsigned char *np;
	if (b->bad || b->len + n <= b->cap)
		return;
	/* realloc may move the bytes and free the old block unwiped: so a
	 * new block, the old one wiped (as lpbuf_free would). */
	if (!(np = malloc(b->len + n))) {
		b->bad = 1;
		return;
	}
	if (b->p) {
		memcpy(np, b->p, b->len);
		sodium_memzero(b->p, b->cap);
		free(b->p);
	}
	b->p = np;
	b->cap = b->len + n;
}

void lpbuf_put(lpbuf_t *b, const void *data, size_t n)
{
	if (b->bad)
		return;
	if (b->len + n + 4 > b->cap) {
		size_t cap = (b->cap + n + 4) * 2;
		unsigned char *np = realloc(b->p, cap);
		if (!np) {
			b->bad = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	b->p[b->len++] = (unsigned char)(n >> 24);
	b->p[b->len++] = (unsigned char)(n >> 16);
	b->p[b->len++] = (unsigned char)(n >> 8);
	b->p[b->len++] = (unsigned char)n;
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
}

void lpbuf_str(lpbuf_t *b, const char *s)
{
	lpbuf_put(b, s, strlen(s));
}

void lpbuf_free(lpbuf_t *b)
{
	if (b->p)
		sodium_memzero(b->p, b->cap);
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
