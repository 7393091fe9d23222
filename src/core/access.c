/* access.c - the access reports: who opened a chart, the charts a user
 * opened, and audit targets in words (access.h). */
#include "core/access.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/date.h"
#include "base/text.h"
#include "base/tz.h"
#include "core/audit.h"
#include "core/internal.h"
#include "core/notsame.h"
#include "core/patient.h"
#include "core/precord.h"
#include "core/request.h"
#include "db/db_audit.h"
#include "db/db_patients.h"
#include "db/db_users.h"

/* Actions in words; the detail follows after ": " where it says more. */
static const struct {
	const char *action, *words;
	int with_detail;
} words[] = {
    {"patient_search", "searched and listed", 0},
    {"chart_open", "opened the chart", 0},
    {"chart_view", "viewed", 1},
    {"break_the_glass", "broke the glass and opened the chart", 0},
    {"patient_register", "registered the patient", 0},
    {"patient_register_anyway", "registered the patient despite a likely duplicate", 0},
    {"patient_edit", "changed the demographics", 1},
    {"encounter_checkin", "checked in", 1},
    {"encounter_close", "closed an encounter", 1},
    {"vitals_record", "recorded vitals", 1},
    {"chart_add", "added to the chart", 1},
    {"chart_status", "changed a status", 1},
    {"note_create", "wrote a note", 1},
    {"note_edit", "edited a note", 1},
    {"note_sign", "signed a note", 1},
    {"coding_view", "opened the coding", 1},
    {"coding_change", "changed the coding", 1},
    {"coding_complete", "completed the coding", 1},
    {"coding_verify", "verified the coding", 1},
    {"coding_finalize", "finalised the coding", 1},
    {"coding_reopen", "reopened the coding", 1},
    {"chart_print", "printed", 1},
    {"chart_export", "exported", 1},
    {"access_report", "viewed the access report", 0},
    {"btg_review", "reviewed a break-the-glass access", 0},
    {"btg_queue_view", "read the break-the-glass review of this chart", 0},
    {"integrity_fail", "integrity check failed", 0},
    {"integrity_reseal", "re-sealed the chart (upgrade)", 0},
    {"key_rotate_chart", "re-encrypted the chart (key rotation)", 0},
    {"merge_list", "listed in the list of merges (HIM)", 0},
};

void access_describe(const char *action, const char *detail, char *out, size_t size)
{
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (strcmp(action, words[i].action) != 0)
			continue;
		if (words[i].with_detail && detail && *detail)
			snprintf(out, size, "%s: %s", words[i].words, detail);
		else
			snprintf(out, size, "%s", words[i].words);
		return;
	}
	snprintf(out, size, "%s", action);
}

static int is_patient_id(const char *t)
{
	return strlen(t) == 32 && strspn(t, "0123456789abcdef") == 32;
}

/* MRN and "Last, First" of the patient with this id; STATUS_NOTFOUND if
 * it is not a patient's. */
static status_t patient_names(session_t *s, const char *id, char *mrn, size_t mrn_size, char *name,
                              size_t name_size, msg_t *m)
{
	db_patient_row_t *row = malloc(sizeof *row);
	patient_t *p = malloc(sizeof *p);
	status_t ret;
	if (!row || !p) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory.");
		goto cleanup;
	}
	if ((ret = db_patient_get_by_id(s->c->db, id, row, m)) != STATUS_OK)
		goto cleanup;
	if ((ret = precord_open(s->kr, row, p, 1, CLINIC_OPEN_FLAGS(s->c), m)) != STATUS_OK)
		goto cleanup;
	snprintf(mrn, mrn_size, "%s", p->f[PF_MRN]);
	snprintf(name, name_size, "%s, %s", p->f[PF_LAST], p->f[PF_FIRST]);
cleanup:
	if (row) {
		sodium_memzero(row, sizeof *row);
		free(row);
	}
	if (p) {
		sodium_memzero(p, sizeof *p);
		free(p);
	}
	return ret;
}

status_t access_note_export(session_t *s, const char *patient_id, const char *what, msg_t *m)
{
	status_t ret;
	if ((ret = session_require(s, ACT_PATIENT_VIEW, m)) != STATUS_OK)
		return ret;
	if (!patient_id || !is_patient_id(patient_id))
		return msg_fail(m, STATUS_INVALID, "Not a patient's id.");
	return audit_note(s, "chart_export", patient_id, "ok", what, 0, m);
}

