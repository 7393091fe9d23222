/* roi.c - release of information (core/roi.h). */
#include "core/roi.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "base/text.h"
#include "base/userfile.h"
#include "core/amendment.h"
#include "core/audit.h"
#include "core/disclosure.h"
#include "core/request.h"
#include "core/roi_write.h"

enum { F_REQUESTER, F_RECIPIENT, F_ADDRESS, F_PURPOSE, F_BASIS, F_EXTEND, F_DENY, F_NOTE, F_FILE };

static const char *const requesters[] = {ROI_REQUESTERS, NULL};
static const char *const statuses[] = {ROI_STATUSES, NULL};
static const char *const sections[] = {ROI_SECTIONS, NULL};

static int in_list(const char *const *l, const char *v)
{
	for (int i = 0; v && l[i]; i++)
		if (strcmp(l[i], v) == 0)
			return 1;
	return 0;
}

static void join(const char *const *l, char *buf, size_t size)
{
	size_t at = 0;
	buf[0] = '\0';
	for (int i = 0; l[i] && at < size; i++)
		at += (size_t)snprintf(buf + at, size - at, "%s%s", i ? ", " : "", l[i]);
}

static int closed(const char *status)
{
	return strcmp(status, "released") == 0 || strcmp(status, "denied") == 0 ||
	       strcmp(status, "withdrawn") == 0;
}

static status_t finish(session_t *s, status_t ret, msg_t *m)
{
	if (ret == STATUS_OK)
		ret = db_commit(s->c->db, m);
	if (ret != STATUS_OK)
		db_rollback(s->c->db);
	return ret;
}

/* "12.50" -> 1250 cents. */
static status_t parse_fee(const char *in, int64_t *cents, msg_t *m)
{
	long long d = 0, c = 0;
	int nd = 0, nc = -1;
	const char *p = in;
	if (*p == '$')
		p++;
	for (; *p && *p != '.'; p++, nd++) {
		if (*p < '0' || *p > '9' || nd >= 7)
			goto bad;
		d = d * 10 + (*p - '0');
	}
	if (*p == '.')
		for (nc = 0, p++; *p; p++, nc++) {
			if (*p < '0' || *p > '9' || nc >= 2)
				goto bad;
			c = c * 10 + (*p - '0');
		}
	if (!nd && nc <= 0)
		goto bad;
	if (nc == 1)
		c *= 10;
	*cents = d * 100 + c;
	return STATUS_OK;
bad:
	return msg_fail(m, STATUS_INVALID, "Fee: '%.20s' is not an amount (e.g. 0, 6.50).", in);
}

/* The sections list, checked and canonical. */
static status_t parse_sections(const char *in, char *out, size_t size, msg_t *m)
{
	char buf[256], *tok, *save = NULL, list[160] = "";
	int want[16] = {0};
	size_t at = 0;
	if (!in || !*in || strcmp(in, "all") == 0) {
		for (int i = 0; sections[i]; i++)
			want[i] = 1;
	} else {
		text_copy(buf, sizeof buf, in);
		for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
			int found = 0;
			for (int i = 0; sections[i]; i++)
				if (strcmp(tok, sections[i]) == 0)
					want[i] = found = 1;
			if (!found) {
				join(sections, list, sizeof list);
				return msg_fail(m, STATUS_INVALID,
						"Sections: '%.30s' is not a section (%s, or all).", tok,
						list);
			}
		}
	}
	out[0] = '\0';
	for (int i = 0; sections[i]; i++)
		if (want[i])
			at += (size_t)snprintf(out + at, size > at ? size - at : 0, "%s%s",
					       at ? "," : "", sections[i]);
	return STATUS_OK;
}

static const char *default_category(const db_request_t *r)
{
	if (strcmp(r->category, "patient") == 0 || strcmp(r->category, "representative") == 0)
		return "to_patient";
	if (strcmp(r->auth, "on_file") == 0)
		return "authorized";
	if (strcmp(r->category, "provider") == 0)
		return "treatment";
	if (strcmp(r->category, "payer") == 0)
		return "payment";
	if (strcmp(r->category, "attorney") == 0)
		return "judicial";
	if (strcmp(r->category, "law_enforcement") == 0)
		return "law_enforcement";
	if (strcmp(r->category, "public_health") == 0)
		return "public_health";
	return "other";
}

