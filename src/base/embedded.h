/* embedded.h - files from assets/ compiled into the binary (see
 * tools/embed.sh): the schema migrations, the default configuration and the
 * common-password list. Each table ends with {NULL, NULL}. */
#ifndef CHARTROOM_EMBEDDED_H
#define CHARTROOM_EMBEDDED_H

struct embedded_file {
	const char *name; /* file name, e.g. "001_foundation.sql" */
	const char *text; /* whole contents, NUL-terminated */
};

extern const struct embedded_file embedded_migrations[];
extern const struct embedded_file embedded_config[];
extern const struct embedded_file embedded_wordlists[];

#endif