void access_target_label(session_t *s, const char *target, char *out, size_t size)
{
	char mrn[PATIENT_FIELD_MAX], name[2 * PATIENT_FIELD_MAX + 4];
	msg_t ignore;
	snprintf(out, size, "%s", target ? target : "");
	if (!target || !is_patient_id(target) || !keyring_has(s->kr, DOMAIN_DEMO) ||
	    !(session_can(s, ACT_PATIENT_VIEW) || session_can(s, ACT_AUDIT_REVIEW)))
		return;
	if (patient_names(s, target, mrn, sizeof mrn, name, sizeof name, &ignore) == STATUS_OK)
		snprintf(out, size, "%s %s", mrn, name);
	sodium_memzero(mrn, sizeof mrn);
	sodium_memzero(name, sizeof name);
}

/* [from, until) in UTC from days in the clinic's zone (until included:
 * up to the next day's midnight). */
static status_t range_utc(session_t *s, const access_query_t *q, char from[24], char until[24],
                          msg_t *m)
{
	char day[DATE_ISO_SIZE];
	status_t ret;
	from[0] = until[0] = '\0';
	if (!q)
		return STATUS_OK;
	if (q->since && *q->since) {
		if ((ret = date_parse_msg("Since", q->since, NULL, NULL, day, m)) != STATUS_OK ||
		    (ret = tz_to_utc(s->c->cfg->clinic_tz, day, 0, 0, from, m)) != STATUS_OK)
			return ret;
	}
	if (q->until && *q->until) {
		int y, mo, d;
		if ((ret = date_parse_msg("Until", q->until, NULL, NULL, day, m)) != STATUS_OK)
			return ret;
		if (date_split_iso(day, &y, &mo, &d) != 0)
			return msg_fail(m, STATUS_INVALID, "Until: not a date.");
		if (++d > date_days_in(y, mo)) {
			d = 1;
			if (++mo > 12) {
				mo = 1;
				y++;
			}
		}
		snprintf(day, sizeof day, "%04d-%02d-%02d", y, mo, d);
		if ((ret = tz_to_utc(s->c->cfg->clinic_tz, day, 0, 0, until, m)) != STATUS_OK)
			return ret;
	}
	if (from[0] && until[0] && strcmp(from, until) >= 0)
		return msg_fail(m, STATUS_INVALID, "Until (%s) is before since (%s).", q->until,
		                q->since);
	return STATUS_OK;
}

/* The decrypted detail of an audit row into out ("" if none). */
static void row_detail(session_t *s, const db_audit_row_t *r, char *out, size_t size)
{
	char *plain = NULL;
	size_t plen = 0;
	char rowid[32];
	msg_t why;
	out[0] = '\0';
	if (!r->has_detail)
		return;
	snprintf(rowid, sizeof rowid, "%" PRId64, r->seq);
	if (crypto_field_decrypt(s->kr, DOMAIN_AUDIT, "audit", "detail", rowid, r->detail,
	                         r->detail_len, &plain, &plen, &why) == STATUS_OK)
		snprintf(out, size, "%s", plain);
	else
		snprintf(out, size, "(detail failed its integrity check)");
	crypto_free_plain(plain, plen);
}

/* An account's roles over time, from the trail: its creation ("role=R")
 * and every change ("role A -> B"), newest first (at most ROLES_KEPT; the
 * older ones are not needed by any entry after them). */
#define ROLES_KEPT 16
#define ROLE_USERS 8
typedef struct role_hist {
	char user[72];
	int n, complete;
	int64_t seq[ROLES_KEPT];
	char role[ROLES_KEPT][DB_ROLE_MAX + 1];
	char now[DB_ROLE_MAX + 1];
} role_hist_t;

struct role_load {
	session_t *s;
	role_hist_t *h;
};

static int role_one(const db_audit_row_t *r, void *arg)
{
	struct role_load *l = arg;
	char detail[128];
	const char *role = NULL;
	if (strcmp(r->action, "user_add") != 0 && strcmp(r->action, "user_role") != 0)
		return 0;
	if (l->h->n == ROLES_KEPT) {
		l->h->complete = 0;
		return 1;
	}
	row_detail(l->s, r, detail, sizeof detail);
	if (strncmp(detail, "role=", 5) == 0)
		role = detail + 5;
	else if (strncmp(detail, "role ", 5) == 0 && strstr(detail, " -> "))
		role = strstr(detail, " -> ") + 4;
	if (!role)
		return 0;
	l->h->seq[l->h->n] = r->seq;
	text_copy(l->h->role[l->h->n], sizeof l->h->role[0], role);
	l->h->n++;
	return 0;
}