/* Apply `in` to st (validated); add: the first event. The disclosure
 * category is kept in code (free for ROI's own use). */
static status_t apply(session_t *s, req_state_t *st, const roi_input_t *in, int add, msg_t *m)
{
	db_request_t *r = &st->r;
	status_t ret = STATUS_OK;
	char list[200];
	struct {
		const char *v, *label;
		int idx, multi;
	} t[] = {{in->requester_name, "Requester name", F_REQUESTER, 0},
		 {in->recipient_name, "Recipient name", F_RECIPIENT, 0},
		 {in->recipient_address, "Recipient address", F_ADDRESS, 1},
		 {in->purpose, "Purpose", F_PURPOSE, 1},
		 {in->legal_basis, "Legal basis", F_BASIS, 1},
		 {in->note, "Note", F_NOTE, 1}};
	if (in->requester_kind) {
		if (!in_list(requesters, in->requester_kind)) {
			join(requesters, list, sizeof list);
			return msg_fail(m, STATUS_INVALID, "Requester: '%.30s' is not one of %s.",
					in->requester_kind, list);
		}
		text_copy(r->category, sizeof r->category, in->requester_kind);
	}
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (!t[i].v)
			continue;
		if ((ret = rights_text(t[i].label, t[i].v, t[i].multi, m)) != STATUS_OK ||
		    (ret = req_set(st, t[i].idx, t[i].v, m)) != STATUS_OK)
			return ret;
	}
	if (in->auth) {
		if (strcmp(in->auth, "on_file") && strcmp(in->auth, "not_required") &&
		    strcmp(in->auth, "pending"))
			return msg_fail(m, STATUS_INVALID,
					"Authorization: '%.20s' is not on_file, not_required or "
					"pending.",
					in->auth);
		text_copy(r->auth, sizeof r->auth, in->auth);
	}
	if (in->auth_signed && (ret = date_parse_msg("Authorization signed", in->auth_signed,
						      "1900-01-01", NULL, r->auth_signed, m)) !=
				       STATUS_OK)
		return ret;
	if (in->auth_expires && (ret = date_parse_msg("Authorization expires", in->auth_expires,
						       "1900-01-01", NULL, r->auth_expires, m)) !=
					STATUS_OK)
		return ret;
	if (in->sections && (ret = parse_sections(in->sections, r->parts, sizeof r->parts, m)) !=
				    STATUS_OK)
		return ret;
	if (add && !in->sections)
		parse_sections("all", r->parts, sizeof r->parts, m);
	if (in->from_date && *in->from_date &&
	    (ret = date_parse_msg("From date", in->from_date, "1900-01-01", NULL, r->from_date,
				  m)) != STATUS_OK)
		return ret;
	if (in->to_date && *in->to_date &&
	    (ret = date_parse_msg("To date", in->to_date, "1900-01-01", NULL, r->to_date, m)) !=
		    STATUS_OK)
		return ret;
	if (in->from_date && !*in->from_date)
		r->from_date[0] = '\0';
	if (in->to_date && !*in->to_date)
		r->to_date[0] = '\0';
	if (r->from_date[0] && r->to_date[0] && strcmp(r->from_date, r->to_date) > 0)
		return msg_fail(m, STATUS_INVALID, "From date %s is after to date %s.", r->from_date,
				r->to_date);
	if (in->fee && (ret = parse_fee(in->fee, &r->fee_cents, m)) != STATUS_OK)
		return ret;
	if (in->category) {
		if (!disclosure_category_valid(in->category))
			return msg_fail(m, STATUS_INVALID,
					"Category: '%.30s' is not a kind of disclosure.", in->category);
		text_copy(r->code, sizeof r->code, in->category);
	}
	if (in->received || add) {
		if ((ret = rights_date(s, "Received date", in->received, 0, r->received, m)) !=
		    STATUS_OK)
			return ret;
		if ((ret = rights_due(r->received, RIGHTS_ACCESS_DAYS + (r->extended ? RIGHTS_ACCESS_EXTEND : 0), r->due, m)) != STATUS_OK)
			return ret;
	}
	if (!r->category[0])
		return msg_fail(m, STATUS_INVALID, "Requester kind is required (--requester).");
	if (!st->f[F_RECIPIENT] || !*st->f[F_RECIPIENT])
		return msg_fail(m, STATUS_INVALID, "Recipient name is required.");
	if (!r->auth[0])
		text_copy(r->auth, sizeof r->auth,
			  strcmp(r->category, "patient") == 0 ? "not_required" : "pending");
	if (strcmp(r->auth, "on_file") == 0 && !r->auth_signed[0])
		return msg_fail(m, STATUS_INVALID,
				"Authorization on file needs the date it was signed (--auth-signed).");
	if (r->auth_expires[0] && r->auth_signed[0] && strcmp(r->auth_expires, r->auth_signed) < 0)
		return msg_fail(m, STATUS_INVALID, "The authorization expires before it was signed.");
	if (strcmp(r->auth, "not_required") == 0 && strcmp(r->category, "patient") != 0 &&
	    strcmp(r->category, "representative") != 0 && (!st->f[F_BASIS] || !*st->f[F_BASIS]))
		return msg_fail(m, STATUS_INVALID,
				"Authorization not required: give the legal basis (legal_basis).");
	return STATUS_OK;
}

