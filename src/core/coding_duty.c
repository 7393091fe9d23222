/* coding_duty.c - separation of duties in coding ([codes]
 * verify_by_other): who coded an encounter since its coding was last
 * verified or finalised, read from the audit trail of its chart (each
 * coding change's chained entry, its detail decrypted with the audit key
 * every role holds), and the rule that keeps them from verifying it. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/coding_internal.h"
#include "core/crypto.h"
#include "core/internal.h"
#include "db/db_audit.h"

static int is_action(const char *a, const char *const *set)
{
	for (int i = 0; set[i]; i++)
		if (strcmp(a, set[i]) == 0)
			return 1;
	return 0;
}

struct coders_ctx {
	session_t *s;
	char prefix[48]; /* "encounter N " */
	char *out;
	size_t size;
	int me; /* the session's user is one of them */
	status_t ret;
	msg_t *m;
};

/* Newest first, the patient's entries: the coding entries about this
 * encounter, back to the latest verification or finalisation. */
static int coders_each(const db_audit_row_t *r, void *arg)
{
	static const char *const coding[] = {"coding_change", "coding_complete", "coding_verify",
					      "coding_finalize", NULL};
	static const char *const checked[] = {"coding_verify", "coding_finalize", NULL};
	struct coders_ctx *c = arg;
	char *plain = NULL, rowid[32];
	size_t plen = 0, o;
	int about;
	msg_t why;
	if (!is_action(r->action, coding))
		return 0;
	snprintf(rowid, sizeof rowid, "%" PRId64, r->seq);
	if (!r->has_detail ||
	    crypto_field_decrypt(c->s->kr, DOMAIN_AUDIT, "audit", "detail", rowid, r->detail,
				 r->detail_len, &plain, &plen, &why) != STATUS_OK) {
		crypto_free_plain(plain, plen);
		c->ret = msg_fail(c->m, STATUS_INTEGRITY,
				  "Integrity check failed: audit record %" PRId64
				  " (a coding entry) cannot be read; who coded this encounter is not "
				  "known, so it cannot be verified.",
				  r->seq);
		return 1;
	}
	about = strncmp(plain, c->prefix, strlen(c->prefix)) == 0;
	crypto_free_plain(plain, plen);
	if (!about)
		return 0;
	if (is_action(r->action, checked))
		return 1;
	if ((r->user_id[0] && strcmp(r->user_id, c->s->user.id) == 0) ||
	    strcmp(r->user_name, c->s->user.name) == 0)
		c->me = 1;
	/* The list, each name once. */
	for (const char *p = c->out; *p;) {
		size_t n = strcspn(p, ",");
		if (n == strlen(r->user_name) && strncmp(p, r->user_name, n) == 0)
			return 0;
		p += n;
		p += strspn(p, ", ");
	}
	o = strlen(c->out);
	if (o + strlen(r->user_name) + 3 < c->size)
		snprintf(c->out + o, c->size - o, "%s%s", o ? ", " : "", r->user_name);
	return 0;
}

status_t coding_coders(session_t *s, const char *pid, int64_t erow, char *out, size_t size,
			  int *me, msg_t *m)
{
	struct coders_ctx c;
	status_t ret;
	memset(&c, 0, sizeof c);
	c.s = s;
	snprintf(c.prefix, sizeof c.prefix, "encounter %lld ", (long long)erow);
	c.out = out;
	c.size = size;
	c.m = m;
	out[0] = '\0';
	ret = db_audit_for_target(s->c->db, pid, NULL, NULL, 0, coders_each, &c, m);
	if (ret == STATUS_OK)
		ret = c.ret;
	if (me)
		*me = c.me;
	return ret;
}

status_t coding_may_verify(session_t *s, const coding_t *c, const char *to, msg_t *m)
{
	char coders[160];
	int me = 0;
	status_t ret;
	if (!s->c->cfg->verify_by_other)
		return STATUS_OK;
	if (strcmp(to, "verified") != 0 && !(strcmp(to, "final") == 0 && strcmp(c->status, "coded") == 0))
		return STATUS_OK;
	if ((ret = coding_coders(s, c->patient_id, c->erow, coders, sizeof coders, &me, m)) !=
	    STATUS_OK)
		return ret;
	if (!me)
		return STATUS_OK;
	if (strcmp(to, "verified") == 0)
		return msg_fail(m, STATUS_DENIED,
				"Refused by the rule [codes] verify_by_other: you coded encounter "
				"%lld (coded by %s since it was last verified), so someone else must "
				"verify it.",
				(long long)c->erow, coders);
	return msg_fail(m, STATUS_DENIED,
			"Refused by the rule [codes] verify_by_other: you coded encounter %lld "
			"(coded by %s since it was last verified), and finalising it from coded "
			"would skip the verification; someone else must verify it first.",
			(long long)c->erow, coders);
}