/* The role user_name (account user_id) held at entry seq. */
static const char *role_at(session_t *s, role_hist_t *hs, int *nh, int *next,
                           const db_audit_row_t *r)
{
	role_hist_t *h = NULL;
	for (int i = 0; i < *nh; i++)
		if (strcmp(hs[i].user, r->user_name) == 0)
			h = &hs[i];
	if (!h) {
		struct role_load l;
		int disabled = 0;
		msg_t ignore;
		h = &hs[*nh < ROLE_USERS ? (*nh)++ : (*next)++ % ROLE_USERS];
		memset(h, 0, sizeof *h);
		text_copy(h->user, sizeof h->user, r->user_name);
		h->complete = 1;
		if (db_user_status(s->c->db, r->user_id, &disabled, h->now, &ignore) != STATUS_OK)
			h->now[0] = '\0';
		l.s = s;
		l.h = h;
		/* Entries about the account have its name as target (index
		 * audit_target), newest first. */
		if (db_audit_for_target(s->c->db, r->user_name, NULL, NULL, 0, role_one, &l,
		                        &ignore) != STATUS_OK)
			h->complete = 0;
	}
	for (int i = 0; i < h->n; i++)
		if (h->seq[i] < r->seq)
			return h->role[i];
	/* Made before any record of its role (or past what was kept). */
	return h->now;
}

struct report_ctx {
	session_t *s;
	int (*fn)(const access_entry_t *e, void *arg);
	void *arg;
	access_entry_t e;
	/* The accounts' roles over time, for the users met so far. */
	role_hist_t roles[ROLE_USERS];
	int nroles, next_role;
	int with_patient;
	const char *user; /* only this user's entries, or NULL */
	char merged_mrn[24]; /* entries of a chart merged into the one asked for: its MRN */
	status_t ret;
	msg_t *m;
};

/* "searched and listed (by name, MRN)": the kinds of the searches an
 * entry records ("KIND:TOKEN ..."; the tokens are never shown). */
static void search_words(const char *detail, char *out, size_t size)
{
	const char *p = detail;
	size_t used;
	int n = 0;
	char seen[8][32];
	used = (size_t)snprintf(out, size, "searched and listed");
	while (used < size) {
		const char *colon = strchr(p, ':');
		char kind[32];
		size_t k;
		if (!colon || colon == p || (size_t)(colon - p) >= sizeof kind ||
		    strspn(colon + 1, "0123456789abcdef") < 16)
			break;
		k = (size_t)(colon - p);
		memcpy(kind, p, k);
		kind[k] = '\0';
		/* Each kind once. */
		int dup = 0;
		for (int i = 0; i < n && !dup; i++)
			dup = strcmp(seen[i], kind) == 0;
		if (!dup && n < 8) {
			memcpy(seen[n], kind, k + 1);
			int w = snprintf(out + used, size - used, "%s%s", n ? ", " : " (by ", kind);
			if (w < 0 || (size_t)w >= size - used)
				break;
			used += (size_t)w;
			n++;
		}
		p = colon + 17;
		if (*p != ' ')
			break;
		p++;
	}
	if (n && used + 1 < size)
		snprintf(out + used, size - used, ")");
}

static void fill_entry(struct report_ctx *c, const db_audit_row_t *r)
{
	access_entry_t *e = &c->e;
	char detail[256];
	memset(e, 0, sizeof *e);
	e->seq = r->seq;
	snprintf(e->ts, sizeof e->ts, "%s", r->ts);
	snprintf(e->user_name, sizeof e->user_name, "%s", r->user_name);
	snprintf(e->action, sizeof e->action, "%s", r->action);
	snprintf(e->source, sizeof e->source, "%s", r->source);
	snprintf(e->outcome, sizeof e->outcome, "%s", r->outcome);
	text_copy(e->role, sizeof e->role, role_at(c->s, c->roles, &c->nroles, &c->next_role, r));
	row_detail(c->s, r, detail, sizeof detail);
	if (strcmp(r->action, "break_the_glass") == 0)
		snprintf(e->reason, sizeof e->reason, "%s", detail);
	if (strcmp(r->action, "patient_search") == 0)
		search_words(detail, e->what, sizeof e->what);
	else
		access_describe(r->action, detail, e->what, sizeof e->what);
	sodium_memzero(detail, sizeof detail);
}