static status_t new_state(req_state_t *st, msg_t *m)
{
	memset(st, 0, sizeof *st);
	for (int i = 0; i < REQ_FIELDS; i++)
		if (req_set(st, i, "", m) != STATUS_OK)
			return STATUS_NOMEM;
	text_copy(st->r.kind, sizeof st->r.kind, "roi");
	return STATUS_OK;
}

status_t roi_add(session_t *s, const char *patient, const roi_input_t *in, int64_t *n, msg_t *m)
{
	req_state_t st;
	int conf;
	char detail[120];
	status_t ret = session_require(s, ACT_ROI_MANAGE, m);
	if (ret != STATUS_OK)
		return ret;
	if ((ret = new_state(&st, m)) != STATUS_OK)
		goto out;
	if ((ret = apply(s, &st, in, 1, m)) != STATUS_OK)
		goto out;
	text_copy(st.r.status, sizeof st.r.status,
		  strcmp(st.r.auth, "pending") == 0 ? "awaiting_authorization" : "logged");
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		goto out;
	ret = patient_locate(s, patient, &st.r.prow, st.pid, &conf, m);
	if (ret == STATUS_OK) {
		snprintf(detail, sizeof detail, "roi logged, requester %s, due %s", st.r.category,
			 st.r.due);
		ret = req_append(s, &st, "add", "roi_add", detail, m);
	}
	ret = finish(s, ret, m);
	if (ret == STATUS_OK) {
		*n = st.r.req;
		msg_fail(m, STATUS_OK, "ROI request %" PRId64 " logged; due %s.", st.r.req, st.r.due);
	}
out:
	req_state_free(&st);
	return ret;
}

/* Load request n for a change (inside a new transaction); refuse a closed
 * one. */
static status_t change_begin(session_t *s, int64_t n, req_state_t *st, msg_t *m)
{
	status_t ret = session_require(s, ACT_ROI_MANAGE, m);
	memset(st, 0, sizeof *st);
	if (ret != STATUS_OK)
		return ret;
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		return ret;
	ret = req_load(s, "roi", n, st, m);
	if (ret == STATUS_OK && closed(st->r.status)) {
		ret = msg_fail(m, STATUS_CONFLICT, "ROI request %" PRId64 " is %s: it is closed.", n,
			       st->r.status);
		req_state_free(st);
	}
	if (ret != STATUS_OK)
		db_rollback(s->c->db);
	return ret;
}

