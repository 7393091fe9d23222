/* queue.h - the HIM work queue (issue 13 item 1): one list of everything
 * waiting for HIM or the privacy officer, each item with its kind, the
 * patient (MRN and name), what is waiting, who it is assigned to, its due
 * date and its age in days, sorted by due date (overdue first).
 *
 * The kinds are one table in queue.c, a row per kind: its name, the
 * permission that lets a role see it, and the function that collects its
 * items from clear columns. A session sees the kinds its role's
 * permissions allow (core decides; a role with none of them, the front
 * desk, is refused). Adding a kind (duplicate-chart candidates, retention
 * decisions) is one X line here, one row and one collecting function in
 * queue.c.
 *
 * Cost: opening reads clear columns only (statuses, dates, users, row
 * numbers) and sorts; no patient is decrypted then. queue_resolve
 * decrypts the patient of one item, for the rows a list shows (draw on
 * demand) or a page the CLI prints: the patients row is opened under its
 * binding (a row moved or edited with sqlite3 is STATUS_INTEGRITY). The
 * item's own screen or command checks its rows against the chart when it
 * is opened, as it always does.
 *
 * Opening is audited as one event ("queue_view", the filters in its
 * detail), as other list views are. The counts for the main menu
 * (queue_counts) show no patient and are not audited. */
#ifndef CHARTROOM_QUEUE_H
#define CHARTROOM_QUEUE_H

#include <stdint.h>

#include "base/date.h"
#include "base/status.h"
#include "core/session.h"

/* X(ID, "name" (--kind), "label" (screen), "one", "many" (the menu's
 * counts)) */
#define QUEUE_KINDS(X)                                                                   \
	X(CODING, "coding", "Coding", "coding", "coding")                                \
	X(DEFICIENCY, "deficiency", "Deficiency", "deficiency", "deficiencies")          \
	X(CHART_OUT, "chart-out", "Chart out", "chart due back", "charts due back")      \
	X(ROI, "roi", "ROI", "ROI due", "ROI due")                                       \
	X(AMENDMENT, "amendment", "Amendment", "amendment due", "amendments due")        \
	X(BTG, "btg", "BTG review", "BTG review", "BTG reviews")                         \
	X(DUPLICATE, "duplicate", "Duplicate", "possible duplicate", "possible duplicates") \
	X(RETENTION, "retention", "Retention", "retention decision", "retention decisions")

typedef enum {
#define QK_ENUM(id, name, label, one, many) QK_##id,
	QUEUE_KINDS(QK_ENUM)
#undef QK_ENUM
	    QK_COUNT
} queue_kind_t;

const char *queue_kind_name(queue_kind_t k);  /* "coding" */
const char *queue_kind_label(queue_kind_t k); /* "Coding" */
/* The kind named (as --kind takes it); QK_COUNT when none. */
queue_kind_t queue_kind_from_name(const char *name);
/* "coding, deficiency, ..." for messages and help. */
const char *queue_kind_names(void);

typedef struct queue_item {
	queue_kind_t kind;
	char ref[24];       /* the item's own number: encounter "123", deficiency
			     * "D45", request "7", access "3", volume "2" */
	int64_t prow, erow; /* the chart; the encounter (coding, deficiency) */
	int64_t num;        /* the encounter, request or access number */
	char what[96];      /* "Coding uncoded: office visit", ... */
	char assigned[72];  /* the user who must act; "" nobody in particular */
	char due[DATE_ISO_SIZE];
	char since[DATE_ISO_SIZE]; /* when the wait began (clinic-local date) */
	int age_days;
	long days_left;            /* due - today; < 0 overdue */
	/* filled by queue_resolve */
	int resolved;
	char patient_id[33], mrn[24], name[128];
} queue_item_t;

typedef struct queue_filter {
	int kind;             /* a queue_kind_t, or -1: every kind the role sees */
	const char *assignee; /* NULL or "": anyone's */
} queue_filter_t;

typedef struct queue queue_t; /* opaque; queue_free */

/* Collect the queue for the session's role, filtered, sorted by due date
 * (overdue first; then kind and number), audited as one view.
 * STATUS_DENIED when the role sees no kind (or not the kind asked for).
 * *out is freed with queue_free. */
status_t queue_open(session_t *s, const queue_filter_t *f, queue_t **out, msg_t *m);
int queue_count(const queue_t *q);
/* Items of one kind in q (for headings). */
int queue_count_kind(const queue_t *q, queue_kind_t k);
/* Item i (0 <= i < queue_count), valid until queue_free; NULL outside. */
const queue_item_t *queue_item(const queue_t *q, int i);
/* Decrypt item i's patient (MRN, name, id) into the item, once. */
status_t queue_resolve(session_t *s, queue_t *q, int i, msg_t *m);
/* Wipe and free (NULL allowed). */
void queue_free(queue_t *q);

/* May this session open the queue (any kind)? For the menu. */
int queue_may_open(session_t *s);
/* How many items of each kind the session's role sees (others 0), from
 * the same collection as queue_open but not sorted, not decrypted, not
 * audited: for the main menu at sign-on. */
status_t queue_counts(session_t *s, int counts[QK_COUNT], msg_t *m);
/* "12 coding, 3 deficiencies, 1 ROI due" ("nothing waiting" when all 0). */
void queue_counts_text(const int counts[QK_COUNT], char *buf, size_t size);

#endif