static int report_one(const db_audit_row_t *r, void *arg)
{
	struct report_ctx *c = arg;
	if (c->user && *c->user && strcmp(r->user_name, c->user) != 0)
		return 0;
	fill_entry(c, r);
	if (c->merged_mrn[0]) {
		size_t k = strlen(c->e.what);
		snprintf(c->e.what + k, sizeof c->e.what - k, " (MRN %s, merged into this chart)",
		         c->merged_mrn);
	}
	return c->fn(&c->e, c->arg);
}

/* One row of a user's report: the entry about the chart with id. */
static int user_emit(struct report_ctx *c, const db_audit_row_t *r, const char *id)
{
	msg_t why;
	fill_entry(c, r);
	if (patient_names(c->s, id, c->e.mrn, sizeof c->e.mrn, c->e.name, sizeof c->e.name,
	                  &why) != STATUS_OK)
		snprintf(c->e.name, sizeof c->e.name, "(patient %.32s: integrity check failed)", id);
	return c->fn(&c->e, c->arg);
}

static int user_one(const db_audit_row_t *r, int64_t prow, void *arg)
{
	struct report_ctx *c = arg;
	int64_t prows[DB_AUDIT_LISTED_MAX];
	char(*ids)[33] = NULL;
	int n, stop = 0;
	if (prow)
		return user_emit(c, r, r->target);
	/* A search: each patient it listed ("searched and listed"). */
	n = audit_listed_parse(r->listed, prows, DB_AUDIT_LISTED_MAX);
	if (n <= 0)
		return 0;
	if (!(ids = malloc((size_t)n * sizeof *ids))) {
		c->ret = msg_fail(c->m, STATUS_NOMEM, "Out of memory reading the audit trail.");
		return 1;
	}
	if ((c->ret = db_audit_patient_ids(c->s->c->db, prows, n, ids, c->m)) != STATUS_OK)
		stop = 1;
	for (int i = 0; !stop && i < n; i++)
		if (ids[i][0]) /* none: a chart since destroyed */
			stop = user_emit(c, r, ids[i]);
	free(ids);
	return stop;
}