status_t roi_update(session_t *s, int64_t n, const roi_input_t *in, const char *status,
		    msg_t *m)
{
	req_state_t st;
	char detail[120];
	status_t ret;
	if (status && (!in_list(statuses, status) || strcmp(status, "released") == 0 ||
		       strcmp(status, "denied") == 0))
		return msg_fail(m, STATUS_INVALID,
				"Status: '%.30s' is not logged, awaiting_authorization, in_process "
				"or withdrawn (release and deny have their own commands).",
				status);
	if ((ret = change_begin(s, n, &st, m)) != STATUS_OK)
		return ret;
	if (in)
		ret = apply(s, &st, in, 0, m);
	if (ret == STATUS_OK && status) {
		text_copy(st.r.status, sizeof st.r.status, status);
		if (strcmp(status, "withdrawn") == 0)
			rights_today(s, st.r.closed_on);
	}
	if (ret == STATUS_OK) {
		snprintf(detail, sizeof detail, "roi %" PRId64 " updated, status %s", n, st.r.status);
		ret = req_append(s, &st, "update", "roi_update", detail, m);
	}
	ret = finish(s, ret, m);
	if (ret == STATUS_OK)
		msg_fail(m, STATUS_OK, "ROI request %" PRId64 " updated (%s).", n, st.r.status);
	req_state_free(&st);
	return ret;
}

status_t roi_extend(session_t *s, int64_t n, const char *reason, msg_t *m)
{
	req_state_t st;
	char today[DATE_ISO_SIZE], detail[120];
	status_t ret;
	if (!reason || !*reason)
		return msg_fail(m, STATUS_INVALID,
				"An extension needs the written reason given to the requester.");
	if ((ret = rights_text("Reason", reason, 1, m)) != STATUS_OK)
		return ret;
	if ((ret = change_begin(s, n, &st, m)) != STATUS_OK)
		return ret;
	rights_today(s, today);
	if (st.r.extended)
		ret = msg_fail(m, STATUS_CONFLICT,
			       "ROI request %" PRId64 " was extended already (one extension only).",
			       n);
	else if (rights_days_left(today, st.r.due) < 0)
		ret = msg_fail(m, STATUS_CONFLICT,
			       "ROI request %" PRId64 " was due %s: an extension must be given "
			       "before the due date.",
			       n, st.r.due);
	if (ret == STATUS_OK) {
		st.r.extended = 1;
		ret = rights_due(st.r.received, RIGHTS_ACCESS_DAYS + RIGHTS_ACCESS_EXTEND, st.r.due,
				 m);
	}
	if (ret == STATUS_OK)
		ret = req_set(&st, F_EXTEND, reason, m);
	if (ret == STATUS_OK) {
		snprintf(detail, sizeof detail, "roi %" PRId64 " extended to %s", n, st.r.due);
		ret = req_append(s, &st, "extend", "roi_extend", detail, m);
	}
	ret = finish(s, ret, m);
	if (ret == STATUS_OK)
		msg_fail(m, STATUS_OK, "ROI request %" PRId64 " extended; now due %s.", n, st.r.due);
	req_state_free(&st);
	return ret;
}

status_t roi_deny(session_t *s, int64_t n, const char *reason, msg_t *m)
{
	req_state_t st;
	char detail[120];
	status_t ret;
	if (!reason || !*reason)
		return msg_fail(m, STATUS_INVALID, "A denial needs its reason.");
	if ((ret = rights_text("Reason", reason, 1, m)) != STATUS_OK)
		return ret;
	if ((ret = change_begin(s, n, &st, m)) != STATUS_OK)
		return ret;
	text_copy(st.r.status, sizeof st.r.status, "denied");
	rights_today(s, st.r.closed_on);
	ret = req_set(&st, F_DENY, reason, m);
	if (ret == STATUS_OK) {
		snprintf(detail, sizeof detail, "roi %" PRId64 " denied", n);
		ret = req_append(s, &st, "deny", "roi_deny", detail, m);
	}
	ret = finish(s, ret, m);
	if (ret == STATUS_OK)
		msg_fail(m, STATUS_OK, "ROI request %" PRId64 " denied.", n);
	req_state_free(&st);
	return ret;
}

