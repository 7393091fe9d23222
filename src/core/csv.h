/* csv.h - a streaming CSV reader (RFC 4180): quoted fields with embedded
 * commas, quotes and newlines, CRLF or LF line ends, a UTF-8 byte-order
 * mark. Records are returned one at a time with the line they started on.
 * Reads from a FILE the caller owns. */
#ifndef CHARTROOM_CSV_H
#define CHARTROOM_CSV_H

#include <stdio.h>

#include "base/status.h"

#define CSV_MAX_FIELDS 128
#define CSV_MAX_RECORD (64 * 1024)

typedef struct csv csv_t;

csv_t *csv_new(FILE *f);
void csv_free(csv_t *c);

/* Next record: STATUS_OK with *n fields (valid until the next call),
 * STATUS_NOTFOUND at the end, STATUS_INVALID for a malformed record (a
 * quote left open, a stray quote, too many or too long fields, a NUL byte
 * in a field) with msg naming the line; the reader then skips to the next
 * line (to the end of the record for a NUL byte). */
status_t csv_next(csv_t *c, char ***fields, int *n, long *line, msg_t *m);

#endif
