/* pair_mac.c - the MAC of a row naming two charts (core/pair_mac.h). */
#include "core/pair_mac.h"

#include <stdlib.h>

#include <sodium.h>

#include "base/text.h"
#include "core/integrity.h"
#include "core/internal.h"
#include "db/db_patients.h"

status_t pair_patient_id(session_t *s, int64_t prow, char pid[33], msg_t *m)
{
	db_patient_row_t *row = malloc(sizeof *row);
	status_t ret;
	if (!row)
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	if ((ret = db_patient_get_ident(s->c->db, prow, row, m)) == STATUS_OK)
		text_copy(pid, 33, row->id);
	free(row);
	return ret;
}

status_t pair_mac(session_t *s, const pair_mac_in_t *in, const char *pa, const char *pb,
                  int version, unsigned char out[PAIR_MAC_LEN], msg_t *m)
{
	lpbuf_t b = {0};
	status_t ret;
	if (version <= 0)
		version = keyring_version(s->kr, DOMAIN_DEMO);
	if (!keyring_has(s->kr, DOMAIN_DEMO))
		return msg_fail(m, STATUS_DENIED,
		                "Your account does not hold the demo key %s is checked with.",
		                in->what);
	lpbuf_str(&b, in->label);
	lpbuf_str(&b, in->num);
	lpbuf_str(&b, pa);
	lpbuf_str(&b, pb);
	if (in->more)
		in->more(&b, in->arg);
	if (b.bad) {
		lpbuf_free(&b);
		return msg_fail(m, STATUS_NOMEM, "Out of memory.");
	}
	out[0] = PAIR_MAC_FORMAT;
	out[1] = (unsigned char)version;
	ret = crypto_integrity_mac(s->kr, version, b.p, b.len, out + 2, NULL, m);
	lpbuf_free(&b);
	return ret;
}

status_t pair_check(session_t *s, const pair_mac_in_t *in, const pair_row_t *r, char pa[33],
                    char pb[33], msg_t *m)
{
	unsigned char mac[PAIR_MAC_LEN];
	int version = 0;
	status_t ret;
	if (r->mac_len == PAIR_MAC_LEN && r->mac[0] == PAIR_MAC_FORMAT && r->mac[1] &&
	    keyring_has_version(s->kr, DOMAIN_DEMO, r->mac[1]))
		version = r->mac[1];
	ret = pair_patient_id(s, r->prow_a, pa, m);
	if (ret == STATUS_OK)
		ret = pair_patient_id(s, r->prow_b, pb, m);
	if (ret != STATUS_OK && ret != STATUS_NOTFOUND)
		return ret;
	if (ret == STATUS_OK && (ret = pair_mac(s, in, pa, pb, version, mac, m)) != STATUS_OK)
		return ret;
	if (ret != STATUS_OK || r->toolong || r->mac_len != PAIR_MAC_LEN ||
	    sodium_memcmp(mac, r->mac, PAIR_MAC_LEN) != 0)
		return integrity_fail(m, r->table, r->row, "does not match its MAC");
	return STATUS_OK;
}