status_t access_patient(session_t *s, const char *mrn_or_id, const access_query_t *q,
                        int (*fn)(const access_entry_t *e, void *arg), void *arg, char *label,
                        size_t label_size, msg_t *m)
{
	status_t ret;
	struct report_ctx *c = NULL;
	char from[24], until[24], id[33], mrn[PATIENT_FIELD_MAX], name[2 * PATIENT_FIELD_MAX + 4];
	char detail[96];
	int64_t prow = 0, merged[REQ_MERGED_MAX];
	int confidential = 0, reading = 0, nmerged = 0;

	if (label && label_size)
		label[0] = '\0';
	if ((ret = session_require(s, ACT_AUDIT_REVIEW, m)) != STATUS_OK)
		return ret;
	if (!mrn_or_id || !*mrn_or_id)
		return msg_fail(m, STATUS_INVALID, "Give the patient's MRN.");
	if ((ret = range_utc(s, q, from, until, m)) != STATUS_OK)
		return ret;
	if ((ret = patient_locate(s, mrn_or_id, &prow, id, &confidential, m)) != STATUS_OK)
		return ret;
	if ((ret = patient_names(s, id, mrn, sizeof mrn, name, sizeof name, m)) != STATUS_OK)
		goto cleanup;
	if (label && label_size)
		snprintf(label, label_size, "%s %s", mrn, name);
	/* On record before anything is shown (the journal: no write lock). */
	if (q && q->user && *q->user &&
	    (ret = text_check("User", q->user, strlen(q->user), 0, m)) != STATUS_OK)
		goto cleanup;
	snprintf(detail, sizeof detail, "since=%s until=%s user=%.24s",
	         q && q->since && *q->since ? q->since : "*",
	         q && q->until && *q->until ? q->until : "*",
	         q && q->user && *q->user ? q->user : "*");
	if ((ret = audit_note(s, "access_report", id, "ok", detail, 0, m)) != STATUS_OK ||
	    (ret = req_merged_into(s, prow, "access_report", merged, REQ_MERGED_MAX, &nmerged, m)) !=
	        STATUS_OK)
		goto cleanup;
	/* What waits in the journal goes into the trail first, so the
	 * report shows it (as audit list does). */
	if (db_readonly(s->c->db) == DB_RW && (ret = audit_flush(s, m)) != STATUS_OK)
		goto cleanup;
	if (!(c = calloc(1, sizeof *c))) {
		ret = msg_fail(m, STATUS_NOMEM, "Out of memory reading the audit trail.");
		goto cleanup;
	}
	c->s = s;
	c->fn = fn;
	c->arg = arg;
	c->m = m;
	c->user = q ? q->user : NULL;
	if ((ret = db_read_begin(s->c->db, &reading, m)) != STATUS_OK)
		goto cleanup;
	/* The entries about the chart, and the searches that listed it. */
	ret = db_audit_for_patient(s->c->db, id, prow, from, until, q ? q->limit : 0, report_one, c,
	                           m);
	/* Then those about every chart merged into it (a merge in force): the
	 * accesses to the patient's records before the merge, each marked
	 * with the MRN it was made under. */
	for (int k = 0; ret == STATUS_OK && k < nmerged; k++) {
		char mid[33], mname[2 * PATIENT_FIELD_MAX + 4];
		if ((ret = notsame_patient_id(s, merged[k], mid, m)) != STATUS_OK ||
		    (ret = patient_names(s, mid, c->merged_mrn, sizeof c->merged_mrn, mname,
		                         sizeof mname, m)) != STATUS_OK)
			break;
		sodium_memzero(mname, sizeof mname);
		ret = db_audit_for_patient(s->c->db, mid, merged[k], from, until, q ? q->limit : 0,
		                           report_one, c, m);
	}
cleanup:
	db_read_end(s->c->db, reading);
	if (c) {
		sodium_memzero(c, sizeof *c);
		free(c);
	}
	sodium_memzero(mrn, sizeof mrn);
	sodium_memzero(name, sizeof name);
	return ret;
}

status_t access_user(session_t *s, const char *user_name, const access_query_t *q,
                     int (*fn)(const access_entry_t *e, void *arg), void *arg, msg_t *m)
{
	status_t ret;
	struct report_ctx *c = NULL;
	char from[24], until[24], detail[96];
	db_user_t *u = NULL;
	int reading = 0;

	if ((ret = session_require(s, ACT_AUDIT_REVIEW, m)) != STATUS_OK)
		return ret;
	if (!user_name || !*user_name)
		return msg_fail(m, STATUS_INVALID, "Give the user's name.");
	if ((ret = text_check("The user name", user_name, strlen(user_name), 0, m)) != STATUS_OK)
		return ret;
	if ((ret = range_utc(s, q, from, until, m)) != STATUS_OK)
		return ret;
	if (!(u = malloc(sizeof *u)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	ret = db_user_get_by_name(s->c->db, user_name, u, m);
	sodium_memzero(u, sizeof *u);
	free(u);
	if (ret == STATUS_NOTFOUND)
		return msg_fail(m, STATUS_NOTFOUND, "No user is named '%s'.", user_name);
	if (ret != STATUS_OK)
		return ret;
	snprintf(detail, sizeof detail, "since=%s until=%s",
	         q && q->since && *q->since ? q->since : "*",
	         q && q->until && *q->until ? q->until : "*");
	if ((ret = audit_note(s, "access_report_user", user_name, "ok", detail, 0, m)) != STATUS_OK)
		return ret;
	if (db_readonly(s->c->db) == DB_RW && (ret = audit_flush(s, m)) != STATUS_OK)
		return ret;
	if (!(c = calloc(1, sizeof *c)))
		return msg_fail(m, STATUS_NOMEM, "Out of memory reading the audit trail.");
	c->s = s;
	c->fn = fn;
	c->arg = arg;
	c->m = m;
	c->with_patient = 1;
	if ((ret = db_read_begin(s->c->db, &reading, m)) != STATUS_OK)
		goto cleanup;
	ret = db_audit_user_charts(s->c->db, user_name, from, until, q ? q->limit : 0, user_one, c,
	                           m);
	if (ret == STATUS_OK)
		ret = c->ret;
cleanup:
	db_read_end(s->c->db, reading);
	sodium_memzero(c, sizeof *c);
	free(c);
	return ret;
}
