/* lpbuf.h - a growing buffer of length-prefixed fields: each field is a
 * 4-byte big-endian length and then its bytes, so no two different
 * records serialise alike. It is the form the audit chain's, the audit
 * journal's and the policy's MACs are computed over (core/audit.c,
 * core/audit_journal.c, core/policy.c); changing it changes every MAC.
 *
 * An allocation failure sets `bad`; later puts do nothing, and the
 * caller checks `bad` once before using the bytes. */
#ifndef CHARTROOM_LPBUF_H
#define CHARTROOM_LPBUF_H

#include <stddef.h>

typedef struct lpbuf {
	unsigned char *p;
	size_t len, cap;
	int bad; /* out of memory: the contents are incomplete */
} lpbuf_t;

/* Room for n more bytes, in one allocation, so that the fields put next
 * (each with its 4-byte prefix) are not copied as the buffer grows: for
 * callers that know about how long their record is. */
void lpbuf_reserve(lpbuf_t *b, size_t n);
/* Appends one field: n's length prefix, then n bytes of data. */
void lpbuf_put(lpbuf_t *b, const void *data, size_t n);
/* Appends a NUL-terminated string as one field (without the NUL). */
void lpbuf_str(lpbuf_t *b, const char *s);
/* Wipes and frees the bytes; b is empty again. */
void lpbuf_free(lpbuf_t *b);

#endif
