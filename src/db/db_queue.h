/* db_queue.h - the SQL of the HIM work queue (core/queue.h) for the kinds
 * whose rows no other db module hands out as a list: paper-chart volumes
 * out now, open patients'-rights requests (ROI, amendments) and
 * break-the-glass accesses without a finding. Clear columns only: the
 * queue decrypts a patient only for the rows it shows. */
#ifndef CHARTROOM_DB_QUEUE_H
#define CHARTROOM_DB_QUEUE_H

#include <stdint.h>

#include "base/status.h"
#include "db/db.h"

/* A volume whose latest event is "out": who charged it out, when, due. */
typedef struct db_queue_out {
	int64_t trow, prow;
	int volume;
	char due[12], at[24], by[72];
} db_queue_out_t;
status_t db_queue_charts_out(db_t *db, int (*fn)(const db_queue_out_t *o, void *arg), void *arg,
			     msg_t *m);

/* The latest event of every open request of kind ("roi": not released,
 * denied or withdrawn; "amendment": pending). */
typedef struct db_queue_req {
	int64_t req, prow;
	char status[24], received[11], due[11], by_user[72];
} db_queue_req_t;
status_t db_queue_requests(db_t *db, const char *kind,
			   int (*fn)(const db_queue_req_t *r, void *arg), void *arg, msg_t *m);

/* Break-the-glass accesses with no finding. */
typedef struct db_queue_btg {
	int64_t id, prow;
	char ts[24], user_name[72];
} db_queue_btg_t;
status_t db_queue_btg(db_t *db, int (*fn)(const db_queue_btg_t *b, void *arg), void *arg,
		      msg_t *m);

#endif