/* May it be released now? */
static status_t releasable(session_t *s, const req_state_t *st, msg_t *m)
{
	char today[DATE_ISO_SIZE];
	const db_request_t *r = &st->r;
	int access = strcmp(r->category, "patient") == 0 || strcmp(r->category, "representative") == 0;
	rights_today(s, today);
	if (closed(r->status))
		return msg_fail(m, STATUS_CONFLICT, "ROI request %" PRId64 " is %s: it is closed.",
				r->req, r->status);
	if (strcmp(r->auth, "pending") == 0 && !access)
		return msg_fail(m, STATUS_CONFLICT,
				"ROI request %" PRId64 " is awaiting authorization: record the "
				"authorization (roi update --auth on_file) before releasing.",
				r->req);
	if (strcmp(r->auth, "on_file") == 0 && r->auth_expires[0] &&
	    strcmp(r->auth_expires, today) < 0)
		return msg_fail(m, STATUS_CONFLICT,
				"The authorization for ROI request %" PRId64 " expired on %s.", r->req,
				r->auth_expires);
	return STATUS_OK;
}

status_t roi_release(session_t *s, int64_t n, const char *path, int64_t *disclosure_n, msg_t *m)
{
	return roi_release_as(s, n, path, ROI_TEXT, disclosure_n, m);
}

status_t roi_release_as(session_t *s, int64_t n, const char *path, roi_format_t format,
			int64_t *disclosure_n, msg_t *m)
{
	req_state_t st;
	int reading = 0, fd = -1, made = 0;
	FILE *f = NULL;
	char detail[160], today[DATE_ISO_SIZE];
	disclosure_t d;
	int64_t dn = 0;
	status_t ret = session_require(s, ACT_ROI_MANAGE, m);
	memset(&st, 0, sizeof st);
	if (ret != STATUS_OK)
		return ret;
	if (!path || !*path)
		return msg_fail(m, STATUS_INVALID, "Release needs a file to write (--out FILE).");
	/* first look, outside a write: the request as it is */
	if ((ret = db_read_begin(s->c->db, &reading, m)) != STATUS_OK)
		return ret;
	ret = req_load(s, "roi", n, &st, m);
	db_read_end(s->c->db, reading);
	if (ret == STATUS_OK)
		ret = releasable(s, &st, m);
	if (ret != STATUS_OK)
		goto out;
	if ((ret = userfile_open(path, O_WRONLY | O_CREAT | O_EXCL, 0600, &fd, m)) != STATUS_OK) {
		if (errno == EEXIST)
			ret = msg_fail(m, STATUS_EXISTS, "%s exists: a release never overwrites a file.",
				       path);
		goto out;
	}
	made = 1;
	if (fchmod(fd, 0600) != 0 || !(f = fdopen(fd, "w"))) {
		ret = msg_fail(m, STATUS_ERR, "Cannot write %s: %s.", path, strerror(errno));
		close(fd);
		goto out;
	}
	ret = format == ROI_FHIR ? roi_write_release_fhir(s, &st, f, m)
				 : roi_write_release(s, &st, f, m);
	if (fclose(f) != 0 && ret == STATUS_OK)
		ret = msg_fail(m, STATUS_ERR, "Cannot write %s: %s.", path, strerror(errno));
	if (ret != STATUS_OK)
		goto out;
	req_state_free(&st);
	/* then the record of it, in one transaction */
	if ((ret = db_begin(s->c->db, m)) != STATUS_OK)
		goto out;
	ret = req_load(s, "roi", n, &st, m);
	if (ret == STATUS_OK)
		ret = releasable(s, &st, m);
	if (ret == STATUS_OK) {
		char desc[300];
		int k = snprintf(desc, sizeof desc,
				 "Release of information, request %" PRId64 "%s: %s", n,
				 format == ROI_FHIR ? " (FHIR R4)" : "", st.r.parts);
		if ((st.r.from_date[0] || st.r.to_date[0]) && k > 0 && (size_t)k < sizeof desc)
			snprintf(desc + k, sizeof desc - (size_t)k, " (%s to %s)",
				 st.r.from_date[0] ? st.r.from_date : "start",
				 st.r.to_date[0] ? st.r.to_date : "the release");
		rights_today(s, today);
		memset(&d, 0, sizeof d);
		d.date = today;
		d.category = st.r.code[0] ? st.r.code : default_category(&st.r);
		d.recipient_name = st.f[F_RECIPIENT];
		d.recipient_address = st.f[F_ADDRESS];
		d.description = desc;
		d.purpose = st.f[F_PURPOSE];
		ret = disclosure_record_for(s, st.pid, &d, "roi", n, &dn, m);
	}
	if (ret == STATUS_OK) {
		text_copy(st.r.status, sizeof st.r.status, "released");
		rights_today(s, st.r.closed_on);
		st.r.disclosure = dn;
		ret = req_set(&st, F_FILE, path, m);
	}
	if (ret == STATUS_OK) {
		snprintf(detail, sizeof detail, "roi %" PRId64 " released (disclosure %" PRId64 ")", n,
			 dn);
		ret = req_append(s, &st, "release", "roi_release", detail, m);
	}
	ret = finish(s, ret, m);
	if (ret == STATUS_OK) {
		made = 0;
		if (disclosure_n)
			*disclosure_n = dn;
		msg_fail(m, STATUS_OK,
			 "ROI request %" PRId64 " released to %s; disclosure %" PRId64 " recorded.", n,
			 path, dn);
	}
out:
	if (made)
		userfile_unlink(path);
	req_state_free(&st);
	return ret;
}

