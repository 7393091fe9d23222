/* db_tracking.h - the SQL of paper-chart tracking (core/chart_track.h):
 * the chart_tracking table of events, append only. MACs and ciphertexts
 * stay opaque here. */
#ifndef CHARTROOM_DB_TRACKING_H
#define CHARTROOM_DB_TRACKING_H

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "db/db.h"

#define DB_TRACK_MAC_MAX 64
#define DB_TRACK_PLACE_MAX 512

typedef struct db_track {
	int64_t trow, prow;
	int volume;
	char event[8]; /* home, out, in */
	unsigned char place[DB_TRACK_PLACE_MAX];
	size_t place_len; /* 0: none */
	char due[12], at[24], by[72];
	unsigned char mac[DB_TRACK_MAC_MAX];
	size_t mac_len;
	int toolong; /* a column longer than its buffer: only by tampering */
} db_track_t;

typedef int (*db_track_fn)(const db_track_t *t, void *arg);

/* A chart's events, oldest first (prow > 0), or every chart's, by chart
 * then oldest first (prow 0). fn returns nonzero to stop. */
status_t db_track_list(db_t *db, int64_t prow, db_track_fn fn, void *arg, msg_t *m);
/* The next event number (inside the writing transaction). */
status_t db_track_next(db_t *db, int64_t *trow, msg_t *m);
status_t db_track_insert(db_t *db, const db_track_t *t, msg_t *m);
/* A key rotation: the event's place and MAC made anew. */
status_t db_track_reseal(db_t *db, const db_track_t *t, msg_t *m);

#endif