/* ---- reading ---- */

static void fill_info(session_t *s, const req_state_t *st, roi_info_t *o, const char *today)
{
	const db_request_t *r = &st->r;
	memset(o, 0, sizeof *o);
	o->n = r->req;
	rights_patient_label(s, r->prow, o->mrn, o->patient_name);
	text_copy(o->status, sizeof o->status, r->status);
	text_copy(o->requester_kind, sizeof o->requester_kind, r->category);
	text_copy(o->category, sizeof o->category, r->code[0] ? r->code : default_category(r));
	text_copy(o->sections, sizeof o->sections, r->parts);
	text_copy(o->from_date, sizeof o->from_date, r->from_date);
	text_copy(o->to_date, sizeof o->to_date, r->to_date);
	text_copy(o->auth, sizeof o->auth, r->auth);
	text_copy(o->auth_signed, sizeof o->auth_signed, r->auth_signed);
	text_copy(o->auth_expires, sizeof o->auth_expires, r->auth_expires);
	text_copy(o->received, sizeof o->received, r->received);
	text_copy(o->due, sizeof o->due, r->due);
	text_copy(o->closed_on, sizeof o->closed_on, r->closed_on);
	o->extended = r->extended;
	o->open = !closed(r->status);
	o->days_left = rights_days_left(today, r->due);
	o->overdue = o->open && o->days_left < 0;
	o->fee_cents = r->fee_cents;
	o->disclosure = r->disclosure;
	text_copy(o->last_event, sizeof o->last_event, r->ev);
	text_copy(o->updated_at, sizeof o->updated_at, r->at);
	text_copy(o->updated_by, sizeof o->updated_by, r->by_user);
	text_copy(o->logged_at, sizeof o->logged_at, st->opened_at);
	text_copy(o->logged_by, sizeof o->logged_by, st->opened_by);
	o->requester_name = st->f[F_REQUESTER];
	o->recipient_name = st->f[F_RECIPIENT];
	o->recipient_address = st->f[F_ADDRESS];
	o->purpose = st->f[F_PURPOSE];
	o->legal_basis = st->f[F_BASIS];
	o->extension_reason = st->f[F_EXTEND];
	o->denial_reason = st->f[F_DENY];
	o->note = st->f[F_NOTE];
	o->file = st->f[F_FILE];
}

typedef struct view_ctx {
	session_t *s;
	int (*fn)(const roi_info_t *r, void *arg);
	void *arg;
	char today[DATE_ISO_SIZE];
	int64_t asked; /* a list of one chart: its prow (rows of others are merged in) */
	const char *filter;
	roi_info_t info;
} view_ctx_t;

static int view_one(const req_state_t *st, void *arg)
{
	view_ctx_t *c = arg;
	fill_info(c->s, st, &c->info, c->today);
	return c->fn(&c->info, c->arg);
}

static int list_one(req_state_t *st, void *arg)
{
	view_ctx_t *c = arg;
	fill_info(c->s, st, &c->info, c->today);
	c->info.merged_in = c->asked && st->r.prow != c->asked;
	if (c->filter && *c->filter) {
		if (strcmp(c->filter, "open") == 0 ? !c->info.open
		    : strcmp(c->filter, "overdue") == 0 ? !c->info.overdue
							 : strcmp(c->filter, c->info.status) != 0)
			return 0;
	}
	return c->fn(&c->info, c->arg);
}

static status_t view(session_t *s, int64_t n, int history,
		     int (*fn)(const roi_info_t *r, void *arg), void *arg, msg_t *m)
{
	view_ctx_t c;
	status_t ret = session_require(s, ACT_ROI_MANAGE, m);
	if (ret != STATUS_OK)
		return ret;
	memset(&c, 0, sizeof c);
	c.s = s;
	c.fn = fn;
	c.arg = arg;
	rights_today(s, c.today);
	return req_view(s, "roi", n, history, view_one, &c, m);
}

status_t roi_get(session_t *s, int64_t n, int (*fn)(const roi_info_t *r, void *arg), void *arg,
		 msg_t *m)
{
	return view(s, n, 0, fn, arg, m);
}

status_t roi_history(session_t *s, int64_t n, int (*fn)(const roi_info_t *r, void *arg),
		     void *arg, msg_t *m)
{
	return view(s, n, 1, fn, arg, m);
}

status_t roi_list(session_t *s, const char *patient, const char *filter,
		  int (*fn)(const roi_info_t *r, void *arg), void *arg, msg_t *m)
{
	view_ctx_t c;
	int64_t prow = 0, merged[REQ_MERGED_MAX];
	int reading = 0, conf, nmerged = 0;
	char pid[33] = "";
	status_t ret = session_require(s, ACT_ROI_MANAGE, m);
	if (ret != STATUS_OK)
		return ret;
	if (filter && *filter && strcmp(filter, "open") && strcmp(filter, "overdue") &&
	    !in_list(statuses, filter))
		return msg_fail(m, STATUS_INVALID,
				"Filter: '%.30s' is not open, overdue or a status.", filter);
	memset(&c, 0, sizeof c);
	c.s = s;
	c.fn = fn;
	c.arg = arg;
	c.filter = filter;
	rights_today(s, c.today);
	if (patient && *patient &&
	    (ret = patient_locate(s, patient, &prow, pid, &conf, m)) != STATUS_OK)
		return ret;
	if ((ret = audit_note(s, "roi_list", pid, "ok", filter ? filter : "", 0, m)) != STATUS_OK)
		return ret;
	c.asked = prow;
	if ((ret = req_merged_into(s, prow, "roi_list", merged, REQ_MERGED_MAX, &nmerged, m)) !=
	    STATUS_OK)
		return ret;
	if ((ret = db_read_begin(s->c->db, &reading, m)) != STATUS_OK)
		return ret;
	ret = req_each(s, "roi", prow, list_one, &c, m);
	/* and the requests of every chart merged into it, each marked */
	for (int k = 0; ret == STATUS_OK && k < nmerged; k++)
		ret = req_each(s, "roi", merged[k], list_one, &c, m);
	db_read_end(s->c->db, reading);
	return ret;
}
